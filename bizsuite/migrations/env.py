"""Alembic environment: runs on the connection bizsuite hands it (see ``upgrade_if_needed``)."""

from alembic import context
from sqlmodel import SQLModel

from bizsuite.core.modules import load_models
from bizsuite.migrations.filters import include_object

load_models()  # every installed module's tables
target_metadata = SQLModel.metadata


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
