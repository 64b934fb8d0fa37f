"""What the pipeline tells other modules about a customer, and its deals as records a ticket can
be linked to (the ``contacts.customer_facts`` and ``tickets.link_targets`` hooks, see
:mod:`bizsuite.core.facts`). Only a role that may read the pipeline learns more of a deal than
its number."""

from __future__ import annotations

from sqlalchemy import select

from bizsuite.core.errors import FieldError, NotFound, ValidationFailed
from bizsuite.core.facts import RANK_PROSPECTS, Fact, Linkable, Linked
from bizsuite.core.money import format_human
from bizsuite.crm.pipeline.models import OPEN, Deal

SHOWN_DEALS = 2  # the open deals named one by one (in stage order, nearest close first)


def customer_facts(books, contact_id: int) -> list[Fact]:
    """How many deals are open and their total, then the first of them, each opening the deal.
    Nothing when there are none."""
    if not books.actor.can("pipeline.read"):
        return []
    deals = books.pipeline.list(customer=contact_id, status=OPEN)
    if not deals:
        return []
    total = sum((d.amount for d in deals[1:]), deals[0].amount)
    facts = [Fact("Deals", format_human(total, None), f"{len(deals)} open", rank=RANK_PROSPECTS, amount=total)]
    for d in deals[:SHOWN_DEALS]:
        facts.append(Fact(d.number, format_human(d.amount, None), d.stage, opens=("deal", d.id), rank=RANK_PROSPECTS,
                          amount=d.amount))
    return facts


# -- deals as link targets ---------------------------------------------------------------------


def _linked(books, deals: list[Deal]) -> list[Linked]:
    """Deals as a ticket shows them: the number, then (for a role that reads the pipeline) the
    title, the stage or outcome and the amount."""
    if not books.actor.can("pipeline.read"):
        return [Linked(d.id, d.number) for d in deals]
    rows = {r.id: r for r in books.pipeline._rows(books.pipeline._rows_query(status=None).where(
        Deal.id.in_([d.id for d in deals])))}
    out = []
    for d in deals:
        r = rows[d.id]
        where = r.stage if r.status == OPEN else r.status
        out.append(Linked(r.id, r.number, f"{r.title} · {where} · {format_human(r.amount, None)} · {r.customer}"))
    return out


def find_deal(books, text: str) -> Linked:
    """A deal by its number (``D-00012``, ``d-12``) or id; one line saying why not."""
    books.require("pipeline.read")
    if not str(text or "").strip():
        raise ValidationFailed([FieldError("deal", "give a deal number such as D-00012")])
    try:
        d = books.pipeline._deal(str(text).strip())
    except NotFound as exc:
        raise ValidationFailed([FieldError("deal", exc.problems[0])]) from None
    return _linked(books, [d])[0]


def describe_deals(books, ids) -> dict[int, Linked]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    deals = list(books.session.scalars(select(Deal).where(Deal.id.in_(ids))))
    return {x.id: x for x in _linked(books, deals)}


def search_deals(books, text: str, contact_ids, limit: int = 8) -> list[Linked]:
    """The deal typed (by number or id), then the customer's deals, open ones first and newest
    first, whose number or title holds what was typed."""
    if not books.actor.can("pipeline.read"):
        return []
    text = (text or "").strip()
    found: list[Deal] = []
    if text:
        try:
            found.append(books.pipeline._deal(text))
        except NotFound:
            pass
    if contact_ids:
        q = select(Deal).where(Deal.customer_id.in_(list(contact_ids)))
        if text:
            digits = "".join(ch for ch in text if ch.isdigit()).lstrip("0")
            words = text.casefold().split()
            title = [Deal.title.ilike(f"%{w}%") for w in words]
            from sqlalchemy import and_, or_

            q = q.where(or_(Deal.number.contains(digits), and_(*title)) if digits else and_(*title))
        q = q.order_by((Deal.status == OPEN).desc(), Deal.id.desc()).limit(limit)
        for d in books.session.scalars(q):
            if all(d.id != f.id for f in found):
                found.append(d)
    return _linked(books, found[:limit])


LINK_TARGETS = (
    Linkable("deal", "deal", "a deal number such as D-00012", find=find_deal, describe=describe_deals,
             search=search_deals, opens="deal", rank=30),
)
