"""The purchasing module's Alembic revisions (branch ``purchasing``); see bizsuite/migrations."""
