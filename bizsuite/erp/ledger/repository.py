"""The ledger API: every query and business operation on the books' accounts and entries.

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
import re
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import and_, delete, exists, func, or_, select

import bizsuite.models_registry  # noqa: F401  (every table: entries and lines point at contacts)
from bizsuite.core import clock
from bizsuite.core.errors import FieldError, NotFound, PermissionDenied, Refused, StaleRecord, ValidationFailed
from bizsuite.core.models import Setting
from bizsuite.core.money import format_plain, money_scale, parse_decimal, quantize, zero
from bizsuite.erp.ledger import accounts as names
from bizsuite.erp.ledger.models import (
    ACCOUNT_TYPES,
    ROLES,
    SOURCE_PERMISSIONS,
    SOURCE_CLOSE,
    SOURCE_MANUAL,
    Account,
    AccountNode,
    DraftLine,
    Entry,
    EntryDetail,
    EntryRow,
    Line,
    LineIn,
    LineOut,
    Page,
    RegisterPage,
    Statement,
    TrialBalanceRow,
)

LOCK_SETTING = "ledger.lock_date"
ROLE_SETTING = "ledger.account."
_SOURCE_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MEMO_LIMIT = 500
CODE_LIMIT = 40


def role_setting(role: str) -> str:
    return ROLE_SETTING + role


class BadDate(Refused, ValueError):
    """A date that is not one: refused (exit 1), and a ValueError for validators."""


def parse_date(value: dt.date | str, what: str = "date") -> dt.date:
    """A date from a ``date`` or ISO text; ``2025-02-30`` is refused, not guessed."""
    if isinstance(value, dt.datetime):
        raise BadDate(f"{what}: give a date, not a date and time")
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip() if isinstance(value, str) else str(value)
    m = re.match(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$", text)
    if not m:
        raise BadDate(f"{what}: {text!r} is not a date (YYYY-MM-DD)")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise BadDate(f"{what}: {text} is not a date (no such day)") from None


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
        return f"entry #{entry.id} closes a year; year-end closing entries are not reversed"
    if reversed_by is not None:
        return f"entry #{entry.id} is already reversed by #{reversed_by}"
    if entry.reverses_id is not None:
        return (f"entry #{entry.id} is the reversal of #{entry.reverses_id}; a reversal is not reversed "
                f"— post the entry again instead")
    return None


class LedgerRepository:
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

    # -- accounts: reading --------------------------------------------------------------------
    def _load_accounts(self) -> None:
        rows = list(self.session.scalars(select(Account).order_by(Account.name)))
        self._by_name = {a.name: a for a in rows}
        self._by_id = {a.id: a for a in rows}

    def _forget_accounts(self) -> None:
        self._by_name = self._by_id = None

    def _names(self) -> dict[str, Account]:
        if self._by_name is None:
            self._load_accounts()
        return self._by_name  # type: ignore[return-value]

    def _ids(self) -> dict[int, Account]:
        if self._by_id is None:
            self._load_accounts()
        return self._by_id  # type: ignore[return-value]

    def accounts(self, *, type: str | None = None, include_inactive: bool = True) -> list[Account]:
        """Every account, in name order (parents before their children)."""
        self._require_read()
        if type is not None and type not in ACCOUNT_TYPES:
            raise Refused(f"type: {type!r} is not one of: {', '.join(ACCOUNT_TYPES)}")
        return [a for a in self._names().values()
                if (type is None or a.type == type) and (include_inactive or a.active)]

    def account(self, ref: int | str) -> Account:
        """An account by id (``12`` as int, or ``#12``), code (``1002``), full name, or a name
        that is unique ignoring case or as a last part (``checking`` → ``assets:bank:checking``)."""
        self._require_read()
        return self._resolve(ref)

    def _resolve(self, ref: int | str) -> Account:
        if isinstance(ref, Account):
            return ref
        if isinstance(ref, int):
            a = self._ids().get(ref)
            if a is None:
                raise NotFound(f"no account #{ref}")
            return a
        text = (ref or "").strip()
        if not text:
            raise NotFound("an account is required")
        by_name = self._names()
        if text in by_name:
            return by_name[text]
        if text.startswith("#") and text[1:].isdigit():
            return self._resolve(int(text[1:]))
        for a in by_name.values():
            if a.code == text:
                return a
        cleaned, _ = names.clean_account_name(text)
        if cleaned in by_name:
            return by_name[cleaned]
        folded = cleaned.casefold()
        matches = [a for a in by_name.values() if a.name.casefold() == folded]
        if not matches:
            matches = [a for a in by_name.values()
                       if a.name.casefold().endswith(":" + folded)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            shown = ", ".join(a.name for a in matches[:5])
            raise Refused(f"{text!r} names several accounts ({shown}); use the full name or the code")
        raise NotFound(f"unknown account {text!r}")

    def accounts_matching(self, text: str, *, limit: int = 10, active_only: bool = True) -> list[Account]:
        """Accounts whose code starts with, or name contains, ``text`` (for pickers)."""
        self._require_read()
        t = (text or "").strip().casefold()
        out: list[Account] = []
        starts: list[Account] = []
        for a in self._names().values():
            if active_only and not a.active:
                continue
            if not t or (a.code and a.code.startswith(t)) or a.leaf.casefold().startswith(t):
                starts.append(a)
            elif t in a.name.casefold():
                out.append(a)
        return (starts + out)[:limit]

    def children(self, account_id: int) -> list[Account]:
        return [a for a in self._names().values() if a.parent_id == account_id]

    def subtree_ids(self, account: Account) -> list[int]:
        prefix = account.name + ":"
        return [a.id for a in self._names().values() if a.id == account.id or a.name.startswith(prefix)]

    def is_used(self, account_id: int) -> bool:
        return bool(
            self.session.scalar(select(exists().where(Line.account_id == account_id)))
            or self.session.scalar(select(exists().where(DraftLine.account_id == account_id)))
        )

    # -- accounts: writing --------------------------------------------------------------------
    def type_for_new(self, name: str) -> str | None:
        """The type an unknown account gets: its nearest existing parent's, else its top level's."""
        by_name = self._names()
        for anc in reversed(names.ancestors(name)):
            if anc in by_name:
                return by_name[anc].type
        return names.type_from_top_level(name)

    def _clean_code(self, code: str | None, errors: list[FieldError], *, skip_id: int | None = None) -> str | None:
        if code is None:
            return None
        c = code.strip()
        if not c:
            return None
        if len(c) > names.CODE_LIMIT or any(ch.isspace() for ch in c) or ";" in c:
            errors.append(FieldError("code", f"{c!r} is not a code (at most {names.CODE_LIMIT} characters, no spaces)"))
            return None
        other = next((a for a in self._names().values() if a.code == c and a.id != skip_id), None)
        if other is not None:
            errors.append(FieldError("code", f"{c} is already the code of {other.name}"))
        return c

    def _new_account(self, name: str, type_: str, code: str | None = None) -> Account:
        """Create ``name`` and any missing parents (as the same type); no checks beyond names."""
        by_name = self._names()
        parent_id = None
        now = clock.now()
        who = self.books.actor.name
        for anc in names.ancestors(name):
            if anc not in by_name:
                a = Account(name=anc, type=type_, parent_id=parent_id, created_at=now, created_by=who,
                            updated_at=now, updated_by=who)
                self.session.add(a)
                self.session.flush()
                by_name[anc] = a
                self._ids()[a.id] = a
            parent_id = by_name[anc].id
        a = Account(name=name, type=type_, code=code, parent_id=parent_id, created_at=now, created_by=who,
                    updated_at=now, updated_by=who)
        self.session.add(a)
        self.session.flush()
        by_name[name] = a
        self._ids()[a.id] = a
        return a

    def add_account(self, name: str, *, type: str | None = None, code: str | None = None) -> Account:
        """Add an account (and any missing parents). Without ``type`` it comes from the parent or
        the top-level name (assets/资产 → asset, …)."""
        self._require_write()
        errors: list[FieldError] = []
        cleaned, problem = names.clean_account_name(name)
        if problem:
            errors.append(FieldError("name", problem))
        elif cleaned in self._names():
            errors.append(FieldError("name", f"{cleaned} already exists"))
        code_ = self._clean_code(code, errors)
        if type is not None:
            type_ = type.strip().lower()
            type_ = names.TYPE_TAGS.get(type_, type_)
            if type_ not in ACCOUNT_TYPES:
                errors.append(FieldError("type", f"{type!r} is not one of: {', '.join(ACCOUNT_TYPES)}"))
        else:
            type_ = self.type_for_new(cleaned) if not problem else None
            if type_ is None and not problem:
                top = cleaned.split(":")[0]
                errors.append(FieldError(
                    "type", f"cannot tell the type of {cleaned!r} from its top level {top!r}; "
                    f"give one of: {', '.join(ACCOUNT_TYPES)}"))
        if errors:
            raise ValidationFailed(errors)
        return self._new_account(cleaned, type_, code_)

    def _locked_account(self, ref: int | str) -> Account:
        a = self._resolve(ref)
        self.session.refresh(a, with_for_update=True)
        return a

    def _check_version(self, a: Account, expected_version: int | None) -> None:
        if expected_version is not None and a.version != expected_version:
            when = a.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            raise StaleRecord(
                f"account {a.name} was changed by {a.updated_by} at {when} since you opened it; "
                "nothing was saved — reload it and make your change again"
            )

    def _touch(self, a: Account) -> None:
        a.version += 1
        a.updated_at = clock.now()
        a.updated_by = self.books.actor.name

    def rename_account(self, ref: int | str, new_name: str, *, expected_version: int | None = None) -> Account:
        """Rename an account and its sub-accounts. Lines point at accounts, so every report and
        every past entry shows the new name."""
        self._require_write()
        a = self._locked_account(ref)
        self._check_version(a, expected_version)
        cleaned, problem = names.clean_account_name(new_name)
        if problem:
            raise ValidationFailed([FieldError("name", problem)])
        if cleaned == a.name:
            return a
        by_name = self._names()
        if cleaned in by_name:
            raise ValidationFailed([FieldError("name", f"{cleaned} already exists")])
        if cleaned.startswith(a.name + ":"):
            raise ValidationFailed([FieldError("name", f"cannot move {a.name} under itself")])
        old = a.name
        moving = sorted((x for x in by_name.values() if x.name.startswith(old + ":")), key=lambda x: x.name)
        # the new parents first (created with this account's type when missing)
        parent = names.parent_name(cleaned)
        if parent is not None and parent not in by_name:
            self._new_account(parent, a.type)
        a.name = cleaned
        a.parent_id = by_name[parent].id if parent else None
        self._touch(a)
        for x in moving:
            x.name = cleaned + x.name[len(old):]
            self._touch(x)
        self.session.flush()
        self._forget_accounts()
        return a

    def update_account(self, ref: int | str, *, code: str | None = None, type: str | None = None,
                       expected_version: int | None = None) -> Account:
        """Change an account's code (``""`` removes it) or, while nothing is posted to it, its type."""
        self._require_write()
        a = self._locked_account(ref)
        self._check_version(a, expected_version)
        errors: list[FieldError] = []
        changed = False
        if code is not None:
            new_code = self._clean_code(code, errors, skip_id=a.id)
            if new_code != a.code and not errors:
                a.code = new_code
                changed = True
        if type is not None:
            t = names.TYPE_TAGS.get(type.strip().lower(), type.strip().lower())
            if t not in ACCOUNT_TYPES:
                errors.append(FieldError("type", f"{type!r} is not one of: {', '.join(ACCOUNT_TYPES)}"))
            elif t != a.type:
                if self.session.scalar(select(exists().where(Line.account_id == a.id))):
                    errors.append(FieldError("type", f"{a.name} has posted lines; its type cannot change "
                                                     "(add a new account and move the balance with an entry)"))
                else:
                    a.type = t
                    changed = True
        if errors:
            raise ValidationFailed(errors)
        if changed:
            self._touch(a)
            self.session.flush()
        return a

    def set_active(self, ref: int | str, active: bool) -> Account:
        """Deactivate (no new postings; history and reports unchanged) or reactivate an account."""
        self._require_write()
        a = self._locked_account(ref)
        if a.active != active:
            a.active = active
            self._touch(a)
            self.session.flush()
        return a

    def delete_account(self, ref: int | str) -> None:
        """Delete an account that was never used: no lines, no sub-accounts, no setting."""
        self._require_write()
        a = self._locked_account(ref)
        if self.is_used(a.id):
            raise Refused(f"{a.name} has entries; deactivate it instead (bizsuite ledger deactivate)")
        kids = self.children(a.id)
        if kids:
            raise Refused(f"{a.name} has sub-accounts ({', '.join(k.name for k in kids[:3])}); delete them first")
        roles = [r for r, acct in self.role_accounts().items() if acct is not None and acct.id == a.id]
        if roles:
            raise Refused(f"{a.name} is the {', '.join(roles)} account; point the setting elsewhere first "
                          "(bizsuite ledger set-account ROLE ACCOUNT)")
        self.session.delete(a)
        self.session.flush()
        self._forget_accounts()

    # -- account settings (roles) -------------------------------------------------------------
    def role_accounts(self) -> dict[str, Account | None]:
        """Every role (bank, receivable, …) and the account it points at, or None."""
        self._require_read()
        out: dict[str, Account | None] = {}
        for role in ROLES:
            value = self.books.setting(role_setting(role))
            out[role] = self._ids().get(int(value)) if value and value.isdigit() else None
        return out

    def role_account(self, role: str) -> Account:
        """The account set for ``role``; refused with how to set it when there is none.

        No permission is needed: modules look up where to post before posting their documents.
        """
        if role not in ROLES:
            raise Refused(f"{role!r} is not an account role; roles are: {', '.join(ROLES)}")
        value = self.books.setting(role_setting(role))
        acct = self._ids().get(int(value)) if value and value.isdigit() else None
        if acct is None:
            raise Refused(f"no {role.replace('_', ' ')} account is set; set one with: "
                          f"bizsuite ledger set-account {role} ACCOUNT")
        return acct

    def set_role_account(self, role: str, ref: int | str) -> Account:
        self._require_write()
        if role not in ROLES:
            raise Refused(f"{role!r} is not an account role; roles are: {', '.join(ROLES)}")
        a = self._resolve(ref)
        self.books.set_setting(role_setting(role), str(a.id))
        return a

    # -- charts -------------------------------------------------------------------------------
    def load_chart(self, chart: str) -> int:
        """Add a shipped chart (``standard``, ``cn-small``): its accounts that are missing, and
        its account settings that are not set yet. Returns how many accounts were added."""
        self._require_write()
        try:
            rows = names.read_chart(chart)
        except ValueError as exc:
            raise ValidationFailed([FieldError("chart", str(exc))]) from None
        by_name = self._names()
        added = 0
        for row in rows:
            acct = by_name.get(row.name)
            if acct is None:
                code = row.code if row.code and not any(a.code == row.code for a in by_name.values()) else None
                acct = self._new_account(row.name, row.type, code)
                added += 1
            for role in row.roles:
                if self.books.setting(role_setting(role)) is None:
                    self.books.set_setting(role_setting(role), str(acct.id))
        self.session.flush()
        return added

    # -- lock date ----------------------------------------------------------------------------
    @property
    def lock_date(self) -> dt.date | None:
        value = self.books.setting(LOCK_SETTING)
        return dt.date.fromisoformat(value) if value else None

    def lock(self, until: dt.date | str | None) -> dt.date | None:
        """Nothing may be posted or reversed on or before ``until``. Moving the lock date back
        (or removing it with ``None``) reopens closed periods: only the owner may."""
        self._require_write()
        new = parse_date(until, "until") if until is not None else None
        current = self.lock_date
        if current is not None and (new is None or new < current):
            if not self.books.actor.can("admin"):
                raise PermissionDenied(
                    f"the books are locked until {current}; only the owner may move the lock date back")
        if new is None:
            row = self.session.get(Setting, LOCK_SETTING)
            if row is not None:
                self.session.delete(row)
        else:
            self.books.set_setting(LOCK_SETTING, new.isoformat())
        self.session.flush()
        return new

    def _check_open(self, day: dt.date, what: str = "") -> str | None:
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
        memo_ = (memo or "").strip()
        if "\n" in memo_ or "\r" in memo_:
            errors.append(FieldError("memo", "must be one line"))
        if len(memo_) > MEMO_LIMIT:
            errors.append(FieldError("memo", f"at most {MEMO_LIMIT} characters"))
        code_ = (code or "").strip() or None
        if code_ and (len(code_) > CODE_LIMIT or ")" in code_ or "\n" in code_):
            errors.append(FieldError("code", f"{code_!r} is not a code (at most {CODE_LIMIT} characters, no ')')"))
        kind, sid = (source, None) if isinstance(source, str) else tuple(source)
        if not _SOURCE_KIND.match(kind or ""):
            errors.append(FieldError("source", f"{kind!r} is not a source kind (lower-case letters, digits, _)"))
        if sid is not None and not isinstance(sid, int):
            errors.append(FieldError("source", f"the document id must be a number, not {sid!r}"))
        if contact_id is not None:
            self._check_contact(contact_id, "contact", errors)
        cleaned: list[list] = []
        missing: list[int] = []
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
            amount = ln.amount
            if amount is not None:
                if isinstance(amount, float):
                    raise TypeError("floats are never used for money")
                if isinstance(amount, str):
                    try:
                        amount = parse_decimal(amount, scale=scale)
                    except ValueError as exc:
                        errors.append(FieldError(where, str(exc)))
                        amount = None
                else:
                    amount = Decimal(amount)
                    if amount != quantize(amount, scale):
                        errors.append(FieldError(where, f"amount {amount} has more than {scale} decimal places "
                                                        f"(the books are in {self.books.currency})"))
                        amount = None
                if amount is not None:
                    amount = quantize(amount, scale)
            else:
                missing.append(n)
            lmemo = (ln.memo or "").strip() or None
            if lmemo and (len(lmemo) > MEMO_LIMIT or "\n" in lmemo):
                errors.append(FieldError(where, f"memo: one line of at most {MEMO_LIMIT} characters"))
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
            elif not missing and total != 0 and len(cleaned) >= 2:
                debits = sum((c[1] for c in cleaned if c[1] is not None and c[1] > 0), zero(scale))
                credits = -sum((c[1] for c in cleaned if c[1] is not None and c[1] < 0), zero(scale))
                errors.append(FieldError(
                    "balance", f"the entry does not balance: debits {format_plain(debits, scale)}, "
                    f"credits {format_plain(credits, scale)}, difference {format_plain(total, scale)}"))
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

    def _add_lines(self, e: Entry, cleaned: list) -> None:
        for n, (acct, amount, lmemo, cid) in enumerate(cleaned, 1):
            self.session.add(Line(entry_id=e.id, line_no=n, date=e.date, account_id=acct.id, amount=amount,
                                  memo=lmemo, contact_id=cid))
        self.session.flush()

    # -- drafts -------------------------------------------------------------------------------
    def save_draft(self, date: dt.date | str, memo: str, lines: Sequence[LineIn | tuple], *,
                   entry_id: int | None = None, expected_version: int | None = None,
                   contact_id: int | None = None, code: str | None = None, comment: str | None = None) -> Entry:
        """Save (or replace) a draft: it may be unbalanced and lines may lack amounts."""
        self._require_write()
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
        e = self.session.get(Entry, entry_id)
        if e is None:
            raise NotFound(f"no entry #{entry_id}")
        if e.status == "posted":
            raise Refused(f"entry #{entry_id} is posted; posted entries never change — reverse it instead "
                          f"(bizsuite ledger reverse {entry_id})")
        raise Refused(f"entry #{entry_id} is a draft; save it with save_draft")

    def delete_entry(self, entry_id: int) -> None:
        """Drafts may be deleted; posted entries never (reverse them)."""
        self._require_write()
        e = self.session.get(Entry, entry_id)
        if e is None:
            raise NotFound(f"no entry #{entry_id}")
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
        e = self.session.get(Entry, entry_id)
        if e is None:
            self._require_read()
            raise NotFound(f"no entry #{entry_id}")
        self.books.require(SOURCE_PERMISSIONS.get(e.source_kind, "ledger.write"))
        why = why_not_reverse(e, self.reversed_by(entry_id) if e.status == "posted" else None)
        if why is not None:
            raise Refused(why)
        day = parse_date(date, "date") if date is not None else clock.today()
        locked = self._check_open(day, "the reversal date ")
        if locked:
            raise ValidationFailed([FieldError("date", locked + "; give a later date")])
        lines = list(self.session.scalars(select(Line).where(Line.entry_id == e.id).order_by(Line.line_no)))
        now = clock.now()
        who = self.books.actor.name
        r = Entry(date=day, memo=(memo or f"Reversal of #{e.id}: {e.memo}")[:MEMO_LIMIT], code=e.code,
                  status="posted", source_kind=e.source_kind, source_id=e.source_id,
                  source_ref=e.source_ref, contact_id=e.contact_id, reverses_id=e.id,
                  created_at=now, created_by=who, posted_at=now, posted_by=who)
        self.session.add(r)
        self.session.flush()
        ids = self._ids()
        self._add_lines(r, [[ids[ln.account_id], -ln.amount, ln.memo, ln.contact_id] for ln in lines])
        return r

    def close_year(self, year: int) -> Entry | None:
        """Close a calendar year: move every income and expense balance up to 31 December into
        retained earnings (one entry, source ``("close_year", YEAR)``), then lock the year.
        Returns the closing entry, or None when there was nothing to close."""
        self._require_write()
        if not 1900 <= year <= 9999:
            raise Refused(f"{year} is not a year")
        end = dt.date(year, 12, 31)
        lock = self.lock_date
        if lock is not None and lock >= end:
            raise Refused(f"{year} is already locked (the lock date is {lock}); nothing to close")
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
        if lines:
            net = sum((x[1] for x in lines), zero(self.scale))
            lines.append([retained, -net, None, None])
            now = clock.now()
            who = self.books.actor.name
            entry = Entry(date=end, memo=f"Close {year}: income and expenses to retained earnings",
                          status="posted", source_kind=SOURCE_CLOSE, source_id=year, created_at=now,
                          created_by=who, posted_at=now, posted_by=who)
            self.session.add(entry)
            self.session.flush()
            self._add_lines(entry, lines)
        self.books.set_setting(LOCK_SETTING, end.isoformat())
        self.session.flush()
        return entry

    # -- entries: reading ---------------------------------------------------------------------
    def entry(self, entry_id: int) -> EntryDetail:
        self._require_read()
        e = self.session.get(Entry, entry_id)
        if e is None:
            raise NotFound(f"no entry #{entry_id}")
        ids = self._ids()
        table = Line if e.status == "posted" else DraftLine
        out = []
        for ln in self.session.scalars(select(table).where(table.entry_id == e.id).order_by(table.line_no)):
            a = ids[ln.account_id]
            out.append(LineOut(line_no=ln.line_no, account_id=a.id, account=a.name, code=a.code, amount=ln.amount,
                               memo=ln.memo, contact_id=ln.contact_id))
        return EntryDetail(entry=e, lines=out, reversed_by=self.reversed_by(e.id) if e.status == "posted" else None)

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
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"
            conds.append(or_(e.c.memo.ilike(like, escape="\\"), e.c.code.ilike(like, escape="\\"),
                             e.c.comment.ilike(like, escape="\\")))
        return conds

    def journal_page(self, *, offset: int = 0, limit: int = 50, start=None, end=None, account=None,
                     text: str = "", status: str = "posted", newest_first: bool = True,
                     with_total: bool = True) -> Page:
        """One page of entries (``EntryRow``), newest first; never more rows than asked for."""
        self._require_read()
        if status not in ("posted", "draft"):
            raise Refused(f"status: {status!r} is not posted or draft")
        e = Entry.__table__
        conds = self._journal_filters(start=start, end=end, account=account, text=text, status=status)
        stmt = select(e.c.id, e.c.date, e.c.status, e.c.memo, e.c.code, e.c.source_kind, e.c.source_id,
                      e.c.reverses_id).where(and_(*conds))
        order = (e.c.date.desc(), e.c.id.desc()) if newest_first else (e.c.date, e.c.id)
        rows = self.session.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
        ids = [r.id for r in rows]
        lines: dict[int, list] = {}
        reversed_by: dict[int, int] = {}
        if ids:
            table = Line.__table__ if status == "posted" else DraftLine.__table__
            for eid, aid, amount in self.session.execute(
                select(table.c.entry_id, table.c.account_id, table.c.amount)
                .where(table.c.entry_id.in_(ids)).order_by(table.c.entry_id, table.c.line_no)
            ):
                lines.setdefault(eid, []).append((aid, amount))
            for rid, orig in self.session.execute(select(e.c.id, e.c.reverses_id).where(e.c.reverses_id.in_(ids))):
                reversed_by[orig] = rid
        accts = self._ids()
        out = []
        for r in rows:
            ls = lines.get(r.id, [])
            total = sum((a for _, a in ls if a is not None and a > 0), zero(self.scale))
            shown = list(dict.fromkeys(accts[aid].name for aid, _ in ls))
            label = ", ".join(shown[:3]) + (f" +{len(shown) - 3}" if len(shown) > 3 else "")
            out.append(EntryRow(id=r.id, date=r.date, status=r.status, memo=r.memo, code=r.code,
                                source_kind=r.source_kind, source_id=r.source_id, total=total, accounts=label,
                                reverses_id=r.reverses_id, reversed_by=reversed_by.get(r.id)))
        total = len(out)
        if with_total:
            total = self.session.execute(select(func.count()).select_from(e).where(and_(*conds))).scalar_one()
        return Page(rows=out, total=total, offset=offset, limit=limit)

    def general_journal(self, *, offset: int = 0, limit: int = 200, start=None, end=None, account=None,
                        text: str = "", newest_first: bool = False) -> tuple[list[EntryDetail], int]:
        """Posted entries with their lines, in date order (a page of them), and how many match."""
        self._require_read()
        page = self.journal_page(offset=offset, limit=limit, start=start, end=end, account=account, text=text,
                                 newest_first=newest_first)
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
                 newest_first: bool = False, with_total: bool = True) -> RegisterPage:
        """The postings of an account (and its sub-accounts) with a running balance, paged."""
        self._require_read()
        from bizsuite.erp.ledger.reports import register

        return register(self, self._resolve(account), start=parse_date(start, "from") if start else None,
                        end=parse_date(end, "to") if end else None, offset=offset, limit=limit,
                        newest_first=newest_first, with_total=with_total)

    def account_tree(self, *, as_of: dt.date | str | None = None, type: str | None = None) -> list[AccountNode]:
        """Every account in tree order with its own and rolled-up balance as of a date."""
        self._require_read()
        from bizsuite.erp.ledger.reports import account_tree

        return account_tree(self, as_of=parse_date(as_of, "as of") if as_of else None, type_=type)

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
