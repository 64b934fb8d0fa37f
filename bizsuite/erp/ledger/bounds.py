"""The books' running turnover: what keeps every sum of posted amounts within a 64-bit integer.

The bounds themselves are defined once, in :mod:`bizsuite.core.money` (``LINE_MAX_UNITS`` for one
line, ``BOOKS_MAX_UNITS`` for the turnover: the sum of |amount| over every posted line). This
module keeps the turnover and refuses a posting that would take it past the bound.

Why a running total, kept in the same transaction as the lines it counts (the setting
``ledger.turnover``, integer minor units), rather than another bound:

- Recomputing the turnover on each posting reads every line: a full scan per document posted
  (30 ms at 300k lines, and growing), where adding the new lines' |amounts| to one row is O(1).
- A bound on lines per entry × entries would need a cap on entries; with the per-line bound
  and the 2**31 line ids a PostgreSQL INTEGER id gives, it would leave each line 4 × 10**9
  minor units (42 million dollars; 170,000 dollars of dong), which real books pass.

Every writer of posted lines calls :func:`count` *before* writing them (``_add_lines`` for
post_entry, post_draft and close_year; ``_reverse_lines`` for reversals, reopening a year
included; ``importer._write_rows`` for imports and the demo), so a refusal comes before any line is written and the whole unit of work rolls back.
On PostgreSQL the turnover row is read ``FOR UPDATE``: concurrent posters add to it one after
another (each waits for the previous one's commit), so none counts on a stale total. Books made
before this existed get the row on their first posting, computed from their lines once.
``bizsuite check`` recomputes the turnover from the lines (:func:`checks`): it must be within
the bound, no line past the line bound, and the kept total equal to the recomputed one (a
writer that did not count, or lines written behind bizsuite's back, show there).
"""

from __future__ import annotations

from sqlalchemy import text

from bizsuite.core.errors import FieldError, ValidationFailed
from bizsuite.core.money import BOOKS_MAX_UNITS, LINE_MAX_UNITS, books_problem, format_human, from_minor, line_problem

TURNOVER_SETTING = "ledger.turnover"

# |amount| summed in two halves (amount = q * 2**32 + r, q and r of the amount's sign): each half
# of each line fits in 32 bits, so neither SUM can overflow SQLite's 64-bit integer for any number
# of lines a table can hold, even when a line past every bound was written with raw SQL (ABS()
# itself overflows on the most negative BIGINT). PostgreSQL's SUM of bigint is numeric anyway.
_SPLIT = 4294967296
_TURNOVER_SQL = text(
    "SELECT COALESCE(SUM(CASE WHEN amount > 0 THEN amount / 4294967296 ELSE -(amount / 4294967296) END), 0), "
    "COALESCE(SUM(CASE WHEN amount > 0 THEN amount % 4294967296 ELSE -(amount % 4294967296) END), 0), "
    "MAX(amount), MIN(amount), COUNT(*) FROM ledger_lines"
)


def recompute(session) -> tuple[int, int | None, int | None]:
    """(turnover, largest amount, smallest amount) of the posted lines, exactly, from SQL."""
    hi, lo, top, bottom, _n = session.execute(_TURNOVER_SQL).one()
    return int(hi) * _SPLIT + int(lo), (int(top) if top is not None else None), \
        (int(bottom) if bottom is not None else None)


def _kept(session, *, lock: bool) -> int | None:
    suffix = " FOR UPDATE" if lock and session.get_bind().dialect.name == "postgresql" else ""
    value = session.execute(text(f"SELECT value FROM settings WHERE key = :k{suffix}"),
                            {"k": TURNOVER_SETTING}).scalar()
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def turnover(session) -> int:
    """The turnover of the books now (the kept total, or recomputed when there is none yet)."""
    kept = _kept(session, lock=False)
    return kept if kept is not None else recompute(session)[0]


def units_of(amounts, scale: int) -> int:
    """The turnover of some amounts (Decimals of ``scale`` decimals, or ints of minor units)."""
    total = 0
    for a in amounts:
        if a is None:
            continue
        total += abs(a) if isinstance(a, int) else abs(int(a.scaleb(scale)))
    return total


def problem(session, adding: int, scale: int) -> str | None:
    """Why lines of ``adding`` minor units of turnover may not be posted now, or None (no lock
    taken: a check before validation reports it with the other problems)."""
    return books_problem(turnover(session), adding, scale)


def count(session, adding: int, scale: int, *, field: str = "lines") -> None:
    """Add ``adding`` minor units to the books' turnover, in this unit of work, before the lines
    are written; refuse (ValidationFailed naming ``field``) past the bound."""
    if adding < 0:
        raise ValueError("a turnover is a sum of absolute values")
    kept = _kept(session, lock=True)
    if kept is None:
        start = recompute(session)[0]
        session.execute(text("INSERT INTO settings (key, value) VALUES (:k, :v) ON CONFLICT (key) DO NOTHING"),
                        {"k": TURNOVER_SETTING, "v": str(start)})
        kept = _kept(session, lock=True)
        kept = start if kept is None else kept
    why = books_problem(kept, adding, scale)
    if why is not None:
        raise ValidationFailed([FieldError(field, why)])
    if adding:
        session.execute(text("UPDATE settings SET value = :v WHERE key = :k"),
                        {"k": TURNOVER_SETTING, "v": str(kept + adding)})


def checks(books) -> list:
    """``bizsuite check``: the posted lines within the bounds, and the kept turnover true."""
    from bizsuite.core.admin import CheckResult

    s = books.session
    scale = books.ledger.scale
    total, top, bottom = recompute(s)
    out = []
    past = [v for v in (top, bottom) if v is not None and line_problem(v, scale)]
    out.append(CheckResult("ledger lines within the most one line may hold", not past,
                           "; ".join(line_problem(v, scale) for v in past) if past else ""))
    over = total > BOOKS_MAX_UNITS
    out.append(CheckResult(
        "ledger amounts add up within 64 bits", not over,
        f"the posted lines move {format_human(from_minor(total, scale), None)}, more than the most the books may "
        f"hold, {format_human(from_minor(BOOKS_MAX_UNITS, scale), None)}" if over else ""))
    kept = _kept(s, lock=False)
    wrong = kept is not None and kept != total
    out.append(CheckResult(
        "ledger turnover is kept", not wrong,
        f"the kept turnover is {format_human(from_minor(kept, scale), None)} but the posted lines move "
        f"{format_human(from_minor(total, scale), None)} (lines written without counting them)" if wrong else ""))
    return out


__all__ = ["TURNOVER_SETTING", "LINE_MAX_UNITS", "BOOKS_MAX_UNITS", "count", "problem", "recompute", "turnover",
           "units_of", "checks"]
