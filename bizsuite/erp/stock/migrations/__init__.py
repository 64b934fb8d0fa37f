"""The stock module's Alembic revisions (branch ``stock``); see bizsuite/migrations."""
