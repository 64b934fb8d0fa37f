"""Entries: what posts, what is refused (one clear line each, nothing written), drafts,
reversals, the lock date, the year-end close, sources and contacts — and that posted entries
never change, through the repository or behind its back in SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_helpers import DOCUMENT_MODULES, D, counts, snapshot, tb_map
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bizsuite.core.errors import NotFound, PermissionDenied, Refused, ValidationFailed
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.erp.ledger.models import SOURCE_PERMISSIONS, LineIn
from bizsuite.erp.ledger.repository import LedgerRepository

SALE = [("assets:accounts receivable", D("108.00")), ("income:sales", D("-100.00")),
        ("liabilities:sales tax payable", D("-8.00"))]


def test_post_a_balanced_entry(books_store, owner):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry(dt.date(2025, 1, 9), "Invoice 1", SALE, code="INV-1")
        d = b.ledger.entry(e.id)
    assert (e.status, e.source_kind, e.source_id, e.posted_by) == ("posted", "manual", None, owner.name)
    assert [(ln.account, ln.debit, ln.credit) for ln in d.lines] == [
        ("assets:accounts receivable", D("108.00"), None), ("income:sales", None, D("100.00")),
        ("liabilities:sales tax payable", None, D("8.00"))]
    assert d.total == D("108.00") and d.difference == 0
    with books_store.read(owner) as b:
        assert tb_map(b) == {"assets:accounts receivable": D("108.00"), "income:sales": D("-100.00"),
                             "liabilities:sales tax payable": D("-8.00")}


def test_one_line_may_omit_its_amount(books_store, owner):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-09", "rent", [LineIn.debit("expenses:rent", D("1200")),
                                                       LineIn("assets:bank:checking")])
        assert [ln.amount for ln in b.ledger.entry(e.id).lines] == [D("1200.00"), D("-1200.00")]


def _refused(store, owner, *args, **kwargs) -> list[str]:
    """Post; expect a refusal; return its lines after checking nothing was written."""
    before = snapshot(store, owner)
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            b.ledger.post_entry(*args, **kwargs)
    assert snapshot(store, owner) == before
    return exc.value.problems


def test_an_entry_off_by_one_cent_is_refused_with_the_difference(books_store, owner):
    problems = _refused(books_store, owner, "2025-01-09", "x",
                        [("assets:cash", D("100.00")), ("income:sales", D("-99.99"))])
    assert problems == ["balance: the entry does not balance: debits 100.00, credits 99.99, difference 0.01"]


def test_an_unknown_account_is_refused(books_store, owner):
    problems = _refused(books_store, owner, "2025-01-09", "x", [("assets:cash", D(1)), ("assets:nowhere", D(-1))])
    assert problems == ["line 2: unknown account 'assets:nowhere'"]


def test_an_impossible_date_is_refused(books_store, owner):
    problems = _refused(books_store, owner, "2025-02-30", "x", [("assets:cash", D(1)), ("income:sales", D(-1))])
    assert problems == ["date: 2025-02-30 is not a date (no such day)"]


def test_a_malformed_amount_is_refused(books_store, owner):
    problems = _refused(books_store, owner, "2025-01-09", "x", [("assets:cash", "12.3.4"), ("income:sales", None)])
    assert problems == ["line 1: not a valid amount: '12.3.4'"]


def test_a_single_line_is_refused(books_store, owner):
    problems = _refused(books_store, owner, "2025-01-09", "x", [("assets:cash", D(0))])
    assert problems == ["lines: an entry needs at least two lines (it has 1)"]


def test_two_lines_without_an_amount_are_refused(books_store, owner):
    problems = _refused(books_store, owner, "2025-01-09", "x",
                        [("assets:cash", None), ("income:sales", None), ("expenses:rent", D(1))])
    assert problems == ["lines: lines 1, 2 have no amount; at most one line may omit it"]


def test_fractions_of_a_cent_and_floats_are_refused(books_store, owner):
    problems = _refused(books_store, owner, "2025-01-09", "x", [("assets:cash", D("1.005")), ("income:sales", None)])
    assert problems == ["line 1: amount 1.005 has more than 2 decimal places (the books are in USD)"]
    with books_store.transaction(owner) as b, pytest.raises(TypeError, match="floats"):
        b.ledger.post_entry("2025-01-09", "x", [("assets:cash", 1.5), ("income:sales", None)])


def test_every_problem_is_reported_at_once(books_store, owner):
    problems = _refused(books_store, owner, "2025-13-01", "x\ny", [("nope", D(1)), ("income:sales", D(-2))])
    assert [p.split(":")[0] for p in problems] == ["date", "memo", "line 1", "balance"]


def test_posting_into_a_locked_period_is_refused(books_store, owner):
    with books_store.transaction(owner) as b:
        b.ledger.lock("2025-03-31")
    problems = _refused(books_store, owner, "2025-03-31", "x", [("assets:cash", D(1)), ("income:sales", D(-1))])
    assert problems == ["date: 2025-03-31 is on or before the lock date 2025-03-31; nothing may be posted there"]
    with books_store.transaction(owner) as b:
        b.ledger.post_entry("2025-04-01", "x", [("assets:cash", D(1)), ("income:sales", D(-1))])


def test_the_lock_date_moves_back_only_for_the_owner(books_store, owner):
    from bizsuite.core.auth import Actor

    with books_store.transaction(owner) as b:
        b.admin.add_user("ana", "accountant")
        b.ledger.lock("2025-06-30")
    ana = Actor("ana", "accountant")
    with books_store.transaction(ana) as b:
        assert b.ledger.lock("2025-09-30") == dt.date(2025, 9, 30)
        with pytest.raises(PermissionDenied, match="only the owner may move the lock date back"):
            b.ledger.lock("2025-01-31")
    with books_store.transaction(owner) as b:
        b.ledger.lock("2025-01-31")
        assert b.ledger.lock_date == dt.date(2025, 1, 31)
        b.ledger.lock(None)
        assert b.ledger.lock_date is None


# -- posted entries never change --------------------------------------------------------------


def test_the_repository_refuses_to_edit_or_delete_a_posted_entry(books_store, owner):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-09", "sale", SALE)
    before = snapshot(books_store, owner)
    with books_store.transaction(owner) as b:
        with pytest.raises(Refused, match=f"entry #{e.id} is posted; posted entries never change — reverse it instead"):
            b.ledger.delete_entry(e.id)
        with pytest.raises(Refused, match="posted entries never change"):
            b.ledger.update_entry(e.id, memo="changed")
        with pytest.raises(Refused, match="posted entries never change"):
            b.ledger.save_draft("2025-01-09", "changed", SALE, entry_id=e.id)
        with pytest.raises(Refused, match="posted entries never change"):
            b.ledger.post_draft(e.id)
    assert snapshot(books_store, owner) == before


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_lines SET amount = 1 WHERE entry_id = :e",
    "UPDATE ledger_lines SET account_id = account_id WHERE entry_id = :e",
    "UPDATE ledger_lines SET date = '2024-01-01' WHERE entry_id = :e",
    "DELETE FROM ledger_lines WHERE entry_id = :e",
    "UPDATE ledger_entries SET memo = 'changed' WHERE id = :e",
    "UPDATE ledger_entries SET status = 'draft' WHERE id = :e",
    "DELETE FROM ledger_entries WHERE id = :e",
])
def test_the_database_refuses_raw_sql_edits_of_posted_entries(books_store, owner, statement):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-09", "sale", SALE)
    with pytest.raises(DBAPIError, match="posted ledger entries never change"):
        with books_store.engine.begin() as conn:
            conn.execute(text(statement), {"e": e.id})
    with books_store.read(owner) as b:
        d = b.ledger.entry(e.id)
        assert d.entry.memo == "sale" and d.entry.status == "posted" and len(d.lines) == 3
        assert sum(ln.amount for ln in d.lines) == 0 and d.lines[0].amount == D("108.00")


def test_the_database_refuses_truncate_on_postgresql(books_store, owner):
    if books_store.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with books_store.transaction(owner) as b:
        b.ledger.post_entry("2025-01-09", "sale", SALE)
    with pytest.raises(DBAPIError, match="posted ledger entries never change"):
        with books_store.engine.begin() as conn:
            conn.execute(text("TRUNCATE ledger_lines"))


def test_drafts_change_freely_but_not_behind_the_repository_once_posted(books_store, owner):
    with books_store.transaction(owner) as b:
        d = b.ledger.save_draft("2025-01-09", "half done", [("assets:cash", D(5)), ("income:sales", None),
                                                            ("expenses:rent", None)])
    with books_store.engine.begin() as conn:  # a draft is still paper: SQL may change it
        conn.execute(text("UPDATE ledger_entries SET memo = 'edited' WHERE id = :e"), {"e": d.id})
    with books_store.transaction(owner) as b:
        with pytest.raises(ValidationFailed, match="lines 2, 3 have no amount"):
            b.ledger.post_draft(d.id)
    with books_store.transaction(owner) as b:
        d2 = b.ledger.save_draft("2025-01-09", "done", [("assets:cash", D(5)), ("income:sales", None)],
                                 entry_id=d.id, expected_version=d.version)
        assert d2.version == 2 and b.ledger.journal_page(status="draft").total == 1
        posted = b.ledger.post_draft(d.id)
        assert posted.status == "posted"
        assert [ln.amount for ln in b.ledger.entry(d.id).lines] == [D("5.00"), D("-5.00")]
        assert b.ledger.journal_page(status="draft").total == 0
    with pytest.raises(DBAPIError, match="posted ledger entries never change"):
        with books_store.engine.begin() as conn:
            conn.execute(text("UPDATE ledger_entries SET memo = 'edited' WHERE id = :e"), {"e": d.id})


def test_a_stale_draft_is_not_saved_and_drafts_can_be_deleted(books_store, owner):
    from bizsuite.core.errors import StaleRecord

    with books_store.transaction(owner) as b:
        d = b.ledger.save_draft("2025-01-09", "x", [("assets:cash", D(5))])
        b.ledger.save_draft("2025-01-09", "y", [("assets:cash", D(6))], entry_id=d.id)
    with books_store.transaction(owner) as b:
        with pytest.raises(StaleRecord):
            b.ledger.save_draft("2025-01-09", "z", [("assets:cash", D(7))], entry_id=d.id, expected_version=1)
        b.ledger.delete_entry(d.id)
        with pytest.raises(NotFound):
            b.ledger.entry(d.id)
        assert counts(b)["ledger_draft_lines"] == 0


def test_contact_merge_never_repoints_posted_lines(books_store, owner):
    """A posted entry's contact is part of its seal: a duplicate named by posted entries cannot be
    merged away (the other way round it can); a draft's contact follows the merge."""
    with books_store.transaction(owner) as b:
        keep = b.contacts.add(ContactIn(name="Acme Ltd", kind="company", roles=["customer"]))
        dup = b.contacts.add(ContactIn(name="Acme Limited", kind="company", roles=["customer"]))
        e = b.ledger.post_entry("2025-01-09", "sale", SALE, contact_id=dup.id)
        draft = b.ledger.save_draft("2025-01-10", "draft sale", SALE, contact_id=keep.id)
    with books_store.transaction(owner) as b:
        with pytest.raises(Refused, match=f"#{dup.id} is named by 1 ledger entry, 3 ledger lines, which never "
                                          "change; it cannot be merged away — merge the other way round"):
            b.contacts.merge(keep.id, dup.id)
    with books_store.transaction(owner) as b:
        b.contacts.merge(dup.id, keep.id)
    with books_store.read(owner) as b:
        d = b.ledger.entry(e.id)
        assert d.entry.contact_id == dup.id and {ln.contact_id for ln in d.lines} == {dup.id}
        assert b.ledger.entry(draft.id).entry.contact_id == dup.id
        assert b.ledger.balance("assets:accounts receivable", contact_id=dup.id) == D("108.00")


