"""The stock the stock screen tests share: two locations, a handful of products (Chinese names,
one sold by weight, one at its reorder point, one inactive) and a quarter's moves, made through
``books.stock`` as of dates before the frozen clock (Monday 16 March 2026).

A module of its own (not ``conftest``), as screen_helpers is.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bizsuite.core import clock
from bizsuite.erp.stock.models import MoveIn, ProductIn

# (sku, name, unit, price, tax, reorder point, reorder qty, supplier)
PRODUCTS = [
    ("BOLT-M6", "不锈钢螺栓 M6×30", "pcs", "0.35", "13", "500", "2000", "Globex GmbH"),
    ("CABLE-3", "Copper cable 3 mm²", "m", "2.40", "20", "100", "500", None),
    ("GLUE-1", "环氧树脂胶 500 g", "bottle", "18.90", "13", "10", "40", "北京科技有限公司"),
    ("MUG-CL", "Classic mug, white", "pcs", "6.50", "20", "24", "120", "Globex GmbH"),
    ("RICE-5", "东北大米", "kg", "4.20", "9", "0", "0", None),
    ("TAPE-X", "Packing tape (discontinued)", "roll", "1.10", "20", "0", "0", None),
]


def fill_stock(store, owner, ids: dict[str, int]) -> dict[str, int]:
    """Returns product ids by SKU (and locations by name, under "@Main" and "@Shop")."""

    def at(day: str):
        return clock.freeze(datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc))

    out: dict[str, int] = {}
    with at("2026-01-02"), store.transaction(owner) as b:
        b.ledger.load_chart("standard")  # inventory, COGS, GRNI, opening balances: the moves post
        out["@Main"] = b.stock.add_location("Main", default=True).id
        out["@Shop"] = b.stock.add_location("Shop").id
        for sku, name, unit, price, tax, rp, rq, supplier in PRODUCTS:
            out[sku] = b.stock.add_product(ProductIn(
                sku=sku, name=name, unit=unit, price=price, tax_rate=tax, reorder_point=rp, reorder_qty=rq,
                supplier=f"#{ids[supplier]}" if supplier else None)).id
        b.stock.opening([MoveIn("BOLT-M6", "4000", "0.12"), MoveIn("CABLE-3", "850.5", "1.05"),
                         MoveIn("GLUE-1", "12", "7.80"), MoveIn("MUG-CL", "60", "2.10"),
                         MoveIn("RICE-5", "250.750", "1.90"), MoveIn("TAPE-X", "30", "0.40")], date="2026-01-02")
    with at("2026-01-20"), store.transaction(owner) as b:
        b.stock.transfer("MUG-CL", "20", from_location="Main", to_location="Shop", date="2026-01-20")
        b.stock.transfer("BOLT-M6", "500", from_location="Main", to_location="Shop", date="2026-01-20")
    with at("2026-02-03"), store.transaction(owner) as b:
        b.stock.move("delivery", [MoveIn("MUG-CL", "24"), MoveIn("BOLT-M6", "1800")], date="2026-02-03",
                     ref="SO-00041")
    with at("2026-02-10"), store.transaction(owner) as b:
        b.stock.move("receipt", [MoveIn("MUG-CL", "48", "2.40")], date="2026-02-10", ref="PO-00007")
    with at("2026-02-27"), store.transaction(owner) as b:
        b.stock.adjust("MUG-CL", by="-2", reason="broken in the shop", location="Shop", date="2026-02-27")
        b.stock.move("delivery", [MoveIn("GLUE-1", "4"), MoveIn("RICE-5", "80.250")], date="2026-02-27",
                     ref="SO-00052")
    with at("2026-03-09"), store.transaction(owner) as b:
        b.stock.move("delivery", [MoveIn("MUG-CL", "58", location="Main")], date="2026-03-09", ref="SO-00060")
        b.stock.adjust("BOLT-M6", to="1650", reason="count", date="2026-03-09")
    with at("2026-03-12"), store.transaction(owner) as b:  # backdated: re-values the March delivery
        b.stock.move("receipt", [MoveIn("MUG-CL", "6", "3.00", location="Main")], date="2026-03-01", ref="PO-00009")
    with at("2026-03-13"), store.transaction(owner) as b:
        b.stock.set_active("TAPE-X", False)
    return out
