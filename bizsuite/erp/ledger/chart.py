"""The chart of accounts: reading, adding, renaming, deactivating and deleting accounts, the
account roles (``ledger.account.<role>`` settings) and the shipped charts.

Methods of :class:`~bizsuite.erp.ledger.repository.LedgerRepository` (call them on
``books.ledger``); this file only groups them.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from bizsuite.core import clock, versioning
from bizsuite.core.errors import FieldError, NotFound, Refused, ValidationFailed
from bizsuite.core.parsing import text_problem
from bizsuite.erp.ledger import accounts as names
from bizsuite.erp.ledger.models import ACCOUNT_TYPES, Account, DraftLine, Line, all_roles

ROLE_SETTING = "ledger.account."


def role_setting(role: str) -> str:
    return ROLE_SETTING + role


def _clean_name(name: str) -> tuple[str, str | None]:
    """An account name to store: the core's one text rule (no control characters or bidi
    overrides, one line), then the journal's rules for names (accounts.clean_account_name)."""
    raw = (name or "").strip()
    why = text_problem(raw)
    if why and "\t" not in raw and "\n" not in raw and "\r" not in raw:  # tabs, line breaks: said below
        return raw, f"{raw!r} {why}"
    return names.clean_account_name(name)


class ChartMixin:
    """The chart of accounts and the accounts other modules post to (part of
    :class:`~bizsuite.erp.ledger.repository.LedgerRepository`)."""

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
        why = text_problem(c)  # the core's one text rule: no control characters, no bidi overrides
        if why:
            errors.append(FieldError("code", why))
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
        cleaned, problem = _clean_name(name)
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
        versioning.expect(a, expected_version, f"account {a.name}")

    def _touch(self, a: Account) -> None:
        versioning.touch(a, self.books.actor.name)

    def rename_account(self, ref: int | str, new_name: str, *, expected_version: int | None = None) -> Account:
        """Rename an account and its sub-accounts. Lines point at accounts, so every report and
        every past entry shows the new name."""
        return self.edit_account(ref, name=new_name, expected_version=expected_version)

    def update_account(self, ref: int | str, *, code: str | None = None, type: str | None = None,
                       expected_version: int | None = None) -> Account:
        """Change an account's code (``""`` removes it) or, while nothing is posted to it, its type."""
        return self.edit_account(ref, code=code, type=type, expected_version=expected_version)

    def set_active(self, ref: int | str, active: bool) -> Account:
        """Deactivate (no new postings; history and reports unchanged) or reactivate an account."""
        return self.edit_account(ref, active=active)

    def edit_account(self, ref: int | str, *, name: str | None = None, code: str | None = None,
                     type: str | None = None, active: bool | None = None,
                     expected_version: int | None = None) -> Account:
        """Change an account in one step, as its form does: its name (and with it its
        sub-accounts'; lines point at accounts, so every report and past entry shows the new
        name), its code (``""`` removes it), its type (while nothing is posted to it) and
        whether it takes new postings (a deactivated account keeps its history). ``None``
        leaves a field as it is. The version is checked once, before anything changes; every
        field's problem is refused together, and then nothing has changed. One change: the
        version moves by one."""
        self._require_write()
        a = self._locked_account(ref)
        self._check_version(a, expected_version)
        errors: list[FieldError] = []
        new_name = self._check_new_name(a, name, errors) if name is not None else None
        new_code = self._clean_code(code, errors, skip_id=a.id) if code is not None else None
        new_type = self._check_new_type(a, type, errors) if type is not None else None
        if errors:
            raise ValidationFailed(errors)
        changed = False
        if new_type is not None and new_type != a.type:
            a.type = new_type
            changed = True
        if code is not None and new_code != a.code:
            a.code = new_code
            changed = True
        if active is not None and active != a.active:
            a.active = active
            changed = True
        if new_name is not None and new_name != a.name:
            self._move(a, new_name)
            changed = True
        if changed:
            self._touch(a)
            self.session.flush()
        return a

    def _check_new_name(self, a: Account, new_name: str, errors: list[FieldError]) -> str | None:
        cleaned, problem = _clean_name(new_name)
        if problem:
            errors.append(FieldError("name", problem))
            return None
        if cleaned == a.name:
            return cleaned
        if cleaned in self._names():
            errors.append(FieldError("name", f"{cleaned} already exists"))
        elif cleaned.startswith(a.name + ":"):
            errors.append(FieldError("name", f"cannot move {a.name} under itself"))
        else:
            return cleaned
        return None

    def _check_new_type(self, a: Account, type_: str, errors: list[FieldError]) -> str | None:
        t = names.TYPE_TAGS.get(type_.strip().lower(), type_.strip().lower())
        if t not in ACCOUNT_TYPES:
            errors.append(FieldError("type", f"{type_!r} is not one of: {', '.join(ACCOUNT_TYPES)}"))
            return None
        if t != a.type and self.session.scalar(select(exists().where(Line.account_id == a.id))):
            errors.append(FieldError("type", f"{a.name} has posted lines; its type cannot change "
                                             "(add a new account and move the balance with an entry)"))
            return None
        return t

    def _move(self, a: Account, new_name: str) -> None:
        """Rename ``a`` and its sub-accounts (creating missing new parents with its type)."""
        by_name = self._names()
        old = a.name
        moving = sorted((x for x in by_name.values() if x.name.startswith(old + ":")), key=lambda x: x.name)
        # the new parents first (created with this account's type when missing)
        parent = names.parent_name(new_name)
        if parent is not None and parent not in by_name:
            self._new_account(parent, a.type)
        a.name = new_name
        a.parent_id = by_name[parent].id if parent else None
        for x in moving:
            x.name = new_name + x.name[len(old):]
            self._touch(x)
        self.session.flush()
        self._forget_accounts()

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
        for role in all_roles():
            value = self.books.setting(role_setting(role))
            out[role] = self._ids().get(int(value)) if value and value.isdigit() else None
        return out

    def kept_accounts(self) -> dict[int, tuple[str, str, frozenset[str], str]]:
        """Accounts a module may keep (``Module.keeps``: stock keeps the inventory account): account
        id → (its role, the module, the source kinds that may post to it, its "in use" function)."""
        from bizsuite.core.modules import kept_roles

        out: dict[int, tuple[str, str, frozenset[str], str]] = {}
        for role, (module, kinds, in_use) in kept_roles().items():
            value = self.books.setting(role_setting(role))
            if value and value.isdigit():
                out[int(value)] = (role, module, kinds, in_use)
        return out

    def kept_problem(self, account_id: int, source_kind: str | None, kept=None) -> str | None:
        """Why an entry of ``source_kind`` (None: a reversal by hand) may not post to the account,
        or None. A kept account moves only with its module's documents: a manual entry, an import
        or a reversal there would make it disagree with what the module says it holds."""
        from bizsuite.core.modules import load

        kept = self.kept_accounts() if kept is None else kept
        hold = kept.get(account_id)
        if hold is None or (source_kind is not None and source_kind in hold[2]):
            return None
        role, module, _, in_use = hold
        if not load(in_use)(self.books):  # not kept in these books (yet): an account like any other
            return None
        name = self._ids()[account_id].name if account_id in self._ids() else f"#{account_id}"
        return (f"{name} is the {role} account, kept by {module}: only {module}'s own documents post "
                f"to it, so that it always agrees with {module}'s records")

    def role_account(self, role: str) -> Account:
        """The account set for ``role``; refused with how to set it when there is none.

        No permission is needed: modules look up where to post before posting their documents.
        """
        roles = all_roles()
        if role not in roles:
            raise Refused(f"{role!r} is not an account role; roles are: {', '.join(roles)}")
        value = self.books.setting(role_setting(role))
        acct = self._ids().get(int(value)) if value and value.isdigit() else None
        if acct is None and value is None and self.books.session.info.get("writes"):
            acct = self._make_role_account(role)
        if acct is None:
            raise Refused(f"no {role.replace('_', ' ')} account is set; set one with: "
                          f"bizsuite ledger set-account {role} ACCOUNT")
        return acct

    def _make_role_account(self, role: str) -> Account | None:
        """A module's role (``Module.accounts``) that was never set, in a unit of work that writes:
        its account is made (or found) and the role set, so books made before the module was
        installed post its documents without a set-up step. The account is the one a shipped
        chart names for the role when that chart's top account is in these books (a Chinese
        chart's 待处理财产损溢), else the module's own default. The ledger's own roles are never
        made up: they are refused with how to set them."""
        from bizsuite.core.modules import account_roles

        need = account_roles().get(role)
        if need is None:
            return None
        by_name = self._names()
        name, type_, code = need.name, need.type, None
        for chart in names.CHARTS:
            rows = names.read_chart(chart)
            row = next((r for r in rows if role in r.roles), None)
            if row is not None and names.ancestors(row.name)[:1] and names.ancestors(row.name)[0] in by_name:
                name, type_ = row.name, row.type
                code = row.code if row.code and not any(a.code == row.code for a in by_name.values()) else None
                break
        acct = by_name.get(name) or self._new_account(name, type_, code)
        self.books.set_setting(role_setting(role), str(acct.id))
        return acct

    def set_role_account(self, role: str, ref: int | str) -> Account:
        self._require_write()
        roles = all_roles()
        if role not in roles:
            raise Refused(f"{role!r} is not an account role; roles are: {', '.join(roles)}")
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
