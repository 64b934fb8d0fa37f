"""What sales tells other modules about a customer, and its orders as records a ticket can be
linked to (the ``contacts.customer_facts`` and ``tickets.link_targets`` hooks; see
:mod:`bizsuite.core.facts`). Only users whose role may read sales get anything from here."""

from __future__ import annotations

from sqlalchemy import select

from bizsuite.core.errors import FieldError, NotFound, ValidationFailed
from bizsuite.core.facts import RANK_DOCUMENTS, RANK_MONEY, Fact, Linkable, Linked
from bizsuite.core.money import format_human
from bizsuite.erp.sales.models import CANCELLED, STATUS_LABELS, SalesOrder

LAST_ORDERS = 3  # the orders the customer panel shows, newest first
ORDER_RECORD = "sales_order"  # the record kind an order opens as (the sales screens' ``records``)


def _money(value) -> str:
    return format_human(value, None)


def customer_facts(books, contact_id: int) -> list[Fact]:
    """The ``contacts.customer_facts`` hook: the customer's open balance (what they owe less their
    unused credit), the part overdue, and their last orders (not cancelled), each opening the
    order. Nothing for a role that may not read sales, for a contact that is neither a customer
    nor a lead, or for one who never ordered and owes nothing."""
    if not books.actor.can("sales.read"):
        return []
    try:
        b = books.sales.balance(contact_id)
    except ValidationFailed:  # not a customer or a lead: no sales to tell of
        return []
    orders = list(books.session.scalars(
        select(SalesOrder).where(SalesOrder.customer_id == contact_id, SalesOrder.status != CANCELLED)
        .order_by(SalesOrder.date.desc(), SalesOrder.id.desc()).limit(LAST_ORDERS)))
    credit = b["credit"]
    if not orders and not b["owed"] and not credit:
        return []  # nothing to tell: no orders, nothing owed, no credit
    detail = "in credit" if b["balance"] < 0 else f"less {_money(credit)} credit" if credit else ""
    facts = [
        Fact("Open balance", _money(b["balance"]), detail, rank=RANK_MONEY, amount=b["balance"]),
        Fact("Overdue", _money(b["overdue"]), "", alert=b["overdue"] > 0, rank=RANK_MONEY, amount=b["overdue"]),
    ]
    for o in books.sales._rows(orders):
        facts.append(Fact(o.number, _money(o.total), f"{STATUS_LABELS[o.status]} {o.date:%d %b}",
                          opens=(ORDER_RECORD, o.id), rank=RANK_DOCUMENTS, amount=o.total))
    return facts


# -- orders as link targets --------------------------------------------------------------------


def _linked(books, orders: list[SalesOrder]) -> list[Linked]:
    """Orders as a ticket shows them: the number, then (for a role that reads sales) the status,
    the total, the day and the customer (what matters first, for narrow places)."""
    if not books.actor.can("sales.read"):
        return [Linked(o.id, o.number) for o in orders]
    return [Linked(r.id, r.number, f"{STATUS_LABELS[r.status]} · {_money(r.total)} · {r.date:%d %b %Y} · "
                                   f"{r.customer}") for r in books.sales._rows(orders)]


def find_order(books, text: str) -> Linked:
    """An order by its number (``SO-00012``, ``so-12``) or id; one line saying why not."""
    books.require("sales.read")
    if not str(text or "").strip():
        raise ValidationFailed([FieldError("order", "give an order number such as SO-00012")])
    try:
        so = books.sales._order(str(text).strip())
    except NotFound as exc:
        raise ValidationFailed([FieldError("order", exc.problems[0])]) from None
    return _linked(books, [so])[0]


def describe_orders(books, ids) -> dict[int, Linked]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    orders = list(books.session.scalars(select(SalesOrder).where(SalesOrder.id.in_(ids))))
    return {x.id: x for x in _linked(books, orders)}


def search_orders(books, text: str, contact_ids, limit: int = 8) -> list[Linked]:
    """The order typed (by number or id), then the customer's newest orders whose number holds
    what was typed."""
    if not books.actor.can("sales.read"):
        return []
    text = (text or "").strip()
    found: list[SalesOrder] = []
    if text:
        try:
            found.append(books.sales._order(text))
        except NotFound:
            pass
    q = select(SalesOrder).where(SalesOrder.customer_id.in_(list(contact_ids)))
    digits = "".join(ch for ch in text if ch.isdigit()).lstrip("0")
    if text and not digits:
        q = None  # words are not order numbers: only an exact match above
    elif digits:
        q = q.where(SalesOrder.number.contains(digits))
    if q is not None and contact_ids:
        for so in books.session.scalars(q.order_by(SalesOrder.date.desc(), SalesOrder.id.desc()).limit(limit)):
            if all(so.id != f.id for f in found):
                found.append(so)
    return _linked(books, found[:limit])


LINK_TARGETS = (
    Linkable("order", "order", "an order number such as SO-00012", find=find_order, describe=describe_orders,
             search=search_orders, opens=ORDER_RECORD, rank=10),
)
