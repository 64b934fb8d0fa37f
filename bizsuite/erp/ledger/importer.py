"""Ledger import (journals and lines CSV), CSV export, and the bulk writer imports and the demo share.

``import_file`` reads the whole file first (:mod:`journal` or the lines CSV), checks every
transaction against the books (accounts, lock date, currency), and only then writes — all of it,
or nothing unless ``skip_invalid``. Every problem is ``FILE:LINE: …``.

Accounts the books do not have are created with the type their declaration gives
(``account X  ; type: A``), else their nearest existing parent's, else the one their top-level
name says (assets/asset/资产 → asset; liabilities/liability/负债 → liability; equity/权益/
所有者权益 → equity; income/revenue/收入 → income; expenses/expense/费用/成本 → expense); any
other top level is refused unless the account exists.

Re-importing adds nothing: each entry keeps a content hash (date, code, description, postings,
and its occurrence number among identical transactions in the file) in ``import_key``; entries
whose hash is already in the books are counted as already present. Overlapping files (January to
March, then January to June) therefore add only what is new.

Speed: amounts are integer cents from the parser on; rows are written with one driver-level
``executemany`` per table (ids reserved up front, values that are the same on every row written
into the statement once), with the garbage collector paused. Audit: one row per entry (the row
``audit.record_many`` would write) up to :data:`bizsuite.core.audit.EACH_UP_TO` entries, one
row for the whole import above that (see :func:`_write_txns`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar, Sequence, TextIO

from sqlalchemy import select

from bizsuite.core import audit, clock
from bizsuite.core.db import insert_rows, reserve_ids
from bizsuite.core.errors import Refused
from bizsuite.core.money import MONEY_SCALE, money_scale
from bizsuite.core.parsing import text_problem
from bizsuite.core.importer import (
    ImportFailed,
    ImportReport,
    Problem,
    Progress,
    SourceRow,
    apply_columns,
    gc_paused,
    map_columns,
    neutralise,
    read_csv,
    source_name,
    write_rejects,
)
from bizsuite.erp.ledger import accounts as names
from bizsuite.erp.ledger import bounds
from bizsuite.erp.ledger.seal import seal_written
from bizsuite.erp.ledger.journal import (
    SYMBOL_CURRENCIES,
    Bad,
    Journal,
    Posting,
    Txn,
    _finish,
    _plain,
    decode,
    journal_lines,
    parse_amount,
    parse_date,
    parse_journal,
)
from bizsuite.erp.ledger.models import SOURCE_IMPORT, Entry, Line
from bizsuite.erp.ledger.posting import too_many_lines

JOURNAL_SUFFIXES = {".journal", ".ledger", ".hledger", ".j", ".dat", ".txt"}
CSV_FIELDS = ("date", "entry", "account", "debit", "credit", "memo")
SOURCE_NAME_MAX = 280  # an entry's source_ref is "FILE:LINE", at most 300 characters
IMPORT_LOCK = "ledger.import"  # core/locks.py: one ledger import at a time
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("日期",),
    "entry": ("entry id", "entry no", "voucher", "凭证号", "凭证"),
    "account": ("科目",),
    "debit": ("借方", "dr"),
    "credit": ("贷方", "cr"),
    "memo": ("description", "摘要", "note"),
}


@dataclass
class LedgerImportReport(ImportReport):
    """The shared report; ``read`` counts entries (transactions), ``rejected`` holds entries."""

    UNIT: ClassVar[str] = "entries"
    NATIVE_FORMATS: ClassVar[tuple[str, ...]] = ("journal", "csv")

    accounts_created: list[str] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)


# -- reading ------------------------------------------------------------------------------------


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in JOURNAL_SUFFIXES:
        return "journal"
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    keys = {c.strip().lower() for c in first.split(",")}
    return "csv" if {"date", "account"} <= keys else "journal"


def read_lines_csv(path: str | Path, name: str, scale: int = MONEY_SCALE) -> tuple[Journal, dict[int, list[SourceRow]], object]:
    """A lines CSV (``date,entry,account,debit,credit,memo``) as transactions: rows with the same
    ``entry`` form one entry (in the order they first appear)."""
    file = read_csv(path, display=name)
    columns = map_columns(file, CSV_ALIASES, {}, required=("date", "entry", "account"))
    if "debit" not in columns and "credit" not in columns:
        raise Refused(f"{name}:1: no debit or credit column (the header has: {', '.join(file.header)})")
    apply_columns(file, columns)
    problems: list[Problem] = []
    txns: dict[str, Txn] = {}
    rows_of: dict[int, list[SourceRow]] = {}
    commodity: str | None = None
    commodity_line = 0
    dates: dict[str, object] = {}
    # the core's one text rule: no control characters in any cell (one scan; rows only if it finds one)
    if text_problem("\n".join(map("\n".join, (row.cells for row in file.rows))), multiline=True, tabs=True):
        for row in file.rows:
            for col, cell in row.values.items():
                why = text_problem(cell, multiline=True, tabs=True)
                if why:
                    row.problems.append(Problem(name, row.line, f"{col}: {why}"))
    for row in file.rows:
        v = row.values
        key = v.get("entry", "")
        if not key:
            row.problems.append(Problem(name, row.line, "entry: is required (rows with the same entry form one entry)"))
            t = Txn(line=row.line, date=None, mark="", code=None, memo="", comment=None, end=row.line)
            t.problems.extend(row.problems)
            txns[f"\x00{row.line}"] = t
            rows_of[t.line] = [row]
            continue
        t = txns.get(key)
        if t is None:
            t = Txn(line=row.line, date=None, mark="", code=None, memo="", comment=None, end=row.line)
            t.code = None
            txns[key] = t
            rows_of[t.line] = []
            dtext = v.get("date", "")
            day = dates.get(dtext)
            if day is None:
                try:
                    day = parse_date(dtext) if dtext else "date: is required"
                except Bad as exc:
                    day = str(exc)
                dates[dtext] = day
            if isinstance(day, str):
                t.problems.append(Problem(name, row.line, day))
            else:
                t.date = day
        elif v.get("date", "") and t.date is not None and v["date"] != t.date.isoformat():
            try:
                same = parse_date(v["date"]) == t.date
            except Bad:
                same = False
            if not same:
                t.problems.append(Problem(name, row.line, f"date {v['date']} differs from the entry's date on line {t.line}"))
        rows_of[t.line].append(row)
        t.end = row.line
        t.problems.extend(row.problems)
        memo = " ".join(v.get("memo", "").split()) or None
        if memo and memo[0] == "'" and len(memo) > 1 and memo[1] in "=+-@":
            memo = memo[1:]
        if not t.postings:
            t.memo = memo or ""
            line_memo = None
        else:
            if not t.memo and memo:
                t.memo = memo
            line_memo = memo if memo != t.memo else None
        account = v.get("account", "")
        if len(account) > 1 and account[0] == "'" and account[1] in "=+-@":
            account = account[1:]  # our own export neutralises formula-like cells
        if not account:
            t.problems.append(Problem(name, row.line, "account: is required"))
            continue
        amount = None
        bad = False
        for col, sign in (("debit", 1), ("credit", -1)):
            text = v.get(col, "")
            if not text:
                continue
            if amount is not None:
                t.problems.append(Problem(name, row.line, "both debit and credit are filled; one line is one or the other"))
                bad = True
                break
            try:
                cents, com = parse_amount(text, scale)
            except Bad as exc:
                t.problems.append(Problem(name, row.line, f"{col}: {exc}"))
                bad = True
                break
            if cents < 0:
                other = "credit" if col == "debit" else "debit"
                t.problems.append(Problem(name, row.line, f"{col}: {text!r} is negative; put it in {other}"))
                bad = True
                break
            if com != (commodity if commodity is not None else com):
                first = f"'{commodity}'" if commodity else "no commodity"
                this = f"'{com}'" if com else "no commodity"
                t.problems.append(Problem(name, row.line, f"a second commodity: {this} here, {first} on line "
                                                          f"{commodity_line}; bizsuite reads one commodity"))
                bad = True
                break
            if commodity is None:
                commodity, commodity_line = com, row.line
            amount = sign * cents
        if not bad:
            t.postings.append(Posting(row.line, account, amount, line_memo))
    out = list(txns.values())
    for t in out:
        if not t.problems:
            _finish(t, name, "entry", "lines", scale=scale)
    if not out:
        problems.append(Problem(name, 0, "the file is empty (no lines)"))
    journal = Journal(name=name, txns=out, problems=problems, declared={}, commodity=commodity or "",
                      commodity_line=commodity_line)
    return journal, rows_of, file


# -- importing ----------------------------------------------------------------------------------


def import_file(books, path: str | Path, *, fmt: str | None = None, dry_run: bool = False,
                skip_invalid: bool = False, rejects: str | Path | None = None,
                progress: Progress | None = None, display: str | None = None) -> LedgerImportReport:
    """Import a journal or a lines CSV in the caller's unit of work (all or nothing)."""
    books.require("ledger.write")
    # the name goes into every entry's source_ref (FILE:LINE, at most 300 characters)
    name = source_name(display or str(path), limit=SOURCE_NAME_MAX)
    with gc_paused():
        return _import(books, Path(path), fmt=fmt, dry_run=dry_run, skip_invalid=skip_invalid,
                       rejects=rejects, progress=progress, name=name)


