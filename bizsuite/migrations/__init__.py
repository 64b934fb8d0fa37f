"""Alembic migrations, applied whenever books are opened or created.

``HEAD`` names the newest revision so that opening up-to-date books costs one small query and
no Alembic import; a test checks it against the scripts.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

HEAD = "0003_tickets"
SCRIPTS = Path(__file__).parent


def current_revision(conn) -> str | None:
    from sqlalchemy import inspect

    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_if_needed(engine: Engine) -> bool:
    """Upgrade to the newest revision. Returns True when anything ran."""
    with engine.connect() as conn:
        if current_revision(conn) == HEAD:
            return False
    from alembic import command

    from bizsuite.core.db import write_options

    with write_options(engine).begin() as conn:
        # Another process may have upgraded while we waited for the write lock.
        if current_revision(conn) == HEAD:
            return False
        command.upgrade(alembic_config(conn), "head")
    return True


def known_revisions() -> set[str]:
    """Every revision id this version of bizsuite knows (file names start with the id)."""
    return {p.stem for p in (SCRIPTS / "versions").glob("[0-9]*.py")}
