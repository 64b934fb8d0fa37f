"""The tickets module's Alembic revisions (branch ``tickets``); see bizsuite/migrations."""
