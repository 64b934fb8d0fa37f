"""The ledger's part of creating the books: the chart of accounts they start with
(``bizsuite init --chart``: ``standard``, ``cn-small`` or ``none``).

Declared as ``Module.create`` (see :class:`bizsuite.core.modules.CreatePart`): :func:`check`
runs before anything is written, :func:`write` inside the unit of work that creates the books,
so a chart that fails to load leaves no books behind.
"""

from __future__ import annotations

from bizsuite.core.errors import FieldError
from bizsuite.erp.ledger.accounts import CHARTS

NO_CHART = "none"


def choices() -> tuple[str, ...]:
    return (*CHARTS, NO_CHART)


def _chart(creation) -> str | None:
    value = creation.get("chart")
    return value.lower() if value else None


def check(creation) -> list[FieldError]:
    chart = _chart(creation)
    if chart is not None and chart not in choices():
        return [FieldError("chart", f"{chart!r} is not one of: {', '.join(choices())}")]
    return []


def write(books, creation) -> None:
    chart = _chart(creation)
    if chart and chart != NO_CHART:
        books.ledger.load_chart(chart)
