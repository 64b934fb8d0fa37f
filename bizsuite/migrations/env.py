"""Alembic environment: runs on the connection bizsuite hands it (see ``upgrade_if_needed``)."""

from alembic import context
from sqlmodel import SQLModel

import bizsuite.models_registry  # noqa: F401  (imports every module's tables)

target_metadata = SQLModel.metadata

# Objects that exist only on one database and are managed by hand in the revisions.
DIALECT_ONLY = {"contacts_fts", "ix_contacts_search_trgm"}


def include_object(obj, name, type_, reflected, compare_to):
    if name and (name in DIALECT_ONLY or name.startswith("contacts_fts")):
        return False
    return True


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("bizsuite runs migrations on its own connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
