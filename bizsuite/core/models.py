"""Tables that belong to no single module: settings, users, the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from bizsuite.core.types import UTCDateTime

# Naming convention so Alembic and both databases agree on constraint names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Pydantic builds a validator and a serializer for each model class as it is defined: a third of
# the time it takes to import a module's models, on every command. Table models are never
# validated by pydantic (SQLModel constructs them), so that is built on first use, if ever.
SQLModel.model_config["defer_build"] = True


class Setting(SQLModel, table=True):
    __tablename__ = "settings"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, index=False)
    role: str = Field(max_length=20)
    active: bool = Field(default=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=64)


class AuditEntry(SQLModel, table=True):
    """One change, by whom, when. Chained (core/chain.py): ``seal_no``/``seal`` are set when the
    unit of work that wrote the row commits, once (the database refuses a second time)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor", "actor"),
        Index("uq_audit_log_seal_no", "seal_no", unique=True),
        # the rows waiting for their seal: only this unit of work's, so the index stays tiny
        Index("ix_audit_log_unsealed", "id", sqlite_where=text("seal IS NULL"), postgresql_where=text("seal IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(max_length=64)
    via: str | None = Field(default=None, max_length=64)
    entity: str = Field(max_length=64)
    entity_id: str = Field(max_length=64)
    action: str = Field(max_length=10)  # insert, update, delete
    changes: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    seal_no: int | None = Field(default=None)  # place in the chain
    seal: str | None = Field(default=None, max_length=64)  # SHA-256 hex of the previous seal and this row
