"""Properties of the ledger (Hypothesis, on SQLite):

- any sequence of posts, reversals, year closes and reopenings keeps the trial balance at zero and the
  balance sheet balanced; each operation is refused exactly when the rules say (on or before
  the lock date, a second reversal, a year already closed), so the sequences really post;
- exporting the books (journal or lines CSV) and importing the export into fresh books gives
  the identical trial balance.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import example, HealthCheck, assume, given, settings, target
from hypothesis import strategies as st

from bizsuite.core import clock
from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.errors import Refused
from bizsuite.core.store import Store

ACCOUNTS = ["assets:cash", "assets:bank:checking", "assets:accounts receivable", "liabilities:accounts payable",
            "equity:owner capital", "income:sales", "income:services", "expenses:rent", "expenses:wages",
            "资产:银行存款:工行", "费用:差旅"]
START = dt.date(2024, 1, 1)
_TEMPLATE: dict[str, Path] = {}


def template() -> Path:
    """Books with the standard chart and a few Chinese accounts, made once per process."""
    if "path" not in _TEMPLATE:
        root = Path(tempfile.mkdtemp(prefix="ledger-prop-"))
        path = root / "template.sqlite"
        store = Store.open_or_create_empty(Location(to_url(str(path)), "template"))
        store.initialise(company="Prop Co", currency="USD", owner=os_login())
        with store.transaction(store.actor_for(os_login())) as b:
            b.ledger.load_chart("standard")
            b.ledger.add_account("资产:银行存款:工行")
            b.ledger.add_account("费用:差旅")
        store.close()
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


def fresh(root: Path, name: str) -> Store:
    path = root / name
    shutil.copyfile(template(), path)
    return Store.open(Location(to_url(str(path)), "test"))


cents = st.integers(min_value=-500_000_00, max_value=500_000_00)
post = st.tuples(
    st.just("post"),
    st.integers(min_value=0, max_value=3 * 365),  # days after START
    st.lists(st.tuples(st.sampled_from(ACCOUNTS), cents), min_size=1, max_size=4),
    st.text(alphabet="abc xyz()-;'\"资产", max_size=12),
)
reverse = st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=400))
close = st.tuples(st.just("close"), st.sampled_from([2024, 2025, 2026]))
reopen = st.tuples(st.just("reopen"), st.sampled_from([2024, 2025, 2026]))
operations = st.lists(st.one_of(post, post, post, reverse, close, reopen), min_size=1, max_size=25)
# The operations run on this day: every year they close has ended.
TODAY = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


def apply(store: Store, ops) -> dict[str, int]:
    """Run the operations; each must be refused exactly when the rules say so (a post or a
    reversal on or before the lock date, a second reversal, a year already closed or locked,
    reopening a year that is not the last closed one) — never refused by accident. Returns how
    many of each were done."""
    with clock.freeze(TODAY):
        return _apply(store, ops)


def _apply(store: Store, ops) -> dict[str, int]:
    actor = store.actor_for(os_login())
    posted: list[int] = []
    reversed_: set[int] = set()
    lock: dt.date | None = None
    closed: list[tuple[int, dt.date | None]] = []  # (year, the lock date before it was closed)
    done = {"post": 0, "reverse": 0, "close": 0, "reopen": 0}
    for op in ops:
        expected, after = None, None
        try:
            with store.transaction(actor) as b:
                if op[0] == "post":
                    _, days, lines, memo = op
                    day = START + dt.timedelta(days=days)
                    expected = lock is None or day > lock
                    amounts = [(acct, Decimal(c).scaleb(-2)) for acct, c in lines]
                    # the last line balances the entry
                    amounts.append((ACCOUNTS[len(lines) % len(ACCOUNTS)], -sum(a for _, a in amounts)))
                    e = b.ledger.post_entry(day, memo, amounts)
                    after = lambda e=e: posted.append(e.id)  # noqa: E731
                elif op[0] == "reverse" and posted:
                    _, which, days = op
                    target, day = posted[which % len(posted)], START + dt.timedelta(days=days + 365)
                    expected = target not in reversed_ and (lock is None or day > lock)
                    b.ledger.reverse(target, date=day)
                    after = lambda t=target: reversed_.add(t)  # noqa: E731
                elif op[0] == "close":
                    end = dt.date(op[1], 12, 31)
                    # not closed yet, and not locked beyond its last day (a closed year is locked too)
                    expected = op[1] not in {y for y, _ in closed} and (lock is None or lock <= end)
                    b.ledger.close_year(op[1])
                    after = lambda y=op[1], before=lock: closed.append((y, before))  # noqa: E731
                    lock = end
                elif op[0] == "reopen":
                    expected = bool(closed) and closed[-1][0] == op[1]
                    b.ledger.reopen_year(op[1])
                    after = lambda: None  # noqa: E731
                    before = closed.pop()[1]
                    floor = dt.date(closed[-1][0], 12, 31) if closed else None
                    lock = max((d for d in (before, floor) if d is not None), default=None)
                else:
                    continue
        except Refused as exc:
            assert expected is False, (op, exc.problems)
            continue
        assert expected is True, op
        after()
        done[op[0]] += 1
    return done


def invariants(store: Store) -> dict[str, Decimal]:
    actor = store.actor_for(os_login())
    with store.read(actor) as b:
        tb = b.ledger.trial_balance()
        assert sum(r.balance for r in tb) == 0
        assert sum(r.debit for r in tb) == sum(r.credit for r in tb)
        for as_of in ("2024-06-30", "2024-12-31", "2025-12-31", "2026-12-31", "2027-12-31"):
            totals = {r.label: r.amounts[0] for r in b.ledger.balance_sheet(as_of=as_of).totals}
            assert totals["total assets"] == totals["total liabilities and equity"], as_of
        bad = [r for r in b.admin.check() if not r.ok]
        assert not bad, bad
        return {r.account: r.balance for r in tb}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_any_sequence_keeps_the_books_balanced(ops):
    root = Path(tempfile.mkdtemp(prefix="ledger-prop-"))
    store = fresh(root, "books.sqlite")
    try:
        done = apply(store, ops)
        target(done["post"], label="entries posted")
        # posts are refused only once a year close has locked their dates: before any close, all post
        first_close = next((i for i, op in enumerate(ops) if op[0] == "close"), len(ops))
        assert done["post"] >= sum(1 for op in ops[:first_close] if op[0] == "post")
        invariants(store)
    finally:
        store.close()
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, fmt=st.sampled_from(["journal", "csv"]))
@example(ops=[("post", 0, [("assets:cash", 0)], "")], fmt="csv")  # zero lines: written as 0.00, not blank
def test_export_then_import_gives_the_identical_trial_balance(ops, fmt):
    from bizsuite.erp.ledger.importer import export_csv, import_file
    from bizsuite.erp.ledger.journal import write_journal

    root = Path(tempfile.mkdtemp(prefix="ledger-prop-"))
    store = fresh(root, "books.sqlite")
    other = fresh(root, "other.sqlite")
    try:
        done = apply(store, ops)
        assume(done["post"] > 0)  # only an export of something says anything
        before = invariants(store)
        actor = store.actor_for(os_login())
        out = root / f"export.{fmt}"
        with store.read(actor) as b, out.open("w", encoding="utf-8", newline="") as fh:
            n = (write_journal if fmt == "journal" else export_csv)(b, fh)
        assert n >= done["post"] + done["reverse"] > 0  # and the year closes that had something to close
        with other.transaction(actor) as b:
            report = import_file(b, out)
            assert report.imported == n and not report.rejected
        assert invariants(other) == before
    finally:
        store.close()
        other.close()
        shutil.rmtree(root, ignore_errors=True)