# -- reversals ---------------------------------------------------------------------------------


def test_a_reversal_mirrors_the_entry_and_links_to_it(books_store, owner, frozen_clock):
    with books_store.transaction(owner) as b:
        cust = b.contacts.add(ContactIn(name="Acme", kind="company"))
        e = b.ledger.post_entry("2025-01-09", "sale", SALE, source=("sales_invoice", 42), contact_id=cust.id)
        r = b.ledger.reverse(e.id)
        d, rd = b.ledger.entry(e.id), b.ledger.entry(r.id)
        assert r.date == frozen_clock.astimezone().date() and r.reverses_id == e.id and d.reversed_by == r.id
        assert [ln.amount for ln in rd.lines] == [-ln.amount for ln in d.lines]
        assert (r.source_kind, r.source_id, r.contact_id) == ("sales_invoice", 42, cust.id)
        assert [x.id for x in b.ledger.entries_for_source("sales_invoice", 42)] == [e.id, r.id]
        assert all(v == 0 for v in tb_map(b).values())
        with pytest.raises(Refused, match=f"already reversed by #{r.id}"):
            b.ledger.reverse(e.id)


def test_a_reversal_into_a_locked_period_is_refused(books_store, owner):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-09", "sale", SALE)
        b.ledger.lock("2025-01-31")
    before = snapshot(books_store, owner)
    with pytest.raises(Refused) as exc:
        with books_store.transaction(owner) as b:
            b.ledger.reverse(e.id, date="2025-01-20")
    assert exc.value.problems == ["date: the reversal date 2025-01-20 is on or before the lock date 2025-01-31; "
                                  "nothing may be posted there; give a later date"]
    assert snapshot(books_store, owner) == before
    with books_store.transaction(owner) as b:
        assert b.ledger.reverse(e.id, date="2025-02-01").date == dt.date(2025, 2, 1)


