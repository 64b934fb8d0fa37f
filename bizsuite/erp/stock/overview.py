"""What stock shows outside its own screens: the home-screen figure and the searcher."""

from __future__ import annotations

from bizsuite.core.modules import SearchHit
from bizsuite.erp.stock.repository import casefold, shown

PRODUCT_HITS = 10


def home_summary(books) -> str:
    """Active products (one COUNT). Not how many are low: the repository finds those by reading
    every product that has a reorder point (1.5 s at 50k products), and the home screen waits
    for every module's figure."""
    n = books.stock.products(limit=0).total
    return f"{n:,} product{'s' if n != 1 else ''}"


def search(books, query: str, limit: int = PRODUCT_HITS) -> list[SearchHit]:
    """Products by SKU or words of the name (any case, any script: part of a Chinese name too)."""
    if not query.strip():
        return []
    wanted = casefold(query.strip())
    hits = []
    for r in books.stock.products(search=query, limit=limit, with_total=False).rows:
        detail = f"on hand {shown(r.on_hand, r.unit):,f} {r.unit}" + (" · low" if r.low else "")
        exact = wanted in (casefold(r.sku), casefold(r.name))
        hits.append(SearchHit("product", r.id, r.sku, r.name, detail, 1.0 if exact else 0.3))
    return hits
