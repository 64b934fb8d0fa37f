"""Invariants of the contacts module, run by ``bizsuite check``."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from bizsuite.core.admin import CheckResult
from bizsuite.crm.contacts import normalise as norm
from bizsuite.crm.contacts.models import Contact, ContactTag


def contact_checks(books) -> list[CheckResult]:
    s = books.session
    out = []
    company = aliased(Contact)
    bad_company = s.scalar(
        select(func.count()).select_from(Contact).join(company, company.id == Contact.company_id)
        .where(company.kind != "company")
    )
    out.append(CheckResult("people belong only to companies", not bad_company,
                           f"{bad_company} contacts belong to a person" if bad_company else ""))
    nested = s.scalar(select(func.count()).select_from(Contact).where(
        and_(Contact.kind == "company", Contact.company_id.is_not(None))))
    out.append(CheckResult("companies belong to no company", not nested,
                           f"{nested} companies belong to another" if nested else ""))
    # search text and sort name agree with the record (a sample would hide drift; check all)
    company_names = dict(s.execute(select(Contact.id, Contact.name).where(Contact.kind == "company")).all())
    tags: dict[int, list[str]] = {}
    for cid, tag in s.execute(select(ContactTag.contact_id, ContactTag.tag).order_by(ContactTag.contact_id, ContactTag.tag)):
        tags.setdefault(cid, []).append(tag)
    stale = 0
    for row in s.execute(select(Contact.id, Contact.name, Contact.sort_name, Contact.company_id, Contact.email,
                                Contact.phone, Contact.city, Contact.search_text)):
        expected = norm.search_text(name=row.name, company=company_names.get(row.company_id),
                                    email=row.email, phone=row.phone, tags=sorted(tags.get(row.id, [])),
                                    city=row.city)
        if row.sort_name != norm.sort_key(row.name) or expected != row.search_text:
            stale += 1
    out.append(CheckResult("contact search text up to date", not stale,
                           f"{stale} contacts have stale search text" if stale else ""))
    return out


def search_index_check(books) -> list[CheckResult]:
    """SQLite's FTS5 index of contacts checks itself; PostgreSQL's trigram index needs no check."""
    if books.dialect != "sqlite":
        return []
    from sqlalchemy import text

    if getattr(books.store, "read_only", False):  # FTS5 checks itself through an INSERT
        return [CheckResult("contact search index", True, "not checked: the books are read-only")]
    sql = text("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)")
    try:
        if books.session.info.get("writes", True):
            books.session.execute(sql)
        else:
            # a read unit never takes the write lock (Store.read): the INSERT would hold it until
            # the unit ends, and another clerk's check (or save) would find the books locked.
            # Its own short connection takes it for the moment of the check, waiting its turn.
            with books.store.engine.connect() as conn:
                conn.execute(sql)
                conn.rollback()
        return [CheckResult("contact search index", True)]
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return [CheckResult("contact search index", False, str(getattr(exc, "orig", exc)))]
