"""The contacts module's Alembic revisions (branch ``contacts``); see bizsuite/migrations."""
