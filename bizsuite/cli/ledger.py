"""``bizsuite ledger …``: the chart of accounts, entries, reports, journal import and export."""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from bizsuite.cli.common import (
    FORMAT_OPTION,
    OUTPUT_OPTION_HELP,
    Fmt,
    books,
    emit,
    fail,
    open_store,
    refusals,
    run_import,
    write_output,
)
from bizsuite.cli.params import whole, year as year_of
from bizsuite.erp.ledger.limits import MAX_LINES  # a constant alone: nothing heavy is imported

app = typer.Typer(no_args_is_help=True)

ROLE_HELP = ("bank, cash, receivable, payable, inventory, grni, sales, cogs, tax_payable, wages, "
             "payroll_liabilities, retained_earnings, opening_balances, or a module's own "
             "(bizsuite ledger settings lists them)")


class FileFmt(str, Enum):
    journal = "journal"
    csv = "csv"


def _money(value) -> str:
    from bizsuite.core.money import format_human

    return format_human(value, None)  # as many decimals as the books' currency has


# -- chart of accounts --------------------------------------------------------------------------


@app.command("accounts")
def accounts(
    ctx: typer.Context,
    type_: Optional[str] = typer.Option(None, "--type", help="asset, liability, equity, income or expense."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="DATE", help="Balances as of this date (default: all)."),
    all_: bool = typer.Option(False, "--all", help="Include inactive accounts."),
    sort: Optional[str] = typer.Option(None, "--sort", help="code (the chart's order), name, type or balance: the "
                                       "accounts under each parent (add :asc or :desc to choose the direction)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """The chart of accounts with balances (sub-accounts included), in tree order."""
    with books(ctx, write=False) as b:
        nodes = b.ledger.account_tree(as_of=as_of, type=type_, sort=sort)
    emit([_account_row(n, fmt) for n in nodes if all_ or n.account.active], ACCOUNT_COLUMNS, fmt,
         title="Accounts", numeric=["balance", "postings"])


ACCOUNT_COLUMNS = ["code", "account", "type", "active", "balance", "postings"]


def _account_row(n, fmt: Fmt) -> dict:
    a = n.account
    label = ("  " * (n.depth - 1) + a.leaf) if fmt == Fmt.table else a.name
    return {"code": a.code or "", "account": label, "type": a.type, "active": a.active,
            "balance": n.total, "postings": n.postings}


def _changed_account(b, account_id: int, fmt: Fmt, message: str) -> None:
    """What a command that adds or changes an account prints: ``message``, or with ``--format``
    the account as ``ledger accounts --format json`` prints it (a list of that one row)."""
    if fmt == Fmt.table:
        typer.echo(message)
        return
    node = next(n for n in b.ledger.account_tree() if n.account.id == account_id)
    emit([_account_row(node, fmt)], ACCOUNT_COLUMNS, fmt, numeric=["balance", "postings"])


@app.command("add-account")
def add_account(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The full name, e.g. 'assets:bank:savings' or '资产:银行存款:工行'."),
    type_: Optional[str] = typer.Option(None, "--type", help="asset, liability, equity, income or expense "
                                        "(default: the parent's, or from the top-level name)."),
    code: Optional[str] = typer.Option(None, "--code", help="An optional unique code, e.g. 1002."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Add an account (missing parents are added too)."""
    with books(ctx) as b:
        a = b.ledger.add_account(name, type=type_, code=code)
        _changed_account(b, a.id, fmt, f"added {a.label} ({a.type})")


@app.command("rename-account")
def rename_account(ctx: typer.Context, account: str = typer.Argument(..., help="Name, code or #id."),
                   new_name: str = typer.Argument(..., help="The new full name."),
                   fmt: Fmt = FORMAT_OPTION) -> None:
    """Rename an account and its sub-accounts; every entry shows the new name."""
    with books(ctx) as b:
        old = b.ledger.account(account).name
        a = b.ledger.rename_account(account, new_name)
        _changed_account(b, a.id, fmt, f"renamed {old} to {a.name}")


@app.command("edit-account")
def edit_account(ctx: typer.Context, account: str = typer.Argument(...),
                 code: Optional[str] = typer.Option(None, "--code", help="A new code ('' removes it)."),
                 type_: Optional[str] = typer.Option(None, "--type", help="A new type (only while nothing is posted to it)."),
                 fmt: Fmt = FORMAT_OPTION) -> None:
    """Change an account's code or type."""
    with books(ctx) as b:
        a = b.ledger.update_account(account, code=code, type=type_)
        _changed_account(b, a.id, fmt, f"saved {a.label} ({a.type})")


@app.command("deactivate")
def deactivate(ctx: typer.Context, account: str = typer.Argument(...), fmt: Fmt = FORMAT_OPTION) -> None:
    """No new postings to this account; its history and balances stay."""
    with books(ctx) as b:
        a = b.ledger.set_active(account, False)
        _changed_account(b, a.id, fmt, f"{a.name} is inactive")


@app.command("activate")
def activate(ctx: typer.Context, account: str = typer.Argument(...), fmt: Fmt = FORMAT_OPTION) -> None:
    """Allow postings to an inactive account again."""
    with books(ctx) as b:
        a = b.ledger.set_active(account, True)
        _changed_account(b, a.id, fmt, f"{a.name} is active")


@app.command("delete-account")
def delete_account(ctx: typer.Context, account: str = typer.Argument(...)) -> None:
    """Delete an account that was never used (otherwise: deactivate it)."""
    with books(ctx) as b:
        name = b.ledger.account(account).name
        b.ledger.delete_account(account)
    typer.echo(f"deleted {name}")


@app.command("settings")
def settings(ctx: typer.Context, fmt: Fmt = FORMAT_OPTION) -> None:
    """The accounts other modules post to (bank, receivable, sales, …) and the lock date."""
    from bizsuite.erp.ledger.models import all_roles

    meanings = all_roles()
    with books(ctx, write=False) as b:
        roles = b.ledger.role_accounts()
        lock = b.ledger.lock_date
    rows = [{"role": r, "code": (a.code or "") if a else "", "account": a.name if a else "(not set)",
             "meaning": meanings[r]} for r, a in roles.items()]
    emit(rows, ["role", "code", "account", "meaning"], fmt, title=f"Ledger settings (lock date: {lock or 'none'})")


@app.command("set-account")
def set_account(ctx: typer.Context, role: str = typer.Argument(..., help=ROLE_HELP),
                account: str = typer.Argument(..., help="Name, code or #id.")) -> None:
    """Point a role (bank, receivable, sales, …) at an account."""
    with books(ctx) as b:
        a = b.ledger.set_role_account(role, account)
        label = a.label
    typer.echo(f"{role}: {label}")


@app.command("load-chart")
def load_chart(ctx: typer.Context, chart: str = typer.Argument(..., help="standard or cn-small.")) -> None:
    """Add a shipped chart of accounts (existing accounts and settings are kept)."""
    with books(ctx) as b:
        n = b.ledger.load_chart(chart)
    typer.echo(f"added {n} accounts from the {chart} chart")


# -- entries ------------------------------------------------------------------------------------


def _parse_line(text: str):
    """``"ACCOUNT AMOUNT [; memo]"``: a positive amount is a debit, a negative one a credit; the
    amount may be left out (on one line) and may carry a currency symbol."""
    from bizsuite.core.money import parse_decimal
    from bizsuite.erp.ledger.journal import SYMBOLS
    from bizsuite.erp.ledger.models import LineIn

    body, _, memo = text.partition(";")
    body = body.strip()
    if not body:
        fail(f"--line {text!r}: write it as \"ACCOUNT AMOUNT\"", code=2)
    head, _, tail = body.rpartition(" ")
    amount = None
    if head.strip() and tail.strip():
        t = tail.strip()
        sign = ""
        if t[:1] in "+-":
            sign, t = t[0], t[1:]
        if t[:1] and t[0] in SYMBOLS:
            t = t[1:]
        if t[:1] in "+-" and not sign:
            sign, t = t[0], t[1:]
        if t and (t[0].isdigit() or t[0] == "."):
            try:
                amount = parse_decimal(sign + t, scale=None)  # the books say how many decimals
            except ValueError as exc:
                fail(f"--line {text!r}: {exc}")
            body = head.strip()
    return LineIn(body, amount, memo.strip() or None)


@app.command("post", help=f"Post a journal entry (or save a draft). Refused unless it balances exactly. An entry "
             f"has at most {MAX_LINES} lines (a bigger batch is several entries).")
def post(
    ctx: typer.Context,
    date: str = typer.Option(..., "--date", help="YYYY-MM-DD."),
    memo: str = typer.Option("", "--memo", "-m", help="What the entry is for."),
    line: List[str] = typer.Option(..., "--line", "-l", help="\"ACCOUNT AMOUNT [; memo]\": positive = debit, "
                                   "negative = credit; one line may omit its amount. Repeat for each line "
                                   f"(at most {MAX_LINES} lines an entry)."),
    code: Optional[str] = typer.Option(None, "--code", help="A reference, e.g. a cheque or invoice number."),
    contact: Optional[str] = typer.Option(None, "--contact", help="The contact (#id, email or name) of the entry."),
    draft: bool = typer.Option(False, "--draft", help="Save as a draft (may be unbalanced) instead of posting."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    lines = [_parse_line(x) for x in line]
    with open_store(ctx) as (store, actor):
        with store.transaction(actor) as b:
            cid = b.contacts.resolve(contact).id if contact else None
            if draft:
                e = b.ledger.save_draft(date, memo, lines, contact_id=cid, code=code)
            else:
                e = b.ledger.post_entry(date, memo, lines, contact_id=cid, code=code)
            d = b.ledger.entry(e.id, limit=0)
        what = "saved draft" if draft else "posted"
        _changed_entry(store, actor, e.id, fmt, f"{what} #{e.id} {d.entry.date} {_money(d.total)}")


@app.command("post-draft")
def post_draft(ctx: typer.Context, entry: int = typer.Argument(..., help="The draft's number.", parser=whole("entry")),
               fmt: Fmt = FORMAT_OPTION) -> None:
    """Post a draft (it must balance)."""
    with open_store(ctx) as (store, actor):
        with store.transaction(actor) as b:
            e = b.ledger.post_draft(entry)
            eid = e.id
        _changed_entry(store, actor, eid, fmt, f"posted #{eid}")


@app.command("delete-draft")
def delete_draft(ctx: typer.Context, entry: int = typer.Argument(..., parser=whole("entry"))) -> None:
    """Delete a draft (posted entries are never deleted: reverse them)."""
    with books(ctx) as b:
        b.ledger.delete_entry(entry)
    typer.echo(f"deleted draft #{entry}")


ENTRY_COLUMNS = ["entry", "date", "status", "memo", "account", "debit", "credit", "line_memo", "contact_id"]
SHOW_LINES = 50  # the lines `ledger show` puts in a table unless told


def _changed_entry(store, actor, entry_id: int, fmt: Fmt, message: str) -> None:
    """What a command that posts prints once its work is committed: ``message``, or with
    ``--format`` the entry as ``ledger show ID --format …`` prints it (read back in a read
    transaction, its lines streamed: the reversal of a huge entry is never held in memory)."""
    if fmt == Fmt.table:
        typer.echo(message)
        return
    with refusals():
        with store.transaction(actor, write=False) as b:
            _stream_lines(b, entry_id, fmt)


def _stream_lines(b, entry_id: int, fmt: Fmt, *, offset: int = 0, limit: int | None = None) -> None:
    """The entry's lines as CSV or JSON rows (``ENTRY_COLUMNS``), read a batch at a time and
    written by ``emit`` as they come (never all held: the reversal of a huge entry too)."""
    e = b.ledger.entry(entry_id, limit=0).entry

    def rows():
        head = {"entry": e.id, "date": e.date, "status": e.status, "memo": e.memo}
        for ln in b.ledger.iter_entry_lines(entry_id, offset=offset, limit=limit):
            amount = ln.amount
            yield {**head, "account": ln.account,
                   "debit": amount if amount is not None and amount > 0 else None,
                   "credit": -amount if amount is not None and amount < 0 else None,
                   "line_memo": ln.memo or "", "contact_id": ln.contact_id}

    emit(rows(), ENTRY_COLUMNS, fmt, numeric=["debit", "credit"])


def _entry_rows(detail) -> list[dict]:
    e = detail.entry
    return [{"entry": e.id, "date": e.date, "status": e.status, "memo": e.memo, "account": ln.account,
             "debit": ln.debit, "credit": ln.credit, "line_memo": ln.memo or "", "contact_id": ln.contact_id}
            for ln in detail.lines]


@app.command("show")
def show(
    ctx: typer.Context,
    entry: int = typer.Argument(..., parser=whole("entry")),
    lines: Optional[int] = typer.Option(None, "--lines", "-n", metavar="N",
                                        help=f"Show N lines (default: {SHOW_LINES} in a table, every line with "
                                        "--format csv or json; 0: every line).", parser=whole("--lines", lo=0)),
    offset: int = typer.Option(0, "--offset", metavar="K", help="Skip the first K lines.",
                               parser=whole("--offset", lo=0)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """One entry with its lines, source and reversal links. A table shows a page of the lines
    and the entry's totals; --format csv or json writes every line (streamed, however many)."""
    with books(ctx, write=False) as b:
        if fmt != Fmt.table:
            _stream_lines(b, entry, fmt, offset=offset, limit=lines or None)
            return
        d = b.ledger.entry(entry, offset=offset, limit=SHOW_LINES if lines is None else (lines or None))
    e = d.entry
    source = e.source_kind + (f" #{e.source_id}" if e.source_id is not None else "")
    head = [f"#{e.id}  {e.date}  {e.status}  {e.memo}"]
    if e.code:
        head.append(f"code: {e.code}")
    head.append(f"source: {source}" + (f" ({e.source_ref})" if e.source_ref else ""))
    if e.reverses_id:
        head.append(f"reverses #{e.reverses_id}")
    if d.reversed_by:
        head.append(f"reversed by #{d.reversed_by}")
    if e.comment:
        head.append(f"comment: {e.comment}")
    typer.echo("\n".join(head))
    emit([{"account": ln.account, "debit": ln.debit, "credit": ln.credit, "memo": ln.memo or ""} for ln in d.lines]
         + [{"account": "total" if len(d.lines) == d.count else f"total of the {d.count} lines",
             "debit": d.total, "credit": d.credits, "memo": ""}],
         ["account", "debit", "credit", "memo"], fmt, numeric=["debit", "credit"])
    shown, count = len(d.lines), d.count
    if shown < count:
        after = count - offset - shown
        page = f"lines {offset + 1}–{offset + shown} of {count}" if shown else \
            f"no lines after line {offset}: the entry has {count}"
        hints = []
        if after > 0:
            page += f" ({after} more)"
            hints.append(f"the next {min(shown or SHOW_LINES, after)}: bizsuite ledger show {e.id} --offset "
                         f"{offset + shown}" + (f" --lines {lines}" if lines else ""))
        hints.append("every line: --lines 0, or --format csv or json (streamed)")
        typer.echo(f"{page}; " + "; ".join(hints))


@app.command("journal")
def journal(
    ctx: typer.Context,
    from_: Optional[str] = typer.Option(None, "--from", metavar="DATE"),
    to: Optional[str] = typer.Option(None, "--to", metavar="DATE"),
    account: Optional[str] = typer.Option(None, "--account", help="Entries that touch this account (or its sub-accounts)."),
    search: Optional[str] = typer.Option(None, "--search", "-s", help="Words in the memo, code or comment."),
    limit: int = typer.Option(200, "--limit", help="At most this many entries (0: all).", parser=whole("--limit", lo=0)),
    offset: int = typer.Option(0, "--offset", parser=whole("--offset", lo=0)),
    newest_first: bool = typer.Option(False, "--newest-first"),
    sort: Optional[str] = typer.Option(None, "--sort", help="date, id, memo, code or amount (default: date, oldest "
                                       "first) (add :asc or :desc to choose the direction)."),
    drafts: bool = typer.Option(False, "--drafts", help="List the drafts instead."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """The general journal: entries with their lines, in date order."""
    with books(ctx, write=False) as b:
        if drafts:
            page = b.ledger.journal_page(offset=offset, limit=limit or 10**9, status="draft", sort=sort)
            rows = [{"entry": r.id, "date": r.date, "memo": r.memo, "accounts": r.accounts, "total": r.total}
                    for r in page.rows]
            emit(rows, ["entry", "date", "memo", "accounts", "total"], fmt, title="Drafts", numeric=["total"])
            return
        details, total = b.ledger.general_journal(offset=offset, limit=limit or 10**9, start=from_, end=to,
                                                  account=account, text=search or "", newest_first=newest_first,
                                                  sort=sort)
    rows = []
    for d in details:
        for i, r in enumerate(_entry_rows(d)):
            if fmt == Fmt.table and i:
                r.update(entry="", date="", memo="")
            rows.append(r)
    title = f"General journal: {len(details)} of {total} entries"
    emit(rows, ["entry", "date", "memo", "account", "debit", "credit", "line_memo"], fmt, title=title,
         numeric=["debit", "credit"])


@app.command("reverse")
def reverse(ctx: typer.Context, entry: int = typer.Argument(..., parser=whole("entry")),
            date: Optional[str] = typer.Option(None, "--date", help="The reversal's date (default: today)."),
            memo: Optional[str] = typer.Option(None, "--memo", "-m"), fmt: Fmt = FORMAT_OPTION) -> None:
    """Correct a posted entry: post its mirror image, linked to it."""
    with open_store(ctx) as (store, actor):
        with store.transaction(actor) as b:
            r = b.ledger.reverse(entry, date=date, memo=memo)
            rid, day = r.id, r.date
        _changed_entry(store, actor, rid, fmt, f"posted #{rid} {day}, reversing #{entry}")


@app.command("lock")
def lock(ctx: typer.Context,
         until: Optional[str] = typer.Option(None, "--until", metavar="DATE", help="Nothing may be posted or reversed on or before it."),
         clear: bool = typer.Option(False, "--clear", help="Remove the lock date (owner only).")) -> None:
    """Lock the books up to a date (or show the lock date)."""
    if until and clear:
        fail("--until and --clear do not go together", code=2)
    with books(ctx, write=bool(until or clear)) as b:
        if until or clear:
            b.ledger.lock(None if clear else until)
        current = b.ledger.lock_date
    typer.echo(f"locked until {current}" if current else "not locked")


@app.command("close-year")
def close_year(ctx: typer.Context, year: int = typer.Argument(..., parser=year_of("year")), fmt: Fmt = FORMAT_OPTION) -> None:
    """Close income and expenses of YEAR into retained earnings, then lock the year."""
    with books(ctx) as b:
        e = b.ledger.close_year(year)
        eid = e.id if e else None
        lock_ = b.ledger.lock_date
        d = b.ledger.entry(eid) if eid and fmt != Fmt.table else None
    if fmt != Fmt.table:
        emit(_entry_rows(d) if d else [], ENTRY_COLUMNS, fmt, numeric=["debit", "credit"])
    elif eid:
        typer.echo(f"closed {year} with entry #{eid}; locked until {lock_}")
    else:
        typer.echo(f"nothing to close in {year}; locked until {lock_}")


@app.command("reopen-year")
def reopen_year(ctx: typer.Context, year: int = typer.Argument(..., parser=year_of("year")),
                fmt: Fmt = FORMAT_OPTION) -> None:
    """Reopen the last closed YEAR (owner only): reverse its closing entry, put back the lock date."""
    with books(ctx) as b:
        r = b.ledger.reopen_year(year)
        rid = r.id if r else None
        lock_ = b.ledger.lock_date
        d = b.ledger.entry(rid) if rid and fmt != Fmt.table else None
    if fmt != Fmt.table:
        emit(_entry_rows(d) if d else [], ENTRY_COLUMNS, fmt, numeric=["debit", "credit"])
        return
    locked = f"locked until {lock_}" if lock_ else "not locked"
    if rid:
        typer.echo(f"reopened {year}: posted #{rid} reversing its closing entry; {locked}")
    else:
        typer.echo(f"reopened {year}; {locked}")


# -- reports ------------------------------------------------------------------------------------


@app.command("trial-balance")
def trial_balance(
    ctx: typer.Context,
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="DATE", help="Postings up to this date (default: all)."),
    depth: Optional[int] = typer.Option(None, "--depth", help="Roll sub-accounts up to this many levels.", parser=whole("--depth", lo=1)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """One row per account with postings: debit and credit totals, balance = debit − credit."""
    from bizsuite.erp.ledger.reports import TRIAL_BALANCE_COLUMNS, trial_balance_rows

    with books(ctx, write=False) as b:
        tb = b.ledger.trial_balance(as_of=as_of, depth=depth)
    emit(trial_balance_rows(tb, with_total=fmt == Fmt.table), TRIAL_BALANCE_COLUMNS, fmt,
         title=f"Trial balance{' as of ' + as_of if as_of else ''}", numeric=["debit", "credit", "balance"])


def _emit_statement(st, fmt: Fmt) -> None:
    from bizsuite.erp.ledger.reports import flatten_statement, statement_rows

    cols = list(st.columns)
    if fmt != Fmt.table:
        rows, columns = statement_rows(st)
        emit(rows, columns, fmt, title=st.title, numeric=cols)
        return
    rows = []
    section = None
    for ln in flatten_statement(st):
        if ln.section != section and ln.section != "total":
            rows.append({"account": ln.section.upper()})
        section = ln.section
        row = {"account": ln.label if ln.kind == "total" else "  " + ln.indented}
        row.update(zip(cols, ln.amounts))
        rows.append(row)
    emit(rows, ["account", *cols], fmt, title=st.title, numeric=cols)


@app.command("pnl")
def pnl(
    ctx: typer.Context,
    from_: Optional[str] = typer.Option(None, "--from", metavar="DATE", help="Default: 1 January of --year."),
    to: Optional[str] = typer.Option(None, "--to", metavar="DATE", help="Default: 31 December of --year."),
    year: Optional[int] = typer.Option(None, "--year", help="Default: this year.", parser=year_of("--year")),
    monthly: bool = typer.Option(False, "--monthly", help="One column per month, and a total."),
    depth: Optional[int] = typer.Option(None, "--depth", parser=whole("--depth", lo=1)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Profit and loss: income and expenses for a period (year-end closing entries left out)."""
    from bizsuite.core import clock

    y = year if year is not None else clock.today().year
    with books(ctx, write=False) as b:
        st = b.ledger.profit_and_loss(start=from_ or f"{y}-01-01", end=to or f"{y}-12-31", monthly=monthly,
                                      depth=depth)
    _emit_statement(st, fmt)


@app.command("balance-sheet")
def balance_sheet(
    ctx: typer.Context,
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="DATE", help="Default: today."),
    depth: Optional[int] = typer.Option(None, "--depth", parser=whole("--depth", lo=1)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Assets, liabilities and equity (with the current year's earnings) as of a date."""
    with books(ctx, write=False) as b:
        st = b.ledger.balance_sheet(as_of=as_of, depth=depth)
    _emit_statement(st, fmt)


@app.command("register")
def register(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Name, code or #id (its sub-accounts are included)."),
    from_: Optional[str] = typer.Option(None, "--from", metavar="DATE"),
    to: Optional[str] = typer.Option(None, "--to", metavar="DATE"),
    limit: int = typer.Option(100, "--limit", help="At most this many rows (0: all).", parser=whole("--limit", lo=0)),
    offset: int = typer.Option(0, "--offset", parser=whole("--offset", lo=0)),
    newest_first: bool = typer.Option(False, "--newest-first"),
    sort: Optional[str] = typer.Option(None, "--sort", help="date, entry, memo, amount or balance; each posting keeps "
                                       "its running balance (add :asc or :desc to choose the direction)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """An account's postings with the running balance."""
    with books(ctx, write=False) as b:
        page = b.ledger.register(account, start=from_, end=to, offset=offset, limit=limit or 10**9,
                                 newest_first=newest_first, sort=sort)
    rows = [{"date": r.date, "entry": r.entry_id, "memo": r.memo, "account": r.account,
             "other_accounts": r.other_accounts, "amount": r.amount, "balance": r.balance} for r in page.rows]
    emit(rows, ["date", "entry", "memo", "account", "other_accounts", "amount", "balance"], fmt,
         title=f"Register of {page.account}: {len(rows)} of {page.total}", numeric=["amount", "balance"])


# -- import and export --------------------------------------------------------------------------


@app.command("import", help=f"Import entries: all or nothing unless --skip-invalid; re-running adds nothing. An "
             f"entry has at most {MAX_LINES} lines; a bigger one is refused as a problem of its transaction (FILE:LINE).")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A journal (.journal, .ledger, .hledger) or a lines CSV "
                               "(date,entry,account,debit,credit,memo)."),
    fmt: Optional[FileFmt] = typer.Option(None, "--format", "-f", help="journal or csv (default: from the file)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good entries, skip the bad ones."),
    rejects: Optional[str] = typer.Option(None, "--rejects", help="With --skip-invalid: write the bad entries and why here."),
) -> None:
    from bizsuite.erp.ledger.importer import import_file

    run_import(ctx, import_file, file, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects,
               fmt=fmt.value if fmt else None)


@app.command("export")
def export(
    ctx: typer.Context,
    file: Optional[str] = typer.Argument(None, help="Write here (the same as -o FILE; default: standard output)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help=OUTPUT_OPTION_HELP),
    fmt: FileFmt = typer.Option(FileFmt.journal, "--format", "-f", help="journal (hledger and ledger-cli read it) or csv."),
    from_: Optional[str] = typer.Option(None, "--from", metavar="DATE"),
    to: Optional[str] = typer.Option(None, "--to", metavar="DATE"),
) -> None:
    """Export the posted entries as a journal or a lines CSV (both re-importable)."""
    from bizsuite.erp.ledger.importer import export_csv
    from bizsuite.erp.ledger.journal import write_journal

    if file and output and file != output:
        fail(f"give the file once: FILE ({file}) or -o ({output})", code=2)
    writer = write_journal if fmt == FileFmt.journal else export_csv
    with books(ctx, write=False) as b:
        write_output(output or file, lambda out: writer(b, out, start=from_, end=to), "entries")
