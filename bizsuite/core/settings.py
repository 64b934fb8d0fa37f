"""bizsuite's own settings from the environment: one prefix (``BIZSUITE_``), one typed object.

Read once per process, on first use (:func:`current`), into a frozen :class:`Settings`;
nothing else in bizsuite reads ``os.environ`` for its own settings. Each field names its
variable and its default, and the README's table lists the same. Kept light (standard library
only): the command line imports it before anything heavy.

Identity and time never come from here: who you are is your OS login, and "now" is the real
clock (tests freeze it in-process).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache
from typing import Mapping

PREFIX = "BIZSUITE_"


@dataclass(frozen=True)
class Settings:
    db: str | None = None
    """BIZSUITE_DB: the books, an SQLite path or a ``postgresql+psycopg://`` URL (after ``--db``,
    before the config files). Empty means unset."""

    pdf_font: str | None = None
    """BIZSUITE_PDF_FONT: a font file (.ttf, .otf or .ttc) for the PDFs bizsuite writes (statements,
    payslips); unset: a CJK font found on the machine (Noto Sans CJK, WenQuanYi, Droid Sans
    Fallback), else the PDF's own Helvetica, which has no Chinese."""

    @staticmethod
    def variable(name: str) -> str:
        """The environment variable of field ``name``: ``db`` → ``BIZSUITE_DB``."""
        return PREFIX + name.upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(cls.variable(f.name), "").strip()
            values[f.name] = raw or None
        return cls(**values)


@cache
def current() -> Settings:
    """This process's settings, read from the environment the first time they are asked for."""
    return Settings.from_env()
