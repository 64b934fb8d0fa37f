"""The one source of "now".

Everything that needs the current time asks this module, so tests and snapshots can freeze it
with :func:`freeze` (or the ``BIZSUITE_FROZEN_NOW`` environment variable, used by subprocess
tests of the CLI).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date, datetime, timezone

_frozen: datetime | None = None


def _env_frozen() -> datetime | None:
    raw = os.environ.get("BIZSUITE_FROZEN_NOW")
    if not raw:
        return None
    value = datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    if _frozen is not None:
        return _frozen
    env = _env_frozen()
    if env is not None:
        return env
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
