"""Posting: the lock date, validating and posting entries, drafts, reversals, the year-end close.

Methods of :class:`~bizsuite.erp.ledger.repository.LedgerRepository` (call them on
``books.ledger``); this file only groups them. Who may post an entry follows from its
source kind (:data:`~bizsuite.erp.ledger.models.SOURCE_PERMISSIONS`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Sequence

from sqlalchemy import Date, Integer, delete, func, insert, literal, select

from bizsuite.core import audit, clock
from bizsuite.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    Refused,
    StaleRecord,
    ValidationFailed,
)
from bizsuite.core.models import Setting
from bizsuite.core.parsing import BadDate, BadText, clean_text, fits, parse_date  # noqa: F401  (BadDate: named here as before)
from bizsuite.core.money import books_problem, clean_amount, format_plain, line_problem, to_minor, zero
from bizsuite.erp.ledger import bounds
from bizsuite.erp.ledger.models import (
    SOURCE_PERMISSIONS,
    SOURCE_CLOSE,
    SOURCE_MANUAL,
    Account,
    Closing,
    DraftLine,
    Entry,
    Line,
    LineIn,
)
from bizsuite.erp.ledger.limits import MAX_LINES

LOCK_SETTING = "ledger.lock_date"
PERIOD_LOCK = "ledger.period"  # core/locks.py: posting holds it shared, closing alone
REOPEN_PERMISSION = "ledger.reopen"  # owner only (the ledger's MODULE): move the lock date back, reopen a year
_SOURCE_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MEMO_LIMIT = 500
CODE_LIMIT = 40
COMMENT_LIMIT = 20_000


def _text(value, field: str, errors: list[FieldError], *, where: str | None = None, **rules) -> str | None:
    """``clean_text`` (the core's one rule for text) with its refusal collected as a FieldError."""
    try:
        return clean_text(value, field, **rules)
    except BadText as exc:
        message = exc.problems[0]
        errors.append(FieldError(where, message) if where else FieldError(field, message.split(": ", 1)[1]))
        return None


def clean_comment(value: str | None) -> str | None:
    """An entry's comment: several lines (CRLF becomes LF), no control characters; None when empty."""
    errors: list[FieldError] = []
    text_ = _text(value, "comment", errors, multiline=True, limit=COMMENT_LIMIT)
    if errors:
        raise ValidationFailed(errors)
    return text_ or None


def too_many_lines(count: int) -> str | None:
    """The refusal of an entry of ``count`` lines (None when it may have that many); posting,
    drafts and imports say the same."""
    if count > MAX_LINES:
        return f"an entry has at most {MAX_LINES} lines (it has {count})"
    return None


def why_not_reverse(entry, reversed_by: int | None = None) -> str | None:
    """Why ``entry`` may not be reversed, or None when it may.

    ``entry`` is anything with ``id``, ``status``, ``source_kind`` and ``reverses_id`` (an
    :class:`Entry`, a journal row, the entry screen's view); ``reversed_by`` is the entry that
    already reverses it (read from ``entry.reversed_by`` when the row has it). Screens ask this
    before opening a confirmation that would be refused anyway.
    """
    reversed_by = reversed_by if reversed_by is not None else getattr(entry, "reversed_by", None)
    if entry.status != "posted":
        return f"entry #{entry.id} is a draft; delete or edit it instead of reversing it"
    if entry.source_kind == SOURCE_CLOSE:
        year = getattr(entry, "source_id", None) or "YEAR"
        return (f"entry #{entry.id} closes {year}; it is not reversed by hand — to reopen the year, the owner "
                f"runs: bizsuite ledger reopen-year {year}")
    if reversed_by is not None:
        return f"entry #{entry.id} is already reversed by #{reversed_by}"
    if entry.reverses_id is not None:
        return (f"entry #{entry.id} is the reversal of #{entry.reverses_id}; a reversal is not reversed "
                f"— post the entry again instead")
    return None


class PostingMixin:
    """The lock date, checking and posting entries, drafts, reversals and the year-end close
    (part of :class:`~bizsuite.erp.ledger.repository.LedgerRepository`)."""

    def _entry_row(self, entry_id: int, *, before_refusing=None) -> Entry:
        """The entry with this id (posted or draft), or NotFound; an id no id column can hold is
        no entry (``before_refusing`` runs first, e.g. a permission check that must speak first)."""
        e = self.session.get(Entry, entry_id) if fits(entry_id) else None
        if e is None:
            if before_refusing is not None:
                before_refusing()
            raise NotFound(f"no entry #{entry_id}")
        return e

    # -- lock date ----------------------------------------------------------------------------
    # Posting holds PERIOD_LOCK shared (many posters at once); moving the lock date, closing and
    # reopening a year hold it alone. So a post never lands in a year while it is being closed,
    # and the lock date a post checks is the one in force when it commits (core/locks.py).
    @property
    def lock_date(self) -> dt.date | None:
        value = self.books.setting(LOCK_SETTING)
        return dt.date.fromisoformat(value) if value else None

    def hold_period(self, *, shared: bool = True) -> None:
        """Hold the ledger's period lock for this unit of work (shared: posting; alone: changing
        what is open)."""
        self.books.hold(PERIOD_LOCK, shared=shared)

    def closings(self) -> list[Closing]:
        """The closed years, oldest first."""
        self._require_read()
        return list(self.session.scalars(select(Closing).order_by(Closing.year)))

    def last_closing(self) -> Closing | None:
        return self.session.scalars(select(Closing).order_by(Closing.year.desc()).limit(1)).first()

    def lock(self, until: dt.date | str | None) -> dt.date | None:
        """Nothing may be posted or reversed on or before ``until``. Moving the lock date back
        (or removing it with ``None``) reopens periods: only the owner may, and never to before
        the end of the last closed year (reopen that year instead: :meth:`reopen_year`). A lock
        date is a day that has begun: never after today."""
        self._require_write()
        new = parse_date(until, "until") if until is not None else None
        self.hold_period(shared=False)
        current = self.lock_date
        if new is not None and new > clock.today():
            raise ValidationFailed([FieldError("until", f"{new} is after today ({clock.today()}); "
                                                        "only days that have begun can be locked")])
        closed = self.last_closing()
        if closed is not None and (new is None or new < dt.date(closed.year, 12, 31)):
            raise Refused(f"{closed.year} is closed: the lock date cannot move before {closed.year}-12-31; "
                          f"to reopen the year, the owner runs: bizsuite ledger reopen-year {closed.year}")
        if current is not None and (new is None or new < current):
            self._require_reopen(f"the books are locked until {current}; only the owner may move the lock date back")
        self._set_lock(new)
        return new

    def _require_reopen(self, refusal: str) -> None:
        """Owner only, the one way the ledger says it: its ``ledger.reopen`` permission (declared
        in the ledger's MODULE) — opening again what is locked: moving the lock date back, or
        removing it, and reopening a closed year."""
        if not self.books.actor.can(REOPEN_PERMISSION):
            raise PermissionDenied(refusal)

    def _set_lock(self, new: dt.date | None) -> None:
        if new is None:
            row = self.session.get(Setting, LOCK_SETTING)
            if row is not None:
                self.session.delete(row)
        else:
            self.books.set_setting(LOCK_SETTING, new.isoformat())
        self.session.flush()

    def _check_open(self, day: dt.date, what: str = "") -> str | None:
        self.hold_period()
        lock = self.lock_date
        if lock is not None and day <= lock:
            return f"{what}{day} is on or before the lock date {lock}; nothing may be posted there"
        return None

    # -- entries: validation ------------------------------------------------------------------
    def _clean_entry(self, day, memo: str | None, lines: Sequence[LineIn | tuple], *, contact_id: int | None,
                     code: str | None, source, post: bool) -> tuple[dt.date, str, str | None, tuple, list]:
        """Validate an entry; collect every problem, then raise them together."""
        errors: list[FieldError] = []
        scale = self.scale
        try:
            day = parse_date(day)
        except BadDate as exc:
            errors.append(FieldError("date", exc.problems[0].split(": ", 1)[-1]))
            day = None
        if day is not None and post:
            locked = self._check_open(day)
            if locked:
                errors.append(FieldError("date", locked))
        memo_ = _text(memo, "memo", errors, limit=MEMO_LIMIT) or ""
        code_ = _text(code, "code", errors) or None
        if code_ and (len(code_) > CODE_LIMIT or ")" in code_):
            errors.append(FieldError("code", f"{code_!r} is not a code (at most {CODE_LIMIT} characters, no ')')"))
        kind, sid = (source, None) if isinstance(source, str) else tuple(source)
        if not _SOURCE_KIND.match(kind or ""):
            errors.append(FieldError("source", f"{kind!r} is not a source kind (lower-case letters, digits, _)"))
        if sid is not None and not isinstance(sid, int):
            errors.append(FieldError("source", f"the document id must be a number, not {sid!r}"))
        if contact_id is not None:
            self._check_contact(contact_id, "contact", errors)
        too_many = too_many_lines(len(lines))
        if too_many:  # said at once: a million lines are not each looked up
            raise ValidationFailed([*errors, FieldError("lines", too_many)])
        cleaned: list[list] = []
        missing: list[int] = []
        kept = self.kept_accounts() if post else {}
        for n, raw in enumerate(lines, 1):
            ln = raw if isinstance(raw, LineIn) else LineIn(*raw)
            where = f"line {n}"
            acct = None
            try:
                acct = self._resolve(ln.account)
            except Refused as exc:
                errors.append(FieldError(where, exc.problems[0]))
            if acct is not None and post and not acct.active:
                errors.append(FieldError(where, f"{acct.name} is inactive; activate it or use another account"))
            if acct is not None and acct.id in kept and (why := self.kept_problem(acct.id, kind, kept)):
                errors.append(FieldError(where, why))
            amount = ln.amount
            if amount is not None:
                try:  # the one amount rule (core.money): digits, decimals, the most one line may hold
                    amount = clean_amount(amount, scale)
                except ValueError as exc:
                    why = str(exc)
                    if "decimal places" in why and not isinstance(ln.amount, str):
                        why += f" (the books are in {self.books.currency})"
                    errors.append(FieldError(where, why))
                    amount = None
            else:
                missing.append(n)
            lmemo = _text(ln.memo, "memo", errors, limit=MEMO_LIMIT, where=where) or None
            if ln.contact_id is not None:
                self._check_contact(ln.contact_id, where, errors)
            cleaned.append([acct, amount, lmemo, ln.contact_id if ln.contact_id is not None else contact_id])
        if post:
            if len(cleaned) < 2:
                errors.append(FieldError("lines", f"an entry needs at least two lines (it has {len(cleaned)})"))
            if len(missing) > 1:
                errors.append(FieldError(
                    "lines", f"lines {', '.join(map(str, missing))} have no amount; at most one line may omit it"))
            total = sum((c[1] for c in cleaned if c[1] is not None), zero(scale))
            if len(missing) == 1 and not errors:
                cleaned[missing[0] - 1][1] = -total
                too_big = line_problem(to_minor(-total, scale), scale)
                if too_big:
                    errors.append(FieldError(f"line {missing[0]}", too_big + " (the amount that balances the entry)"))
            elif not missing and total != 0 and len(cleaned) >= 2:
                debits = sum((c[1] for c in cleaned if c[1] is not None and c[1] > 0), zero(scale))
                credits = -sum((c[1] for c in cleaned if c[1] is not None and c[1] < 0), zero(scale))
                errors.append(FieldError(
                    "balance", f"the entry does not balance: debits {format_plain(debits, scale)}, "
                    f"credits {format_plain(credits, scale)}, difference {format_plain(total, scale)}"))
            if not errors:  # the books' bound: every sum of posted amounts stays within 64 bits
                why = bounds.problem(self.session, bounds.units_of((c[1] for c in cleaned), scale), scale)
                if why:
                    errors.append(FieldError("lines", why))
        elif not errors:  # a draft is summed on its own (the drafts list sorts by its debits)
            why = books_problem(0, bounds.units_of((c[1] for c in cleaned), scale), scale)
            if why:
                errors.append(FieldError("lines", why))
        if errors:
            raise ValidationFailed(errors)
        return day, memo_, code_, (kind, sid), cleaned

    def _check_contact(self, contact_id: int, where: str, errors: list[FieldError]) -> None:
        try:
            self.books.contacts.get(contact_id)
        except NotFound:
            errors.append(FieldError(where, f"no contact #{contact_id}"))

    # -- entries: posting ---------------------------------------------------------------------
    @staticmethod
    def permission_for(source_kind: str) -> str:
        """The permission that posting (or reversing) an entry of ``source_kind`` needs; the
        ledger owns this map (:data:`SOURCE_PERMISSIONS`), callers only name the kind."""
        permission = SOURCE_PERMISSIONS.get(source_kind)
        if permission is None:
            known = ", ".join(sorted(SOURCE_PERMISSIONS))
            raise ValidationFailed([FieldError("source", f"{source_kind!r} is not a kind of entry the ledger knows "
                                                         f"({known})")])
        return permission

    def _require_posting(self, source_kind: str) -> None:
        """The permission of the source kind: ledger.write by hand, a module's own for its documents."""
        self.books.require(self.permission_for(source_kind))

    def post_entry(self, date: dt.date | str, memo: str, lines: Sequence[LineIn | tuple], *,
                   source: tuple[str, int | None] | str = SOURCE_MANUAL, contact_id: int | None = None,
                   code: str | None = None, comment: str | None = None, source_ref: str | None = None,
                   mark: str = "") -> Entry:
        """Post a balanced entry at once (the way other modules post their documents).

        ``lines`` are :class:`LineIn` (or ``(account, amount[, memo[, contact_id]])`` tuples):
        a positive amount is a debit, a negative one a credit, at most one ``None`` (it takes
        whatever balances the entry). ``source`` is ``("sales_invoice", 42)`` for a module's
        document. ``contact_id`` is the entry's contact and the default of its lines.

        Who may post it follows from the source kind (:meth:`permission_for`): a manual entry
        needs ``ledger.write``, a ``purchase_receipt`` ``purchasing.receive``…, so a warehouse
        clerk who receives goods posts the receipt without being allowed to write to the ledger
        by hand. Unknown kinds are refused.
        """
        kind_ = source if isinstance(source, str) else source[0]
        self._require_posting(kind_)
        comment = clean_comment(comment)
        errors: list[FieldError] = []
        source_ref = _text(source_ref, "source_ref", errors, limit=300) or None  # a document's reference
        if errors:
            raise ValidationFailed(errors)
        day, memo_, code_, (kind, sid), cleaned = self._clean_entry(
            date, memo, lines, contact_id=contact_id, code=code, source=source, post=True)
        now = clock.now()
        who = self.books.actor.name
        e = Entry(date=day, memo=memo_, code=code_, mark=mark, comment=comment, status="posted",
                  source_kind=kind, source_id=sid, source_ref=source_ref, contact_id=contact_id,
                  created_at=now, created_by=who, posted_at=now, posted_by=who)
        self.session.add(e)
        self.session.flush()
        self._add_lines(e, cleaned)
        return e

    def post_many(self, entries: Sequence[tuple[dt.date, str, Sequence[tuple[int, Decimal]], int | None,
                                                str | None]], *, source_kind: str) -> list[int]:
        """Post many small entries of one module's kind at once (a backdated stock move's
        corrections of every later move): ``(date, memo, [(account_id, amount), …], source_id,
        source_ref)`` each, amounts Decimals that sum to zero. The same rules as
        :meth:`post_entry` — the kind's permission, every date after the lock date, each line
        within the bounds, the books' turnover — then one bulk write (the importer's writer:
        sealed at commit, one audit row per entry). Returns the new entry ids, in order."""
        from bizsuite.erp.ledger.importer import NewEntry, write_entries

        self._require_posting(source_kind)
        scale = self.scale
        ids = self._ids()
        made: list[NewEntry] = []
        errors: list[FieldError] = []
        checked_days: set[dt.date] = set()
        for n, (day, memo, lines, source_id, source_ref) in enumerate(entries, 1):
            if day not in checked_days:
                why = self._check_open(day, f"entry {n}: ")
                if why:
                    raise Refused(why)
                checked_days.add(day)
            units = []
            for aid, amount in lines:
                if aid not in ids:
                    errors.append(FieldError(f"entry {n}", f"no account #{aid}"))
                    continue
                try:
                    u = to_minor(amount, scale)
                except (ValueError, TypeError) as exc:
                    errors.append(FieldError(f"entry {n}", f"{ids[aid].name}: {exc}"))
                    continue
                if (why := line_problem(u, scale)):
                    errors.append(FieldError(f"entry {n}", f"{ids[aid].name}: {why}"))
                units.append((aid, u, None, None))
            if sum(u for _, u, _, _ in units) != 0 or len(units) < 2:
                errors.append(FieldError(f"entry {n}", "does not balance"))
            memo_ = _text(memo, "memo", errors, limit=500) or ""
            ref = _text(source_ref, "source_ref", errors, limit=300) or None
            made.append(NewEntry(date=day, memo=memo_, code=None, mark="", comment=None, source_ref=ref,
                                 import_key=None, contact_id=None, lines=units, source_id=source_id))
        if errors:
            raise ValidationFailed(errors[:20])
        return write_entries(self.books, made, source_kind=source_kind)

    def _add_lines(self, e: Entry, cleaned: list) -> None:
        self._count_lines(cleaned)
        for n, (acct, amount, lmemo, cid) in enumerate(cleaned, 1):
            self.session.add(Line(entry_id=e.id, line_no=n, date=e.date, account_id=acct.id, amount=amount,
                                  memo=lmemo, contact_id=cid))
        self.session.flush()

    def _count_lines(self, cleaned: list) -> None:
        """The bounds (core.money) before posted lines are written: each line within the most one
        line may hold (a closing line is an account's balance), and the books' turnover counted
        (erp/ledger/bounds.py), refused past the most the books may hold."""
        scale = self.scale
        errors = [FieldError(f"line {n}", f"{acct.name}: {why}") for n, (acct, amount, *_rest) in enumerate(cleaned, 1)
                  if (why := line_problem(to_minor(amount, scale), scale))]
        if errors:
            raise ValidationFailed(errors)
        bounds.count(self.session, bounds.units_of((c[1] for c in cleaned), scale), scale)

    # -- drafts -------------------------------------------------------------------------------
    def save_draft(self, date: dt.date | str, memo: str, lines: Sequence[LineIn | tuple], *,
                   entry_id: int | None = None, expected_version: int | None = None,
                   contact_id: int | None = None, code: str | None = None, comment: str | None = None) -> Entry:
        """Save (or replace) a draft: it may be unbalanced and lines may lack amounts."""
        self._require_write()
        comment = clean_comment(comment)
        day, memo_, code_, _, cleaned = self._clean_entry(
            date, memo, lines, contact_id=contact_id, code=code, source=SOURCE_MANUAL, post=False)
        now = clock.now()
        who = self.books.actor.name
        if entry_id is None:
            e = Entry(date=day, memo=memo_, code=code_, comment=comment, status="draft", contact_id=contact_id,
                      created_at=now, created_by=who)
            self.session.add(e)
            self.session.flush()
        else:
            e = self._draft(entry_id, expected_version)
            e.date, e.memo, e.code, e.comment, e.contact_id = day, memo_, code_, comment, contact_id
            e.version += 1
            self.session.execute(delete(DraftLine).where(DraftLine.entry_id == e.id))
            self.session.flush()
        for n, (acct, amount, lmemo, cid) in enumerate(cleaned, 1):
            self.session.add(DraftLine(entry_id=e.id, line_no=n, account_id=acct.id, amount=amount,
                                       memo=lmemo, contact_id=cid))
        self.session.flush()
        return e

    def _draft(self, entry_id: int, expected_version: int | None) -> Entry:
        e = self.session.scalars(
            select(Entry).where(Entry.id == entry_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        if e is None:
            raise NotFound(f"no entry #{entry_id}")
        if e.status != "draft":
            raise Refused(f"entry #{entry_id} is posted; posted entries never change — reverse it instead "
                          f"(bizsuite ledger reverse {entry_id})")
        if expected_version is not None and e.version != expected_version:
            raise StaleRecord(f"draft #{entry_id} was changed since you opened it; nothing was saved — "
                              "reload it and make your change again")
        return e

    def post_draft(self, entry_id: int, *, expected_version: int | None = None) -> Entry:
        """Post a draft: the same rules as :meth:`post_entry`; its lines become posted lines."""
        self._require_write()
        e = self._draft(entry_id, expected_version)
        drafts = list(self.session.scalars(
            select(DraftLine).where(DraftLine.entry_id == e.id).order_by(DraftLine.line_no)))
        lines = [LineIn(d.account_id, d.amount, d.memo, d.contact_id) for d in drafts]
        day, memo_, code_, _, cleaned = self._clean_entry(
            e.date, e.memo, lines, contact_id=None, code=e.code, source=(e.source_kind, e.source_id), post=True)
        self.session.execute(delete(DraftLine).where(DraftLine.entry_id == e.id))
        now = clock.now()
        e.status, e.posted_at, e.posted_by = "posted", now, self.books.actor.name
        e.version += 1
        self.session.flush()
        self._add_lines(e, cleaned)
        return e

    def delete_draft(self, entry_id: int, *, expected_version: int | None = None) -> None:
        self._require_write()
        e = self._draft(entry_id, expected_version)
        self.session.execute(delete(DraftLine).where(DraftLine.entry_id == e.id))
        self.session.delete(e)
        self.session.flush()

    def update_entry(self, entry_id: int, **_changes) -> None:
        """Posted entries never change; drafts change with :meth:`save_draft`."""
        self._require_write()
        e = self._entry_row(entry_id)
        if e.status == "posted":
            raise Refused(f"entry #{entry_id} is posted; posted entries never change — reverse it instead "
                          f"(bizsuite ledger reverse {entry_id})")
        raise Refused(f"entry #{entry_id} is a draft; save it with save_draft")

    def delete_entry(self, entry_id: int) -> None:
        """Drafts may be deleted; posted entries never (reverse them)."""
        self._require_write()
        e = self._entry_row(entry_id)
        if e.status == "posted":
            raise Refused(f"entry #{entry_id} is posted; posted entries never change — reverse it instead "
                          f"(bizsuite ledger reverse {entry_id})")
        self.delete_draft(entry_id)

    # -- reversal, year-end -------------------------------------------------------------------
    def reversed_by(self, entry_id: int) -> int | None:
        return self.session.scalar(select(Entry.id).where(Entry.reverses_id == entry_id))

    def reverse(self, entry_id: int, *, date: dt.date | str | None = None, memo: str | None = None) -> Entry:
        """Post the mirror image of a posted entry (every amount negated), linked to it.

        Dated today unless ``date`` is given; refused on or before the lock date. The reversal
        keeps the original's source, so a document's entries include its reversals, and needs the
        permission of that source, as :meth:`post_entry` does.
        """
        e = self._entry_row(entry_id, before_refusing=self._require_read)
        self.books.require(SOURCE_PERMISSIONS.get(e.source_kind, "ledger.write"))
        why = why_not_reverse(e, self.reversed_by(entry_id) if e.status == "posted" else None)
        if why is not None:
            raise Refused(why)
        kept = self.kept_accounts()
        if kept:
            touched = self.session.scalars(select(Line.account_id).where(
                Line.entry_id == e.id, Line.account_id.in_(list(kept)))).first()
            why = self.kept_problem(touched, None, kept) if touched is not None else None
            if why:
                raise Refused(f"entry #{e.id} cannot be reversed in the ledger: {why}")
        day = parse_date(date, "date") if date is not None else clock.today()
        memo = clean_text(memo, "memo", limit=MEMO_LIMIT) or None  # bounds: the one text rule
        locked = self._check_open(day, "the reversal date ")
        if locked:
            raise ValidationFailed([FieldError("date", locked + "; give a later date")])
        return self._mirror(e, day, memo)

    def _mirror(self, e: Entry, day: dt.date, memo: str | None) -> Entry:
        """Post the mirror image of posted entry ``e`` on ``day`` (the rules are the caller's)."""
        now = clock.now()
        who = self.books.actor.name
        r = Entry(date=day, memo=(memo or f"Reversal of #{e.id}: {e.memo}")[:MEMO_LIMIT], code=e.code,
                  status="posted", source_kind=e.source_kind, source_id=e.source_id,
                  source_ref=e.source_ref, contact_id=e.contact_id, reverses_id=e.id,
                  created_at=now, created_by=who, posted_at=now, posted_by=who)
        self.session.add(r)
        self.session.flush()
        self._reverse_lines(e, r)
        return r

    def _reverse_lines(self, e: Entry, r: Entry) -> None:
        """The lines of ``r``: those of ``e`` negated, by the database in one INSERT … SELECT
        (no object per line, so an entry of a million lines reverses in seconds, in constant
        memory). Audited as bulk loads are: line by line with every field up to
        ``audit.EACH_UP_TO`` lines (what the ORM would have written), one row for the lines above."""
        _, debits, credits = self._line_totals(Line, e.id)  # the reversal's turnover is the original's
        bounds.count(self.session, bounds.units_of((debits, credits), self.scale), self.scale)
        lt = Line.__table__
        copy = (select(literal(r.id, Integer), lt.c.line_no, literal(r.date, Date), lt.c.account_id, -lt.c.amount,
                       lt.c.memo, lt.c.contact_id)
                .where(lt.c.entry_id == e.id).order_by(lt.c.line_no))
        self.session.execute(insert(lt).from_select(
            ["entry_id", "line_no", "date", "account_id", "amount", "memo", "contact_id"], copy))
        count, first, last = self.session.execute(
            select(func.count(), func.min(lt.c.id), func.max(lt.c.id)).where(lt.c.entry_id == r.id)).one()
        if count <= audit.EACH_UP_TO:
            rows = self.session.execute(
                select(lt.c.id, lt.c.entry_id, lt.c.line_no, lt.c.account_id, lt.c.amount, lt.c.memo, lt.c.contact_id)
                .where(lt.c.entry_id == r.id).order_by(lt.c.id))
            audit.record_inserts(self.session, lt.name, [
                (row.id, {k: str(v) if isinstance(v, Decimal) else v for k, v in row._mapping.items() if v is not None})
                for row in rows])
        else:
            audit.record_load(self.session, lt.name, [first, last], {
                "entry_id": r.id, "lines": count, "source": f"reversal of #{e.id}"})

    def close_year(self, year: int) -> Entry | None:
        """Close a calendar year that has ended: move every income and expense balance up to 31
        December into retained earnings (one entry, source ``("close_year", YEAR)``), record the
        year as closed (once: :class:`Closing`) and lock it. Returns the closing entry, or None
        when there was nothing to move (the year is closed and locked all the same)."""
        self._require_write()  # ledger.write: what posting a closing entry needs (permission_for(SOURCE_CLOSE))
        if not 1900 <= year <= 9999:
            raise Refused(f"{year} is not a year")
        self.hold_period(shared=False)
        end = dt.date(year, 12, 31)
        today = clock.today()
        if end >= today:
            raise Refused(f"{year} has not ended (today is {today}); a year is closed after 31 December")
        done = self.session.get(Closing, year)
        if done is not None:
            raise Refused(f"{year} is already closed ({_closed_by(done)}); "
                          f"to reopen it, the owner runs: bizsuite ledger reopen-year {year}")
        lock = self.lock_date
        if lock is not None and lock > end:  # locked through 31 December and no further: the close is its last act
            raise Refused(f"{year} is locked beyond its end (the lock date is {lock}), so its closing entry "
                          f"cannot be dated 31 December; the owner may move the lock date back to {end} first")
        retained = self.role_account("retained_earnings")
        acc = Account.__table__
        ln = Line.__table__
        rows = self.session.execute(
            select(ln.c.account_id, func.sum(ln.c.amount))
            .join(acc, acc.c.id == ln.c.account_id)
            .where(acc.c.type.in_(("income", "expense")), ln.c.date <= end)
            .group_by(ln.c.account_id)
        ).all()
        ids = self._ids()
        lines = [[ids[aid], -total, None, None] for aid, total in sorted(rows, key=lambda r: ids[r[0]].name)
                 if total]
        entry = None
        now = clock.now()
        who = self.books.actor.name
        if lines:
            net = sum((x[1] for x in lines), zero(self.scale))
            lines.append([retained, -net, None, None])
            entry = Entry(date=end, memo=f"Close {year}: income and expenses to retained earnings",
                          status="posted", source_kind=SOURCE_CLOSE, source_id=year, created_at=now,
                          created_by=who, posted_at=now, posted_by=who)
            self.session.add(entry)
            self.session.flush()
            self._add_lines(entry, lines)
        self.session.add(Closing(year=year, entry_id=entry.id if entry else None, lock_before=lock,
                                 closed_at=now, closed_by=who))
        self._set_lock(end)
        return entry

    def reopen_year(self, year: int) -> Entry | None:
        """Reopen the last closed year (owner only): reverse its closing entry on the day it was
        dated, forget the closing, and put back the lock date it replaced. Both the reversal and
        the deleted closing are in the audit log. Returns the reversal (None if the year had no
        closing entry)."""
        self._require_write()
        self._require_reopen(f"only the owner may reopen a closed year; {self.books.actor.name} is "
                             f"{self.books.actor.role}")
        self.hold_period(shared=False)
        done = self.session.get(Closing, year)
        if done is None:
            raise Refused(f"{year} is not closed; nothing to reopen")
        last = self.last_closing()
        if last is not None and last.year != year:
            raise Refused(f"{last.year} is closed after {year}; reopen {last.year} first "
                          f"(bizsuite ledger reopen-year {last.year})")
        entry_id = done.entry_id
        self.session.delete(done)
        self.session.flush()
        # back to the lock date from before the close, but never before the end of a year that
        # stays closed (books closed before ledger_closings existed do not know theirs)
        earlier = self.last_closing()
        floor = dt.date(earlier.year, 12, 31) if earlier is not None else None
        lock = max((d for d in (done.lock_before, floor) if d is not None), default=None)
        self._set_lock(lock)
        if entry_id is None:
            return None
        # Dated as the closing entry was, even when the lock date put back is 31 December itself
        # (the year was locked through its end before it was closed): undoing the close is the
        # one posting there, under the period lock held alone.
        day = dt.date(year, 12, 31)
        return self._mirror(self._entry_row(entry_id), day,
                            f"Reopen {year}: reversal of the closing entry #{entry_id}")


def _closed_by(c: Closing) -> str:
    how = f"entry #{c.entry_id}" if c.entry_id else "nothing to move"
    return f"{how}, by {c.closed_by} on {c.closed_at:%Y-%m-%d}"
