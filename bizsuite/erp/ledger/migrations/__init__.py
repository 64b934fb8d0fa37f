"""The ledger module's Alembic revisions (branch ``ledger``); see bizsuite/migrations."""
