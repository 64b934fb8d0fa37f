"""Products as records a ticket can be linked to (the ``tickets.link_targets`` hook; see
:mod:`bizsuite.core.facts`).

A product is found by its SKU (any case) or ``#id``, inactive ones too (a complaint may be about
one no longer sold). What a link shows of it is who it is — the SKU and the name, the product's
identity, which whoever works the ticket must see to link the right one (support has no
``stock.read``) — and, for a role that reads stock, what is on hand. Opening the product's page
needs ``stock.read`` as anywhere else."""

from __future__ import annotations

from sqlalchemy import or_, select

from bizsuite.core.db import LIKE_ESCAPE, like_contains
from bizsuite.core.errors import FieldError, ValidationFailed
from bizsuite.core.facts import Linkable, Linked
from bizsuite.core.parsing import fits, record_id
from bizsuite.erp.stock.models import Product
from bizsuite.erp.stock.repository import _qty, casefold


def _linked(books, products: list[Product]) -> list[Linked]:
    reads = books.actor.can("stock.read")
    out = []
    for p in products:
        detail = p.name + ("" if p.active else " (inactive)")
        if reads:
            detail += f" · {_qty(p.on_hand, p.unit)} on hand"
        out.append(Linked(p.id, p.sku, detail))
    return out


def find_product(books, text: str) -> Linked:
    """A product by its SKU (any case) or ``#id``; one line saying why not."""
    text = str(text or "").strip()
    if not text:
        raise ValidationFailed([FieldError("product", "give a product's SKU")])
    s = books.session
    p = s.scalars(select(Product).where(Product.sku_key == casefold(text))).first()
    if p is None and text.startswith("#"):
        n = record_id(text)
        p = s.get(Product, n) if n is not None and fits(n) else None
    if p is None:
        raise ValidationFailed([FieldError("product", f"unknown SKU {text!r}")])
    return _linked(books, [p])[0]


def describe_products(books, ids) -> dict[int, Linked]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    found = list(books.session.scalars(select(Product).where(Product.id.in_(ids))))
    return {x.id: x for x in _linked(books, found)}


def search_products(books, text: str, contact_ids=(), limit: int = 8) -> list[Linked]:
    """Products whose SKU or name holds every word typed, active ones first, by SKU."""
    words = casefold(text or "").split()
    if not words:
        return []
    q = select(Product)
    for w in words:
        like = like_contains(w)
        q = q.where(or_(Product.sku_key.like(like, escape=LIKE_ESCAPE), Product.name_key.like(like, escape=LIKE_ESCAPE)))
    q = q.order_by(Product.active.desc(), Product.sku_key).limit(limit)
    return _linked(books, list(books.session.scalars(q)))


LINK_TARGETS = (
    Linkable("product", "product", "a product's SKU", find=find_product, describe=describe_products,
             search=search_products, opens="product", rank=20),
)
