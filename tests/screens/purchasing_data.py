"""The purchase orders the purchasing screen tests share, on the stock of ``stock_data.fill_stock``
(frozen clock: Monday 16 March 2026): made through ``books.purchasing`` as of dates before it.

- PO-00001 Globex GmbH, confirmed 2 March, nothing received: 2,000 BOLT-M6 at 0.11, 120 MUG-CL at 2.30.
- PO-00002 北京科技有限公司, 5 March: 40 GLUE-1 at 7.50, 20 received on the 9th, billed and paid in part.
- PO-00003 Globex GmbH, a draft of the 12th: 500 CABLE-3 at 1.00.
- PO-00004 Globex GmbH, cancelled.

A module of its own (not ``conftest``), as screen_helpers is.
"""

from __future__ import annotations

from datetime import datetime, timezone

from stock_data import fill_stock

from bizsuite.core import clock


def fill_purchasing(store, owner, ids: dict[str, int]) -> dict[str, int]:
    """Returns the stock ids of ``fill_stock`` and the orders' ids under "PO-00001" … ."""
    out = fill_stock(store, owner, ids)

    def at(day: str):
        return clock.freeze(datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc))

    globex, bjkj = f"#{ids['Globex GmbH']}", f"#{ids['北京科技有限公司']}"
    with at("2026-03-02"), store.transaction(owner) as b:
        po = b.purchasing.create(globex, ["BOLT-M6 2000 0.11", "MUG-CL 120 2.30"], date="2026-03-02",
                                 expected="2026-03-20")
        b.purchasing.confirm(po.id)
        out[po.number] = po.id
    with at("2026-03-05"), store.transaction(owner) as b:
        po = b.purchasing.create(bjkj, ["GLUE-1 40 7.50"], date="2026-03-05")
        b.purchasing.confirm(po.id)
        out[po.number] = po.id
    with at("2026-03-09"), store.transaction(owner) as b:
        b.purchasing.receive(out["PO-00002"], ["GLUE-1 20"], date="2026-03-09")
        bill = b.purchasing.bill(out["PO-00002"], supplier_ref="BJ-2026-031", date="2026-03-09")
        b.purchasing.pay(bill.id, "100.00", date="2026-03-10")
    with at("2026-03-12"), store.transaction(owner) as b:
        out["PO-00003"] = b.purchasing.create(globex, ["CABLE-3 500 1.00"], date="2026-03-12").id
        po = b.purchasing.create(globex, ["RICE-5 100 1.80"], date="2026-03-12")
        b.purchasing.confirm(po.id)
        b.purchasing.cancel(po.id)
        out[po.number] = po.id
    return out
