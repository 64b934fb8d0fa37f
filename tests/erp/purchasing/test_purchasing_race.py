"""Two clerks receiving the last units due on one order line at the same moment, as two real
processes on SQLite and on PostgreSQL: one receives them, the other is told nothing is left
(the order's row is locked FOR UPDATE before anything is read; on SQLite the writer lock)."""

from __future__ import annotations

import pytest
from purchasing_helpers import D
from sqlalchemy import text

PAUSE = "bizsuite.cli.common:open_store"  # every command reaches it; released together


@pytest.fixture
def last_due(pstore, owner):
    """PO-00001 for A-1 10 @ 10.00, 4 received: 6 are still due."""
    with pstore.transaction(owner) as b:
        o = b.purchasing.create("Acme Supplies", ["A-1 10 10"], date="2026-03-01")
        b.purchasing.confirm(o.number)
        b.purchasing.receive(o.number, ["A-1 4"], date="2026-03-02")
    return pstore


@pytest.mark.parametrize("how", [["--line", "A-1 6"], []], ids=["the-line", "all-still-due"])
def test_two_clerks_receive_the_last_units_due_and_one_of_them_does(cli, last_due, db, how):
    args = ["purchase", "receive", "PO-00001", *how, "--date", "2026-03-05"]
    procs = [cli.popen(*args, db=db, pause_before=PAUSE) for _ in range(2)]
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
    assert len(won) == 1 and won[0].startswith("received PO-00001"), results
    assert len(lost) == 1, results
    expected = ("line 1: A-1: receiving 6 pcs is more than the 0 pcs still due on PO-00001" if how
                else "PO-00001: nothing is still due")
    assert len(lost[0].splitlines()) == 1 and lost[0].startswith(expected), lost  # it saw the first's receipt
    assert "Traceback" not in lost[0]
    with last_due.engine.connect() as conn:
        received = conn.execute(text("SELECT received FROM purchase_order_lines")).scalar()
        moves = conn.execute(text("SELECT count(*) FROM stock_moves")).scalar()
        status = conn.execute(text("SELECT status FROM purchase_orders")).scalar()
    assert (D(received) / 10000, moves, status) == (D(10), 2, "received")  # 4 + 6, one move each
    r = cli("check", db=db)
    assert r.rc == 0, r
