"""The deals the pipeline screen tests share, on the contacts of ``conftest.fill`` (frozen clock:
Monday 16 March 2026, 09:30 UTC), made through ``books.pipeline`` as of days before it.

- D-00001 Spring restock, 北京科技有限公司, lead, 12,500.00, close 2026-03-31.
- D-00002 Mugs for the London office, Acme Trading Ltd, lead, 1,840.00; a follow-up due on the
  12th: four days overdue.
- D-00003 Annual cable contract, 王小明, qualified, 48,000.00, close 2026-05-30.
- D-00004 Trade fair samples, Emma Johnson (a lead), qualified, 650.00, no close date.
- D-00005 Warehouse shelving, Bob Stone, proposal, 9,999.99; a follow-up due on the 18th (not yet).
- D-00006 环氧树脂胶 年度采购, 北京科技有限公司, negotiation, 22,000.00 at 80 % set by hand.
- D-00007 Office move, Alice Martin: won (relationship).
- D-00008 Catalogue printing, Emma Johnston: lost (no budget).

A module of its own (not ``conftest``), as screen_helpers is.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bizsuite.core import clock

# (title, customer, amount, stage, close, probability)
DEALS = [
    ("Spring restock", "北京科技有限公司", "12500.00", "lead", "2026-03-31", None),
    ("Mugs for the London office", "Acme Trading Ltd", "1840.00", "lead", "2026-04-15", None),
    ("Annual cable contract", "王小明", "48000.00", "qualified", "2026-05-30", None),
    ("Trade fair samples", "Emma Johnson", "650.00", "qualified", None, None),
    ("Warehouse shelving", "Bob Stone", "9999.99", "proposal", "2026-03-20", None),
    ("环氧树脂胶 年度采购", "北京科技有限公司", "22000.00", "negotiation", "2026-03-27", "80"),
    ("Office move", "Alice Martin", "3200.00", "proposal", "2026-03-10", None),
    ("Catalogue printing", "Emma Johnston", "1200.00", "qualified", "2026-03-01", None),
]


def fill_pipeline(store, owner, ids: dict[str, int]) -> dict[str, int]:
    """Returns the deals' ids by number ("D-00001" …) and the follow-ups' under "follow-up 2",
    "follow-up 5"."""

    def at(day: str):
        return clock.freeze(datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc))

    out: dict[str, int] = {}
    with at("2026-03-02"), store.transaction(owner) as b:
        for title, customer, amount, stage, close, probability in DEALS:
            v = b.pipeline.add(title, customer=f"#{ids[customer]}", amount=amount, stage=stage, close=close,
                               probability=probability, source="web" if len(out) % 2 else "referral",
                               tags=["spring"] if len(out) < 2 else ())
            out[v.number] = v.id
    with at("2026-03-05"), store.transaction(owner) as b:
        out["follow-up 2"] = b.pipeline.log(out["D-00002"], "Send the mug samples", kind="task",
                                            due="2026-03-12").id
        b.pipeline.log(out["D-00002"], "Asked for 400 mugs with their logo", kind="call")
        b.pipeline.move(out["D-00007"], "negotiation")
    with at("2026-03-09"), store.transaction(owner) as b:
        out["follow-up 5"] = b.pipeline.log(out["D-00005"], "Call about the installation date", kind="call",
                                            due="2026-03-18").id
        b.pipeline.won(out["D-00007"], reason="relationship")
        b.pipeline.lost(out["D-00008"], reason="no budget")
    return out
