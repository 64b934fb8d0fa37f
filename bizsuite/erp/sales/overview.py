"""What sales shows outside its own screens: the home-screen figure and the searcher (the
palette, ``bizsuite search``)."""

from __future__ import annotations

from bizsuite.core.modules import SearchHit
from bizsuite.core.money import format_human
from bizsuite.erp.sales.models import STATUS_LABELS
from bizsuite.erp.sales.repository import PREFIX_INV, PREFIX_SO

HITS = 10  # of each kind: orders, then invoices


def home_summary(books) -> str:
    """The open orders and what customers owe past the due day: two aggregates."""
    s = books.sales.summary()
    text = f"{s['open']:,} open order{'s' if s['open'] != 1 else ''}"
    if s["overdue"]:
        text += f" · {format_human(s['overdue'], None)} overdue"
    return text


def _exact(number: str, query: str, prefix: str) -> bool:
    from bizsuite.core import numbering

    return number == (numbering.parse_label(query.strip(), prefix) or "")


def search(books, query: str, limit: int = HITS) -> list[SearchHit]:
    """Orders and invoices by number (``SO-00012``, ``so-12``, ``inv-3``) or words of the
    customer's name, newest first (the lists' own search, in SQL)."""
    if not query.strip():
        return []
    hits = []
    for r in books.sales.orders_page(show="all", search=query, limit=limit):
        detail = f"{STATUS_LABELS.get(r.status, r.status)} · {format_human(r.total, None)} · {r.date:%d %b %Y}"
        hits.append(SearchHit("sales_order", r.id, r.number, r.customer, detail,
                              1.0 if _exact(r.number, query, PREFIX_SO) else 0.3, label="Order"))
    for r in books.sales.invoices_page(show="all", search=query, limit=limit):
        state = "cancelled" if r.cancelled else "paid" if not r.open else f"owes {format_human(r.open, None)}"
        detail = f"{format_human(r.total, None)} · {state} · due {r.due:%d %b %Y}"
        hits.append(SearchHit("sales_invoice", r.id, r.number, r.customer, detail,
                              1.0 if _exact(r.number, query, PREFIX_INV) else 0.3, label="Invoice"))
    return hits
