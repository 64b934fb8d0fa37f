"""Where the books are, and the engine that opens them.

Everything SQLite-specific lives here: pragmas, ``BEGIN IMMEDIATE`` for write transactions, the
file checks. The repositories above run unchanged on PostgreSQL.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine, make_url

from bizsuite.core.errors import BooksError
from bizsuite.core.settings import Settings
from bizsuite.core.settings import current as current_settings

SITE_CONFIG = Path("/etc/bizsuite/config.toml")
BUSY_TIMEOUT_MS = 30_000


def user_config_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("bizsuite")) / "config.toml"


def user_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("bizsuite"))


def default_books_path() -> Path:
    return user_data_dir() / "books.sqlite"


def default_demo_path() -> Path:
    return user_data_dir() / "demo.sqlite"


@dataclass(frozen=True)
class Location:
    """Which books, and why: ``source`` says which rule chose them (shown by ``bizsuite check``)."""

    url: str
    source: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        db = make_url(self.url).database
        return Path(db) if db else None

    def display(self) -> str:
        if self.is_sqlite:
            return str(self.path)
        return make_url(self.url).render_as_string(hide_password=True)


def to_url(path_or_url: str, name: str | None = None) -> str:
    """A path means SQLite; a URL (``postgresql+psycopg://…``, ``sqlite:////abs/path``) is used as
    is. ``name`` (``--db``, ``BIZSUITE_DB``, a config file) starts the line of a refusal.

    An SQLite URL must name an absolute file: SQLAlchemy reads ``sqlite:///tmp/x`` as the
    relative path ``tmp/x`` (books made wherever the command happened to run), and ``sqlite://``
    as a database in memory (books that vanish when the command ends). Both are refused with the
    form that was probably meant."""
    text = path_or_url.strip()
    said = f"{name} {text}" if name else text
    if not text:
        raise BooksError(f"{name or 'the books'}: empty; give a file path or a database URL")
    if "://" in text:
        try:
            url = make_url(text)
        except Exception:  # noqa: BLE001 - SQLAlchemy's ArgumentError, ValueError for a bad port
            raise BooksError(f"{said}: not a database URL") from None
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if not (url.drivername.startswith("sqlite") or url.drivername.startswith("postgresql")):
            raise BooksError(f"{said}: only SQLite paths and postgresql+psycopg:// URLs are supported")
        if url.drivername.startswith("sqlite"):
            db = url.database or ""
            if not db or db == ":memory:" or db.startswith("file:"):
                raise BooksError(f"{said}: names no file; give the books' path, or sqlite:////ABSOLUTE/PATH")
            if not Path(db).is_absolute():
                meant = "/" + db
                raise BooksError(
                    f"{said}: a relative path ({db}); for {meant} write sqlite:///{meant}, "
                    f"or give the path itself: {meant}")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(text).expanduser().absolute()}"


def _config_db(path: Path) -> str | None:
    import tomllib  # only when no --db or BIZSUITE_DB says where the books are

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BooksError(f"{path}: cannot read the config file: {exc}") from None
    db = data.get("db")
    if db is None:
        return None
    if not isinstance(db, str) or not db.strip():
        raise BooksError(f"{path}: 'db' must be a path or a database URL")
    return db


def locate(db_option: str | None, settings: Settings | None = None) -> Location:
    """First found wins: --db, BIZSUITE_DB, the user's config, /etc/bizsuite, the data dir.

    ``settings``: the environment's (:func:`bizsuite.core.settings.current` unless given).
    """
    if db_option is not None:
        return Location(to_url(db_option, "--db"), "--db")
    env = (settings or current_settings()).db
    if env:
        return Location(to_url(env, Settings.variable("db")), Settings.variable("db"))
    for cfg in (user_config_file(), SITE_CONFIG):
        db = _config_db(cfg)
        if db:
            if "://" not in db and not Path(db).expanduser().is_absolute():
                db = str(cfg.parent / db)  # relative to the config file, not the working dir
            return Location(to_url(db, f"{cfg}: db ="), str(cfg))
    return Location(to_url(str(default_books_path())), "default")


SQLITE_MAGIC = b"SQLite format 3\x00"


# Files this process has open through SQLite, by (device, inode): connections opened less those
# closed. POSIX drops every lock a process holds on a file when the process closes *any*
# descriptor of it, so reading the header of books this process has open (a second Store on
# the same file: the app, a server, an in-process command) would silently release the first
# connection's locks; another process then believes it is the last one, checkpoints and deletes
# the -wal and -shm under it, and the file is corrupted ("How To Corrupt An SQLite Database
# File", 2.2). SQLite guards its own descriptors; ours must not be opened at all.
_OPEN_HERE: dict[tuple[int, int], int] = {}
_OPEN_LOCK = threading.Lock()


def _file_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _track_open(engine: Engine, path: Path) -> None:
    """Count ``engine``'s DBAPI connections to ``path`` in :data:`_OPEN_HERE`."""

    def opened(dbapi_conn, record) -> None:
        key = _file_key(path)  # after connect: the file exists now
        record.info["bizsuite.file"] = key
        if key is not None:
            with _OPEN_LOCK:
                _OPEN_HERE[key] = _OPEN_HERE.get(key, 0) + 1

    def closed(dbapi_conn, record) -> None:
        key = record.info.pop("bizsuite.file", None)
        if key is not None:
            with _OPEN_LOCK:
                left = _OPEN_HERE.get(key, 0) - 1
                if left > 0:
                    _OPEN_HERE[key] = left
                else:
                    _OPEN_HERE.pop(key, None)

    event.listen(engine, "connect", opened)
    event.listen(engine, "close", closed)
    event.listen(engine, "close_detached", closed)


def sqlite_file_state(path: Path) -> str:
    """'missing', 'empty' (0 bytes), 'sqlite' or 'foreign' (exists but is not an SQLite file).
    Books this process has open are never opened again to read their header (see _OPEN_HERE)."""
    import stat

    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    except PermissionError:
        raise BooksError(f"{path}: permission denied (ask the owner to add you to the books' group)") from None
    if stat.S_ISDIR(st.st_mode):
        return "foreign"
    if st.st_size == 0:
        return "empty"
    if (st.st_dev, st.st_ino) in _OPEN_HERE:
        return "sqlite"
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return "missing"
    except IsADirectoryError:
        return "foreign"
    except PermissionError:
        raise BooksError(f"{path}: permission denied (ask the owner to add you to the books' group)") from None
    if not head:
        return "empty"
    return "sqlite" if head == SQLITE_MAGIC else "foreign"


def sqlite_access(path: Path | None) -> str:
    """How this process can open an SQLite file: 'rw'; 'ro' (the file cannot be written, its
    folder can, or its -shm is there to share); 'immutable' (neither the file nor its folder can
    be written and there is no -shm: SQLite's WAL could not make one, and nobody can be
    writing). A missing file is 'rw' (``init`` creates it)."""
    import os

    if path is None or not path.exists():
        return "rw"
    folder_writable = os.access(path.parent, os.W_OK | os.X_OK)
    beside = [Path(f"{path}-wal"), Path(f"{path}-shm")]
    if os.access(path, os.W_OK) and (folder_writable or all(os.access(p, os.W_OK) for p in beside)):
        return "rw"  # (a shared folder clerks cannot write, whose -wal/-shm they can: as before)
    if folder_writable or Path(f"{path}-shm").exists():
        return "ro"
    return "immutable"


def sqlite_uri(path: Path, access: str) -> str:
    """The ``file:`` URI that opens ``path`` read-only ('ro' or 'immutable')."""
    from urllib.parse import quote

    query = "mode=ro" + ("&immutable=1" if access == "immutable" else "")
    return f"file:{quote(str(path))}?{query}"


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record, *, read_only: bool = False) -> None:
    # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is broken).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
    # 64 MiB of page cache per connection (the default is 2 MiB): bulk inserts that touch
    # several indexes stop re-reading pages — a 100k-row import writes 40% faster.
    cur.execute("PRAGMA cache_size = -65536")
    cur.close()


