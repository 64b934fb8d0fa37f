"""Book-wide locks: how a step that must happen once, or alone, stays so with many writers.

The rule, for every module (ARCHITECTURE.md, "Concurrency"):

1. **What the product promises happens once is a unique constraint** in the schema (an import
   key, one closing per year, a document number). The database then refuses the second copy
   whatever the code above it does; the constraint is the proof, the lock below the manners.
2. **A step that reads the books and then writes on what it read** (an import that skips what
   is already there, closing a year, moving the lock date, the stock of one product) first takes
   a named lock with :func:`hold`, inside its unit of work. (Document numbers need no named
   lock: the series' row is locked by the UPDATE that advances it, core/numbering.py.) The lock is
   released when the unit of work commits or rolls back. A second writer waits for the first to
   finish, then reads what it wrote — it never sees the books half-changed and never decides on
   a stale read.
3. **Steps that only need the books not to change under them** (posting an entry must not land
   in a year being closed) hold the same name *shared*: many posters at once, but never while a
   closing holds it exclusively.

On SQLite a write unit of work already owns the whole file from its first statement (``BEGIN
IMMEDIATE``, core/db.py), so every writer is alone and :func:`hold` has nothing to add. On
PostgreSQL it is a transaction-level advisory lock (``pg_advisory_xact_lock``), keyed by the
name. Transactions run at READ COMMITTED, so a statement after the lock sees everything the
previous holder committed; nothing here needs a serialisation-failure retry.

Names are ``"<module>.<what>"`` (``"ledger.period"``, ``"ledger.import"``, ``"contacts.identity"``),
declared as constants by the module that owns the step. When one unit of work takes several,
it takes them in alphabetical order of name, so two writers can never wait on each other; the
hash chains' locks (core/chain.py) and the ledger's turnover row come after all of them, in the
order ARCHITECTURE.md ("Concurrency") gives. A unit of work that holds a name shared and then asks
for it alone upgrades it: harmless alone, but two units of work doing so at once deadlock on
PostgreSQL (it ends one of them with an error), so a step that will need a lock alone takes it
alone first.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text

_HELD = "bizsuite.locks"


def key(name: str) -> int:
    """The signed 64-bit advisory-lock key of ``name`` (stable across processes and versions)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def hold(session, name: str, *, shared: bool = False) -> None:
    """Hold the lock ``name`` until this unit of work ends; wait for it while another holds it.

    ``shared``: with other shared holders, but never with an exclusive one. Holding a name twice
    in one unit of work is free; an exclusive hold covers a shared one.
    """
    held: dict[str, bool] = session.info.setdefault(_HELD, {})
    if name in held and (held[name] or shared):
        return
    if session.get_bind().dialect.name == "postgresql":
        fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        session.execute(text(f"SELECT {fn}(:k)"), {"k": key(name)})
    held[name] = held.get(name, False) or not shared


def forget(session) -> None:
    """The unit of work ended (its locks went with it): called by Store.transaction."""
    session.info.pop(_HELD, None)
