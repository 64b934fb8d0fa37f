"""Records that clerks edit carry a version — one mechanism for every module.

A table opts in by mixing in :class:`Versioned` (it has a ``version`` integer column), and the
repository bumps ``version`` once per change a person makes (:func:`touch`). SQLAlchemy's
``version_id_col`` adds ``WHERE version = <the version read>`` to every UPDATE of the row, so a
write that lands between our read and our write is refused (``StaleDataError``, which the store
turns into :class:`StaleRecord`) instead of silently overwritten. The version counts changes, not
flushes (``version_id_generator=False``: a repository that flushes twice in one change still
moves it by one). On top of that a clerk's form remembers the version it opened, and the
repository calls :func:`expect` before saving: a copy older than the record is refused with who
changed it and when.
"""

from __future__ import annotations

from sqlalchemy.orm import declared_attr

from bizsuite.core import clock
from bizsuite.core.errors import StaleRecord


class Versioned:
    """Mixin for SQLModel tables with a ``version: int`` column."""

    @declared_attr
    def __mapper_args__(cls):  # noqa: N805 - SQLAlchemy's declared_attr receives the class
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}


def expect(record, expected_version: int | None, what: str) -> None:
    """Refuse a save made from a copy older than ``record`` (``expected_version`` is the version
    the clerk's screen or script read; None: no check)."""
    if expected_version is not None and record.version != expected_version:
        when = record.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        raise StaleRecord(
            f"{what} was changed by {record.updated_by} at {when} since you opened it; "
            "nothing was saved — reload it and make your change again"
        )


def touch(record, actor_name: str, now=None) -> None:
    """One change by ``actor_name``: the next version, who and when."""
    record.version = (record.version or 0) + 1
    record.updated_at = now or clock.now()
    record.updated_by = actor_name
