"""What the pipeline shows outside its own screens: the home-screen figure and the searcher."""

from __future__ import annotations

from bizsuite.core.modules import SearchHit
from bizsuite.core.money import format_human

DEAL_HITS = 10


def home_summary(books) -> str:
    """Open deals and their weighted total, and the follow-ups past their day."""
    s = books.pipeline.summary()
    text = f"{s['open']:,} open · weighted {format_human(s['weighted'], None)}"
    if s["overdue"]:
        text += f" · {s['overdue']:,} overdue follow-up{'s' if s['overdue'] != 1 else ''}"
    return text


def search(books, query: str, limit: int = DEAL_HITS) -> list[SearchHit]:
    """Deals by number (``D-00012``, ``d-12``) or words of the title or the customer's name."""
    hits = []
    for r in books.pipeline.search(query, limit=limit):
        exact = r.number.casefold() == books.pipeline.number_of(query).casefold()
        detail = f"{r.customer} · {r.stage} · {format_human(r.amount, None)}"
        hits.append(SearchHit("deal", r.id, r.number, r.title, detail, 1.0 if exact else 0.3))
    return hits
