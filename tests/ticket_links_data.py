"""A customer with sales and deals to tell of, for the tests of the ticket's customer panel and
its links (tests/crm/tickets/test_ticket_links.py, tests/screens/test_ticket_customer_facts.py).

Made through the repositories, each step on its own day before the frozen "now" (Monday 16 March
2026): the standard chart; products A-1 "Widget" (20.00, no tax; 20 in at 8.00) and K-1 "Kettle"
(35.00); for the customer:

- SO-00001, 2 Feb: 5 × A-1, delivered and invoiced (INV, 100.00, due 16 Feb: overdue), 40.00 paid;
- SO-00002, 2 Feb: a quotation, cancelled on the 3rd (never shown among the last orders);
- SO-00003, 10 Mar: 3 × A-1, delivered and invoiced (60.00, due 9 Apr: not yet due);
- SO-00004, 14 Mar: a quotation for 1 × K-1 (35.00);
- SO-00005, 15 Mar: 2 × K-1 for ``other`` (someone else's order);
- D-00001 "Spare parts" (1,500.00, proposal) and D-00002 "Service plan" (900.00, lead): open
  deals; D-00003 "Old deal" (300.00): lost.

So the customer owes 120.00, of which 60.00 is overdue; their last orders are SO-00004,
SO-00003 and SO-00001; their open deals come to 2,400.00.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from bizsuite.core import clock
from bizsuite.erp.stock.models import MoveIn, ProductIn


def _at(day: str):
    return clock.freeze(datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc))


def fill_sales(store, owner, customer_id: int, other_id: int) -> dict[str, int]:
    """Returns ids by name: "SO-00001" … "SO-00005", "D-00001" … "D-00003", "A-1", "K-1"."""
    ids: dict[str, int] = {}
    with _at("2026-02-01"), store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.stock.add_location("Main")
        ids["A-1"] = b.stock.add_product(ProductIn(sku="A-1", name="Widget", price="20")).id
        ids["K-1"] = b.stock.add_product(ProductIn(sku="K-1", name="Kettle", price="35")).id
        b.stock.move("receipt", [MoveIn("A-1", Decimal(20), Decimal(8)), MoveIn("K-1", Decimal(5), Decimal(15))],
                     date="2026-02-01", source=("stock_adjustment", None))
    with _at("2026-02-02"), store.transaction(owner) as b:
        for name in ("SO-00001", "SO-00002"):
            ids[name] = b.sales.create(f"#{customer_id}", ["A-1 5"], date="2026-02-02").id
        b.sales.confirm("SO-00001")
        b.sales.deliver("SO-00001", date="2026-02-02")
        b.sales.invoice("SO-00001", date="2026-02-02", due="2026-02-16")
    with _at("2026-02-03"), store.transaction(owner) as b:
        b.sales.cancel("SO-00002")
    with _at("2026-02-20"), store.transaction(owner) as b:
        b.sales.pay(f"#{customer_id}", "40", date="2026-02-20")
    with _at("2026-03-10"), store.transaction(owner) as b:
        ids["SO-00003"] = b.sales.create(f"#{customer_id}", ["A-1 3"], date="2026-03-10").id
        b.sales.confirm("SO-00003")
        b.sales.deliver("SO-00003", date="2026-03-10")
        b.sales.invoice("SO-00003", date="2026-03-10", due="2026-04-09")
    with _at("2026-03-14"), store.transaction(owner) as b:
        ids["SO-00004"] = b.sales.create(f"#{customer_id}", ["K-1 1"], date="2026-03-14").id
    with _at("2026-03-15"), store.transaction(owner) as b:
        ids["SO-00005"] = b.sales.create(f"#{other_id}", ["K-1 2"], date="2026-03-15").id
        for title, amount, stage in (("Spare parts", "1500", "proposal"), ("Service plan", "900", "lead"),
                                     ("Old deal", "300", "lead")):
            v = b.pipeline.add(title, customer=f"#{customer_id}", amount=amount, stage=stage, close="2026-04-30")
            ids[v.number] = v.id
        b.pipeline.lost("D-00003", reason="price")
    return ids
