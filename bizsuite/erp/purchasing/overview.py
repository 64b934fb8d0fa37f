"""What purchasing shows outside its own screens: the home-screen figure and the searcher."""

from __future__ import annotations

from bizsuite.core.modules import SearchHit
from bizsuite.core.money import format_human
from bizsuite.erp.purchasing.models import STATUS_LABELS

ORDER_HITS = 10


def home_summary(books) -> str:
    """How many orders there are (one COUNT)."""
    n = books.purchasing.counts()["orders"]
    return f"{n:,} order{'s' if n != 1 else ''}"


def search(books, query: str, limit: int = ORDER_HITS) -> list[SearchHit]:
    """Orders by number (``PO-00012``, ``po-12``, ``12``) or part of the supplier's name."""
    wanted = query.strip().casefold()
    if not wanted:
        return []
    hits = []
    for r in books.purchasing.orders():
        number = r.number.casefold()
        digits = wanted.removeprefix("po-").lstrip("0")
        exact = wanted == number or (digits.isdigit() and number.removeprefix("po-").lstrip("0") == digits)
        if exact or wanted in number or wanted in r.supplier.casefold():
            detail = f"{STATUS_LABELS.get(r.status, r.status)} · {format_human(r.total, None)}"
            hits.append(SearchHit("purchase_order", r.id, r.number, r.supplier, detail, 1.0 if exact else 0.3))
            if len(hits) >= limit:
                break
    return hits
