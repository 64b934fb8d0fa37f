"""The one source of "now".

Everything that needs the current time asks this module. Tests and snapshots freeze it
in-process with :func:`freeze`; nothing in the environment can move it (audit rows and ticket
replies always carry the real time). Subprocess tests that need a frozen clock start Python
through a launcher in ``tests/`` that freezes it and then runs the command line.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in the local timezone of the machine."""
    return now().astimezone().date()


def set_now(value: datetime | None) -> None:
    global _frozen
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    _frozen = value


@contextmanager
def freeze(value: datetime):
    """Freeze :func:`now` at ``value`` inside the block."""
    previous = _frozen
    set_now(value)
    try:
        yield
    finally:
        set_now(previous)