def _sqlite_on_begin(conn) -> None:
    # Write transactions take the write lock up front: a deferred transaction that reads then
    # writes fails at once with "database is locked" and the busy timeout cannot help it.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, access: str = "rw") -> Engine:
    """The engine for ``url``. ``access`` ('ro', 'immutable': see :func:`sqlite_access`) opens
    SQLite books read-only: nothing is written to the file or beside it, and a write fails."""
    if url.startswith("sqlite"):
        connect_args = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        read_only = access != "rw"
        if read_only:
            path = Path(make_url(url).database)
            uri = sqlite_uri(path, access)
            engine = create_engine(url, creator=lambda: sqlite3.connect(uri, uri=True, **connect_args))
        else:
            engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", lambda c, r: _sqlite_on_connect(c, r, read_only=read_only))
        event.listen(engine, "begin", _sqlite_on_begin)
        database = make_url(url).database
        if database and database != ":memory:":
            _track_open(engine, Path(database))
        return engine
    # psycopg logs a second, technical line ("error ignored terminating <psycopg.Pipeline …>")
    # when a statement of a pipelined batch is refused; the refusal itself is reported once, by
    # Store.transaction, so the driver's echo is not printed (Python's last-resort handler would).
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    return create_engine(url, pool_pre_ping=True)