def _import(books, path: Path, *, fmt, dry_run, skip_invalid, rejects, progress, name) -> LedgerImportReport:
    rows_of: dict[int, list[SourceRow]] = {}
    csv_file = None
    if fmt not in (None, "journal", "csv"):
        raise Refused(f"--format: {fmt!r} is not journal or csv")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise Refused(f"{name}: no such file") from None
    except IsADirectoryError:
        raise Refused(f"{name}: is a directory") from None
    except OSError as exc:
        raise Refused(f"{name}: cannot read: {exc.strerror}") from None
    text, problem = decode(raw, name)
    if problem:
        raise ImportFailed([problem])
    if not text.strip():
        raise ImportFailed([Problem(name, 0, "the file is empty")])
    fmt = fmt or detect_format(path, text)
    if progress:
        progress(0, 100)
    if fmt == "csv":
        journal, rows_of, csv_file = read_lines_csv(path, name, books.ledger.scale)
    else:
        journal = parse_journal(text, name, books.ledger.scale)
    if progress:
        progress(30, 100)
    if journal.problems:
        raise ImportFailed(journal.all_problems())
    report = LedgerImportReport(file=name, format=fmt, read=len(journal.txns), dry_run=dry_run)
    ledger = books.ledger
    _check_currency(books, journal)
    if journal.problems:
        raise ImportFailed(journal.all_problems())

    # From here on the import reads the books and writes on what it read (accounts to create,
    # entries already imported, the lock date): one import at a time, and none while a year is
    # being closed (core/locks.py). A second run of the same file waits, then finds it all there.
    books.hold(IMPORT_LOCK)
    ledger.hold_period()

    # 1. accounts: existing ones by exact name; unknown ones get a type or a problem
    by_name = ledger._names()
    kept = ledger.kept_accounts()
    new_accounts: dict[str, tuple[str, str | None]] = {}
    refused: dict[str, str] = {}

    def resolve(account: str) -> str | None:
        """The problem with this account name, or None (and the account is known or will be)."""
        if account in by_name:
            a = by_name[account]
            why = ledger.kept_problem(a.id, SOURCE_IMPORT, kept) if a.id in kept else None
            if why:
                return why
            return None if a.active else f"{account} is inactive; activate it or use another account"
        if account in new_accounts:
            return None
        if account in refused:
            return refused[account]
        cleaned, problem = names.clean_account_name(account)
        if problem is None and cleaned != account:
            problem = f"{account!r}: spaces around ':' (write {cleaned!r})"
        if problem is None:
            declared = journal.declared.get(account)
            type_ = (declared[1] if declared else None) or ledger.type_for_new(account)
            if type_ is None:
                top = account.split(":")[0]
                problem = (f"unknown account {account!r}: its top level {top!r} is not assets, liabilities, "
                           "equity, income or expenses (资产, 负债, 所有者权益, 收入, 费用); "
                           f"add it first with: bizsuite ledger add-account '{account}' --type TYPE")
            else:
                code = declared[2] if declared else None
                new_accounts[account] = (type_, code)
                for anc in names.ancestors(account):
                    if anc not in by_name and anc not in new_accounts:
                        new_accounts[anc] = (type_, None)
                return None
        refused[account] = problem
        return problem

    used = {p.account for t in journal.txns if not t.problems for p in t.postings}
    bad_accounts = {}
    for account in sorted(used):
        problem = resolve(account)
        if problem:
            bad_accounts[account] = problem
    for account, (line, _, _) in journal.declared.items():  # declared accounts exist even if unused
        if account not in used:
            problem = resolve(account)
            if problem and "inactive" not in problem:
                journal.problems.append(Problem(name, line, problem))
    if journal.problems:
        raise ImportFailed(journal.all_problems())
    lock = ledger.lock_date
    for t in journal.txns:
        if t.problems:
            continue
        if lock is not None and t.date <= lock:
            t.problems.append(Problem(name, t.line, f"{t.date} is on or before the lock date {lock}; "
                                                    "nothing may be posted there"))
        if bad_accounts:
            for p in t.postings:
                problem = bad_accounts.get(p.account)
                if problem:
                    t.problems.append(Problem(name, p.line, problem))
        if t.memo and len(t.memo) > 500:
            t.problems.append(Problem(name, t.line, "the description is longer than 500 characters"))
        for p in t.postings:
            if p.memo and len(p.memo) > 500:
                t.problems.append(Problem(name, p.line, "the comment is longer than 500 characters"))
        if t.code and len(t.code) > 40:
            t.problems.append(Problem(name, t.line, "the code is longer than 40 characters"))
        too_many = too_many_lines(len(t.postings))
        if too_many:
            t.problems.append(Problem(name, t.line, too_many))
    for acct, (_, code) in list(new_accounts.items()):
        if code and any(a.code == code for a in by_name.values()):
            new_accounts[acct] = (new_accounts[acct][0], None)  # the code is taken: keep the account, drop the code
    bad = journal.bad_txns
    if bad and not skip_invalid:
        raise ImportFailed(journal.all_problems())
    report.rejected = bad
    good = [t for t in journal.txns if not t.problems]
    # the accounts only rejected transactions needed are not created
    if bad:
        used = {p.account for t in good for p in t.postings} | set(journal.declared)
        keep = set()
        for acct in used:
            if acct in new_accounts:
                keep.add(acct)
                keep.update(a for a in names.ancestors(acct) if a in new_accounts)
        new_accounts = {k: v for k, v in new_accounts.items() if k in keep}

    # 2. what is already in the books
    keys = _import_keys(good)
    existing = set(books.session.scalars(select(Entry.import_key).where(Entry.import_key.is_not(None))))
    todo = [(t, k) for t, k in zip(good, keys) if k not in existing]
    report.unchanged = len(good) - len(todo)
    report.imported = len(todo)
    report.accounts_created = sorted(new_accounts)
    report.counts["accounts to create" if dry_run else "accounts created"] = len(new_accounts)
    moved = _check_room(books, todo, name)
    if rejects and bad:
        _write_rejects(rejects, journal, bad, rows_of, csv_file)
    if dry_run:
        return report
    if progress:
        progress(40, 100)

    # 3. write: accounts (parents first), then entries and lines in bulk
    for acct in sorted(new_accounts, key=lambda a: a.count(":")):
        if acct not in by_name:
            type_, code = new_accounts[acct]
            ledger._new_account(acct, type_, code)
    account_ids = {n: a.id for n, a in ledger._names().items()}
    report.entry_ids = _write_txns(books, todo, account_ids, name, progress, moved)
    if progress:
        progress(100, 100)
    return report


