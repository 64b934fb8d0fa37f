"""Alembic migrations, applied whenever books are opened or created.

The schema's history is one straight chain up to ``0003_tickets`` (core, contacts, the ledger and
tickets as first released), kept in ``versions/`` beside this file. From there each module has
its own branch (``branch_labels = ("<module>",)``, ``depends_on`` the modules it needs), in the
folder its declaration names (``Module.migrations``), and the core's own branch ``core`` lives in
``versions/`` too. Books are upgraded to **all heads**.

"Is it up to date" compares the set of revisions the books are at (``alembic_version``, one row
per branch) with the set of heads, read from the revision files by a small parser (no Alembic
import, no hard-coded head: a test holds the parser equal to Alembic). Books at a revision this
version does not know — made by a newer bizsuite, or with a module this one lacks — are refused
before anything is written.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bizsuite.core import modules as _modules
from bizsuite.core.errors import BooksError

SCRIPTS = Path(__file__).parent
UPGRADE_LOCK = 0x62697A7375697465  # "bizsuite": the advisory lock that schema upgrades take on PostgreSQL
BASELINE = SCRIPTS / "versions"

def version_locations() -> list[Path]:
    """The folders that hold revisions: the baseline chain and core, then each module's."""
    out = [BASELINE]
    for m in _modules.installed():
        d = m.migrations_dir()
        if d is not None and d not in out:
            out.append(d)
    return out


def _tuple(value) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


_WANTED = ("revision", "down_revision", "depends_on", "branch_labels")


_FIRST_DEF = re.compile(r"^(?:async\s+def|def|class)\b", re.M)
_WANTED_LINE = re.compile(r"^(?:%s)\b" % "|".join(_WANTED), re.M)


def _assignments(path: Path) -> dict[str, object]:
    """The four module-level assignments of a revision file, read with ``ast`` (any layout:
    several lines, annotations, comments), never by importing it.

    Every command asks, so only the file's head is parsed — what comes before its first
    ``def``/``class``, where Alembic writes them — unless one of the names is assigned again
    further down (then the whole file is): the same answer at a tenth of the cost."""
    source = path.read_text(encoding="utf-8")
    first = _FIRST_DEF.search(source)
    if first is not None and not _WANTED_LINE.search(source, first.start()):
        try:
            return _read_assignments(source[: first.start()], path)
        except SyntaxError:  # the cut fell inside a string: read it all
            pass
    return _read_assignments(source, path)


def _read_assignments(source: str, path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(source, filename=str(path)).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in _WANTED:
                found[target.id] = ast.literal_eval(value)
    return found


def _scan() -> dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """revision id → (down revisions, depends_on, branch labels), from every revision file."""
    graph: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
    for folder in version_locations():
        for path in sorted(folder.glob("*.py")):
            if path.name == "__init__.py":  # Alembic reads every other .py file
                continue
            found = _assignments(path)
            if "revision" not in found:
                continue
            rev = str(found["revision"])
            if rev in graph:
                raise BooksError(f"{path}: revision {rev} is defined twice")
            graph[rev] = tuple(_tuple(found.get(k)) for k in ("down_revision", "depends_on", "branch_labels"))
    return graph


_graph: dict | None = None


def _forget() -> None:
    global _graph
    _graph = None


_modules.on_change(_forget)


def _revisions() -> dict:
    global _graph
    if _graph is None:
        _graph = _scan()
    return _graph


def known_revisions() -> set[str]:
    """Every revision id this version of bizsuite (with its installed modules) knows."""
    return set(_revisions())


def heads() -> set[str]:
    """Every branch's newest revision (no revision builds on it)."""
    graph = _revisions()
    below = {d for downs, _, _ in graph.values() for d in downs}
    return set(graph) - below


def newest() -> set[str]:
    """What up-to-date books are at (their ``alembic_version`` rows): the heads, less those
    that another head depends on (Alembic keeps one row per branch tip it cannot infer)."""
    graph = _revisions()
    labels = {label: rev for rev, (_, _, ls) in graph.items() for label in ls}

    def ancestors(rev: str, seen: set[str]) -> set[str]:
        downs, deps, _ = graph[rev]
        for parent in (*downs, *(labels.get(d, d) for d in deps)):
            if parent not in seen and parent in graph:
                seen.add(parent)
                ancestors(parent, seen)
        return seen

    tips = heads()
    implied = set().union(*(ancestors(h, set()) for h in tips)) if tips else set()
    return tips - implied


def current_revisions(conn) -> set[str]:
    from sqlalchemy import inspect

    if not inspect(conn).has_table("alembic_version"):
        return set()
    return {r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version"))}


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    # Alembic splits this on the separator it is told: paths may hold spaces, never a newline.
    cfg.set_main_option("path_separator", "newline")
    cfg.set_main_option("version_locations", "\n".join(str(p) for p in version_locations()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


class NewerBooks(BooksError):
    """The books are at revisions this bizsuite does not know."""


def refuse_unknown(at: set[str], where: str = "these books") -> None:
    unknown = sorted(at - known_revisions())
    if unknown:
        from bizsuite import __version__

        raise NewerBooks(
            f"{where}: made by a newer bizsuite, or with a module this one does not have "
            f"(schema revision {', '.join(unknown)} is unknown to bizsuite {__version__}); "
            "upgrade bizsuite to open them — nothing was changed"
        )


def upgrade_if_needed(engine: Engine, *, where: str = "these books") -> bool:
    """Upgrade to every head. Returns True when anything ran."""
    wanted = newest()
    with engine.connect() as conn:
        at = current_revisions(conn)
    refuse_unknown(at, where)
    if at == wanted:
        return False
    from alembic import command

    from bizsuite.core.db import write_options

    from alembic.util import CommandError

    try:
        with write_options(engine).begin() as conn:
            if conn.dialect.name == "postgresql":
                # Nothing else serialises two processes opening old books at once on PostgreSQL
                # (SQLite's BEGIN IMMEDIATE does): one upgrades, the other waits, then finds
                # the books up to date. Released at commit.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
            # Another process may have upgraded while we waited for the write lock.
            at = current_revisions(conn)
            refuse_unknown(at, where)
            if at == wanted:
                return False
            command.upgrade(alembic_config(conn), "heads")
    except (CommandError, KeyError) as exc:
        raise BooksError(f"{where}: cannot upgrade: {exc}") from None
    return True
