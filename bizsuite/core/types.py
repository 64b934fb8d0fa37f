"""Column types shared by every module."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, ForeignKey, Integer
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes, stored as naive UTC so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use bizsuite.core.clock.now()")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL results on SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


def fk(table: str, *, nullable: bool = False, index: bool = False) -> Column:
    """An integer column referring to ``table.id`` that refuses to let the row it names be deleted."""
    return Column(Integer, ForeignKey(f"{table}.id", ondelete="RESTRICT"), nullable=nullable, index=index)


def sql_in(column: str, values) -> str:
    """``kind IN ('a', 'b')`` for a CHECK constraint over a module's own fixed words."""
    words = list(values)
    if not all(isinstance(v, str) and v.isidentifier() and v.isascii() for v in words):
        raise ValueError(f"sql_in takes plain words, not {words!r}")
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in words) + ")"
