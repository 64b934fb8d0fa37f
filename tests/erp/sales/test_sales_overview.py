"""What sales shows outside its screens: the home screen's figure and the palette's searcher
(``bizsuite search``). SQLite and PostgreSQL; the clock is frozen at Monday 16 March 2026."""

from __future__ import annotations

from decimal import Decimal as D

from bizsuite.erp.sales import overview


def _shop(store, owner) -> None:
    """SO-00001 for Acme: 2 × A-1 (2 × 10.00 + 13 % = 22.60) delivered, invoiced (so closed) on 1 March due
    the 10th (overdue now), 5.00 paid; SO-00002 for Acme: 4 kg K-1 (10.00), confirmed, not
    delivered; SO-00003 for 王小明: a quotation."""
    with store.transaction(owner) as b:
        b.sales.create("Acme Trading", ["A-1 2"], date="2026-03-01")
        b.sales.confirm("SO-00001")
        b.sales.deliver("SO-00001", date="2026-03-01")
        b.sales.invoice("SO-00001", date="2026-03-01", due="2026-03-10")
        b.sales.pay("Acme Trading", "5", date="2026-03-02")
        b.sales.create("Acme Trading", ["K-1 4"], date="2026-03-03")
        b.sales.confirm("SO-00002")
        b.sales.create("#2", ["K-1 1"], date="2026-03-04")


def test_the_home_figure_counts_open_orders_and_what_is_overdue(sstore, owner):
    with sstore.read(owner) as b:
        assert overview.home_summary(b) == "0 open orders"
    _shop(sstore, owner)
    with sstore.read(owner) as b:
        s = b.sales.summary()
        open_invoices = b.sales.invoices_page(show="overdue")
        # SO-00001 is delivered and invoiced: closed, its work done (what it still owes is the invoice's);
        # SO-00002 waits for delivery; the quotation SO-00003 is not an order yet
        assert s == {"open": 1, "overdue": D("17.60")}
        assert [r.number for r in b.sales.orders_page(show="open")] == ["SO-00002"]
        assert s["overdue"] == sum(i.open for i in open_invoices) and len(open_invoices) == 1
        assert overview.home_summary(b) == "1 open order · 17.60 overdue"
    with sstore.transaction(owner) as b:
        b.sales.pay("Acme Trading", "17.60", date="2026-03-12")
    with sstore.read(owner) as b:
        assert b.sales.summary()["overdue"] == 0
        assert overview.home_summary(b) == "1 open order"


def test_the_searcher_finds_orders_and_invoices_by_number_or_customer(sstore, owner):
    _shop(sstore, owner)
    with sstore.read(owner) as b:
        exact = overview.search(b, "so-2")
        assert [(h.kind, h.number, h.title, h.score) for h in exact] == [("sales_order", "SO-00002", "Acme Trading", 1.0)]
        assert exact[0].detail.startswith("confirmed · 10.00 · 03 Mar 2026")
        [inv] = overview.search(b, "INV-1")
        assert (inv.kind, inv.number, inv.score) == ("sales_invoice", "INV-00001", 1.0)
        assert inv.detail == "22.60 · owes 17.60 · due 10 Mar 2026"
        by_name = overview.search(b, "acme")
        assert [(h.kind, h.number) for h in by_name] == [("sales_order", "SO-00002"), ("sales_order", "SO-00001"),
                                                          ("sales_invoice", "INV-00001")]
        assert all(h.score < 1 for h in by_name)
        assert [h.number for h in overview.search(b, "王小明")] == ["SO-00003"]
        assert overview.search(b, "nobody here") == [] and overview.search(b, "  ") == []
        assert len(overview.search(b, "acme", limit=1)) == 2  # at most one of each kind