def _write_txns(books, todo: list[tuple[Txn, str]], account_ids: dict[str, int], name: str,
                progress: Progress | None, moved: int | None = None) -> list[int]:
    """The import's rows straight from the parsed transactions (no intermediate objects).

    Audit: one row per entry, as every other write, for imports of up to
    :data:`bizsuite.core.audit.EACH_UP_TO` entries; above that (moving years of books in) one row
    for the whole import — the file, the entry ids, how many entries and lines, the dates and the total.
    Each entry keeps its own ``created_by``/``created_at`` and ``source_ref`` (FILE:LINE) and
    never changes, so nothing is lost, and 100k per-entry audit rows would cost 0.4 s of a
    3 s budget.
    """
    s = books.session
    dialect = s.connection().dialect
    scale = money_scale(dialect)
    ids = reserve_ids(s, Entry.__table__, len(todo))
    date_proc = _processor(Line.__table__.c.date, dialect)
    dates: dict[dt.date, object] = {}
    entry_rows, plain_lines, full_lines, audit_rows = [], [], [], []
    each = len(todo) <= audit.EACH_UP_TO
    all_debits = 0
    for eid, (t, key) in zip(ids, todo):
        day = t.date
        d = dates.get(day)
        if d is None:
            d = dates[day] = date_proc(day)
        ref = f"{name}:{t.line}"
        entry_rows.append((eid, d, t.memo, t.code, t.mark, t.comment, None, ref, None, key))
        n = debits = 0
        for p in t.postings:
            n += 1
            c = p.cents
            if c > 0:
                debits += c
            if p.memo is None:
                plain_lines.append((eid, n, d, account_ids[p.account], c))
            else:
                full_lines.append((eid, n, d, account_ids[p.account], c, p.memo, None))
        if each:
            audit_rows.append(_audit_row(eid, day, n, t.memo, "import " + ref, debits, scale))
        else:
            all_debits += debits

    def scaled(done: int, total: int) -> None:
        if progress and total:
            progress(40 + done * 60 // total, 100)

    _write_rows(books, entry_rows, plain_lines, full_lines, source_kind=SOURCE_IMPORT, audit_rows=audit_rows,
                progress=scaled, turnover=moved)
    if not each:
        days = [t.date for t, _ in todo]
        audit.record_load(s, "ledger_entries", ids, {
            "entries": len(ids), "lines": len(plain_lines) + len(full_lines),
            "dates": f"{min(days)} – {max(days)}", "total": _plain(all_debits, scale), "source": f"import {name}"})
    return ids


def _check_room(books, todo: list[tuple[Txn, str]], name: str) -> int:
    """The books' bound (erp/ledger/bounds.py): refuse the import at the first transaction that
    would take the books' turnover past the most they may hold (nothing is written)."""
    s = books.session
    scale = books.ledger.scale
    room = bounds.BOOKS_MAX_UNITS - bounds.turnover(s)
    moved = 0
    for t, _ in todo:
        moved += sum(abs(p.cents) for p in t.postings)
        if moved > room:
            raise ImportFailed([Problem(name, t.line, bounds.problem(s, moved, scale))])
    return moved  # the turnover the import adds (the bulk writer counts it)


def _check_currency(books, journal: Journal) -> None:
    com = journal.commodity
    if not com:
        return
    currency = books.currency
    ok = currency in SYMBOL_CURRENCIES[com] if com in SYMBOL_CURRENCIES else com.upper() == currency
    if not ok:
        journal.problems.append(Problem(
            journal.name, journal.commodity_line,
            f"amounts are in '{com}' but the books are in {currency}; bizsuite never converts currencies"))


def _import_keys(txns: Sequence[Txn]) -> list[str]:
    """A content hash per transaction, numbered among identical ones in the same file."""
    seen: dict[str, int] = {}
    out = []
    blake = hashlib.blake2b
    for t in txns:
        canon = f"{t.date}\x1f{t.code or ''}\x1f{t.memo}\x1f" + "\x1f".join(
            [f"{p.account}\x1e{p.cents}" for p in t.postings])
        n = seen.get(canon)
        if n is None:
            seen[canon] = 1
            out.append(blake(canon.encode(), digest_size=16).hexdigest())
        else:
            seen[canon] = n + 1
            out.append(blake(f"{canon}\x1d{n}".encode(), digest_size=16).hexdigest())
    return out


def _write_rejects(path, journal: Journal, bad: list[Txn], rows_of, csv_file) -> None:
    if csv_file is not None:
        rows = []
        for t in bad:
            for row in rows_of.get(t.line, []):
                row.problems = [p for p in t.problems]
                rows.append(row)
        write_rejects(path, csv_file, rows)
        return
    Path(path).write_text("\n".join(journal_lines(bad, journal)) + "\n", encoding="utf-8")


# -- the bulk writer (imports and the demo) -----------------------------------------------------


@dataclass(slots=True)
class NewEntry:
    date: dt.date
    memo: str
    code: str | None
    mark: str
    comment: str | None
    source_ref: str | None
    import_key: str | None
    contact_id: int | None
    lines: list[tuple[int, int, str | None, int | None]]  # (account_id, cents, memo, contact_id)
    source_id: int | None = None


def _processor(column, dialect):
    proc = column.type._cached_bind_processor(dialect)
    return proc or (lambda v: v)


def _json_text(value: str) -> str:
    """The JSON of a string exactly as ``json.dumps(ensure_ascii=False)`` writes it (quicker when plain)."""
    if '"' in value or "\\" in value or not value.isprintable():
        return json.dumps(value, ensure_ascii=False)
    return f'"{value}"'


def _audit_row(entry_id: int, day: dt.date, lines: int, memo: str, source: str, debits: int,
               scale: int = MONEY_SCALE) -> tuple[str, str]:
    """(entity_id, changes) of the audit row ``record_many`` would write for
    ``Change("ledger_entries", id, "insert", {date, lines, memo, source, total})``."""
    return (str(entry_id), f'{{"date": [null, "{day}"], "lines": [null, {lines}], "memo": [null, {_json_text(memo)}], '
                           f'"source": [null, {_json_text(source)}], "total": [null, "{_plain(debits, scale)}"]}}')


def write_entries(books, entries: list[NewEntry], *, source_kind: str, audit_source: str | None = None,
                  audit_summary: dict | None = None, progress: Callable[[int, int], None] | None = None) -> list[int]:
    """Post many balanced entries at once (callers have checked them): one executemany per
    table. Audited one row per entry (``audit_source`` says where they came from), or with one
    summary row (``audit_summary``) for generated data such as the demo. Returns the new ids."""
    if not entries:
        return []
    kept = books.ledger.kept_accounts()
    if kept:  # the one rule of kept accounts (LedgerRepository.kept_problem), for bulk writers too
        for n, e in enumerate(entries, 1):
            for aid, *_ in e.lines:
                if aid in kept and (why := books.ledger.kept_problem(aid, source_kind, kept)):
                    raise Refused(f"entry {n} ({e.date} {e.memo}): {why}")
    s = books.session
    dialect = s.connection().dialect
    scale = money_scale(dialect)
    ids = reserve_ids(s, Entry.__table__, len(entries))
    date_proc = _processor(Line.__table__.c.date, dialect)
    dates: dict[dt.date, object] = {}
    entry_rows, plain_lines, full_lines, audit_rows = [], [], [], []
    label = audit_source or source_kind
    for eid, e in zip(ids, entries):
        d = dates.get(e.date)
        if d is None:
            d = dates[e.date] = date_proc(e.date)
        entry_rows.append((eid, d, e.memo, e.code, e.mark, e.comment, e.source_id, e.source_ref, e.contact_id,
                           e.import_key))
        n = debits = 0
        ecid = e.contact_id
        for aid, cents, memo, cid in e.lines:
            n += 1
            if cents > 0:
                debits += cents
            if cid is None:
                cid = ecid
            if memo is None and cid is None:
                plain_lines.append((eid, n, d, aid, cents))
            else:
                full_lines.append((eid, n, d, aid, cents, memo, cid))
        if audit_summary is None:
            audit_rows.append(_audit_row(eid, e.date, n, e.memo, f"{label} {e.source_ref}" if e.source_ref else label,
                                         debits, scale))
    _write_rows(books, entry_rows, plain_lines, full_lines, source_kind=source_kind, audit_rows=audit_rows,
                progress=progress)
    if audit_summary is not None:
        audit.record_load(s, "ledger_entries", ids, audit_summary)
    return ids


ENTRY_VARIABLE = ["id", "date", "memo", "code", "mark", "comment", "source_id", "source_ref", "contact_id",
                  "import_key"]


def _write_rows(books, entry_rows: list[tuple], plain_lines: list[tuple], full_lines: list[tuple], *,
                source_kind: str, audit_rows: list[tuple[str, str]],
                progress: Callable[[int, int], None] | None, turnover: int | None = None) -> None:
    """Insert prepared rows: entries (``ENTRY_VARIABLE`` order), lines without memo or contact
    ``(entry_id, line_no, date, account_id, cents)``, other lines (``… , memo, contact_id``),
    and audit rows ``(entity_id, changes)``. ``turnover``: the lines' sum of |amount| when the
    caller has it already (the import's _check_room), else summed here."""
    from bizsuite.core.models import AuditEntry

    s = books.session
    # the books' bound (erp/ledger/bounds.py): counted before a line is written
    if turnover is None:  # the import has it already (_check_room)
        turnover = sum(abs(r[4]) for r in plain_lines) + sum(abs(r[4]) for r in full_lines)
    bounds.count(s, turnover, money_scale(s))
    conn = s.connection()
    now = clock.now()
    actor = books.actor
    constant = {"status": "posted", "source_kind": source_kind, "version": 1, "created_at": now,
                "created_by": actor.name, "posted_at": now, "posted_by": actor.name}
    et, lt = Entry.__table__, Line.__table__
    total = len(entry_rows) + len(plain_lines) + len(full_lines)
    done = 0
    step = 100_000
    for table, keys, const, rows in (
        (et, ENTRY_VARIABLE, constant, entry_rows),
        (lt, ["entry_id", "line_no", "date", "account_id", "amount"], {"memo": None, "contact_id": None}, plain_lines),
        (lt, ["entry_id", "line_no", "date", "account_id", "amount", "memo", "contact_id"], {}, full_lines),
    ):
        for i in range(0, len(rows), step):
            insert_rows(conn, table, keys, const, rows[i:i + step])
            done += len(rows[i:i + step])
            if progress:
                progress(done, total)
    seal_written(books, entry_rows, plain_lines, full_lines, constant)  # the hash chain (seal.py)
    if audit_rows:
        insert_rows(conn, AuditEntry.__table__, ["entity_id", "changes"],
                     {"at": now, "actor": actor.name, "via": actor.via, "entity": "ledger_entries",
                      "action": "insert"}, audit_rows)


# -- CSV export ---------------------------------------------------------------------------------


def export_csv(books, out: TextIO, *, start=None, end=None) -> int:
    """``date,entry,account,debit,credit,memo``: one row per line, re-importable."""
    ledger = books.ledger
    ids = {a.id: a.name for a in ledger.accounts()}
    scale = ledger.scale
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    n = 0
    for e, lines in ledger.iter_entries(start=start, end=end):
        for i, (aid, cents, memo, _cid) in enumerate(lines):
            text = e.memo if i == 0 else (memo or e.memo)
            w.writerow([e.date.isoformat(), e.id, neutralise(ids[aid]),
                        # a zero line is written as a zero debit: a blank pair would read as "no amount"
                        _plain(cents, scale) if cents >= 0 else "", _plain(-cents, scale) if cents < 0 else "",
                        neutralise(text or "")])
        n += 1
    return n
