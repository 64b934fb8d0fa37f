"""The ledger API: every query and business operation on the books' accounts and entries.

A façade: the chart of accounts lives in :mod:`.chart`, posting (lock date, entries,
drafts, reversals, year-end) in :mod:`.posting`, the reports in :mod:`.reports`; this
class joins them and adds reading the journal and the reports' entry points.

Screens, CLI commands and other modules call these methods on ``books.ledger``; they never
touch the ledger's tables. Other modules post their documents with :meth:`post_entry` on the
same ``Books``, so a document and its entry land in one transaction::

    books.ledger.post_entry(
        invoice.date, f"Invoice {invoice.number}",
        [LineIn.debit(books.ledger.role_account("receivable").id, total),
         LineIn.credit(books.ledger.role_account("sales").id, net),
         LineIn.credit(books.ledger.role_account("tax_payable").id, tax)],
        source=("sales_invoice", invoice.id), contact_id=invoice.customer_id)

Rules kept here: an entry posts only with at least two lines that sum to exactly zero (the
refusal shows the difference); nothing is posted or reversed on or before the lock date; posted
entries never change (and the database refuses it too, see migration 0002); corrections are
reversals linked to what they reverse; accounts are deactivated rather than deleted once used.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterable, Iterator

from sqlalchemy import and_, case, func, or_, select

import bizsuite.crm.contacts.models  # noqa: F401  (entries and lines point at contacts)
from bizsuite.core import clock
from bizsuite.core.db import LIKE_ESCAPE, like_contains
from bizsuite.core.errors import PermissionDenied, Refused
from bizsuite.core.money import money_scale, zero
from bizsuite.core.sorting import Key, Sort, Sorts
from bizsuite.erp.ledger.models import (
    Account,
    AccountNode,
    DraftLine,
    Entry,
    EntryDetail,
    EntryRow,
    Line,
    LineOut,
    Page,
    RegisterPage,
    Statement,
    TrialBalanceRow,
)
from bizsuite.erp.ledger.chart import ROLE_SETTING, ChartMixin, role_setting  # noqa: F401
from bizsuite.erp.ledger.posting import (  # noqa: F401  (imported from here by screens and modules)
    CODE_LIMIT,
    LOCK_SETTING,
    MAX_LINES,
    MEMO_LIMIT,
    BadDate,
    PostingMixin,
    parse_date,
    why_not_reverse,
)


class LedgerRepository(ChartMixin, PostingMixin):
    def __init__(self, books):
        self.books = books
        self.session = books.session
        self._by_name: dict[str, Account] | None = None
        self._by_id: dict[int, Account] | None = None

    @property
    def scale(self) -> int:
        """Decimals of the books' currency (JPY 0, USD 2, KWD 3): amounts have at most this many."""
        return money_scale(self.session)

    # -- permissions --------------------------------------------------------------------------
    def _require_read(self) -> None:
        self.books.require("ledger.read")

    def _require_write(self) -> None:
        self.books.require("ledger.write")

    def _require_reports(self) -> None:
        actor = self.books.actor
        if not (actor.can("ledger.read") or actor.can("reports.read")):
            raise PermissionDenied(f"{actor.name} ({actor.role}) may not see ledger reports; ask the owner for a role that may")

    # -- entries: reading ---------------------------------------------------------------------
    def entry(self, entry_id: int, *, offset: int = 0, limit: int | None = None) -> EntryDetail:
        """An entry with its lines: every line, or with ``limit`` one page of them from ``offset``.
        Its line count and its debit and credit totals are always the whole entry's, counted and
        summed by the database, so the first page of a 1,000,001-line entry reads 50 lines."""
        self._require_read()
        e = self._entry_row(entry_id)
        table = _line_table(e)
        count, debits, credits = self._line_totals(table, e.id)
        lines = self._line_page(table, e.id, offset, limit)
        return EntryDetail(entry=e, lines=lines, reversed_by=self.reversed_by(e.id) if e.status == "posted" else None,
                           line_count=count, debits=debits, credits=credits, offset=offset)

    def entry_lines(self, entry_id: int, *, offset: int = 0, limit: int = 100) -> list[LineOut]:
        """One page of an entry's lines, in line order (its count: :meth:`entry`)."""
        self._require_read()
        e = self._entry_row(entry_id)
        return self._line_page(_line_table(e), e.id, offset, limit)

    def iter_entry_lines(self, entry_id: int, *, offset: int = 0, limit: int | None = None,
                         batch: int = 10_000) -> Iterator[LineOut]:
        """An entry's lines (from ``offset``, at most ``limit``), in line order, read ``batch`` at a
        time: streaming every line of a huge entry holds one batch in memory, never the entry."""
        self._require_read()
        e = self._entry_row(entry_id)
        _check_page(offset, limit)
        table = _line_table(e)
        return self._iter_lines(table, e.id, offset, limit, batch)

    def _iter_lines(self, table, entry_id: int, offset: int, limit: int | None, batch: int) -> Iterator[LineOut]:
        t = table.__table__
        left = limit
        after = None
        if offset:  # where the wanted lines start; then from line number to line number (no OFFSET)
            after = self.session.scalar(select(t.c.line_no).where(t.c.entry_id == entry_id)
                                        .order_by(t.c.line_no).offset(offset - 1).limit(1))
            if after is None:
                return
        while left is None or left > 0:
            stmt = self._lines_query(t, entry_id)
            if after is not None:
                stmt = stmt.where(t.c.line_no > after)
            page = self._line_outs(self.session.execute(stmt.limit(batch if left is None else min(batch, left))))
            if not page:
                return
            yield from page
            after = page[-1].line_no
            if left is not None:
                left -= len(page)
            if len(page) < batch:
                return

    @staticmethod
    def _lines_query(t, entry_id: int):
        return (select(t.c.line_no, t.c.account_id, t.c.amount, t.c.memo, t.c.contact_id)
                .where(t.c.entry_id == entry_id).order_by(t.c.line_no))

    def _line_outs(self, result) -> list[LineOut]:
        ids = self._ids()
        names: dict[int, tuple[str, str | None]] = {}  # an account's name and code, read once a page
        out = []
        for line_no, account_id, amount, memo, contact_id in result.all():
            named = names.get(account_id)
            if named is None:
                a = ids[account_id]
                named = names[account_id] = (a.name, a.code)
            out.append(LineOut(line_no=line_no, account_id=account_id, account=named[0], code=named[1],
                               amount=amount, memo=memo, contact_id=contact_id))
        return out

    def _line_page(self, table, entry_id: int, offset: int, limit: int | None) -> list[LineOut]:
        _check_page(offset, limit)
        stmt = self._lines_query(table.__table__, entry_id)
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return self._line_outs(self.session.execute(stmt))

    def _line_totals(self, table, entry_id: int) -> tuple[int, Decimal, Decimal]:
        """(lines, debits, credits) of an entry, from one query."""
        t = table.__table__
        amount = t.c.amount
        count, debits, credits = self.session.execute(
            select(func.count(), func.sum(case((amount > 0, amount))), func.sum(case((amount < 0, amount))))
            .where(t.c.entry_id == entry_id)).one()
        nought = zero(self.scale)
        return count, nought if debits is None else debits, nought if credits is None else -credits

    def entries_for_source(self, kind: str, source_id: int | None) -> list[Entry]:
        """The entries a module's document made (its reversals included), oldest first: for
        whoever may read the ledger or post that kind of document."""
        permission = self.permission_for(kind)
        if not self.books.actor.can("ledger.read"):
            self.books.require(permission)
        return list(self.session.scalars(
            select(Entry).where(Entry.source_kind == kind, Entry.source_id == source_id).order_by(Entry.id)))

    def _journal_filters(self, *, start=None, end=None, account=None, text: str = "", status: str | None = "posted"):
        e = Entry.__table__
        conds = []
        if status:
            conds.append(e.c.status == status)
        if start is not None:
            conds.append(e.c.date >= parse_date(start, "from"))
        if end is not None:
            conds.append(e.c.date <= parse_date(end, "to"))
        if account is not None:
            acct = self._resolve(account)
            ids = self.subtree_ids(acct)
            table = Line.__table__ if status == "posted" else DraftLine.__table__
            # IN (subquery), not a correlated EXISTS: the database collects the entry ids once
            # instead of probing the account's postings for every entry
            conds.append(e.c.id.in_(select(table.c.entry_id).where(table.c.account_id.in_(ids))))
        for word in (text or "").split():
            like = like_contains(word)
            conds.append(or_(e.c.memo.ilike(like, escape=LIKE_ESCAPE), e.c.code.ilike(like, escape=LIKE_ESCAPE),
                             e.c.comment.ilike(like, escape=LIKE_ESCAPE)))
        return conds

    def journal_page(self, *, offset: int = 0, limit: int = 50, start=None, end=None, account=None,
                     text: str = "", status: str = "posted", newest_first: bool = True,
                     sort: "str | Sort | None" = None, with_total: bool = True) -> Page:
        """One page of entries (``EntryRow``), newest first (or by ``sort``: see
        :func:`journal_sorts`); never more rows than asked for."""
        self._require_read()
        if status not in ("posted", "draft"):
            raise Refused(f"status: {status!r} is not posted or draft")
        e = Entry.__table__
        sorts = journal_sorts(status)
        order = sorts.order_by(sort if sort is not None else ("date:desc" if newest_first else "date:asc"))
        conds = self._journal_filters(start=start, end=end, account=account, text=text, status=status)
        stmt = select(e.c.id, e.c.date, e.c.status, e.c.memo, e.c.code, e.c.source_kind, e.c.source_id,
                      e.c.reverses_id).where(and_(*conds))
        rows = self.session.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
        ids = [r.id for r in rows]
        lines: dict[int, list] = {}
        reversed_by: dict[int, int] = {}
        if ids:
            table = Line.__table__ if status == "posted" else DraftLine.__table__
            # one row per account of each entry (its debits, and where it first appears), summed
            # by the database: a page holding a 1,000,001-line entry reads a few rows, not its lines
            first = func.min(table.c.line_no).label("first")
            for eid, aid, _, debits in self.session.execute(
                select(table.c.entry_id, table.c.account_id, first,
                       func.sum(case((table.c.amount > 0, table.c.amount))))
                .where(table.c.entry_id.in_(ids)).group_by(table.c.entry_id, table.c.account_id)
                .order_by(table.c.entry_id, first)
            ):
                lines.setdefault(eid, []).append((aid, debits))
            for rid, orig in self.session.execute(select(e.c.id, e.c.reverses_id).where(e.c.reverses_id.in_(ids))):
                reversed_by[orig] = rid
        accts = self._ids()
        out = []
        for r in rows:
            ls = lines.get(r.id, [])
            total = sum((a for _, a in ls if a is not None), zero(self.scale))
            shown = [accts[aid].name for aid, _ in ls]
            label = ", ".join(shown[:3]) + (f" +{len(shown) - 3}" if len(shown) > 3 else "")
            out.append(EntryRow(id=r.id, date=r.date, status=r.status, memo=r.memo, code=r.code,
                                source_kind=r.source_kind, source_id=r.source_id, total=total, accounts=label,
                                reverses_id=r.reverses_id, reversed_by=reversed_by.get(r.id)))
        total = len(out)
        if with_total:
            total = self.session.execute(select(func.count()).select_from(e).where(and_(*conds))).scalar_one()
        return Page(rows=out, total=total, offset=offset, limit=limit)

    def general_journal(self, *, offset: int = 0, limit: int = 200, start=None, end=None, account=None,
                        text: str = "", newest_first: bool = False,
                        sort: "str | Sort | None" = None) -> tuple[list[EntryDetail], int]:
        """Posted entries with their lines, in date order or by ``sort`` (a page of them), and how
        many match."""
        self._require_read()
        page = self.journal_page(offset=offset, limit=limit, start=start, end=end, account=account, text=text,
                                 newest_first=newest_first, sort=sort)
        ids = [r.id for r in page.rows]
        if not ids:
            return [], page.total
        entries = {e.id: e for e in self.session.scalars(select(Entry).where(Entry.id.in_(ids)))}
        accts = self._ids()
        lines: dict[int, list[LineOut]] = {}
        for ln in self.session.scalars(select(Line).where(Line.entry_id.in_(ids)).order_by(Line.entry_id, Line.line_no)):
            a = accts[ln.account_id]
            lines.setdefault(ln.entry_id, []).append(LineOut(
                line_no=ln.line_no, account_id=a.id, account=a.name, code=a.code, amount=ln.amount, memo=ln.memo,
                contact_id=ln.contact_id))
        by_row = {r.id: r for r in page.rows}
        return [EntryDetail(entry=entries[i], lines=lines.get(i, []), reversed_by=by_row[i].reversed_by)
                for i in ids], page.total

    def iter_entries(self, *, start=None, end=None, batch: int = 20000) -> Iterable[tuple[Entry, list[tuple]]]:
        """Every posted entry with its lines ``(account_id, cents, memo, contact_id)`` (amounts in
        integer cents), in date order, a batch at a time (for export)."""
        self._require_read()
        from bizsuite.erp.ledger.reports import iter_entries

        return iter_entries(self, start=parse_date(start, "from") if start else None,
                            end=parse_date(end, "to") if end else None, batch=batch)

    # -- reports (see reports.py) -------------------------------------------------------------
    def trial_balance(self, *, as_of: dt.date | str | None = None, depth: int | None = None) -> list[TrialBalanceRow]:
        """One row per account with postings up to ``as_of`` (all dates when None); with
        ``depth``, sub-accounts deeper than that are added into their parent at that depth."""
        self._require_reports()
        from bizsuite.erp.ledger.reports import trial_balance

        return trial_balance(self, as_of=parse_date(as_of, "as of") if as_of else None, depth=depth)

    def profit_and_loss(self, *, start: dt.date | str, end: dt.date | str, monthly: bool = False,
                        depth: int | None = None) -> Statement:
        self._require_reports()
        from bizsuite.erp.ledger.reports import profit_and_loss

        return profit_and_loss(self, parse_date(start, "from"), parse_date(end, "to"), monthly=monthly,
                               depth=depth)

    def balance_sheet(self, *, as_of: dt.date | str | None = None, depth: int | None = None) -> Statement:
        self._require_reports()
        from bizsuite.erp.ledger.reports import balance_sheet

        return balance_sheet(self, parse_date(as_of, "as of") if as_of else clock.today(), depth=depth)

    def register(self, account: int | str, *, start=None, end=None, offset: int = 0, limit: int = 100,
                 newest_first: bool = False, sort: "str | Sort | None" = None,
                 with_total: bool = True) -> RegisterPage:
        """The postings of an account (and its sub-accounts) with a running balance, paged; in
        date order, or by ``sort`` (see ``reports.REGISTER_SORTS``)."""
        self._require_read()
        from bizsuite.erp.ledger.reports import register

        return register(self, self._resolve(account), start=parse_date(start, "from") if start else None,
                        end=parse_date(end, "to") if end else None, offset=offset, limit=limit,
                        newest_first=newest_first, with_total=with_total, sort=sort)

    def account_tree(self, *, as_of: dt.date | str | None = None, type: str | None = None,
                     sort: "str | Sort | None" = None) -> list[AccountNode]:
        """Every account in tree order (siblings by ``sort``: see ``reports.TREE_SORTS``) with its
        own and rolled-up balance as of a date."""
        self._require_read()
        from bizsuite.erp.ledger.reports import account_tree

        return account_tree(self, as_of=parse_date(as_of, "as of") if as_of else None, type_=type, sort=sort)

    def balance(self, account: int | str, *, as_of: dt.date | str | None = None, contact_id: int | None = None,
                include_children: bool = True) -> Decimal:
        """An account's balance (debit positive), optionally of one contact (e.g. what a
        customer owes on the receivable account)."""
        self._require_reports()
        acct = self._resolve(account)
        ln = Line.__table__
        ids = self.subtree_ids(acct) if include_children else [acct.id]
        stmt = select(func.sum(ln.c.amount)).where(ln.c.account_id.in_(ids))
        if as_of is not None:
            stmt = stmt.where(ln.c.date <= parse_date(as_of, "as_of"))
        if contact_id is not None:
            stmt = stmt.where(ln.c.contact_id == contact_id)
        value = self.session.execute(stmt).scalar()
        return zero(self.scale) if value is None else value

    def counts(self) -> dict[str, int]:
        self._require_read()
        e = Entry.__table__
        posted = self.session.scalar(select(func.count()).select_from(e).where(e.c.status == "posted"))
        drafts = self.session.scalar(select(func.count()).select_from(e).where(e.c.status == "draft"))
        lines = self.session.scalar(select(func.count()).select_from(Line.__table__))
        return {"accounts": len(self._names()), "entries": posted, "drafts": drafts, "lines": lines}


