"""Two clerks confirming orders for the last units at the same moment, as two real processes on
SQLite and on PostgreSQL: one order is confirmed and holds them, the other is refused with what
is available (the product's row is locked before the stock is counted; on SQLite the writer lock),
and nothing is held twice."""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import text

PAUSE = "bizsuite.cli.common:open_store"  # every command reaches it; released together


def test_two_clerks_confirm_orders_for_the_last_units_and_one_gets_them(cli, sstore, owner, db):
    with sstore.transaction(owner) as b:  # two quotations for all ten widgets
        b.sales.create("Acme Trading", ["A-1 10"])
        b.sales.create("王小明", ["A-1 10"])
    procs = [cli.popen("sales", "confirm", so, db=db, pause_before=PAUSE) for so in ("SO-00001", "SO-00002")]
    try:
        for p in procs:
            line = p.stderr.readline()
            assert line.startswith("paused at"), (line, p.stderr.read())
        for p in procs:
            p.stdin.write("\n")
            p.stdin.flush()
        results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    won = [out for rc, out, _ in results if rc == 0]
    lost = [err for rc, _, err in results if rc != 0]
    assert len(won) == 1 and won[0].startswith("confirmed SO-0000"), results
    assert len(lost) == 1 and "Traceback" not in lost[0], results
    assert lost[0].splitlines()[0] == "line 1: A-1: 10 pcs short (available 0 pcs, ordered 10 pcs)", lost
    with sstore.engine.connect() as conn:
        held = conn.execute(text("SELECT sum(quantity) FROM stock_reservations")).scalar()
        statuses = sorted(r for (r,) in conn.execute(text("SELECT status FROM sales_orders")))
    assert (D(held) / 10000, statuses) == (D(10), ["confirmed", "quotation"])
    r = cli("check", db=db)
    assert r.rc == 0, r
