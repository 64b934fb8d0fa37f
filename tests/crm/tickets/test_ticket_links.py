"""A ticket linked to an order or a product, and what the other modules tell of its customer.

The tickets module never names the sales, pipeline or stock tables: the links and the facts come
through the ``tickets.link_targets`` and ``contacts.customer_facts`` hooks (core/facts.py). The
figures are checked against what those modules publish themselves (``sales.balance``,
``sales.aging``, ``pipeline.list``, ``stock.product_row``). SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from ticket_links_data import fill_sales

from bizsuite.core import clock, facts, modules
from bizsuite.core.auth import Actor
from bizsuite.core.errors import PermissionDenied, Refused, ValidationFailed
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.crm.tickets.models import TicketIn, TicketLink
from bizsuite.erp.stock.models import ProductIn

MON = datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)  # a Monday: tests/conftest.py's frozen now


@pytest.fixture
def shop(store, owner):
    return make_shop(store, owner)


def make_shop(store, owner) -> dict[str, int]:
    """Acme Trading (a customer company), Alice Martin (a customer, of Acme), Zed (another
    customer); the sales and deals of tests/ticket_links_data.py for Acme; a ticket from Alice
    (#1) and one from Acme itself (#2); users tom (support), vic (viewer), hal (hr)."""
    with clock.freeze(MON.replace(day=2)), store.transaction(owner) as b:
        ids = {"acme": b.contacts.add(ContactIn(name="Acme Trading", kind="company", roles=["customer"])).id}
        ids["alice"] = b.contacts.add(ContactIn(name="Alice Martin", company="Acme Trading", roles=["customer"])).id
        ids["zed"] = b.contacts.add(ContactIn(name="Zed", roles=["customer"])).id
        for name, role in (("tom", "support"), ("vic", "viewer"), ("hal", "hr")):
            b.admin.add_user(name, role)
    ids.update(fill_sales(store, owner, ids["acme"], ids["zed"]))
    with clock.freeze(MON), store.transaction(owner) as b:
        ids["ticket"] = b.tickets.add(TicketIn(subject="Widget arrived broken", contact_id=ids["alice"])).id
        ids["own"] = b.tickets.add(TicketIn(subject="Invoice question", contact_id=ids["acme"])).id
    return ids


def link_rows(store, owner) -> list[tuple]:
    with store.read(owner) as b:
        return b.session.execute(select(TicketLink.ticket_id, TicketLink.kind, TicketLink.ref_id)
                                 .order_by(TicketLink.id)).all()


TOM, VIC, HAL = Actor("tom", "support"), Actor("vic", "viewer"), Actor("hal", "hr")


def test_a_ticket_is_linked_to_an_order_and_a_product_labelled_by_their_modules(store, owner, shop):
    t = shop["ticket"]
    with clock.freeze(MON), store.transaction(TOM) as b:  # support: reads sales, not stock
        order = b.tickets.link(t, "order", "so-3")
        product = b.tickets.link(t, "Product", "k-1")
        assert (order.kind, order.ref_id, order.label) == ("order", shop["SO-00003"], "SO-00003")
        row = next(r for r in b.sales.orders(customer=shop["acme"]) if r.number == "SO-00003")
        assert order.detail.startswith(f"closed · {row.total} · 10 Mar 2026 · Acme Trading")
        assert (product.kind, product.ref_id, product.label, product.detail) == ("product", shop["K-1"], "K-1", "Kettle")
        with pytest.raises(Refused, match=r"^ticket #1 is already linked to order SO-00003$"):
            b.tickets.link(t, "order", "SO-00003")
    with store.read(owner) as b:  # the owner reads stock too: what is on hand, as stock says it
        links = b.tickets.detail(t).links
        on_hand = b.stock.product_row("K-1").on_hand
        assert [(v.kind, v.label, v.missing) for v in links] == [("order", "SO-00003", False),
                                                                ("product", "K-1", False)]
        assert links[1].detail == f"Kettle · {on_hand.normalize():f} pcs on hand" and on_hand > 0
        assert (links[0].opens, links[1].opens) == ("sales_order", "product")
    # the matches the link dialog offers: the customer's (and their company's) orders, newest first
    with store.read(TOM) as b:
        assert [x.label for x in b.tickets.search_linkable(t, "order", "")] == ["SO-00004", "SO-00003", "SO-00002",
                                                                               "SO-00001"]
        assert [x.label for x in b.tickets.search_linkable(t, "order", "SO-5")] == ["SO-00005"]  # typed exactly
        assert [x.label for x in b.tickets.search_linkable(t, "product", "kett")] == ["K-1"]
    with clock.freeze(MON), store.transaction(TOM) as b:
        gone = b.tickets.unlink(t, "order", "SO-00003")
        assert gone.label == "SO-00003"
        with pytest.raises(Refused, match=r"^ticket #1 is not linked to order SO-00001$"):
            b.tickets.unlink(t, "order", "SO-00001")
    assert link_rows(store, owner) == [(t, "product", shop["K-1"])]
    # a product that never moved may be deleted: the link says so, and goes by the product's #id
    with store.transaction(owner) as b:
        pid = b.stock.add_product(ProductIn(sku="X-9", name="Sample")).id
        b.tickets.link(t, "product", "X-9")
    with store.transaction(owner) as b:
        b.stock.delete_product("X-9")
    with store.read(owner) as b:
        assert [(v.label, v.detail, v.missing) for v in b.tickets.links(t)][1] == (
            f"product #{pid}", "no longer in the books", True)
    with pytest.raises(ValidationFailed, match="unknown SKU 'X-9'"), store.transaction(owner) as b:
        b.tickets.unlink(t, "product", "X-9")
    with store.transaction(owner) as b:
        assert b.tickets.unlink(t, "product", f"#{pid}").missing
    assert link_rows(store, owner) == [(t, "product", shop["K-1"])]


def test_a_ticket_is_linked_to_a_deal_the_pipeline_describes(store, owner, shop):
    """The pipeline offers its deals as link targets: support (which reads the pipeline) links one
    and sees its title, stage and amount; a lost deal says it was lost; a role that may read
    tickets but not the pipeline sees only the number; the dialog's matches are the customer's
    deals, open ones first, and a word matches the title."""
    t = shop["ticket"]
    with clock.freeze(MON), store.transaction(TOM) as b:
        spare = b.tickets.link(t, "deal", "d-1")
        old = b.tickets.link(t, "deal", f"#{shop['D-00003']}")
        with pytest.raises(Refused, match=r"^ticket #1 is already linked to deal D-00001$"):
            b.tickets.link(t, "deal", "D-00001")
    assert (spare.kind, spare.ref_id, spare.label) == ("deal", shop["D-00001"], "D-00001")
    assert spare.detail == "Spare parts · proposal · 1,500.00 · Acme Trading"
    assert old.detail == "Old deal · lost · 300.00 · Acme Trading"
    with store.read(owner) as b:
        links = b.tickets.detail(t).links
        assert [(v.kind, v.label, v.opens) for v in links] == [("deal", "D-00001", "deal"), ("deal", "D-00003", "deal")]
        [row] = [r for r in b.pipeline.list(customer=shop["acme"]) if r.number == "D-00001"]
        assert links[0].detail == f"{row.title} · {row.stage} · 1,500.00 · {row.customer}" and row.amount == 1500
    with store.read(VIC) as b:  # the viewer reads the pipeline too
        assert [x.label for x in b.tickets.search_linkable(t, "deal", "")] == ["D-00002", "D-00001", "D-00003"]
        assert [x.label for x in b.tickets.search_linkable(t, "deal", "plan")] == ["D-00002"]
        assert [x.label for x in b.tickets.search_linkable(t, "deal", "D-3")] == ["D-00003"]
    with clock.freeze(MON), store.transaction(TOM) as b:
        assert b.tickets.unlink(t, "deal", "D-00003").label == "D-00003"
    assert link_rows(store, owner) == [(t, "deal", shop["D-00001"])]


def test_unknown_references_are_refused_in_one_line_and_nothing_is_written(store, owner, shop):
    t = shop["ticket"]
    cases = [
        (owner, "order", "SO-99999", ValidationFailed, "order: no sales order 'SO-99999'"),
        (owner, "order", "", ValidationFailed, "order: give an order number such as SO-00012"),
        (owner, "product", "NOPE-1", ValidationFailed, "product: unknown SKU 'NOPE-1'"),
        (owner, "invoice", "INV-00001", ValidationFailed,
         "kind: 'invoice' is not a kind of record tickets link to; they link to: deal, order, product"),
        (owner, "deal", "D-00099", ValidationFailed, "deal: no deal 'D-00099'"),
        (HAL, "deal", "D-00001", PermissionDenied, None),  # hr: no tickets, no pipeline
        (VIC, "order", "SO-00001", PermissionDenied, "vic (viewer) may not change tickets; ask the owner for a role that may"),
    ]
    for actor, kind, ref, error, line in cases:
        with pytest.raises(error) as caught, store.transaction(actor) as b:
            b.tickets.link(t, kind, ref)
        if line is not None:
            assert caught.value.problems == [line]
    with clock.freeze(MON), store.transaction(owner) as b:  # two links in one unit of work, the second bad
        b.tickets.set_status(shop["own"], "closed")
    with pytest.raises(Refused, match="^ticket #2 is closed"), store.transaction(owner) as b:
        b.tickets.link(shop["ticket"], "product", "A-1")
        b.tickets.link(shop["own"], "order", "SO-00001")
    assert link_rows(store, owner) == []


def _amounts(found) -> dict[str, object]:
    return {f.label: f.amount for f in found}


def test_the_customer_facts_are_the_figures_sales_and_the_pipeline_publish(store, owner, shop):
    with clock.freeze(MON), store.read(owner) as b:
        d = b.tickets.detail(shop["ticket"])
        [(acme, theirs)] = d.facts  # Alice never ordered herself and owes nothing: her company did
        assert acme == "Acme Trading"
        balance = b.sales.balance(shop["acme"])
        [aging] = [r for r in b.sales.aging() if r.customer_id == shop["acme"]]
        got = _amounts(theirs)
        assert got["Open balance"] == balance["balance"] == aging.total
        assert got["Overdue"] == balance["overdue"] == aging.total - aging.current > 0
        assert [f.alert for f in theirs if f.label in ("Open balance", "Overdue")] == [False, True]
        orders = [r for r in b.sales.orders(customer=shop["acme"]) if r.status != "cancelled"][:3]
        assert [f.label for f in theirs if f.label.startswith("SO-")] == [r.number for r in orders] \
            == ["SO-00004", "SO-00003", "SO-00001"]  # newest first; the cancelled one and Zed's are not theirs
        assert all(got[r.number] == r.total for r in orders)
        assert [f.opens for f in theirs if f.label.startswith("SO-")] == [("sales_order", r.id) for r in orders]
        deals = b.pipeline.list(customer=shop["acme"], status="open")
        assert got["Deals"] == sum(x.amount for x in deals) and len(deals) == 2  # the lost one is not open
        assert [(f.label, f.opens) for f in theirs if f.label.startswith("D-")] == [(x.number, ("deal", x.id))
                                                                                   for x in deals]
        labels = [f.label for f in theirs]
        assert labels.index("Open balance") < labels.index("SO-00004") < labels.index("Deals")
    # a role that reads neither sales nor the pipeline is told nothing of them
    with store.read(HAL) as b:
        assert facts.customer_facts(b, shop["acme"]) == []
    # every role that reads tickets reads sales too; books where viewers may not (the sales module
    # declared so) show a viewer the pipeline's facts and none of sales', and orders only by number
    with store.transaction(owner) as b:
        b.tickets.link(shop["ticket"], "order", "SO-00003")
    sales = modules.find("sales")
    narrower = dataclasses.replace(sales, permissions={
        **sales.permissions, "sales.read": tuple(r for r in sales.permissions["sales.read"] if r != "viewer")})
    with modules.use([narrower if m is sales else m for m in modules.installed()]):
        assert VIC.can("tickets.read") and VIC.can("pipeline.read") and not VIC.can("sales.read")
        with clock.freeze(MON), store.read(VIC) as b:
            d = b.tickets.detail(shop["ticket"])
            [(acme, theirs)] = d.facts
            assert acme == "Acme Trading"
            assert [f.label for f in theirs] == ["Deals", "D-00002", "D-00001"]
            assert [(v.label, v.detail) for v in d.links] == [("SO-00003", "")]
    with clock.freeze(MON), store.read(VIC) as b:  # as installed: viewers read sales
        assert [f.label for f in b.tickets.detail(shop["own"]).facts[0][1]][:2] == ["Open balance", "Overdue"]


def test_tickets_link_and_unlink_on_the_command_line(sqlite_store, sqlite_location, owner_name, tmp_path):
    """The commands only parse and print: one backend is enough (the repository tests run on both)."""
    from cli_runner import Bizsuite

    store, owner = sqlite_store, sqlite_store.actor_for(owner_name)
    shop = make_shop(store, owner)
    cli = Bizsuite(tmp_path, db=str(sqlite_location.path), now="2026-03-16T09:30:00+00:00", env={"TZ": "UTC"})
    assert cli("tickets", "link", "1", "--to", "order").rc == 2  # not KIND=REF: a usage error
    bad = cli("tickets", "link", "1", "--product", "K-1", "--order", "SO-99999")
    assert (bad.rc, bad.err_lines, bad.stdout) == (1, ["order: no sales order 'SO-99999'"], "")
    assert link_rows(store, owner) == []  # K-1 neither: all the links given, or none
    ok = cli("tickets", "link", "#1", "--order", "SO-00003", "--product", "K-1")
    assert ok.rc == 0, ok
    assert ok.stdout.splitlines() == [
        "linked #1 to order SO-00003 (closed · 60.00 · 10 Mar 2026 · Acme Trading)",
        "linked #1 to product K-1 (Kettle · 5 pcs on hand)"]
    shown = json.loads(cli("tickets", "show", "1", "-f", "json").stdout)
    assert [(x["kind"], x["label"]) for x in shown["links"]] == [("order", "SO-00003"), ("product", "K-1")]
    [acme] = shown["customer_facts"]  # Alice's company's: she never ordered herself
    assert acme["contact"] == "Acme Trading"
    assert {f["label"]: f["amount"] for f in acme["facts"]}["Overdue"] == "60.00"
    r = cli("tickets", "unlink", "1", "--order", "SO-00003")
    assert (r.rc, r.stdout.strip()) == (0, "unlinked #1 from order SO-00003")
    table = cli("tickets", "show", "1").stdout
    assert "Linked to\n  product K-1 Kettle · 5 pcs on hand\n" in table and "SO-00003" in table  # a last order
    assert [line.split() for line in table.splitlines() if line.strip().startswith(("Open balance", "Overdue"))] \
        == [["Open", "balance", "120.00"], ["Overdue", "60.00"]]
    assert link_rows(store, owner) == [(1, "product", shop["K-1"])]  # the product's link stays


def test_the_tickets_module_imports_neither_sales_nor_the_pipeline_nor_stock():
    """They meet through hooks only (core/facts.py): no import of theirs anywhere in the tickets
    module, its commands or its screens."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "bizsuite"
    files = [*(root / "crm" / "tickets").rglob("*.py"), root / "cli" / "tickets.py",
             *(root / "screens").glob("ticket*.py")]
    assert len(files) > 10
    others = ("bizsuite.erp", "bizsuite.crm.pipeline")
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name}: {n}" for n in names if n.startswith(others)]
    assert found == []