def _line_table(e: Entry):
    """Where an entry's lines are: posted lines, or a draft's."""
    return Line if e.status == "posted" else DraftLine


def _check_page(offset: int, limit: int | None) -> None:
    if offset < 0:
        raise Refused(f"offset: {offset} is not a line (0 or more)")
    if limit is not None and limit < 0:
        raise Refused(f"limit: {limit} is not a number of lines (0 or more)")


_JOURNAL_SORTS: dict[str, Sorts] = {}


def journal_sorts(status: str = "posted") -> Sorts:
    """What the journal (``posted``) or the drafts can be sorted by. The amount is an entry's
    debits, as the journal shows it (summed in the query, so a page still reads only its rows)."""
    if status not in _JOURNAL_SORTS:
        e = Entry.__table__
        table = Line.__table__ if status == "posted" else DraftLine.__table__
        debits = (select(func.coalesce(func.sum(table.c.amount), 0))
                  .where(table.c.entry_id == e.c.id, table.c.amount > 0).scalar_subquery())
        _JOURNAL_SORTS[status] = Sorts({
            "date": Key("date", (e.c.date,), descending=True),
            "id": Key("number", (e.c.id,), descending=True),
            "memo": Key("memo", (func.lower(e.c.memo),)),
            "code": Key("reference", (e.c.code,)),
            "amount": Key("amount", (debits,), descending=True),
        }, tiebreak=e.c.id)
    return _JOURNAL_SORTS[status]
