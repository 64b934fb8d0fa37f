"""Ledger reports: trial balance, profit and loss, balance sheet, register, account tree.

Every figure comes from one SQL ``GROUP BY`` over ``ledger_lines`` (integer cents, summed by
the database, exact); Python then only walks the accounts — a few hundred rows — to roll
sub-accounts up into their parents. The covering index ``(account_id, date, id, amount)`` lets the
database answer from the index alone.

Signs: lines are debit positive. Statements show each section in its natural sign: assets and
expenses as debits, liabilities, equity and income as credits (positive when normal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from sqlalchemy import BigInteger, and_, case, extract, func, or_, select, type_coerce

from bizsuite.core.money import sum_to_decimal, zero_like
from bizsuite.core.sorting import Key, Sort, Sorts
from bizsuite.erp.ledger import accounts as names
from bizsuite.erp.ledger.models import (
    SOURCE_CLOSE,
    Account,
    AccountNode,
    Entry,
    Line,
    RegisterPage,
    RegisterRow,
    Statement,
    StatementRow,
    TrialBalanceRow,
)

ZERO = Decimal("0.00")
SECTIONS_PNL = (("income", "income"), ("expenses", "expense"))
SECTIONS_BS = (("assets", "asset"), ("liabilities", "liability"), ("equity", "equity"))

_ln = Line.__table__
_e = Entry.__table__
_cents = type_coerce(_ln.c.amount, BigInteger)  # sums stay integer minor units until the end


def _dec(repo, units: int) -> Decimal:
    """Minor units summed by SQL, as a Decimal in the books' currency (JPY 0 decimals, KWD 3)."""
    return sum_to_decimal(units, repo.session)


def tree_keys(accounts: Iterable[Account]) -> dict[str, tuple]:
    """A sort key per account name: siblings in order of the smallest code under them, then
    by name (so ``1001 库存现金`` comes before ``1002 银行存款``, and ``资产`` before ``负债``)."""
    accounts = list(accounts)
    min_code: dict[str, str] = {}
    for a in accounts:
        if a.code:
            for n in [*names.ancestors(a.name), a.name]:
                if n not in min_code or a.code < min_code[n]:
                    min_code[n] = a.code
    keys: dict[str, tuple] = {}
    for a in accounts:
        chain = [*names.ancestors(a.name), a.name]
        keys[a.name] = tuple((min_code.get(n, "\uffff"), n.rsplit(":", 1)[-1]) for n in chain)
    return keys


def _sorted(repo, rows, name_of):
    keys = tree_keys(repo._names().values())
    return sorted(rows, key=lambda r: keys.get(name_of(r), ((("\uffff", name_of(r)),))))


# -- trial balance ------------------------------------------------------------------------------


def trial_balance(repo, *, as_of: dt.date | None, depth: int | None) -> list[TrialBalanceRow]:
    debit = func.sum(case((_cents > 0, _cents), else_=0))
    credit = func.sum(case((_cents < 0, -_cents), else_=0))
    stmt = select(_ln.c.account_id, debit, credit).group_by(_ln.c.account_id)
    if as_of is not None:
        stmt = stmt.where(_ln.c.date <= as_of)
    ids = repo._ids()
    by_name = repo._names()
    acc: dict[int, list[int]] = {}
    for aid, d, c in repo.session.execute(stmt):
        target = ids[aid]
        if depth:
            target = by_name[names.truncate(target.name, depth)]
        cur = acc.setdefault(target.id, [0, 0])
        cur[0] += int(d or 0)
        cur[1] += int(c or 0)
    rows = [
        TrialBalanceRow(account_id=aid, account=ids[aid].name, code=ids[aid].code, type=ids[aid].type,
                        debit=_dec(repo, d), credit=_dec(repo, c))
        for aid, (d, c) in acc.items()
    ]
    return _sorted(repo, rows, lambda r: r.account)


# -- statements ---------------------------------------------------------------------------------


