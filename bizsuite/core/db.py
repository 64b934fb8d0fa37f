"""Where the books are, and the engine that opens them.

Everything SQLite-specific lives here: pragmas, ``BEGIN IMMEDIATE`` for write transactions, the
file checks. The repositories above run unchanged on PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from bizsuite.core.errors import BooksError

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


def to_url(path_or_url: str) -> str:
    """A path means SQLite; a URL (``postgresql+psycopg://…``, ``sqlite:///…``) is used as is."""
    text = path_or_url.strip()
    if "://" in text:
        url = make_url(text)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if not (url.drivername.startswith("sqlite") or url.drivername.startswith("postgresql")):
            raise BooksError(f"{text}: only SQLite paths and postgresql+psycopg:// URLs are supported")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(text).expanduser().absolute()}"


def _config_db(path: Path) -> str | None:
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


def locate(db_option: str | None) -> Location:
    """First found wins: --db, BIZSUITE_DB, the user's config, /etc/bizsuite, the data dir."""
    if db_option:
        return Location(to_url(db_option), "--db")
    env = os.environ.get("BIZSUITE_DB")
    if env:
        return Location(to_url(env), "BIZSUITE_DB")
    for cfg in (user_config_file(), SITE_CONFIG):
        db = _config_db(cfg)
        if db:
            return Location(to_url(db), str(cfg))
    return Location(to_url(str(default_books_path())), "default")


SQLITE_MAGIC = b"SQLite format 3\x00"


def sqlite_file_state(path: Path) -> str:
    """'missing', 'empty' (0 bytes), 'sqlite' or 'foreign' (exists but is not an SQLite file)."""
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


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
    # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is broken).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal":
        cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _sqlite_on_begin(conn) -> None:
    # Write transactions take the write lock up front: a deferred transaction that reads then
    # writes fails at once with "database is locked" and the busy timeout cannot help it.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def write_options(engine: Engine) -> Engine:
    """An engine view whose transactions begin as writers (``BEGIN IMMEDIATE`` on SQLite)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine
