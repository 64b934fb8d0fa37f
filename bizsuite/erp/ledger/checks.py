"""Invariants of the ledger, run by ``bizsuite check``: all in SQL, so they stay quick at 100k entries."""

from __future__ import annotations

from sqlalchemy import BigInteger, func, select, text, type_coerce
from sqlalchemy.orm import aliased

from bizsuite.core.admin import CheckResult
from bizsuite.core.money import sum_to_decimal
from bizsuite.erp.ledger.bounds import checks as bounds_checks
from bizsuite.erp.ledger.models import LEDGER_CHAIN, SOURCE_CLOSE, Account, Closing, DraftLine, Entry, Line, all_roles

# The triggers migrations 0002_ledger and ledger_0002_seal create (see there); a migration that
# rebuilds a table must create them again.
SQLITE_TRIGGERS = {"ledger_lines_never_update", "ledger_lines_never_delete",
                   "ledger_entries_posted_never_update", "ledger_entries_posted_never_delete",
                   "ledger_lines_sealed_never_insert", "ledger_lines_contact_never_update",
                   "ledger_entries_posted_contact_never_update", "ledger_entries_seal_once"}
PG_TRIGGERS = SQLITE_TRIGGERS | {"ledger_lines_never_truncate", "ledger_entries_never_truncate"}


def ledger_checks(books) -> list[CheckResult]:
    s = books.session
    out: list[CheckResult] = []
    ln, e = Line.__table__, Entry.__table__
    cents = type_coerce(ln.c.amount, BigInteger)

    total = s.execute(select(func.coalesce(func.sum(cents), 0))).scalar()
    out.append(CheckResult("ledger trial balance is zero", int(total) == 0,
                           f"the posted lines sum to {sum_to_decimal(total, s)}, not 0" if total else ""))

    per_entry = (select(ln.c.entry_id).group_by(ln.c.entry_id)
                 .having((func.sum(cents) != 0) | (func.count() < 2)))
    bad = s.execute(select(func.count()).select_from(per_entry.subquery())).scalar()
    sample = s.scalars(per_entry.order_by(ln.c.entry_id).limit(5)).all() if bad else []
    out.append(CheckResult("every posted entry balances", not bad,
                           f"{bad} entries do not balance or have fewer than two lines: "
                           + ", ".join(f"#{i}" for i in sample) if bad else ""))

    no_lines = s.execute(
        select(func.count()).select_from(e).where(
            e.c.status == "posted", ~select(ln.c.id).where(ln.c.entry_id == e.c.id).exists())
    ).scalar()
    out.append(CheckResult("every posted entry has lines", not no_lines,
                           f"{no_lines} posted entries have no lines" if no_lines else ""))

    wrong = s.execute(
        select(func.count()).select_from(ln).join(e, e.c.id == ln.c.entry_id)
        .where((e.c.date != ln.c.date) | (e.c.status != "posted"))
    ).scalar()
    out.append(CheckResult("ledger lines match their entries", not wrong,
                           f"{wrong} lines have another date than their entry, or belong to a draft" if wrong else ""))

    drafts_posted = s.execute(
        select(func.count()).select_from(DraftLine.__table__).join(e, e.c.id == DraftLine.__table__.c.entry_id)
        .where(e.c.status == "posted")
    ).scalar()
    out.append(CheckResult("draft lines belong to drafts", not drafts_posted,
                           f"{drafts_posted} draft lines belong to posted entries" if drafts_posted else ""))

    lock = books.setting("ledger.lock_date")
    out.append(CheckResult("ledger lock date is a date", _is_date(lock), f"{lock!r} is not a date" if not _is_date(lock) else ""))

    parent = aliased(Account)
    bad_parents = s.execute(
        select(func.count()).select_from(Account).outerjoin(parent, parent.id == Account.parent_id)
        .where(((Account.parent_id.is_(None)) & (Account.name.contains(":")))
               | (Account.parent_id.is_not(None) & ~(Account.name.startswith(parent.name + ":"))))
    ).scalar()
    out.append(CheckResult("account parents match their names", not bad_parents,
                           f"{bad_parents} accounts sit under the wrong parent" if bad_parents else ""))

    ids = set(s.scalars(select(Account.id)))
    broken = []
    for role in all_roles():
        value = books.setting(f"ledger.account.{role}")
        if value is not None and (not value.isdigit() or int(value) not in ids):
            broken.append(role)
    out.append(CheckResult("ledger account settings point at accounts", not broken,
                           "no such account for: " + ", ".join(broken) if broken else ""))

    if books.dialect == "sqlite":
        names = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        missing = SQLITE_TRIGGERS - names
    else:
        names = set(s.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        missing = PG_TRIGGERS - names
    out.append(CheckResult("posted ledger entries are protected", not missing,
                           "missing triggers: " + ", ".join(sorted(missing)) if missing else ""))
    out.extend(bounds_checks(books))  # every sum of posted amounts within 64 bits (erp/ledger/bounds.py)
    out.append(_closings(books))

    broken_chain = LEDGER_CHAIN.verify(s.connection())
    out.append(CheckResult("posted ledger entries match their seals", broken_chain is None, broken_chain or ""))
    return out


def _closings(books) -> CheckResult:
    """Each year is closed once: every closing entry still standing (not reversed) is the one its
    year's closing records, and the lock date is not before the end of the last closed year.
    Books where concurrent closes posted a year's closing twice (before ledger_0003_once) show
    the extra entries here: reverse them, or reopen the year and close it again."""
    s = books.session
    reversed_ = select(Entry.reverses_id).where(Entry.reverses_id.is_not(None))
    standing = s.execute(select(Entry.id, Entry.source_id).where(
        Entry.source_kind == SOURCE_CLOSE, Entry.status == "posted", Entry.reverses_id.is_(None),
        Entry.id.not_in(reversed_)).order_by(Entry.id)).all()
    recorded = {c.entry_id for c in s.scalars(select(Closing))}
    extra = [f"#{i} ({year})" for i, year in standing if i not in recorded]
    problems = []
    if extra:
        problems.append("closing entries no closed year records (a year closed twice?): " + ", ".join(extra[:5]))
    last = s.scalars(select(Closing).order_by(Closing.year.desc()).limit(1)).first()
    lock = books.setting("ledger.lock_date")
    if last is not None and _is_date(lock) and (not lock or lock < f"{last.year}-12-31"):
        problems.append(f"{last.year} is closed but the books are locked only until {lock or 'never'}")
    return CheckResult("each year is closed once and stays locked", not problems, "; ".join(problems))


def _is_date(value: str | None) -> bool:
    if not value:
        return True
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
        return True
    except ValueError:
        return False