def _section_rows(repo, own: dict[int, list[int]], type_: str, depth: int | None, sign: int,
                  ncols: int) -> tuple[list[StatementRow], list[int]]:
    """Rows of one statement section: every account of ``type_`` with an amount, and its
    parents, each with the sum of itself and everything under it."""
    ids = repo._ids()
    by_name = repo._names()
    inclusive: dict[str, list[int]] = {}
    section_total = [0] * ncols
    for aid, amounts in own.items():
        a = ids[aid]
        if a.type != type_ or not any(amounts):
            continue
        for n in [*names.ancestors(a.name), a.name]:
            cur = inclusive.setdefault(n, [0] * ncols)
            for i, v in enumerate(amounts):
                cur[i] += v
        for i, v in enumerate(amounts):
            section_total[i] += v
    rows = []
    for n, amounts in inclusive.items():
        d = n.count(":") + 1
        if depth and d > depth:
            continue
        a = by_name.get(n)
        has_children = any(other.startswith(n + ":") for other in inclusive)
        rows.append(StatementRow(
            label=n, type=a.type if a else type_, depth=d,
            amounts=[_dec(repo, sign * v) for v in amounts], account_id=a.id if a else None,
            code=a.code if a else None, is_parent=has_children and not (depth and d >= depth),
        ))
    return _sorted(repo, rows, lambda r: r.label), section_total


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def profit_and_loss(repo, start: dt.date, end: dt.date, *, monthly: bool, depth: int | None) -> Statement:
    """Income and expenses from ``start`` to ``end`` (year-end closing entries left out)."""
    from bizsuite.core.errors import FieldError, ValidationFailed

    if end < start:
        raise ValidationFailed([FieldError("to", f"{end} is before the start of the period, {start}")])
    months = _months(start, end) if monthly else []
    if len(months) > 120:
        raise ValidationFailed([FieldError("monthly", "at most 120 months at a time; pick a shorter period")])
    ids = repo._ids()
    wanted = [a.id for a in ids.values() if a.type in ("income", "expense")]
    ncols = len(months) + 1 if monthly else 1
    own: dict[int, list[int]] = {}
    if wanted:
        closing = select(_e.c.id).where(_e.c.source_kind == SOURCE_CLOSE)
        conds = [_ln.c.account_id.in_(wanted), _ln.c.date >= start, _ln.c.date <= end,
                 _ln.c.entry_id.not_in(closing)]
        if monthly:
            y, m = extract("year", _ln.c.date), extract("month", _ln.c.date)
            stmt = select(_ln.c.account_id, y, m, func.sum(_cents)).where(*conds).group_by(_ln.c.account_id, y, m)
            col = {ym: i for i, ym in enumerate(months)}
            for aid, yy, mm, total in repo.session.execute(stmt):
                cur = own.setdefault(aid, [0] * ncols)
                cur[col[(int(yy), int(mm))]] += int(total)
                cur[-1] += int(total)
        else:
            stmt = select(_ln.c.account_id, func.sum(_cents)).where(*conds).group_by(_ln.c.account_id)
            for aid, total in repo.session.execute(stmt):
                own[aid] = [int(total)]
    columns = [f"{y}-{m:02d}" for y, m in months] + ["total"] if monthly else ["amount"]
    sections = []
    totals = {}
    for label, type_ in SECTIONS_PNL:
        sign = -1 if type_ == "income" else 1
        rows, total = _section_rows(repo, own, type_, depth, sign, ncols)
        sections.append((label, rows))
        totals[type_] = [sign * v for v in total]
    income, expense = totals["income"], totals["expense"]
    net = [i - x for i, x in zip(income, expense)]
    total_rows = [
        StatementRow("total income", "total", 0, [_dec(repo, v) for v in income]),
        StatementRow("total expenses", "total", 0, [_dec(repo, v) for v in expense]),
        StatementRow("net income", "total", 0, [_dec(repo, v) for v in net]),
    ]
    return Statement(title=f"Profit and loss {start} – {end}", columns=columns, sections=sections,
                     totals=total_rows)


