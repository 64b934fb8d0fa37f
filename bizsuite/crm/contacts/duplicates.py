"""Likely duplicates: the same email, the same normalised phone, or a near-identical name in the
same company (rapidfuzz). Used when adding, importing, and by ``contacts duplicates``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select

from bizsuite.crm.contacts import normalise as norm
from bizsuite.crm.contacts.models import Contact

NAME_SIMILARITY = 90  # rapidfuzz ratio, 0–100


@dataclass
class Duplicate:
    contact_id: int
    name: str
    reason: str


def similar(a: str, b: str) -> bool:
    ka, kb = norm.name_key(a), norm.name_key(b)
    if ka == kb:
        return True
    return fuzz.ratio(ka, kb) >= NAME_SIMILARITY


def duplicates_of(repo, c: Contact) -> list[Duplicate]:
    """Contacts that look like ``c``."""
    s = repo.session
    out: dict[int, Duplicate] = {}
    if c.email:
        for o in s.scalars(select(Contact).where(Contact.email == c.email, Contact.id != c.id).limit(20)):
            out.setdefault(o.id, Duplicate(o.id, o.name, "same email"))
    if c.phone:
        for o in s.scalars(select(Contact).where(Contact.phone == c.phone, Contact.id != c.id).limit(20)):
            out.setdefault(o.id, Duplicate(o.id, o.name, "same phone"))
    stmt = select(Contact).where(Contact.id != c.id, Contact.kind == c.kind)
    if c.kind == "person":
        stmt = stmt.where(Contact.company_id == c.company_id) if c.company_id else stmt.where(Contact.company_id.is_(None))
    key = norm.name_key(c.name)
    words = sorted((w for w in key.split() if len(w) >= 3), key=len, reverse=True)
    probe = words[0] if words else key[:2]
    if probe:
        clause = repo._search_clause(probe)
        if clause is not None:
            stmt = stmt.where(clause)
    for o in s.scalars(stmt.limit(500)):
        if similar(c.name, o.name):
            where = "in the same company" if c.kind == "person" and c.company_id else ""
            out.setdefault(o.id, Duplicate(o.id, o.name, f"similar name {where}".strip()))
    return sorted(out.values(), key=lambda d: d.contact_id)


def all_duplicates(repo, limit: int = 1000) -> list[tuple[int, int, str]]:
    """Pairs (lower id, higher id, reason) across all contacts, blocked so it scales to 100k."""
    s = repo.session
    pairs: dict[tuple[int, int], str] = {}
    by_email: dict[str, list[int]] = defaultdict(list)
    by_phone: dict[str, list[int]] = defaultdict(list)
    blocks: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for cid, kind, name, company_id, email, phone in s.execute(
        select(Contact.id, Contact.kind, Contact.name, Contact.company_id, Contact.email, Contact.phone)
    ):
        if email:
            by_email[email].append(cid)
        if phone:
            by_phone[phone].append(cid)
        key = norm.name_key(name)
        blocks[(kind, company_id, key[:2])].append((cid, key))
    for reason, groups in (("same email", by_email), ("same phone", by_phone)):
        for ids in groups.values():
            for i in range(len(ids)):
                for j in range(i + 1, min(len(ids), i + 50)):
                    pairs.setdefault((min(ids[i], ids[j]), max(ids[i], ids[j])), reason)
    for members in blocks.values():
        if len(members) < 2 or len(members) > 2000:
            continue
        for i, (a, ka) in enumerate(members):
            for b, kb in members[i + 1:]:
                if ka == kb or fuzz.ratio(ka, kb) >= NAME_SIMILARITY:
                    pairs.setdefault((min(a, b), max(a, b)), "similar name")
    return [(a, b, r) for (a, b), r in sorted(pairs.items())][:limit]
