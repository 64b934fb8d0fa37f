"""Whole-number options and arguments: every one goes through :func:`bizsuite.core.parsing.parse_int`
(ASCII digits, within what the books can hold), and a bad one is one line naming it, exit 1."""

from __future__ import annotations

from typing import Callable

from bizsuite.core.parsing import INT64_MAX, INT64_MIN


def whole(field: str, *, lo: int | None = INT64_MIN, hi: int | None = INT64_MAX) -> Callable[[str], int]:
    """A Typer ``parser=`` for the option or argument ``field`` (``--limit``, ``entry``)."""

    def parse(value) -> int:
        from bizsuite.cli.common import fail
        from bizsuite.core.parsing import BadNumber, parse_int

        try:
            return parse_int(value, field, lo=lo, hi=hi)
        except BadNumber as exc:
            fail(*exc.problems)

    return parse


def year(field: str) -> Callable[[str], int]:
    def parse(value) -> int:
        from bizsuite.cli.common import fail
        from bizsuite.core.parsing import BadNumber, parse_year

        try:
            return parse_year(value, field)
        except BadNumber as exc:
            fail(*exc.problems)

    return parse