# -- year-end close ----------------------------------------------------------------------------


def test_close_year_moves_income_and_expenses_to_retained_earnings_and_locks(books_store, owner):
    with books_store.transaction(owner) as b:
        b.ledger.post_entry("2025-01-02", "capital", [("assets:bank:checking", D(10000)), ("owner capital", None)])
        b.ledger.post_entry("2025-03-09", "sale", SALE)
        b.ledger.post_entry("2025-04-01", "rent", [("expenses:rent", D(30)), ("assets:bank:checking", None)])
        b.ledger.post_entry("2026-01-05", "sale", SALE)
        e = b.ledger.close_year(2025)
        assert (e.date, e.source_kind, e.source_id) == (dt.date(2025, 12, 31), "close_year", 2025)
        assert b.ledger.lock_date == dt.date(2025, 12, 31)
        tb = tb_map(b, as_of="2025-12-31")
        assert tb["income:sales"] == 0 and tb["expenses:rent"] == 0
        assert tb["equity:retained earnings"] == D("-70.00")
        # the P&L of 2025 still shows the year (closing entries are left out)
        pnl = b.ledger.profit_and_loss(start="2025-01-01", end="2025-12-31")
        assert {r.label: r.amounts[0] for r in pnl.totals}["net income"] == D("70.00")
        bs = b.ledger.balance_sheet(as_of="2026-01-31")
        totals = {r.label: r.amounts[0] for r in bs.totals}
        assert totals["total assets"] == totals["total liabilities and equity"]
        with pytest.raises(Refused, match=r"2025 is already closed \(entry #\d+, by .*reopen-year 2025"):
            b.ledger.close_year(2025)
        with pytest.raises(Refused, match="closes 2025; it is not reversed by hand .* reopen-year 2025"):
            b.ledger.reverse(e.id, date="2026-02-01")


