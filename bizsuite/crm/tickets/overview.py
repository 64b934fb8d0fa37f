"""What tickets show outside their own screens: the home-screen figure and the searcher."""

from __future__ import annotations

from bizsuite.core.modules import SearchHit

TICKET_HITS = 10


def home_summary(books) -> str:
    s = books.tickets.summary()
    return f"{s['active']:,} active · {s['breached']:,} breached"


def search(books, query: str, limit: int = TICKET_HITS) -> list[SearchHit]:
    """Tickets by number (``#12``) or words of the subject."""
    hits = []
    wanted = query.strip().lstrip("#")
    for t in books.tickets.search(query, limit=limit):
        detail = f"{t.contact} · {t.status.replace('_', ' ')} · {t.priority}"
        hits.append(SearchHit("ticket", t.id, f"#{t.id}", t.subject, detail, 1.0 if wanted == str(t.id) else 0.3))
    return hits
