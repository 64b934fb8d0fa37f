"""What contacts show outside their own screens: the home-screen figure and the searcher."""

from __future__ import annotations

from bizsuite.core.modules import SearchHit


def home_summary(books) -> str:
    n = books.contacts.count()
    return f"{n:,} contact{'s' if n != 1 else ''}"


def search(books, query: str, limit: int = 20) -> list[SearchHit]:
    """Contacts by name, email, phone or company (the contact list's own search)."""
    if not query.strip():
        return []
    rows = books.contacts.page(query=query, limit=limit, with_total=False).rows
    hits = []
    for r in rows:
        title = r.name + (f" · {r.company}" if r.company else "")
        detail = " ".join(p for p in (r.kind, r.email or "", r.city or "") if p)
        exact = r.name.casefold() == query.strip().casefold()
        hits.append(SearchHit("contact", r.id, f"#{r.id}", title, detail, 1.0 if exact else 0.3,
                              label=""))  # the palette shows a contact by its name alone
    return hits