def _add_earnings(repo, rows: list[StatementRow], earnings: list[tuple[str, int]], depth: int | None) -> None:
    """Put the computed earnings rows into equity. With one top-level equity account (``equity``,
    ``所有者权益``) they are its sub-rows (depth 2) and its line includes them, so the group line
    is the sum of the rows under it; otherwise they stand at the top level of the section."""
    tops = [r for r in rows if r.depth == 1]
    if len(tops) == 1:
        top = tops[0]
        top.amounts = [top.amounts[0] + _dec(repo, sum(v for _, v in earnings))]
        if depth is None or depth >= 2:
            top.is_parent = True
            rows.extend(StatementRow(label, "earnings", 2, [_dec(repo, v)]) for label, v in earnings)
        return
    rows.extend(StatementRow(label, "earnings", 1, [_dec(repo, v)]) for label, v in earnings)


def balance_sheet(repo, as_of: dt.date, *, depth: int | None) -> Statement:
    """Assets, liabilities and equity as of a date. Income and expenses not yet closed show in
    equity as the current year's earnings (and, if earlier years were never closed, as
    earnings of earlier years), so that assets = liabilities + equity."""
    year_start = dt.date(as_of.year, 1, 1)
    earlier = func.sum(case((_ln.c.date < year_start, _cents), else_=0))
    stmt = (select(_ln.c.account_id, func.sum(_cents), earlier)
            .where(_ln.c.date <= as_of).group_by(_ln.c.account_id))
    ids = repo._ids()
    own: dict[int, list[int]] = {}
    prior = current = 0
    for aid, total, before in repo.session.execute(stmt):
        a = ids[aid]
        if a.type in ("income", "expense"):
            prior += int(before or 0)
            current += int(total) - int(before or 0)
        else:
            own[aid] = [int(total)]
    sections = []
    totals = {}
    for label, type_ in SECTIONS_BS:
        sign = 1 if type_ == "asset" else -1
        rows, total = _section_rows(repo, own, type_, depth, sign, 1)
        sums = sign * total[0]
        if type_ == "equity":
            earnings = []
            if prior:
                earnings.append(("earnings of earlier years not closed", -prior))
            earnings.append((f"current year earnings ({as_of.year})", -current))
            _add_earnings(repo, rows, earnings, depth)
            sums += sum(v for _, v in earnings)
        sections.append((label, rows))
        totals[type_] = sums
    total_rows = [
        StatementRow("total assets", "total", 0, [_dec(repo, totals["asset"])]),
        StatementRow("total liabilities", "total", 0, [_dec(repo, totals["liability"])]),
        StatementRow("total equity", "total", 0, [_dec(repo, totals["equity"])]),
        StatementRow("total liabilities and equity", "total", 0,
                     [_dec(repo, totals["liability"] + totals["equity"])]),
    ]
    return Statement(title=f"Balance sheet as of {as_of}", columns=["balance"], sections=sections,
                     totals=total_rows)


# -- register -----------------------------------------------------------------------------------


# What a register can be sorted by. By date it reads the covering index in order (see register());
# by anything else the running balance comes from a window over the account's postings.
REGISTER_SORTS = Sorts({
    "date": Key("date"),
    "entry": Key("entry number", descending=True),
    "memo": Key("memo"),
    "amount": Key("amount", descending=True),
    "balance": Key("balance", descending=True),
})


