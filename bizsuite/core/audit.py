"""The audit log: one mechanism for every insert, update and delete, in every module.

An ``after_flush`` listener on SQLAlchemy sessions writes one ``audit_log`` row per changed
ORM object, with the acting user from ``session.info["actor"]``. Bulk operations that bypass
the ORM (imports, merges) call :func:`record_many` themselves, in the same transaction.

A model may list attributes to leave out (derived or bookkeeping columns) in
``__audit_exclude__``.

The log is a hash chain (:mod:`bizsuite.core.chain`): every row, however it was written (this
listener, :func:`record_many`, :func:`record_inserts`, a module's own executemany), is sealed
when its unit of work commits, and ``bizsuite check`` names the first row changed or deleted
since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from bizsuite.core import chain, clock
from bizsuite.core.auth import Actor
from bizsuite.core.models import AuditEntry

# The audit log is a hash chain (core/chain.py): each row is sealed, when its unit of work
# commits, with the previous row's seal and its own content. ``bizsuite check`` names the first
# row that was changed, or that follows a deleted one. Sealed last, after the modules' chains.
LOCK = "core.audit"
CHAIN = chain.register(chain.Chain(
    name="audit log", table=AuditEntry.__tablename__, noun="row", lock=LOCK,
    columns=("t.at", "t.actor", "t.via", "t.entity", "t.entity_id", "t.action", "t.changes"),
    times=("t.at",), order=100,
))

_ALWAYS_EXCLUDED = {"version", "updated_at", "updated_by", "created_at", "created_by"}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _excluded(obj) -> set[str]:
    return _ALWAYS_EXCLUDED | set(getattr(obj, "__audit_exclude__", ()))


def _identity(obj) -> str:
    state = inspect(obj)
    ident = state.identity or state.mapper.primary_key_from_instance(obj)
    return "/".join(str(i) for i in ident)


@dataclass
class Change:
    entity: str
    entity_id: Any
    action: str
    changes: dict

    def row(self, actor: Actor, at: datetime) -> dict:
        return {
            "at": at,
            "actor": actor.name,
            "via": actor.via,
            "entity": self.entity,
            "entity_id": str(self.entity_id),
            "action": self.action,
            "changes": json.dumps(self.changes, ensure_ascii=False, sort_keys=True),
        }


def _changes_of(session: Session) -> list[Change]:
    out: list[Change] = []
    for obj in session.new:
        if isinstance(obj, AuditEntry):
            continue
        state = inspect(obj)
        skip = _excluded(obj)
        fields = {
            attr.key: [None, _plain(attr.value)]
            for attr in state.attrs
            if attr.key not in skip and attr.key in state.mapper.columns and attr.value is not None
        }
        out.append(Change(obj.__tablename__, _identity(obj), "insert", fields))
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        skip = _excluded(obj)
        fields = {}
        for attr in state.attrs:
            if attr.key in skip or attr.key not in state.mapper.columns:
                continue
            hist = attr.history
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if old != new:
                    fields[attr.key] = [_plain(old), _plain(new)]
        if fields:
            out.append(Change(obj.__tablename__, _identity(obj), "update", fields))
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            continue
        state = inspect(obj)
        skip = _excluded(obj)
        fields = {
            attr.key: [_plain(attr.loaded_value), None]
            for attr in state.attrs
            if attr.key not in skip and attr.key in state.mapper.columns
            and attr.loaded_value is not None
        }
        out.append(Change(obj.__tablename__, _identity(obj), "delete", fields))
    return out


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    actor: Actor | None = session.info.get("actor")
    if actor is None:
        return
    changes = _changes_of(session)
    if changes:
        at = clock.now()
        session.connection().execute(
            insert(AuditEntry.__table__), [c.row(actor, at) for c in changes]
        )


def record_many(session: Session, changes: Iterable[Change]) -> int:
    """Record changes made without the ORM (bulk imports, merges) in the same transaction."""
    actor: Actor = session.info["actor"]
    at = clock.now()
    from bizsuite.core.db import bulk_insert

    rows = [c.row(actor, at) for c in changes]
    return bulk_insert(session, AuditEntry.__table__, rows)


# Bulk loads (imports) of up to this many records are audited record by record, with every
# field; larger ones (moving years of books or a whole address book in) by one row for the load:
# who, when, which file, how many, and the range of ids it created (``6-100005``), which
# ``admin.audit(entity_id=…)`` finds for any id in it. Each record still carries its own
# created_by/created_at, and every later change to it is audited field by field. The same rule
# for every module; the ledger adopted it first (100k per-entry rows were 0.4 s of a 3 s import).
EACH_UP_TO = 10_000


def record_load(session: Session, entity: str, ids: Sequence[int], fields: dict) -> int:
    """Audit a bulk load of more than :data:`EACH_UP_TO` records with one row: ``fields``
    (source, counts…) as inserted values, the id range as the row's id."""
    if not ids:
        return 0
    return record_many(session, [Change(entity, f"{min(ids)}-{max(ids)}", "insert",
                                        {k: [None, v] for k, v in fields.items()})])


def covers(entity_id: str, wanted: str) -> bool:
    """Whether an audit row's id (``42`` or a load's ``6-100005``) is, or includes, ``wanted``."""
    if entity_id == wanted:
        return True
    first, sep, last = entity_id.partition("-")
    return bool(sep) and first.isdigit() and last.isdigit() and wanted.isdigit() and \
        int(first) <= int(wanted) <= int(last)


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_STRING = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept (C)


def encode_insert(fields: dict) -> str:
    """The ``changes`` text of an insert of ``fields`` (what :func:`record_many` would write);
    bulk imports build it in their worker processes.

    Text-only fields (every bulk import's case) are written directly: the same characters as
    the JSON encoder gives (a test holds them equal), at a third of the cost.
    """
    parts = []
    for k in sorted(fields):
        v = fields[k]
        if type(v) is not str or type(k) is not str:
            return _ENCODE({k: [None, v] for k, v in fields.items()})
        parts.append(f"{_STRING(k)}: [null, {_STRING(v)}]")
    return "{" + ", ".join(parts) + "}"


def record_inserts(session: Session, entity: str, items: Iterable[tuple[Any, dict | str]]) -> int:
    """Audit bulk inserts: ``items`` are (id, {field: new value}) or (id, :func:`encode_insert`
    text); the same rows as :func:`record_many` writes, without an object per row."""
    from bizsuite.core.db import indexes_rebuilt, insert_rows

    actor: Actor = session.info["actor"]
    rows = [(str(i), fields if isinstance(fields, str) else encode_insert(fields)) for i, fields in items]
    constant = {"at": clock.now(), "actor": actor.name, "via": actor.via, "entity": entity, "action": "insert"}
    with indexes_rebuilt(session, AuditEntry.__tablename__, adding=len(rows)):
        insert_rows(session.connection(), AuditEntry.__table__, ["entity_id", "changes"], constant, rows)
    return len(rows)
