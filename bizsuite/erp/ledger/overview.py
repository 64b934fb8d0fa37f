"""What the ledger shows outside its own screens: the home-screen figure and the searcher."""

from __future__ import annotations

from bizsuite.core.modules import SearchHit

ACCOUNT_HITS = 8


def home_summary(books) -> str:
    n = books.ledger.journal_page(limit=0).total  # posted entries (a count, no rows)
    return f"{n:,} entr{'ies' if n != 1 else 'y'}"


def search(books, query: str, limit: int = ACCOUNT_HITS) -> list[SearchHit]:
    """Accounts by name or code; each opens its register."""
    if not query.strip():
        return []
    hits = []
    for a in books.ledger.accounts_matching(query, limit=limit, active_only=False):
        detail = " · ".join(p for p in (a.code, a.type, "" if a.active else "inactive") if p) + " — register"
        exact = query.strip().casefold() in (a.name.casefold(), (a.code or "").casefold())
        hits.append(SearchHit("account", a.id, a.code or a.name, a.name, detail, 1.0 if exact else 0.3))
    return hits