def register(repo, account: Account, *, start: dt.date | None, end: dt.date | None, offset: int, limit: int,
             newest_first: bool, with_total: bool, sort: "str | Sort | None" = None) -> RegisterPage:
    """Postings of an account and its sub-accounts, with the running balance after each.

    Order: by date, then in the order they were posted (line id). Both directions read the
    covering index ``(account_id, date, id, amount)`` in order and stop after the page: oldest first
    sums the rows before the page, newest first takes the balance at the end and subtracts the
    rows after each one — never the whole account when a page is asked for.
    """
    ids = repo.subtree_ids(account)
    in_account = _ln.c.account_id.in_(ids) if len(ids) > 1 else _ln.c.account_id == ids[0]
    conds = [in_account]
    if start is not None:
        conds.append(_ln.c.date >= start)
    if end is not None:
        conds.append(_ln.c.date <= end)
    order = REGISTER_SORTS.parse(sort) if sort is not None else Sort("date", newest_first)
    if order.key != "date":
        rows = _register_by(repo, in_account, start, end, order, offset, limit)
        balances = [int(r.balance) for r in rows]
    else:
        rows, balances = _register_by_date(repo, in_account, conds, start, end, order.descending, offset, limit)
    accts = repo._ids()
    memos: dict[int, str] = {}
    others: dict[int, list[str]] = {}
    entry_ids = sorted({r.entry_id for r in rows})
    if entry_ids:
        for eid, memo in repo.session.execute(select(_e.c.id, _e.c.memo).where(_e.c.id.in_(entry_ids))):
            memos[eid] = memo
        for eid, aid in repo.session.execute(
            select(_ln.c.entry_id, _ln.c.account_id).where(_ln.c.entry_id.in_(entry_ids), _ln.c.account_id.not_in(ids))
            .order_by(_ln.c.entry_id, _ln.c.line_no)
        ):
            lst = others.setdefault(eid, [])
            name = accts[aid].name
            if name not in lst:
                lst.append(name)
    out = [
        RegisterRow(line_id=r.id, entry_id=r.entry_id, date=r.date, memo=r.memo or memos.get(r.entry_id, ""),
                    account=accts[r.account_id].name, other_accounts=", ".join(others.get(r.entry_id, [])),
                    amount=_dec(repo, int(r.cents)), balance=_dec(repo, bal), contact_id=r.contact_id)
        for r, bal in zip(rows, balances)
    ]
    total = len(out)
    if with_total:
        total = repo.session.execute(select(func.count()).select_from(_ln).where(*conds)).scalar_one()
    return RegisterPage(account=account.name, rows=out, total=total, offset=offset, limit=limit)


def _register_by_date(repo, in_account, conds, start, end, newest_first: bool, offset: int, limit: int):
    """A page of a register in date order, with the running balance after each posting, read
    from the covering index in order without touching the rows outside the page."""
    asc = (_ln.c.date, _ln.c.id)
    desc = (_ln.c.date.desc(), _ln.c.id.desc())

    def sum_of(*where) -> int:
        return int(repo.session.execute(select(func.coalesce(func.sum(_cents), 0)).where(*where)).scalar())

    def sum_first(n: int, order) -> int:
        """The sum of the first ``n`` rows in ``order`` (what comes before the page)."""
        if n <= 0:
            return 0
        inner = select(_cents.label("c")).where(*conds).order_by(*order).limit(n).subquery()
        return int(repo.session.execute(select(func.coalesce(func.sum(inner.c.c), 0))).scalar())

    stmt = select(_ln.c.id, _ln.c.entry_id, _ln.c.date, _ln.c.account_id, _cents.label("cents"), _ln.c.memo,
                  _ln.c.contact_id).where(*conds)
    rows = repo.session.execute(stmt.order_by(*(desc if newest_first else asc)).offset(offset).limit(limit)).all()
    balances: list[int] = []
    if newest_first:
        # the balance after the newest row in range, less what was posted after each row
        upto = [in_account] + ([_ln.c.date <= end] if end is not None else [])
        running = sum_of(*upto) - sum_first(offset, desc)
        for r in rows:
            balances.append(running)
            running -= int(r.cents)
    else:
        opening = sum_of(in_account, _ln.c.date < start) if start is not None else 0
        running = opening + sum_first(offset, asc)
        for r in rows:
            running += int(r.cents)
            balances.append(running)
    return rows, balances


