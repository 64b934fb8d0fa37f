"""Hash chains: records that cannot be changed, or removed, without ``bizsuite check`` noticing.

Each record of a chained table (the audit log; a module's records such as posted ledger
entries) carries two columns, set once when the record is written and never again:

- ``seal_no``: its place in the chain (1, 2, 3…; unique);
- ``seal``: the SHA-256 of the previous record's seal and of this record's content, in a
  canonical encoding (:func:`encode`).

Changing a record changes its content, so its seal no longer matches; deleting one leaves the
record after it linked to a seal that is gone. :func:`verify` walks the chain in ``seal_no``
order and names the first record that does not match. Like Odoo's inalterability hash (French
books), this is tamper-*evident*, not tamper-proof: someone who can write the database and
knows this code can recompute every seal after the one they changed, and removing the newest
records leaves no trace in the chain itself.

**When records are sealed.** At the end of every unit of work (a ``before_commit`` listener,
below): the records not sealed yet — what this unit of work wrote, by the ORM or by bulk SQL
(``INSERT … SELECT``, executemany) alike — are sealed in id order, after the chain's current
head. Records that were already there unsealed when the unit of work began (written behind
bizsuite's back) are left unsealed (:func:`note_foreign`), so ``check`` keeps naming them. One robust place, whatever path wrote the rows; a chain is declared once
(:class:`Chain`, :func:`register`) by the code that owns the table.

**Concurrency.** On PostgreSQL two writers must never extend the chain from the same head: the
sealer holds the chain's lock (:func:`bizsuite.core.locks.hold`, exclusive) before it reads the
head, so the second writer waits, then reads the head the first one committed. Chain locks are
taken at the very end of a unit of work, after every other lock it holds, and module chains
before the audit log's (sealing a module's records writes nothing to the audit log): every
writer takes them in that same order, so two can never wait on each other. Ids come from
sequences, so on PostgreSQL a chain's order (``seal_no``) need not be id order; that is why the
place is a column of its own. On SQLite the writer owns the file, and the lock adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterable, Iterator, Sequence

from sqlalchemy import event, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

SEAL_NO = "seal_no"
SEAL = "seal"
SEAL_LENGTH = 64  # hex SHA-256
_CHUNK = 5_000  # rows fetched (and updates sent) at a time

_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _canon(value):
    """One value as the chain sees it; what :meth:`Chain.records` reads already is (text,
    integers, NULL: the SQL turns dates and times into text), so this is for values built in
    Python. Amounts are integer minor units (what both databases store); dates ``YYYY-MM-DD``;
    times ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC, as stored)."""
    if value is None or type(value) is int or type(value) is str:
        return value
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return int(value)
    return str(value)


def encode(record_id: int, content: Sequence) -> bytes:
    """The canonical bytes of a record: JSON of ``[id, *content]`` (an entry's lines a list of
    lists), no spaces, non-ASCII kept. ``content`` holds only text, integers and None."""
    return _encode_json([record_id, *content]).encode("utf-8")


def digest(previous: str | None, record_id: int, content: Sequence) -> str:
    """The seal of a record: SHA-256 (hex) of the previous seal (``""`` for the first), a
    separator, and :func:`encode` of the record."""
    return hashlib.sha256(f"{previous or ''}\x1e".encode("ascii") + encode(record_id, content)).hexdigest()


def _as_text(expr: str, kind: str, dialect: str) -> str:
    """A date or time column as the text SQLite stores (PostgreSQL formats it the same way)."""
    if dialect == "postgresql":
        return f"to_char({expr}, 'YYYY-MM-DD')" if kind == "date" else f"to_char({expr}, 'YYYY-MM-DD HH24:MI:SS.US')"
    return expr


@dataclass(frozen=True)
class Chain:
    """A chained table, declared by the code that owns it.

    ``columns``: SQL expressions (on alias ``t``) that make a record's content; ``children``:
    optionally, a ``LEFT JOIN`` clause (alias ``c``), the child columns, and their order — each
    child row (an entry's line) becomes a list in the content. ``dates``/``times``: which of
    those columns are dates and times (read as text, the same on both databases).
    ``eligible``: which rows belong in the chain (``t.status = 'posted'``); the others are never
    sealed. ``module``: the module whose tables these are (the chain is skipped when it is not
    installed); ``None`` for the core.
    """

    name: str  # "ledger", "audit log": how check reports it
    table: str
    noun: str  # "entry", "row"
    lock: str  # "ledger.chain"
    columns: tuple[str, ...]
    eligible: str = "1 = 1"
    join: str | None = None
    children: tuple[str, ...] = ()
    child_order: str | None = None
    dates: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    module: str | None = None
    model: type | None = None  # ORM class whose loaded objects get their seal too
    order: int = 0  # sealing order at commit: module chains (0) before the audit log (100)

    # -- reading ---------------------------------------------------------------------------
    def _select(self, where: str, order: str, dialect: str) -> str:
        def col(expr: str) -> str:
            if expr in self.dates:
                return _as_text(expr, "date", dialect)
            return _as_text(expr, "time", dialect) if expr in self.times else expr

        cols = ["t.id", f"t.{SEAL_NO}", f"t.{SEAL}", *map(col, self.columns), *map(col, self.children)]
        sql = f"SELECT {', '.join(cols)} FROM {self.table} t"
        if self.join:
            sql += f" {self.join}"
        sql += f" WHERE {where} ORDER BY {order}"
        if self.child_order:
            sql += f", {self.child_order}"
        return sql

    def records(self, conn, where: str, order: str, params: dict | None = None
                ) -> Iterator[tuple[int, int | None, str | None, list]]:
        """(id, seal_no, seal, content) of the rows ``where`` selects, in ``order``."""
        n = 3 + len(self.columns)
        # options on the statement: Connection.execution_options would change the session's connection
        sql = self._select(where, order, conn.dialect.name)
        result = conn.execute(text(sql).execution_options(stream_results=True, yield_per=_CHUNK),
                              params or {})
        if not self.children:
            for part in result.partitions(_CHUNK):
                for row in part:
                    yield row[0], row[1], row[2], row[3:n]
            return
        current = None
        kids: list = []
        for part in result.partitions(_CHUNK):
            for row in part:
                if current is None or row[0] != current[0]:
                    if current is not None:
                        yield current[0], current[1], current[2], (*current[3:n], kids)
                    current, kids = row, []
                if row[n] is not None:
                    kids.append(row[n:])
        if current is not None:
            yield current[0], current[1], current[2], (*current[3:n], kids)

    # -- writing ---------------------------------------------------------------------------
    def head(self, conn) -> tuple[int, str | None]:
        """(seal_no, seal) of the chain's newest record; (0, None) for an empty chain."""
        row = conn.execute(text(
            f"SELECT {SEAL_NO}, {SEAL} FROM {self.table} "
            f"WHERE {SEAL_NO} = (SELECT max({SEAL_NO}) FROM {self.table})")).first()
        return (row[0], row[1]) if row else (0, None)

    def pending(self, conn) -> bool:
        return conn.execute(text(
            f"SELECT 1 FROM {self.table} t WHERE t.{SEAL} IS NULL AND {self.eligible} LIMIT 1")).first() is not None

    def unsealed_ids(self, conn) -> set[int]:
        """The eligible records without a seal (between units of work: none, unless written
        behind bizsuite's back)."""
        return set(conn.execute(text(
            f"SELECT t.id FROM {self.table} t WHERE t.{SEAL} IS NULL AND {self.eligible}")).scalars())

    def seal_pending(self, conn, hold: Callable[[], None] | None = None,
                     foreign: frozenset[int] | set[int] = frozenset()) -> dict[int, tuple[int, str]]:
        """Seal every eligible record without a seal, in id order, after the chain's head —
        except ``foreign``: those that were already there, unsealed, when this unit of work
        began (:func:`note_foreign`), which ``check`` keeps naming. ``hold`` takes the chain's
        lock (before the head is read). Returns {id: (seal_no, seal)}."""
        if not self.pending(conn):
            return {}
        if hold is not None:
            hold()
        rows = [(rid, content) for rid, _, _, content in
                self.records(conn, f"t.{SEAL} IS NULL AND {self.eligible}", "t.id") if rid not in foreign]
        return self.seal_records(conn, rows)

    def seal_records(self, conn, rows: Sequence[tuple[int, Sequence]], hold: Callable[[], None] | None = None,
                     *, expect_unsealed: bool = False) -> dict[int, tuple[int, str]]:
        """Seal ``rows`` — (id, content), content exactly as :meth:`records` would read it back —
        in that order, after the chain's head (:func:`prepare`). ``hold`` takes the lock.
        ``expect_unsealed``: every row must still be there, unsealed and eligible (rows of a
        savepoint rolled back since would break the chain): else nothing is sealed and the unit
        of work fails."""
        if not rows:
            return {}
        if hold is not None:
            hold()
        if expect_unsealed:
            ids = [r[0] for r in rows]
            found = conn.execute(text(
                f"SELECT count(*) FROM {self.table} t WHERE t.id BETWEEN :a AND :b AND t.{SEAL} IS NULL "
                f"AND {self.eligible}"), {"a": min(ids), "b": max(ids)}).scalar()
            if found < len(set(ids)):
                raise RuntimeError(f"{self.name}: {len(ids) - found} of the {self.noun} records prepared for "
                                   "sealing are gone or already sealed; nothing was saved")
        no, prev = self.head(conn)
        sealed: dict[int, tuple[int, str]] = {}
        params = []
        sha, enc = hashlib.sha256, _encode_json
        prev_b = f"{prev or ''}\x1e".encode("ascii")
        for rid, content in rows:
            no += 1
            # content: the record's fields, or already its canonical bytes (prepare(encoded=True))
            prev = sha(prev_b + (content if type(content) is bytes else
                                 enc([rid, *content]).encode("utf-8"))).hexdigest()
            prev_b = (prev + "\x1e").encode("ascii")
            sealed[rid] = (no, prev)
            params.append((no, prev, rid))
        step = _CHUNK * 10
        if conn.dialect.name == "postgresql":
            # one statement per 50k rows (arrays), not a round of the pipeline per row: 4x quicker
            update = (f"UPDATE {self.table} AS t SET {SEAL_NO} = v.n, {SEAL} = v.s "
                      "FROM unnest(%s::integer[], %s::text[], %s::integer[]) AS v(n, s, i) WHERE t.id = v.i")
            for i in range(0, len(params), step):
                part = params[i:i + step]
                conn.exec_driver_sql(update, ([p[0] for p in part], [p[1] for p in part], [p[2] for p in part]))
        else:
            update = f"UPDATE {self.table} SET {SEAL_NO} = ?, {SEAL} = ? WHERE id = ?"
            for i in range(0, len(params), step):
                conn.exec_driver_sql(update, params[i:i + step])
        return sealed

    # -- checking --------------------------------------------------------------------------
    def verify(self, conn) -> str | None:
        """None when the chain holds; else one sentence naming the first record that does not."""
        prev: str | None = None
        expected = 1
        for rid, no, seal, content in self.records(conn, f"t.{SEAL_NO} IS NOT NULL", f"t.{SEAL_NO}"):
            if no != expected or seal != digest(prev, rid, content):
                return (f"{self.name}: {self.noun} #{rid} does not match its seal "
                        f"(changed, or a record before it deleted)")
            prev, expected = seal, expected + 1
        first = conn.execute(text(
            f"SELECT min(t.id), count(*) FROM {self.table} t WHERE t.{SEAL} IS NULL AND {self.eligible}")).first()
        if first and first[1]:
            return (f"{self.name}: {self.noun} #{first[0]} has no seal ({first[1]} unsealed; "
                    f"written behind bizsuite's back, or a seal removed)")
        return None


_CHAINS: list[Chain] = []


def register(chain: Chain) -> Chain:
    """Declare a chained table (once per process; registering the same name again replaces it)."""
    _CHAINS[:] = [c for c in _CHAINS if c.name != chain.name] + [chain]
    _CHAINS.sort(key=lambda c: c.order)
    return chain


def chains() -> tuple[Chain, ...]:
    return tuple(c for c in _CHAINS if _installed(c))


def _installed(chain: Chain) -> bool:
    if chain.module is None:
        return True
    from bizsuite.core import modules

    return modules.find(chain.module) is not None


_PREPARED = "bizsuite.chain.prepared"


def prepare(session: Session, chain: Chain, rows: Sequence[tuple[int, Sequence | bytes]]) -> None:
    """Hand the sealer records a bulk writer has just inserted — (id, content), content exactly
    as :meth:`Chain.records` reads it back, or already :func:`encode` of it (``bytes``: a bulk
    writer that builds the canonical bytes itself, quicker than the JSON encoder; a test holds
    its bytes equal to :func:`encode`'s) — so that at commit they are sealed from these rows
    instead of being read back (for 100k imported entries the read costs as much as the hashing).
    Nothing may be added to them afterwards in this unit of work (their seal would not match)."""
    session.info.setdefault(_PREPARED, {}).setdefault(chain.name, []).extend(rows)


def seal(session: Session) -> None:
    """Seal what this unit of work wrote, in every chain (run before it commits): first what bulk
    writers prepared, in their order, then everything else still unsealed, in id order."""
    from bizsuite.core import locks

    session.flush()  # pending ORM changes (and their audit rows) first
    conn = session.connection()
    prepared: dict[str, list] = session.info.pop(_PREPARED, {})
    foreign: dict[str, set[int]] = session.info.pop(_FOREIGN, {})
    for chain in chains():
        def hold(c=chain):
            locks.hold(session, c.lock)

        sealed = {}
        rows = prepared.get(chain.name)
        if rows:
            sealed.update(chain.seal_records(conn, rows, hold=hold, expect_unsealed=True))
        sealed.update(chain.seal_pending(conn, hold=hold, foreign=foreign.get(chain.name, frozenset())))
        if sealed and chain.model is not None:
            for obj in list(session.identity_map.values()):
                if isinstance(obj, chain.model) and obj.id in sealed:
                    no, s = sealed[obj.id]
                    set_committed_value(obj, SEAL_NO, no)
                    set_committed_value(obj, SEAL, s)


_FOREIGN = "bizsuite.chain.foreign"


def note_foreign(session: Session, conn) -> None:
    """At the start of a writing unit of work: remember the records that are already there
    without a seal. Every commit seals what it wrote, so these were written behind bizsuite's
    back (or a seal was removed); sealing them now would make ``check`` pass over them. One
    indexed query per chain (the unsealed rows are a partial index, empty between units of work)."""
    found = {c.name: ids for c in chains() if (ids := c.unsealed_ids(conn))}
    if found:
        session.info[_FOREIGN] = found


@event.listens_for(Session, "after_begin")
def _after_begin(session: Session, transaction, connection) -> None:
    if session.info.get("actor") is not None and session.info.get("writes") and transaction.parent is None:
        note_foreign(session, connection)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # Units of work (Store.transaction) carry an actor; savepoints are sealed with their parent.
    if session.info.get("actor") is None or session.in_nested_transaction():
        return
    seal(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PREPARED, None)
    session.info.pop(_FOREIGN, None)


def seal_all(conn, chain_list: Iterable[Chain]) -> None:
    """Seal every record not sealed yet (the migration that introduces a chain)."""
    for chain in chain_list:
        chain.seal_pending(conn)
