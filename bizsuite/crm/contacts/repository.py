"""The contacts API: every query and business operation on contacts lives here.

Screens and CLI commands call these methods on ``books.contacts``; they never touch the tables.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Iterator, NamedTuple

from sqlalchemy import Integer, and_, column, delete, exists, func, select, text, update
from sqlalchemy.orm import aliased

from bizsuite.core import audit, clock, versioning
from bizsuite.core.db import LIKE_ESCAPE, like_contains
from bizsuite.core.errors import FieldError, NotFound, Refused, ValidationFailed
from bizsuite.core.parsing import fits, record_id
from bizsuite.core.sorting import Key, Sorts
from bizsuite.crm.contacts import normalise as norm
from bizsuite.crm.contacts.models import (
    ACTIVITY_KINDS,
    KINDS,
    ROLES,
    Activity,
    Contact,
    ContactDetail,
    ContactIn,
    ContactRow,
    ContactTag,
    Page,
)

if TYPE_CHECKING:  # duplicates (and rapidfuzz) load when duplicates are asked for
    from bizsuite.crm.contacts.duplicates import Duplicate

# Tables that are part of a contact (deleted with it); every other reference blocks a delete.
OWNED_TABLES = {"contact_tags", "contact_activities"}
# core/locks.py: held by whatever creates contacts after looking for the same person (imports of
# contacts, tickets that add their contacts), so two of them at once cannot both add one person.
IDENTITY_LOCK = "contacts.identity"
_C = Contact.__table__
_COMPANY = aliased(Contact.__table__, name="company_of")
# What the contact list can be sorted by (``name``, ``email:desc``, …; see core.sorting).
SORTS = Sorts({
    "name": Key("name", (_C.c.sort_name,)),
    "company": Key("company", (_COMPANY.c.sort_name,)),
    "email": Key("email", (func.lower(_C.c.email),)),
    "phone": Key("phone", (_C.c.phone,)),
    "roles": Key("roles", (_C.c.is_customer, _C.c.is_supplier, _C.c.is_lead, _C.c.is_employee), descending=True),
    "city": Key("city", (func.lower(_C.c.city),)),
    "country": Key("country", (_C.c.country,)),
    "updated": Key("recently changed", (_C.c.updated_at,), descending=True),
    "created": Key("newest", (_C.c.id,), descending=True),
}, tiebreak=_C.c.id)
_PHONE_LIKE = re.compile(r"\+?[\d\s().\-/]+")
DEFAULT_REGION = "US"


class Cleaned(NamedTuple):
    """A contact's input, validated and normalised. A tuple: imports send 100k of them back
    from their worker processes, and tuples pickle at half the cost of objects."""

    kind: str
    name: str
    company: str | None
    company_id: int | None
    email: str | None
    phone: str | None
    roles: list[str]
    tags: list[str]
    address: str | None
    city: str | None
    country: str | None
    notes: str | None


def clean_contact(data: ContactIn, region: str, errors: list[FieldError], *,
                  warnings: list[str] | None = None, kept_phones: frozenset[str] = frozenset()) -> Cleaned:
    """Validate and normalise one contact's input, appending every problem to ``errors``.

    With ``warnings`` (imports), a phone number that cannot be read is kept as typed and
    warned about, not refused. ``kept_phones``: numbers already stored as typed, which an edit
    or a merge may keep as they are (only a newly typed number must be one we can read).
    Pure (no session): bulk imports run it in worker processes.
    """
    kind = (data.kind or "person").strip().lower()
    if kind not in KINDS:
        errors.append(FieldError("kind", f"{data.kind!r} is not one of: company, person"))
    name = norm.clean_name(data.name, errors)
    company = norm.clean_text(data.company, limit=200, field="company", errors=errors, multiline=True, tabs=True)
    if company:  # spaced like a company's own name, so "Acme  Inc" finds "Acme Inc"
        company = " ".join(company.split())
    if kind == "company" and (company or data.company_id):
        errors.append(FieldError("company", "a company cannot belong to another company"))
    roles = []
    for r in data.roles:
        r2 = r.strip().lower()
        if r2 in ROLES:
            if r2 not in roles:
                roles.append(r2)
        elif r2:
            errors.append(FieldError("roles", f"{r!r} is not one of: {', '.join(ROLES)}"))
    email = norm.clean_email(data.email, errors)
    country = norm.clean_text(data.country, limit=100, field="country", errors=errors)
    cleaned = Cleaned(
        kind=kind,
        name=name,
        company=company,
        company_id=data.company_id,
        email=email,
        phone=(data.phone.strip() if kept_phones and data.phone and data.phone.strip() in kept_phones
               else norm.clean_phone(data.phone, region, errors, country=country, warnings=warnings)),
        roles=roles,
        tags=norm.clean_tags(data.tags, errors),
        address=norm.clean_text(data.address, limit=300, field="address", errors=errors, multiline=True),
        city=norm.clean_text(data.city, limit=100, field="city", errors=errors),
        country=country,
        notes=norm.clean_text(data.notes, limit=20000, field="notes", errors=errors, multiline=True),
    )
    return cleaned


def contact_references(session, contact_id: int, *, include_owned: bool = False) -> dict[str, int]:
    """How many rows of each table point at a contact, found by following every foreign key."""
    out: dict[str, int] = {}
    for table, col in contact_foreign_keys():
        if not include_owned and table.name in OWNED_TABLES:
            continue
        n = session.execute(select(func.count()).select_from(table).where(col == contact_id)).scalar()
        if n:
            if table.name == "contacts" and col.name == "company_id":
                label = "person" if n == 1 else "people"
            else:
                label = table.name
            out[label] = out.get(label, 0) + n
    return out


def _counted(table: str, n: int) -> str:
    """``2 people``, ``1 ticket``, ``3 ledger entries``: a count of a table's rows, in words."""
    if table == "people":
        return "1 person" if n == 1 else f"{n} people"
    words = table.replace("_", " ")
    if n == 1:
        words = words[:-3] + "y" if words.endswith("ies") else words[:-1] if words.endswith("s") else words
    return f"{n} {words}"


