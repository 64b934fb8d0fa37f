"""What one module tells the others about a customer, and the records it lets them refer to.

Modules meet through hooks (:func:`bizsuite.core.modules.hooks`), never by importing each other;
this file holds the shapes two such hooks answer in, so the module that asks (tickets) and the
modules that answer (sales, the pipeline, stock) need not import one another.

``contacts.customer_facts`` — ``fn(books, contact_id) -> list[Fact]``: a few short labelled facts
about a customer that only the offering module knows (sales: the open balance, the overdue
amount, the last orders; the pipeline: the open deals). A module whose read permission the user
lacks answers nothing: its facts are simply absent, as they are when it is not installed.
:func:`customer_facts` asks every installed module.

``tickets.link_targets`` — a sequence of :class:`Linkable`: the kinds of record a module lets a
ticket be linked to (sales: ``order``; stock: ``product``). The tickets module stores only the
kind and the record's id; the offering module turns what a user typed into an id (``find``), an
id back into a label (``describe``) and suggests records as the user types (``search``), so the
tickets module never names another module's tables. :func:`link_targets` collects them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Sequence

from bizsuite.core import modules
from bizsuite.core.errors import PermissionDenied

CUSTOMER_FACTS = "contacts.customer_facts"
LINK_TARGETS = "tickets.link_targets"

# Where a module's facts stand among the others' (lower first): what the customer owes, then
# their documents, then what they may buy.
RANK_MONEY = 10
RANK_DOCUMENTS = 20
RANK_PROSPECTS = 30


@dataclass(frozen=True)
class Fact:
    """One line about a customer: ``Overdue  565.00``, ``SO-00012  confirmed  113.00``."""

    label: str  # what it is: "Balance", "SO-00012", "Open deals"
    value: str  # the figure, as people read it: "1,130.00"
    detail: str = ""  # a word or two beside it: "confirmed", "2 deals" (shown dim; cut first)
    opens: tuple[str, int] | None = None  # (record kind, id) that the app opens (``Module.records``)
    alert: bool = False  # stands out: money overdue
    rank: int = RANK_DOCUMENTS
    amount: Decimal | None = None  # the figure as a number, for scripts (``tickets show -f json``)


def customer_facts(books, contact_id: int) -> list[Fact]:
    """Every installed module's facts about one contact, by rank (then module order). A module
    that refuses because of the user's role adds nothing."""
    out: list[Fact] = []
    for fn in modules.hooks(CUSTOMER_FACTS):
        try:
            out.extend(fn(books, contact_id))
        except PermissionDenied:
            continue
    return sorted(out, key=lambda f: f.rank)


@dataclass(frozen=True)
class Linked:
    """A record another module refers to: what people call it and a few words about it."""

    id: int
    label: str  # "SO-00012", "A-1 Widget"
    detail: str = ""  # "Acme Trading · confirmed · 113.00"


@dataclass(frozen=True)
class Linkable:
    """A kind of record a module lets tickets link to.

    ``find(books, text) -> Linked`` turns what a user typed into the record, or raises
    :class:`~bizsuite.core.errors.Refused` with one line saying why not (``no sales order
    'SO-99999'``); ``describe(books, ids) -> {id: Linked}`` labels records by id (ids of records
    that no longer exist are left out); ``search(books, text, contact_ids, limit) -> [Linked]``
    suggests records as a user types (those of the ticket's customer first)."""

    kind: str  # what the link stores and the command line's option: "order" (``--order``)
    title: str  # "order", "product"
    hint: str  # how to refer to one: "an order number such as SO-00012"
    find: Callable[..., Linked]
    describe: Callable[..., dict[int, Linked]]
    search: Callable[..., list[Linked]]
    opens: str | None = None  # the record kind the app opens it as (a key of ``Module.records``)
    rank: int = 50  # where it stands among the kinds offered (lower first; the first is the default)


def link_targets() -> dict[str, Linkable]:
    """The kinds of record tickets can be linked to, by kind, from every installed module, by
    rank (then module order)."""
    out: dict[str, Linkable] = {}
    for offered in modules.hooks(LINK_TARGETS):
        targets: Sequence[Linkable] = offered() if callable(offered) else offered
        for t in targets:
            if t.kind in out:
                raise LookupError(f"two modules offer ticket links of kind {t.kind!r}")
            out[t.kind] = t
    return dict(sorted(out.items(), key=lambda kv: kv[1].rank))