def _register_by(repo, in_account, start: dt.date | None, end: dt.date | None, order: Sort, offset: int,
                 limit: int) -> list:
    """A page of a register sorted by something other than the date: every posting up to ``end``
    gets its running balance from a window in (date, id) order, then the page is cut in the asked
    order (the memo shown is the line's, else the entry's)."""
    upto = [in_account] + ([_ln.c.date <= end] if end is not None else [])
    shown = func.coalesce(func.nullif(_ln.c.memo, ""), _e.c.memo, "")
    inner = (
        select(_ln.c.id, _ln.c.entry_id, _ln.c.date, _ln.c.account_id, _cents.label("cents"), _ln.c.memo,
               _ln.c.contact_id, func.sum(_cents).over(order_by=(_ln.c.date, _ln.c.id)).label("balance"),
               func.lower(shown).label("shown_memo"))
        .select_from(_ln.join(_e, _e.c.id == _ln.c.entry_id)).where(*upto).subquery()
    )
    by = {"entry": inner.c.entry_id, "memo": inner.c.shown_memo, "amount": inner.c.cents,
          "balance": inner.c.balance}[order.key]
    direction = (lambda x: x.desc()) if order.descending else (lambda x: x.asc())
    stmt = select(inner)
    if start is not None:
        stmt = stmt.where(inner.c.date >= start)
    stmt = stmt.order_by(direction(by).nulls_last(), direction(inner.c.date), direction(inner.c.id))
    return repo.session.execute(stmt.offset(offset).limit(limit)).all()


# -- account tree -------------------------------------------------------------------------------


# What the accounts tree can be sorted by: siblings are ordered by the key, sub-accounts stay under
# their parent. ``code`` is the chart's own order (the smallest code under an account, then name).
TREE_SORTS = Sorts({
    "code": Key("code"),
    "name": Key("name"),
    "type": Key("type"),
    "balance": Key("balance", descending=True),
})


def _tree_sorted(nodes: list[AccountNode], sort: Sort, codes: dict[str, tuple]) -> list[AccountNode]:
    by_name = {n.account.name: n for n in nodes}
    children: dict[str | None, list[AccountNode]] = {}
    for n in nodes:
        parent = next((p for p in reversed(names.ancestors(n.account.name)) if p in by_name), None)
        children.setdefault(parent, []).append(n)

    def key(n: AccountNode):
        leaf = n.account.name.rsplit(":", 1)[-1].casefold()
        if sort.key == "code":
            return codes.get(n.account.name, (("\uffff", leaf),))  # the whole chain: roots whose parent is filtered out stay apart
        if sort.key == "name":
            return (leaf,)
        if sort.key == "type":
            return (n.account.type, leaf)
        return (n.total, leaf)

    out: list[AccountNode] = []

    def walk(parent: str | None) -> None:
        for n in sorted(children.get(parent, []), key=key, reverse=sort.descending):
            out.append(n)
            walk(n.account.name)

    walk(None)
    return out


def account_tree(repo, *, as_of: dt.date | None, type_: str | None, sort: "str | Sort | None" = None) -> list[AccountNode]:
    stmt = select(_ln.c.account_id, func.sum(_cents), func.count()).group_by(_ln.c.account_id)
    if as_of is not None:
        stmt = stmt.where(_ln.c.date <= as_of)
    own = {aid: (int(total), n) for aid, total, n in repo.session.execute(stmt)}
    accounts = [a for a in repo._names().values() if type_ is None or a.type == type_]
    inclusive: dict[str, int] = {}
    for a in repo._names().values():
        amount = own.get(a.id, (0, 0))[0]
        if amount:
            for n in [*names.ancestors(a.name), a.name]:
                inclusive[n] = inclusive.get(n, 0) + amount
    parents = {a.parent_id for a in repo._names().values() if a.parent_id}
    nodes = [
        AccountNode(account=a, depth=a.depth, own=_dec(repo, own.get(a.id, (0, 0))[0]),
                    total=_dec(repo, inclusive.get(a.name, 0)), has_children=a.id in parents,
                    postings=own.get(a.id, (0, 0))[1])
        for a in accounts
    ]
    return _tree_sorted(nodes, TREE_SORTS.parse(sort), tree_keys(repo._names().values()))


# -- every entry, for export --------------------------------------------------------------------


