"""The sales documents the sales screen tests share, on the stock of ``stock_data.fill_stock`` and
the deals of ``pipeline_data.fill_pipeline`` (frozen clock: Monday 16 March 2026, 09:30 UTC),
made through ``books.sales`` as of days before it.

- SO-00001 Acme Trading Ltd, 5 January: 200 m CABLE-3 at 2.40 (+20 % tax), delivered the 6th,
  INV-00001 576.00 the 6th, due 5 February; PAY-00001 300.00 on 10 February: 276.00 still owed,
  39 days late (31-60).
- SO-00002 北京科技有限公司, 20 February: 100 kg RICE-5 at 4.20 (+9 %), delivered and invoiced the
  21st (INV-00002 457.80, due 6 March: 10 days late); CN-00001 2 March, an allowance of 0.20 a
  kg (21.80): 436.00 owed.
- SO-00003 a quotation of 12 March for D-00001 (北京科技有限公司's Spring restock): 10 GLUE-1 (8
  available: a warning) and 50 kg RICE-5.
- SO-00004 Alice Martin, 10 March: 6 MUG-CL and 20 m CABLE-3, confirmed; the mugs delivered on
  the 14th, nothing invoiced.
- SO-00005 Bob Stone, a quotation of 11 March, cancelled.

A module of its own (not ``conftest``), as screen_helpers is.
"""

from __future__ import annotations

from datetime import datetime, timezone

from pipeline_data import fill_pipeline
from stock_data import fill_stock

from bizsuite.core import clock


def fill_sales(store, owner, ids: dict[str, int]) -> dict[str, int]:
    """Returns the ids of ``fill_stock`` and ``fill_pipeline``, and the sales documents' by number
    ("SO-00001", "INV-00001", "PAY-00001", …)."""
    out = fill_stock(store, owner, ids)
    out.update(fill_pipeline(store, owner, ids))

    def at(day: str):
        return clock.freeze(datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc))

    acme, bjkj = f"#{ids['Acme Trading Ltd']}", f"#{ids['北京科技有限公司']}"
    with at("2026-03-14"), store.transaction(owner) as b:
        so = b.sales.create(acme, ["CABLE-3 200 2.40"], date="2026-01-05")
        b.sales.confirm(so.id)
        b.sales.deliver(so.id, date="2026-01-06")
        inv = b.sales.invoice(so.id, date="2026-01-06", due="2026-02-05")
        pay = b.sales.pay(acme, "300.00", invoices=[inv.number], date="2026-02-10", ref="BACS 0210")
        out.update({so.number: so.id, inv.number: inv.id, pay.number: pay.id})
        so = b.sales.create(bjkj, ["RICE-5 100"], date="2026-02-20")
        b.sales.confirm(so.id)
        b.sales.deliver(so.id, date="2026-02-21")
        inv = b.sales.invoice(so.id, date="2026-02-21", due="2026-03-06")
        cn = b.sales.credit_note(inv.id, ["RICE-5 100 0.20"], date="2026-03-02", reason="late delivery")
        out.update({so.number: so.id, inv.number: inv.id, cn.number: cn.id})
        so = b.sales.create(None, ["GLUE-1 10", "RICE-5 50"], deal=out["D-00001"], date="2026-03-12")
        out[so.number] = so.id
        so = b.sales.create(f"#{ids['Alice Martin']}", ["MUG-CL 6", "CABLE-3 20"], date="2026-03-10")
        b.sales.confirm(so.id)
        b.sales.deliver(so.id, ["MUG-CL 6"], date="2026-03-14")
        out[so.number] = so.id
        so = b.sales.create(f"#{ids['Bob Stone']}", ["RICE-5 5"], date="2026-03-11")
        b.sales.cancel(so.id)
        out[so.number] = so.id
    return out


# -- books built once, copied for each test -------------------------------------------------------

FROZEN = datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)  # = tests/conftest.py's
OWNER = "alice"  # = tests/screens/conftest.py's


_BUILT: list[tuple] = []  # the template of this test process, once built (the test modules share it)


def build_template(request, tmp_path_factory) -> tuple:
    """The books of ``tests/screens/conftest.books`` (Test Co, the fixed contacts) with
    ``fill_sales`` on them, built once per test process: (path, contact ids, document ids). The
    screens' conftest is found among pytest's plugins (two folders have a conftest.py)."""
    import os

    if _BUILT:
        return _BUILT[0]
    folder = tmp_path_factory.mktemp("sales-books")

    from bizsuite.core.auth import Actor
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store

    fill = next(p.fill for p in request.config.pluginmanager.get_plugins()
                if getattr(p, "__file__", "").endswith(os.path.join("screens", "conftest.py")))
    path = folder / "books.sqlite"
    with clock.freeze(FROZEN):
        store = Store.open_or_create_empty(Location(to_url(str(path)), "test"))
        try:
            store.initialise(company="Test Co", currency="USD", owner=OWNER)
            actor = Actor(name=OWNER, role="owner")
            with store.transaction(actor) as b:
                b.set_setting("contacts.phone_region", "GB")
            ids = fill(store, actor, FROZEN)
            docs = fill_sales(store, actor, ids)
        finally:
            store.close()
    _BUILT.append((path, ids, docs))
    return _BUILT[0]


def open_copy(template, location):
    """A test's own copy of the template's books at ``location``: (store, owner, contact ids)."""
    import sqlite3

    from bizsuite.core.auth import Actor
    from bizsuite.core.store import Store

    path, ids, _ = template
    src, dst = sqlite3.connect(path), sqlite3.connect(location.path)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return Store.open(location), Actor(name=OWNER, role="owner"), dict(ids)
