"""The pipeline module's Alembic revisions (branch ``pipeline``)."""