def iter_entries(repo, *, start: dt.date | None, end: dt.date | None, batch: int):
    """Posted entries in (date, id) order with their lines, read a batch at a time."""
    batch = min(batch, 5000)
    last: tuple[dt.date, int] | None = None
    while True:
        stmt = select(Entry).where(Entry.status == "posted")
        if start is not None:
            stmt = stmt.where(Entry.date >= start)
        if end is not None:
            stmt = stmt.where(Entry.date <= end)
        if last is not None:
            stmt = stmt.where(or_(Entry.date > last[0], and_(Entry.date == last[0], Entry.id > last[1])))
        entries = list(repo.session.scalars(stmt.order_by(Entry.date, Entry.id).limit(batch)))
        if not entries:
            return
        lines: dict[int, list[tuple]] = {}
        for eid, aid, cents, memo, cid in repo.session.execute(
            select(_ln.c.entry_id, _ln.c.account_id, _cents, _ln.c.memo, _ln.c.contact_id)
            .where(_ln.c.entry_id.in_([e.id for e in entries])).order_by(_ln.c.entry_id, _ln.c.line_no)
        ):
            lines.setdefault(eid, []).append((aid, int(cents), memo, cid))
        for e in entries:
            yield e, lines.get(e.id, [])
        last = (entries[-1].date, entries[-1].id)
        if len(entries) < batch:
            return


# -- reports as rows: what the CLI prints and the screens show and export -----------------------


TRIAL_BALANCE_COLUMNS = ["account", "type", "debit", "credit", "balance"]


def trial_balance_total(tb: list[TrialBalanceRow]) -> tuple[Decimal, Decimal, Decimal]:
    """The trial balance's totals: debits, credits, and their difference (zero in sound books)."""
    start = zero_like(r.debit for r in tb)  # zero in the books' decimals (0, 0.00, 0.000)
    debits = sum((r.debit for r in tb), start)
    credits = sum((r.credit for r in tb), start)
    return debits, credits, debits - credits


def trial_balance_rows(tb: list[TrialBalanceRow], *, with_total: bool = False) -> list[dict]:
    """The trial balance as rows of :data:`TRIAL_BALANCE_COLUMNS` (``ledger trial-balance
    --format csv`` and the screen's export); ``with_total`` adds the ``total`` row of a table."""
    rows = [{"account": r.account, "type": r.type, "debit": r.debit, "credit": r.credit, "balance": r.balance,
             "account_id": r.account_id} for r in tb]
    if with_total:
        d, c, b = trial_balance_total(tb)
        rows.append({"account": "total", "type": "", "debit": d, "credit": c, "balance": b, "account_id": None})
    return rows


@dataclass
class FlatLine:
    """One line of a statement as a table shows it: ``label`` is the full account name (or the
    computed row's label), ``indented`` the leaf indented by depth; ``kind`` is ``parent``,
    ``account``, ``earnings`` or ``total``."""

    section: str
    label: str
    indented: str
    code: str | None
    depth: int
    amounts: list[Decimal]
    kind: str
    account_id: int | None = None
    type: str = ""


def flatten_statement(st: Statement) -> list[FlatLine]:
    """A P&L or balance sheet, section by section, then its totals: the one flattening that the
    CLI's table and CSV and the screen's table and export all use, so they agree on depth."""
    out: list[FlatLine] = []
    for section, rows in st.sections:
        for r in rows:
            leaf = r.label.rsplit(":", 1)[-1] if r.account_id is not None and r.depth > 1 else r.label
            if r.account_id is None:
                kind = "earnings"
            else:
                kind = "parent" if r.is_parent or r.depth == 1 else "account"
            out.append(FlatLine(section, r.label, "  " * (r.depth - 1) + leaf, r.code, r.depth, list(r.amounts),
                                kind, r.account_id, r.type))
    for r in st.totals:
        out.append(FlatLine("total", r.label, r.label, None, 0, list(r.amounts), "total"))
    return out


def statement_rows(st: Statement) -> tuple[list[dict], list[str]]:
    """A statement as CSV/JSON rows: ``section,account,code,depth`` then one column per amount
    column (``ledger pnl|balance-sheet --format csv`` and the screens' export)."""
    cols = list(st.columns)
    rows = []
    for ln in flatten_statement(st):
        row = {"section": ln.section, "account": ln.label, "code": ln.code or "", "depth": ln.depth}
        row.update(zip(cols, ln.amounts))
        rows.append(row)
    return rows, ["section", "account", "code", "depth", *cols]