def describe_references(refs: dict[str, int]) -> str:
    """What :func:`contact_references` found, in words: ``2 people, 1 ticket``."""
    return ", ".join(_counted(t, n) for t, n in sorted(refs.items()))


def contact_foreign_keys():
    """Every (table, column) in the schema with a foreign key to contacts.id."""
    from sqlmodel import SQLModel

    from bizsuite.core.modules import load_models

    load_models()  # every installed module's tables: any of them may point at a contact

    out = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "contacts" and fk.column.name == "id":
                out.append((table, fk.parent))
    return out


class ContactsRepository:
    def __init__(self, books):
        self.books = books
        self.session = books.session
        self._phone_region: str | None = None

    def hold_identity(self) -> None:
        """Hold :data:`IDENTITY_LOCK` until this unit of work ends (before looking people up to
        add those not found)."""
        self.books.hold(IDENTITY_LOCK)

    # -- settings -----------------------------------------------------------------------------
    @property
    def phone_region(self) -> str:
        # Not functools.cached_property: on Python 3.11 it holds one lock across all instances,
        # so a thread waiting for the database inside it would block every other thread.
        if self._phone_region is None:
            self._phone_region = self.books.setting("contacts.phone_region", DEFAULT_REGION) or DEFAULT_REGION
        return self._phone_region

    # -- validation ---------------------------------------------------------------------------
    def clean(self, data: ContactIn, *, errors: list[FieldError] | None = None,
              region: str | None = None, kept_phones: frozenset[str] = frozenset()) -> Cleaned:
        """Validate and normalise input; collect every problem in ``errors`` (or raise).

        ``region`` (default: the books' setting) lets bulk callers validate without touching the
        session, so they need not hold the write lock while they validate.
        """
        raise_after = errors is None
        errors = [] if errors is None else errors
        cleaned = clean_contact(data, region or self.phone_region, errors, kept_phones=kept_phones)
        if raise_after and errors:
            raise ValidationFailed(errors)
        return cleaned

    # -- reading ------------------------------------------------------------------------------
    def get(self, contact_id: int) -> Contact:
        self.books.require("contacts.read")
        c = self.session.get(Contact, contact_id) if fits(contact_id) else None
        if c is None:
            raise NotFound(f"no contact #{contact_id}")
        return c

    def resolve(self, ref: str) -> Contact:
        """A contact by ``#12``/``12``, by email, or by an exact (unique) name."""
        self.books.require("contacts.read")
        ref = ref.strip()
        number = record_id(ref)
        if number is not None:
            return self.get(number)
        if "@" in ref:
            c = self.session.scalars(select(Contact).where(Contact.email == ref.lower())).first()
            if c:
                return c
        matches = self.session.scalars(
            select(Contact).where(Contact.sort_name == norm.sort_key(ref)).limit(5)
        ).all()
        if not matches:
            raise NotFound(f"no contact named {ref!r}")
        if len(matches) > 1:
            ids = ", ".join(f"#{m.id}" for m in matches)
            raise Refused(f"{ref!r} names several contacts ({ids}); use the number")
        return matches[0]

    def names(self, ids) -> dict[int, str]:
        """Names of several contacts by id, in one query."""
        self.books.require("contacts.read")
        ids = list(ids)
        if not ids:
            return {}
        return dict(self.session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(ids))).all())

    def tags_of(self, contact_id: int) -> list[str]:
        return list(
            self.session.scalars(
                select(ContactTag.tag).where(ContactTag.contact_id == contact_id).order_by(ContactTag.tag)
            )
        )

    def detail(self, contact_id: int) -> ContactDetail:
        c = self.get(contact_id)
        company = self.session.get(Contact, c.company_id) if c.company_id else None
        people = (
            list(
                self.session.scalars(
                    select(Contact).where(Contact.company_id == c.id).order_by(Contact.sort_name).limit(500)
                )
            )
            if c.kind == "company"
            else []
        )
        return ContactDetail(
            contact=c,
            company=company,
            people=people,
            tags=self.tags_of(c.id),
            activities=self.timeline(c.id),
            references=contact_references(self.session, c.id),
        )

    def timeline(self, contact_id: int, limit: int = 200) -> list[Activity]:
        self.books.require("contacts.read")
        return list(
            self.session.scalars(
                select(Activity)
                .where(Activity.contact_id == contact_id)
                .order_by(Activity.occurred_at.desc(), Activity.id.desc())
                .limit(limit)
            )
        )

    def _search_clause(self, query: str):
        """Each word must appear somewhere (substring, any script); typed text is literal."""
        if _PHONE_LIKE.fullmatch(query.strip()) and sum(ch.isdigit() for ch in query) >= 7:
            # A phone number as people write it ("+1 415-555-0123", "(415) 555-0123"): search text
            # holds phones as bare digits, so search by its digits.
            query = "".join(ch for ch in query if ch.isdigit())
        terms = [norm.sort_key(t) for t in query.split() if t.strip()]
        clauses = []
        sqlite = self.books.dialect == "sqlite"
        # On SQLite, terms of 3+ characters, and 1–2 character CJK terms (see normalise.PAD),
        # go to the FTS5 trigram index; anything shorter is a LIKE scan.
        indexed = {t: (t if len(t) >= 3 else norm.short_query(t)) for t in terms}
        long_terms = [q for q in indexed.values() if q]
        if sqlite and long_terms:
            fts = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            clauses.append(
                Contact.id.in_(
                    text("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH :fts")
                    .bindparams(fts=fts)
                    .columns(column("rowid", Integer))
                )
            )
        for t in terms:
            if sqlite and indexed[t]:
                continue
            clauses.append(Contact.search_text.like(like_contains(t), escape=LIKE_ESCAPE))
        return and_(*clauses) if clauses else None

    def _filters(self, *, query: str = "", role: str | None = None, tag: str | None = None,
                 kind: str | None = None, company_id: int | None = None):
        conds = []
        if query.strip():
            conds.append(self._search_clause(query))
        if role:
            if role not in ROLES:
                raise Refused(f"role: {role!r} is not one of: {', '.join(ROLES)}")
            conds.append(getattr(Contact, f"is_{role}").is_(True))
        if tag:
            conds.append(
                exists().where(ContactTag.contact_id == Contact.id, ContactTag.tag == norm.sort_key(tag))
            )
        if kind:
            if kind not in KINDS:
                raise Refused(f"kind: {kind!r} is not one of: company, person")
            conds.append(Contact.kind == kind)
        if company_id is not None:
            conds.append(Contact.company_id == company_id)
        return conds

    def count(self, **filters) -> int:
        self.books.require("contacts.read")
        stmt = select(func.count()).select_from(Contact.__table__)
        for cond in self._filters(**filters):
            stmt = stmt.where(cond)
        return self.session.execute(stmt).scalar_one()

    def page(self, *, offset: int = 0, limit: int = 50, sort: str = "name", with_total: bool = True,
             **filters) -> Page:
        """One page of the contact list, sorted; never loads more rows than asked for."""
        self.books.require("contacts.read")
        order = SORTS.order_by(sort)
        c, company = _C, _COMPANY
        stmt = (
            select(
                c.c.id, c.c.kind, c.c.name, company.c.name.label("company"), c.c.email, c.c.phone,
                c.c.is_customer, c.c.is_supplier, c.c.is_lead, c.c.is_employee, c.c.city,
                c.c.country, c.c.updated_at, c.c.address, c.c.notes,
            )
            .select_from(c)
            .outerjoin(company, company.c.id == c.c.company_id)
        )
        for cond in self._filters(**filters):
            stmt = stmt.where(cond)
        rows = self.session.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
        tags: dict[int, list[str]] = defaultdict(list)
        if rows:
            for cid, tag in self.session.execute(
                select(ContactTag.contact_id, ContactTag.tag)
                .where(ContactTag.contact_id.in_([r.id for r in rows]))
                .order_by(ContactTag.tag)
            ):
                tags[cid].append(tag)

        out = [
            ContactRow(
                id=r.id, kind=r.kind, name=r.name, company=r.company, email=r.email, phone=r.phone,
                roles=[role for role in ROLES if getattr(r, f"is_{role}")], tags=tags.get(r.id, []),
                city=r.city, country=r.country, updated_at=r.updated_at,
                address=r.address, notes=r.notes,
            )
            for r in rows
        ]
        total = self.count(**filters) if with_total else len(out)
        return Page(rows=out, total=total, offset=offset, limit=limit)

    def iter_all(self, *, batch: int = 5000, **filters) -> Iterator[ContactRow]:
        """Every contact matching the filters, in name order, a batch at a time (for export)."""
        offset = 0
        while True:
            page = self.page(offset=offset, limit=batch, with_total=False, **filters)
            yield from page.rows
            if len(page.rows) < batch:
                return
            offset += batch

    def all_tags(self) -> list[tuple[str, int]]:
        self.books.require("contacts.read")
        return [
            (t, n)
            for t, n in self.session.execute(
                select(ContactTag.tag, func.count()).group_by(ContactTag.tag).order_by(ContactTag.tag)
            )
        ]

    def companies_matching(self, text_: str, limit: int = 10) -> list[Contact]:
        """Companies whose name contains ``text_`` (for pickers)."""
        self.books.require("contacts.read")
        stmt = select(Contact).where(Contact.kind == "company")
        clause = self._search_clause(text_) if text_.strip() else None
        if clause is not None:
            stmt = stmt.where(clause)
        return list(self.session.scalars(stmt.order_by(Contact.sort_name).limit(limit)))

    # -- writing ------------------------------------------------------------------------------
    def _company_for(self, cleaned: Cleaned, *, create: bool = True) -> int | None:
        if cleaned.kind == "company":
            return None
        if cleaned.company_id:
            company = self.session.get(Contact, cleaned.company_id)
            if company is None or company.kind != "company":
                raise ValidationFailed([FieldError("company", f"#{cleaned.company_id} is not a company")])
            return company.id
        if not cleaned.company:
            return None
        found = self.session.scalars(
            select(Contact)
            .where(Contact.kind == "company", Contact.sort_name == norm.sort_key(cleaned.company))
            .order_by(Contact.id)
            .limit(1)
        ).first()
        if found:
            return found.id
        if not create:
            return None
        now = clock.now()
        company = Contact(
            kind="company", name=cleaned.company, sort_name=norm.sort_key(cleaned.company),
            search_text=norm.search_text(name=cleaned.company, company=None, email=None, phone=None,
                                         tags=[], city=None),
            created_at=now, created_by=self.books.actor.name, updated_at=now,
            updated_by=self.books.actor.name,
        )
        self.session.add(company)
        self.session.flush()
        return company.id

    def _apply(self, c: Contact, cleaned: Cleaned, company_id: int | None) -> None:
        c.kind = cleaned.kind
        c.name = cleaned.name
        c.sort_name = norm.sort_key(cleaned.name)
        c.company_id = company_id
        c.email = cleaned.email
        c.phone = cleaned.phone
        for role in ROLES:
            setattr(c, f"is_{role}", role in cleaned.roles)
        c.address, c.city, c.country, c.notes = cleaned.address, cleaned.city, cleaned.country, cleaned.notes
        company_name = self.session.get(Contact, company_id).name if company_id else None
        c.search_text = norm.search_text(
            name=cleaned.name, company=company_name, email=cleaned.email, phone=cleaned.phone,
            tags=cleaned.tags, city=cleaned.city,
        )

    def _set_tags(self, contact_id: int, tags: list[str]) -> None:
        current = {t.tag: t for t in self.session.scalars(select(ContactTag).where(ContactTag.contact_id == contact_id))}
        for tag, row in current.items():
            if tag not in tags:
                self.session.delete(row)
        for tag in tags:
            if tag not in current:
                self.session.add(ContactTag(contact_id=contact_id, tag=tag))

    def add(self, data: ContactIn) -> Contact:
        self.books.require("contacts.write")
        cleaned = self.clean(data)
        company_id = self._company_for(cleaned)
        now = clock.now()
        c = Contact(kind=cleaned.kind, name=cleaned.name, sort_name="", created_at=now,
                    created_by=self.books.actor.name, updated_at=now, updated_by=self.books.actor.name)
        self._apply(c, cleaned, company_id)
        self.session.add(c)
        self.session.flush()
        self._set_tags(c.id, cleaned.tags)
        self.session.flush()
        return c

    def _locked(self, contact_id: int) -> Contact:
        c = self.session.scalars(
            select(Contact).where(Contact.id == contact_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        if c is None:
            raise NotFound(f"no contact #{contact_id}")
        return c

    def _check_version(self, c: Contact, expected_version: int | None) -> None:
        versioning.expect(c, expected_version, f"contact #{c.id}")

    def as_input(self, c: Contact) -> ContactIn:
        """The editable form of a saved contact."""
        return ContactIn(
            name=c.name, kind=c.kind, company_id=c.company_id, email=c.email, phone=c.phone,
            roles=c.roles, tags=self.tags_of(c.id), address=c.address, city=c.city,
            country=c.country, notes=c.notes,
        )

    def add_role(self, contact_id: int, role: str, *, because: str = "contacts.write") -> Contact:
        """Give a contact one more role (a lead who orders becomes a customer). ``because``: the
        permission the caller's document stands on (a sales order's confirmation makes its lead a
        customer under sales.write, as the clerk would by hand)."""
        from bizsuite.crm.contacts.models import ROLES

        self.books.require(because)
        if role not in ROLES:
            raise ValidationFailed([FieldError("roles", f"{role!r} is not one of {', '.join(ROLES)}")])
        c = self.session.scalars(select(Contact).where(Contact.id == contact_id).with_for_update()
                                 .execution_options(populate_existing=True)).first()
        if c is None:
            raise NotFound(f"no contact #{contact_id}")
        if not getattr(c, f"is_{role}"):
            setattr(c, f"is_{role}", True)
            versioning.touch(c, self.books.actor.name)
            self.session.flush()
        return c

    def update(self, contact_id: int, data: ContactIn, *, expected_version: int | None = None) -> Contact:
        """Save an edited contact. ``expected_version`` is the version the editor opened."""
        return self._update(contact_id, data, expected_version=expected_version)

    @staticmethod
    def _as_typed(*phones: str | None) -> frozenset[str]:
        return frozenset(p for p in phones if p and not norm.phone_verified(p))

    def _update(self, contact_id: int, data: ContactIn, *, expected_version: int | None = None,
                kept_phones: frozenset[str] = frozenset()) -> Contact:
        self.books.require("contacts.write")
        c = self._locked(contact_id)
        self._check_version(c, expected_version)
        cleaned = self.clean(data, kept_phones=kept_phones | self._as_typed(c.phone))
        if cleaned.kind == "person" and c.kind == "company":
            people = self.session.scalar(select(func.count()).where(Contact.company_id == c.id))
            if people:
                raise ValidationFailed([FieldError(
                    "kind", f"{people} {'person belongs' if people == 1 else 'people belong'} to this company")])
        company_id = self._company_for(cleaned)
        if company_id == c.id:
            raise ValidationFailed([FieldError("company", "a contact cannot belong to itself")])
        # Decide "changed?" before anything can autoflush: once flushed, is_modified() is False and
        # the version would never move (stale saves would then overwrite silently). Tags are part
        # of search_text, so a change of tags alone also counts.
        with self.session.no_autoflush:
            self._apply(c, cleaned, company_id)
            if self.session.is_modified(c):
                c.version = c.version + 1
                c.updated_at = clock.now()
                c.updated_by = self.books.actor.name
        self._set_tags(c.id, cleaned.tags)
        self.session.flush()
        if c.kind == "company":
            self._refresh_people_search(c)
        return c

    def _refresh_people_search(self, company: Contact) -> None:
        for person in self.session.scalars(select(Contact).where(Contact.company_id == company.id)):
            tags = self.tags_of(person.id)
            person.search_text = norm.search_text(
                name=person.name, company=company.name, email=person.email, phone=person.phone,
                tags=tags, city=person.city,
            )

    def _why_not_delete(self, c: Contact) -> str | None:
        refs = contact_references(self.session, c.id)
        if not refs:
            return None
        return (f"contact #{c.id} {c.name} is still referred to by {describe_references(refs)}; "
                "merge it into another contact instead")

    def why_not_delete(self, contact_id: int) -> str | None:
        """Why the contact cannot be deleted (records of any module that refer to it: every
        foreign key to contacts in the schema), or None when it can. :meth:`delete` refuses
        with the same words."""
        return self._why_not_delete(self.get(contact_id))

    def delete(self, contact_id: int, *, expected_version: int | None = None) -> None:
        self.books.require("contacts.write")
        c = self._locked(contact_id)
        self._check_version(c, expected_version)
        why = self._why_not_delete(c)
        if why:
            raise Refused(why)
        for a in self.session.scalars(select(Activity).where(Activity.contact_id == c.id)):
            self.session.delete(a)
        for t in self.session.scalars(select(ContactTag).where(ContactTag.contact_id == c.id)):
            self.session.delete(t)
        self.session.flush()
        self.session.delete(c)
        self.session.flush()

    def add_activity(self, contact_id: int, *, kind: str = "note", subject: str, body: str | None = None,
                     occurred_at: datetime | None = None) -> Activity:
        self.books.require("contacts.write")
        self.get(contact_id)
        errors: list[FieldError] = []
        if kind not in ACTIVITY_KINDS:
            errors.append(FieldError("kind", f"{kind!r} is not one of: {', '.join(ACTIVITY_KINDS)}"))
        subj = norm.clean_text(subject, limit=200, field="subject", errors=errors)
        if not subj and not any(e.field == "subject" for e in errors):
            errors.append(FieldError("subject", "is required"))
        body_ = norm.clean_text(body, limit=20000, field="body", errors=errors, multiline=True) if body else None
        if errors:
            raise ValidationFailed(errors)
        now = clock.now()
        a = Activity(contact_id=contact_id, kind=kind, subject=subj, body=body_,
                     occurred_at=occurred_at or now, author=self.books.actor.name, created_at=now)
        self.session.add(a)
        self.session.flush()
        return a

    # -- duplicates and merge -----------------------------------------------------------------
    def duplicates_of(self, contact_id: int) -> list["Duplicate"]:
        from bizsuite.crm.contacts.duplicates import duplicates_of

        return duplicates_of(self, self.get(contact_id))

    def all_duplicates(self, limit: int = 1000) -> list[tuple[int, int, str]]:
        self.books.require("contacts.read")
        from bizsuite.crm.contacts.duplicates import all_duplicates

        return all_duplicates(self, limit)

    def _refuse_fixed_references(self, keep: Contact, dup: Contact) -> None:
        """Rows that never change (a table's ``info["contact_fixed_when"]``, an SQL condition:
        posted ledger entries) keep the contact they name, so DUP cannot be merged away."""
        def fixed(contact_id: int) -> dict[str, int]:
            out = {}
            for table, col in contact_foreign_keys():
                when = table.info.get("contact_fixed_when")
                if when is not None:
                    n = self.session.scalar(select(func.count()).select_from(table)
                                            .where(col == contact_id, text(when)))
                    if n:
                        out[table.name] = n
            return out

        held = fixed(dup.id)
        if held:
            what = describe_references(held)
            other = ("merge the other way round" if not fixed(keep.id)
                     else "both are named by records that never change, so they stay two contacts")
            raise Refused(f"#{dup.id} is named by {what}, which never change; it cannot be merged away — {other}")

    def merge(self, keep_id: int, dup_id: int) -> Contact:
        """Fold DUP into KEEP: every record that points at DUP now points at KEEP; DUP is deleted."""
        self.books.require("contacts.write")
        if keep_id == dup_id:
            raise Refused("cannot merge a contact into itself")
        keep, dup = self._locked(keep_id), self._locked(dup_id)
        if keep.kind != dup.kind:
            raise Refused(f"cannot merge a {dup.kind} (#{dup.id}) into a {keep.kind} (#{keep.id})")
        if keep.company_id == dup.id:
            raise Refused(f"#{keep.id} belongs to #{dup.id}; merge the other way round")
        data = self.as_input(keep)
        dup_tags = self.tags_of(dup.id)
        kept_phones = self._as_typed(dup.phone)
        for field_ in ("email", "phone", "address", "city", "country"):
            if not getattr(data, field_) and getattr(dup, field_):
                setattr(data, field_, getattr(dup, field_))
        if not data.company_id and dup.company_id:
            data.company_id = dup.company_id
        if dup.notes:
            data.notes = f"{data.notes}\n\n{dup.notes}" if data.notes else dup.notes
        data.roles = list(dict.fromkeys(data.roles + dup.roles))
        data.tags = list(dict.fromkeys(data.tags + dup_tags))
        self._refuse_fixed_references(keep, dup)
        # Move every reference (any module's table), then drop DUP's own tags.
        changes = []
        for table, col in contact_foreign_keys():
            if table.name == "contact_tags":
                continue
            pk = list(table.primary_key.columns)
            ids = [row for row in self.session.execute(select(*pk).where(col == dup.id))]
            if not ids:
                continue
            self.session.execute(update(table).where(col == dup.id).values({col.name: keep.id}))
            for row in ids:
                changes.append(audit.Change(table.name, "/".join(str(v) for v in row), "update",
                                            {col.name: [dup.id, keep.id]}))
        changes += [audit.Change("contact_tags", f"{dup.id}/{t}", "delete", {"tag": [t, None]}) for t in dup_tags]
        audit.record_many(self.session, changes)
        self.session.execute(delete(ContactTag).where(ContactTag.contact_id == dup.id))
        self.session.expire_all()
        dup = self.session.get(Contact, dup_id)
        dup_label = f"#{dup.id} {dup.name}"
        self.session.delete(dup)
        self.session.flush()
        keep = self._update(keep_id, data, kept_phones=kept_phones)
        self.add_activity(keep.id, kind="note", subject=f"Merged {dup_label} into this contact")
        return keep
