"""Properties of the ledger (Hypothesis, on SQLite):

- any sequence of posts, reversals and year closes keeps the trial balance at zero and the
  balance sheet balanced, whatever is refused along the way;
- exporting the books (journal or lines CSV) and importing the export into fresh books gives
  the identical trial balance.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
operations = st.lists(st.one_of(post, post, post, reverse, close), min_size=1, max_size=25)


def apply(store: Store, ops) -> None:
    actor = store.actor_for(os_login())
    posted: list[int] = []
    for op in ops:
        try:
            with store.transaction(actor) as b:
                if op[0] == "post":
                    _, days, lines, memo = op
                    amounts = [(acct, Decimal(c).scaleb(-2)) for acct, c in lines]
                    # the last line balances the entry (so most posts are valid; some are refused)
                    amounts.append((ACCOUNTS[len(lines) % len(ACCOUNTS)], -sum(a for _, a in amounts)))
                    e = b.ledger.post_entry(START + dt.timedelta(days=days), memo, amounts)
                    posted.append(e.id)
                elif op[0] == "reverse" and posted:
                    _, which, days = op
                    b.ledger.reverse(posted[which % len(posted)], date=START + dt.timedelta(days=days + 365))
                elif op[0] == "close":
                    b.ledger.close_year(op[1])
        except Refused:
            pass  # refused as a whole: nothing of it was written


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
        apply(store, ops)
        invariants(store)
    finally:
        store.close()
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, fmt=st.sampled_from(["journal", "csv"]))
def test_export_then_import_gives_the_identical_trial_balance(ops, fmt):
    from bizsuite.erp.ledger.importer import export_csv, import_file
    from bizsuite.erp.ledger.journal import write_journal

    root = Path(tempfile.mkdtemp(prefix="ledger-prop-"))
    store = fresh(root, "books.sqlite")
    other = fresh(root, "other.sqlite")
    try:
        apply(store, ops)
        before = invariants(store)
        actor = store.actor_for(os_login())
        out = root / f"export.{fmt}"
        with store.read(actor) as b, out.open("w", encoding="utf-8", newline="") as fh:
            n = (write_journal if fmt == "journal" else export_csv)(b, fh)
        if n == 0:
            return
        with other.transaction(actor) as b:
            report = import_file(b, out)
            assert report.imported == n and not report.rejected
        assert invariants(other) == before
    finally:
        store.close()
        other.close()
        shutil.rmtree(root, ignore_errors=True)
