"""Online backup and checked restore of SQLite books.

PostgreSQL books are backed up with pg_dump and restored with pg_restore: ``bizsuite backup``
prints the commands (:func:`pg_commands`), with the books' URL in the form libpq reads and no
password in them (pg_dump takes it from ~/.pgpass, PGPASSFILE or PGPASSWORD).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from pathlib import Path

from bizsuite.core.db import Location, sqlite_access, sqlite_file_state, sqlite_uri
from bizsuite.core.errors import Refused

PASSWORD_HINT = (
    "the password is not on the command line (other users of the machine could read it there): "
    "pg_dump and pg_restore read it from ~/.pgpass (a line host:port:database:user:password, "
    "chmod 600), from the file PGPASSFILE names, or from PGPASSWORD in their environment"
)


def libpq_url(url: str) -> str:
    """The books' URL as libpq (pg_dump, psql) reads it: ``postgresql://user@host:port/db`` —
    SQLAlchemy's driver name (``+psycopg``) and the password left out."""
    from urllib.parse import quote, urlencode

    from sqlalchemy.engine import make_url

    u = make_url(url)
    host = u.host or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = (quote(u.username, safe="") + "@" if u.username else "") + host + (f":{u.port}" if u.port else "")
    query = urlencode([(k, v) for k, vs in u.query.items() for v in ((vs,) if isinstance(vs, str) else vs)])
    return f"postgresql://{netloc}/{quote(u.database or '', safe='')}" + (f"?{query}" if query else "")


def pg_commands(location: Location, dest: str | Path = "books.dump") -> tuple[str, str]:
    """(pg_dump command, pg_restore command) for PostgreSQL books, quoted for a POSIX shell and
    working as printed once the password is in ~/.pgpass, PGPASSFILE or PGPASSWORD."""
    url = shlex.quote(libpq_url(location.url))
    file = shlex.quote(str(dest))
    return (f"pg_dump --format=custom --file={file} {url}",
            f"pg_restore --clean --if-exists --dbname={url} {file}")


def _pg_refusal(location: Location, dest: str | Path, what: str) -> Refused:
    dump, restore_ = pg_commands(location, dest)
    if what == "backup":
        return Refused("PostgreSQL books are backed up with PostgreSQL's own pg_dump, which also keeps clerks "
                       "working; run:", dump, "and restore that file with:", restore_, PASSWORD_HINT)
    return Refused("PostgreSQL books are restored with PostgreSQL's own pg_restore from a pg_dump file; run:",
                   restore_, PASSWORD_HINT)


def _sqlite_path(location: Location, dest: str | Path = "books.dump", what: str = "backup") -> Path:
    if not location.is_sqlite:
        raise _pg_refusal(location, dest, what)
    return location.path


def _read_only(path: Path, *, timeout: float = 5.0) -> sqlite3.Connection:
    """``path`` opened for reading only, writing nothing beside it: a file no connection has
    open (no -wal, no -shm next to it: a backup, or books nobody uses) is read as immutable, so
    SQLite makes no -shm/-wal either; a file in use is read through its WAL, read-only."""
    in_use = Path(f"{path}-wal").exists() or Path(f"{path}-shm").exists()
    access = "ro" if in_use else "immutable"
    if in_use and sqlite_access(path) == "immutable":
        access = "immutable"
    return sqlite3.connect(sqlite_uri(path, access), uri=True, timeout=timeout)


def _inspect_file(path: Path) -> dict:
    """What a candidate books file holds, read-only; refuse anything that is not sound bizsuite books."""
    state = sqlite_file_state(path)
    if state == "missing":
        raise Refused(f"{path}: no such file")
    if state != "sqlite":
        raise Refused(f"{path}: not a bizsuite backup (not an SQLite file)")
    try:
        conn = _read_only(path)
        try:
            check = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if check != ["ok"]:
                raise Refused(f"{path}: the file is damaged: {'; '.join(check[:3])}")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "settings" not in tables or "alembic_version" not in tables:
                raise Refused(f"{path}: not a bizsuite database")
            marker = conn.execute("SELECT value FROM settings WHERE key='app'").fetchone()
            if not marker or marker[0] != "bizsuite":
                raise Refused(f"{path}: not a bizsuite database")
            company = conn.execute("SELECT value FROM settings WHERE key='company.name'").fetchone()
            revisions = {r for (r,) in conn.execute("SELECT version_num FROM alembic_version").fetchall()}
            records = _records(conn, tables)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise Refused(f"{path}: cannot be read: {exc}") from None
    from bizsuite.migrations import known_revisions

    unknown = sorted(revisions - known_revisions())
    if not revisions or unknown:
        raise Refused(f"{path}: made by a newer bizsuite (schema {', '.join(unknown) or '?'}); upgrade first")
    return {"company": company[0] if company else "", "revision": ", ".join(sorted(revisions)),
            "contacts": records.get("contacts", 0), "records": records}


def _records(conn, tables: set[str]) -> dict[str, int]:
    """Rows of business data per table, any module's (core.modules.is_business_table)."""
    from bizsuite.core.modules import is_business_table

    out = {}
    for table in sorted(t for t in tables if is_business_table(t)):
        n = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        if n:
            out[table] = n
    return out


def backup(location: Location, dest: str | Path) -> dict:
    """Copy the books with SQLite's online backup: clerks keep working while it runs."""
    src = _sqlite_path(location, dest)
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise Refused(f"{dest}: is a folder; give a file name")
    if dest.exists():
        raise Refused(f"{dest}: already exists; choose another name or remove it first")
    tmp = dest.with_name(dest.name + ".partial")
    access = sqlite_access(src)
    source = sqlite3.connect(sqlite_uri(src, "ro" if access == "rw" else access), uri=True, timeout=30)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target, pages=4096)
            # The copy carries the books' WAL mode; a backup is one self-contained file, so it
            # is switched to a rollback journal: reading it (the check below, a restore) then
            # makes no -shm/-wal beside it.
            target.execute("PRAGMA journal_mode = DELETE").fetchall()
        finally:
            target.close()
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise Refused(f"{dest}: backup failed: {exc}") from None
    finally:
        source.close()
    info = _inspect_file(tmp)
    os.replace(tmp, dest)
    info["bytes"] = dest.stat().st_size
    return info


def restore(location: Location, src: str | Path, *, force: bool = False) -> dict:
    """Replace the books with a backup, after checking the backup is sound."""
    target = _sqlite_path(location, src, "restore")
    src = Path(src).expanduser()
    info = _inspect_file(src)
    state = sqlite_file_state(target)
    if state == "foreign" and not force:
        raise Refused(f"{target}: is not an SQLite file; add --force to overwrite it")
    if state == "sqlite":
        try:
            current = _inspect_file(target)
        except Refused as exc:
            if not force:
                raise Refused(f"{exc.problems[0]}; add --force to overwrite it") from None
            current = None
        if current is not None and current["records"] and not force:
            held = ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in current["records"].items())
            raise Refused(
                f"{target}: already holds the books of {current['company'] or 'a company'} "
                f"({held}); add --force to replace them"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    source = _read_only(src)
    try:
        dest = sqlite3.connect(target, timeout=30)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return info