def write_options(engine: Engine) -> Engine:
    """An engine view whose transactions begin as writers (``BEGIN IMMEDIATE`` on SQLite)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


def reserve_ids(session, table, n: int) -> list[int]:
    """``n`` new primary keys for a bulk insert into ``table`` (which must be in a write transaction).

    SQLite: the writer holds the database lock (BEGIN IMMEDIATE), so max(id)+1… is ours alone.
    PostgreSQL: ids come from the table's sequence, so concurrent writers never collide.
    """
    from sqlalchemy import func, select, text

    if n <= 0:
        return []
    pk = list(table.primary_key.columns)[0]
    if session.get_bind().dialect.name == "postgresql":
        seq = session.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk.name}
        ).scalar_one()
        return list(
            session.execute(
                text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"), {"s": seq, "n": n}
            ).scalars()
        )
    start = (session.execute(select(func.max(pk))).scalar() or 0) + 1
    return list(range(start, start + n))


FTS_HASHSIZE = 64 * 1024 * 1024


class bulk_search_index:
    """Around a bulk insert into ``table``: index the new rows for search in one statement.

    On SQLite the FTS5 triggers index row by row, four times slower than one
    ``INSERT … SELECT``; inside this block they stand aside (a marker row that only this
    transaction sees) and the rows added are indexed at the end. PostgreSQL's GIN index needs
    nothing. Use only in a write transaction.
    """

    def __init__(self, session, table: str):
        self.session = session
        self.table = table
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def __enter__(self):
        if self.sqlite:
            conn = self.session.connection()
            self.before = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {self.table}").scalar()
            conn.exec_driver_sql("INSERT INTO search_index_paused (table_name) VALUES (?)", (self.table,))
            # FTS5 gathers new terms in memory and writes a segment each time they pass
            # 'hashsize' (1 MiB by default): 100k rows made hundreds of segments to merge. With
            # 64 MiB a bulk index writes a few (15 % faster, and searches open fewer segments);
            # one-row saves never come near it. A setting of the index, kept.
            conn.exec_driver_sql(
                f"INSERT INTO {self.table}_fts ({self.table}_fts, rank) VALUES ('hashsize', ?)", (FTS_HASHSIZE,)
            )
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None or not self.sqlite:
            return False  # the transaction rolls back as a whole
        conn = self.session.connection()
        conn.exec_driver_sql("DELETE FROM search_index_paused WHERE table_name = ?", (self.table,))
        conn.exec_driver_sql(
            f"INSERT INTO {self.table}_fts (rowid, search_text) "
            f"SELECT id, search_text FROM {self.table} WHERE id > ?",
            (self.before,),
        )
        return False


REBUILD_INDEXES_FROM = 10_000  # rows added by one bulk load


@contextmanager
def indexes_rebuilt(session, table: str, adding: int):
    """Around a bulk insert of ``adding`` rows into ``table``: on SQLite, when that at least
    doubles the table, its secondary indexes are dropped first and built again afterwards.

    Building an index from sorted rows is several times faster than inserting 100k keys one by
    one into five B-trees (0.7 s against 1.6 s for a contacts import). The indexes are recreated
    from their own ``CREATE INDEX`` text, so the schema is exactly what it was; unique indexes
    stay in place (they check the rows). The drop and the rebuild belong to the caller's
    transaction: readers see the old indexes until it commits, and a rollback undoes both.
    """
    if adding < REBUILD_INDEXES_FROM or session.get_bind().dialect.name != "sqlite":
        yield
        return
    conn = session.connection()
    existing = conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()
    if adding < existing:
        yield
        return
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%'",
        (table,),
    ).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        # also after an error: a caller that catches it and commits keeps its indexes
        for _, sql in indexes:
            conn.exec_driver_sql(sql)


def _literal(column, value, dialect) -> str:
    """``value`` as SQL text for ``column`` (the same on every row of a bulk insert)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):  # a boolean literal both databases read (PostgreSQL refuses 1 for a boolean)
        return "TRUE" if value else "FALSE"
    bind = column.type._cached_bind_processor(dialect)
    db_value = bind(value) if bind else value
    if isinstance(db_value, int):
        return str(db_value)
    if not isinstance(db_value, str):
        db_value = str(db_value)
    return "'" + db_value.replace("'", "''") + "'"


def _insert_unnest(conn, table, variable: list[str], constant: dict[str, object], rows: list[tuple]) -> None:
    """PostgreSQL: the rows as one ``INSERT … SELECT … FROM unnest(arrays)`` (a column an array):
    one statement and one round trip instead of a pipelined statement per row, 5x quicker for
    100k rows. Constraints and row triggers apply to every row as with single INSERTs."""
    dialect = conn.dialect
    q = dialect.identifier_preparer.quote
    casts = [f"CAST(%s AS {table.c[k].type.compile(dialect=dialect)}[])" for k in variable]
    names = [q(k) for k in variable] + [q(k) for k in constant]
    picks = [f"v.c{i}" for i in range(len(variable))] + [
        f"CAST({_literal(table.c[k], v, dialect).replace('%', '%%')} AS {table.c[k].type.compile(dialect=dialect)})"
        for k, v in constant.items()]
    sql = (f"INSERT INTO {q(table.name)} ({', '.join(names)}) SELECT {', '.join(picks)} "
           f"FROM unnest({', '.join(casts)}) AS v({', '.join(f'c{i}' for i in range(len(variable)))})")
    columns = [list(c) for c in zip(*rows)]
    conn.exec_driver_sql(sql, tuple(columns))


def insert_rows(conn, table, variable: list[str], constant: dict[str, object], rows: list[tuple]) -> None:
    """One driver-level executemany of tuples (SQLite), one ``INSERT … SELECT FROM unnest`` of
    arrays (PostgreSQL, :func:`_insert_unnest`): the fastest bulk insert we have.

    ``rows`` hold the ``variable`` columns already in database form (cents, date text; booleans
    as True/False, which both drivers take); ``constant`` columns (who, when, version) are written into the statement once,
    which spares the driver binding them on every row (a third of the time of a large import).
    ``conn`` is a SQLAlchemy Connection (``session.connection()``).
    """
    if not rows:
        return
    from sqlalchemy import bindparam, insert, literal_column

    dialect = conn.dialect
    if dialect.name == "postgresql" and len(rows) > 1:
        _insert_unnest(conn, table, variable, constant, rows)
        return
    values = {k: bindparam(k) for k in variable}
    values.update({k: literal_column(_literal(table.c[k], v, dialect)) for k, v in constant.items()})
    compiled = insert(table).values(values).compile(dialect=dialect)
    if compiled.positional:
        order = [variable.index(compiled.binds[n].key) for n in compiled.positiontup]
        params = rows if order == list(range(len(variable))) else [tuple(r[i] for i in order) for r in rows]
    else:
        bind_names = {compiled.binds[n].key: n for n in compiled.binds}
        keys = [bind_names[k] for k in variable]
        params = [dict(zip(keys, r)) for r in rows]
    conn.exec_driver_sql(compiled.string, params)


def _positional(rows: list[dict], order: list[str], fns: list) -> list:
    """Row dicts → parameter tuples, converting through the bind processors.

    Bulk rows repeat the same few values in converted columns (one timestamp, True/False), so
    each column remembers what it converted: a dict lookup instead of a function call per cell.
    """
    from operator import itemgetter

    get = itemgetter(*order)
    if len(order) == 1:
        get = (lambda g: lambda r: (g(r),))(get)
    converted = [(i, fn, {}) for i, fn in enumerate(fns) if fn is not None]
    if not converted:
        return [get(r) for r in rows]
    out = []
    for r in rows:
        t = list(get(r))
        for i, fn, memo in converted:
            v = t[i]
            try:
                t[i] = memo[v]
            except KeyError:
                t[i] = memo[v] = fn(v)
            except TypeError:  # unhashable
                t[i] = fn(v)
        out.append(tuple(t))
    return out


def bulk_insert(session, table, rows: list[dict]) -> int:
    """Insert many rows with one driver-level executemany.

    Column types still convert the values (the same bind processors SQLAlchemy would use), but
    the per-row bookkeeping of ``Connection.execute`` — a third of a large import's time — is
    skipped. Every row must have the same keys.
    """
    if not rows:
        return 0
    from sqlalchemy import insert

    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0].keys())
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    procs = {k: table.c[k].type._cached_bind_processor(dialect) for k in keys}
    if compiled.positional:
        order = [compiled.binds[name].key for name in compiled.positiontup]
        params = _positional(rows, order, [procs[k] for k in order])
    else:
        names = {compiled.binds[name].key: name for name in compiled.binds}
        params = [
            {names[k]: (procs[k](v) if procs[k] else v) for k, v in row.items()}
            for row in rows
        ]
    conn.exec_driver_sql(compiled.string, params)
    return len(rows)


LIKE_ESCAPE = "\\"


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load: PostgreSQL's ``ANALYZE``, so the planner sees the tables as they are
    now rather than as the empty tables its last statistics knew (autovacuum gets there only
    later). SQLite plans without statistics unless ``ANALYZE`` was ever run, so nothing there."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        conn.execute(sql_text("ANALYZE"))
        conn.commit()


def like_contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own ``%``, ``_`` and ``\\`` taken literally
    (use with ``escape=LIKE_ESCAPE``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