def test_close_year_needs_a_retained_earnings_account(store, owner):
    with store.transaction(owner) as b, pytest.raises(Refused, match="no retained earnings account is set"):
        b.ledger.close_year(2025)


def test_close_a_year_with_nothing_to_close_just_locks_it(books_store, owner):
    with books_store.transaction(owner) as b:
        assert b.ledger.close_year(2024) is None
        assert b.ledger.lock_date == dt.date(2024, 12, 31)


# -- sources, audit ----------------------------------------------------------------------------


def test_other_modules_post_in_their_own_transaction(books_store, owner):
    """A document and its entry land together or not at all."""
    with pytest.raises(RuntimeError):
        with books_store.transaction(owner) as b:
            b.ledger.post_entry("2025-01-09", "Invoice 7", SALE, source=("sales_invoice", 7))
            raise RuntimeError("the invoice could not be saved")
    with books_store.read(owner) as b:
        assert b.ledger.entries_for_source("sales_invoice", 7) == []
    with books_store.transaction(owner) as b, pytest.raises(ValidationFailed, match="source"):
        b.ledger.post_entry("2025-01-09", "x", SALE, source=("Sales Invoice!", 1))


def test_postings_are_audited_under_the_actor(books_store, owner):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-09", "sale", SALE)
    with books_store.read(owner) as b:
        rows = b.admin.audit(entity="ledger_entries", entity_id=str(e.id))
        assert rows and rows[0].actor == owner.name and rows[0].action == "insert"
        assert len(b.admin.audit(entity="ledger_lines")) == 3


def test_contacts_on_entries_and_lines(books_store, owner):
    with books_store.transaction(owner) as b:
        c = b.contacts.add(ContactIn(name="Acme", kind="company"))
        e = b.ledger.post_entry("2025-01-09", "sale", [LineIn.debit("accounts receivable", D(108)),
                                                       LineIn.credit("sales", D(100), memo="widgets"),
                                                       LineIn.credit("sales tax payable", D(8))], contact_id=c.id)
        assert e.contact_id == c.id and {ln.contact_id for ln in b.ledger.entry(e.id).lines} == {c.id}
        assert b.ledger.balance("accounts receivable", contact_id=c.id) == D(108)
        with pytest.raises(ValidationFailed, match="no contact #999"):
            b.ledger.post_entry("2025-01-09", "sale", SALE, contact_id=999)
        with pytest.raises(Refused, match="still referred to by"):
            b.contacts.delete(c.id)


