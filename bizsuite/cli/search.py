"""``bizsuite search QUERY``: every installed module's searcher, as the command palette uses them."""

from __future__ import annotations

import typer

from bizsuite.cli.common import FORMAT_OPTION, Fmt, books, emit
from bizsuite.cli.params import whole

COLUMNS = ["kind", "number", "title", "detail"]


def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="Words, a number (#12), an email, a phone, an account name or code."),
    limit: int = typer.Option(20, "--limit", help="At most this many hits per module.", parser=whole("--limit")),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Find records across every module your role may see: kind, number, title, detail."""
    from bizsuite.core.errors import Refused
    from bizsuite.core.modules import installed, load

    rows = []
    with books(ctx, write=False) as b:
        for m in installed():
            if m.search and m.allowed(b.actor):
                try:
                    hits = load(m.search)(b, query, limit)
                except Refused:  # one module that refuses the query leaves the others' hits
                    continue
                for h in hits:
                    rows.append({"kind": h.kind, "number": h.number, "title": h.title, "detail": h.detail,
                                 "_score": h.score})
    rows.sort(key=lambda r: -r["_score"])  # exact numbers first, then each module's own order
    emit(rows, COLUMNS, fmt)