def test_modules_post_their_documents_under_the_permission_of_their_kind(books_store, owner):
    """A warehouse clerk receiving goods may not write to the ledger by hand, yet the receipt posts:
    the ledger picks the permission from the source kind; the caller never names one."""
    from bizsuite.core.auth import Actor

    with books_store.transaction(owner) as b:
        b.admin.add_user("wes", "warehouse")
    wes = Actor("wes", "warehouse")
    with books_store.transaction(wes) as b:
        inventory, grni = b.ledger.role_account("inventory"), b.ledger.role_account("grni")
        lines = [LineIn.debit(inventory.id, D(500)), LineIn.credit(grni.id, D(500))]
        with pytest.raises(PermissionDenied):
            b.ledger.post_entry("2025-01-09", "sneaky", lines)
        e = b.ledger.post_entry("2025-01-09", "Receipt 3", lines, source=("purchase_receipt", 3))
        assert b.ledger.entries_for_source("purchase_receipt", 3) == [e]
        with pytest.raises(PermissionDenied):
            b.ledger.post_entry("2025-01-09", "x", lines, source=("sales_invoice", 1))
        r = b.ledger.reverse(e.id, date="2025-01-10")
        assert r.reverses_id == e.id


def test_every_source_kind_needs_its_own_permission():
    from bizsuite.core import auth, modules
    from bizsuite.erp.ledger.models import LEDGER_SOURCES

    kinds = dict(SOURCE_PERMISSIONS.items())
    assert set(DOCUMENT_MODULES.posts) <= set(kinds)  # the stand-in's, and every installed module's
    assert set(kinds) == set(LEDGER_SOURCES) | {kind for m in modules.installed() for kind in m.posts}
    for kind, permission in kinds.items():
        assert LedgerRepository.permission_for(kind) == permission
        assert permission in auth.PERMISSIONS
    assert kinds["purchase_receipt"] == "purchasing.receive" and kinds["manual"] == "ledger.write"


def test_a_module_that_is_not_installed_posts_nothing():
    from bizsuite.core import modules

    with modules.use([m for m in modules.installed() if m.name not in ("sales", DOCUMENT_MODULES.name)]):
        with pytest.raises(ValidationFailed, match="'sales_invoice' is not a kind of entry"):
            LedgerRepository.permission_for("sales_invoice")


def test_the_caller_cannot_choose_the_permission(books_store, owner):
    """A support user naming tickets.write does not get to post a sales invoice."""
    from bizsuite.core.auth import Actor

    with books_store.transaction(owner) as b:
        b.admin.add_user("sue", "support")
    with books_store.transaction(Actor("sue", "support")) as b:
        before = counts(b)
        with pytest.raises(TypeError):
            b.ledger.post_entry("2025-01-09", "Invoice 1", SALE, source=("sales_invoice", 1),
                                permission="tickets.write")
        with pytest.raises(PermissionDenied):
            b.ledger.post_entry("2025-01-09", "Invoice 1", SALE, source=("sales_invoice", 1))
        assert counts(b) == before
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-09", "Invoice 1", SALE, source=("sales_invoice", 1))
        assert e.source_kind == "sales_invoice"
        with pytest.raises(Refused, match="source: 'tickets_ticket' is not a kind of entry"):
            b.ledger.post_entry("2025-01-09", "x", SALE, source=("tickets_ticket", 1))


def test_why_not_reverse_says_why_before_anyone_asks(books_store, owner):
    from bizsuite.erp.ledger.repository import why_not_reverse

    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-09", "Invoice 1", SALE)
        assert why_not_reverse(e) is None
        r = b.ledger.reverse(e.id, date="2025-01-10")
        assert why_not_reverse(e, r.id) == f"entry #{e.id} is already reversed by #{r.id}"
        assert why_not_reverse(r).startswith(f"entry #{r.id} is the reversal of #{e.id}")
        with pytest.raises(Refused, match="is the reversal of"):
            b.ledger.reverse(r.id, date="2025-01-11")
        rows = {row.id: row for row in b.ledger.journal_page().rows}
        assert "already reversed" in why_not_reverse(rows[e.id])
