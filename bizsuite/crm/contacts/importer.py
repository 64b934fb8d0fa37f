"""Contacts import and export: our CSV, Google Contacts and Outlook exports, and ``--map``.

Rows become :class:`ContactIn`, are validated by the repository's own rules, matched against
what is already in the books (so a second run adds nothing), and written in bulk: one
executemany per table, not one ORM object per row. Every inserted row is audited.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, TextIO

from sqlalchemy import select

from bizsuite.core import audit, clock
from bizsuite.core.db import bulk_search_index, indexes_rebuilt, insert_rows, reserve_ids
from bizsuite.core.errors import FieldError
from bizsuite.core.importer import (
    gc_paused,
    ImportReport,
    Problem,
    Progress,
    header_key,
    map_columns,
    neutralise,
    parse_maps,
    read_csv,
    settle,
    write_rejects,
)
from bizsuite.crm.contacts import normalise as norm
from bizsuite.crm.contacts.duplicates import NAME_SIMILARITY
from bizsuite.crm.contacts.models import ROLES, Contact, ContactIn, ContactTag

FIELDS = ("name", "kind", "company", "email", "phone", "roles", "tags", "address", "city",
          "country", "notes")

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("full name", "display name", "contact", "contact name", "名称", "姓名"),
    "kind": ("type", "contact type"),
    "company": ("organization", "organisation", "company name", "account", "公司"),
    "email": ("e-mail", "email address", "e-mail address", "mail", "邮箱"),
    "phone": ("telephone", "phone number", "mobile", "tel", "电话", "手机"),
    "roles": ("role", "category", "categories"),
    "tags": ("tag", "labels", "label", "groups"),
    "address": ("street", "address line 1", "street address", "地址"),
    "city": ("town", "城市"),
    "country": ("country/region", "国家"),
    "notes": ("note", "comments", "comment", "description", "备注"),
}

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _join_name(first: str, middle: str, last: str) -> str:
    parts = [p.strip() for p in (first, middle, last) if p and p.strip()]
    if parts and all(_CJK.search(p) for p in parts) and len(parts) > 1:
        # Chinese order: family name first, no space (王 + 小明 → 王小明).
        return last.strip() + first.strip() + (middle or "").strip()
    return " ".join(parts)


def _cell(row: dict[str, str], *names: str) -> str:
    for n in names:
        v = row.get(header_key(n), "")
        if v and v.strip():
            return v.strip()
    return ""


def _google_labels(raw: str) -> list[str]:
    out = []
    for part in raw.split(":::"):
        p = part.strip().lstrip("*").strip()
        if p and p.lower() not in {"mycontacts", "starred"}:
            out.append(p)
    return out


def _from_google(row: dict[str, str]) -> ContactIn:
    name = _cell(row, "Name") or _join_name(
        _cell(row, "First Name", "Given Name"), _cell(row, "Middle Name", "Additional Name"),
        _cell(row, "Last Name", "Family Name"),
    ) or _cell(row, "File As", "Nickname")
    company = _cell(row, "Organization Name", "Organization 1 - Name")
    kind = "person"
    if not name and company:
        name, company, kind = company, "", "company"
    street = _cell(row, "Address 1 - Street") or _cell(row, "Address 1 - Formatted").split("\n")[0]
    return ContactIn(
        name=name, kind=kind, company=company or None,
        email=_cell(row, "E-mail 1 - Value") .split(" ::: ")[0] or None,
        phone=_cell(row, "Phone 1 - Value").split(" ::: ")[0] or None,
        tags=_google_labels(_cell(row, "Labels", "Group Membership")),
        address=street or None, city=_cell(row, "Address 1 - City") or None,
        country=_cell(row, "Address 1 - Country", "Address 1 - Country Code") or None,
        notes=_cell(row, "Notes") or None,
    )


def _from_outlook(row: dict[str, str]) -> ContactIn:
    name = _join_name(_cell(row, "First Name"), _cell(row, "Middle Name"), _cell(row, "Last Name"))
    company = _cell(row, "Company")
    kind = "person"
    if not name and company:
        name, company, kind = company, "", "company"
    return ContactIn(
        name=name, kind=kind, company=company or None,
        email=_cell(row, "E-mail Address", "E-mail 2 Address") or None,
        phone=_cell(row, "Mobile Phone", "Business Phone", "Primary Phone", "Home Phone") or None,
        tags=norm.split_multi(_cell(row, "Categories")),
        address=_cell(row, "Business Street", "Home Street") or None,
        city=_cell(row, "Business City", "Home City") or None,
        country=_cell(row, "Business Country/Region", "Home Country/Region") or None,
        notes=_cell(row, "Notes") or None,
    )


def _unquote(cell: str) -> str:
    """Undo our own formula neutralising (``'+1415…`` → ``+1415…``) so exports re-import."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@":
        return cell[1:]
    return cell


def _from_ours(v: dict[str, str]) -> ContactIn:
    u = {k: _unquote(x) if x[:1] == "'" else x for k, x in v.items()}
    g = u.get
    return ContactIn(
        name=g("name", ""), kind=(v.get("kind") or "person"), company=g("company") or None,
        email=g("email") or None, phone=g("phone") or None, roles=norm.split_multi(g("roles")),
        tags=norm.split_multi(g("tags")), address=g("address") or None, city=g("city") or None,
        country=g("country") or None, notes=g("notes") or None,
    )


@dataclass
class Format:
    name: str
    detect: Callable[[set[str]], bool]
    convert: Callable[[dict[str, str]], ContactIn]


def _has(headers: set[str], *names: str) -> bool:
    """Whether any of ``names`` is a column (``headers`` holds :func:`header_key` forms)."""
    return any(header_key(n) in headers for n in names)


FOREIGN_FORMATS = (
    Format(
        "google",
        lambda h: _has(h, "E-mail 1 - Value") and _has(h, "Given Name", "First Name")
        and _has(h, "Labels", "Group Membership"),
        _from_google,
    ),
    Format(
        "outlook",
        lambda h: _has(h, "E-mail Address") and _has(h, "First Name")
        and _has(h, "Business Phone", "Mobile Phone"),
        _from_outlook,
    ),
)


def _identity(kind: str, email: str | None, phone: str | None, sort_name: str, company_key: str) -> tuple:
    if email:
        return ("email", email)
    if phone:
        return ("phone", phone)
    return ("name", kind, sort_name, company_key)


def import_contacts(books, path: str | Path, *, maps: Iterable[str] = (), dry_run: bool = False,
                    skip_invalid: bool = False, rejects: str | Path | None = None,
                    progress: Progress | None = None, display: str | None = None,
                    workers: int = 1) -> ImportReport:
    """Import a contacts CSV in one unit of work (the caller's transaction).

    ``workers`` > 1 validates large files in that many forked processes (the CLI passes the
    number of CPUs; in-process callers with threads, such as the app, keep the default 1).
    """
    with gc_paused():
        return _import(books, path, maps=maps, dry_run=dry_run, skip_invalid=skip_invalid,
                       rejects=rejects, progress=progress, display=display, workers=workers)


CONVERTERS = {"bizsuite": _from_ours, **{f.name: f.convert for f in FOREIGN_FORMATS}}
PARALLEL_FROM = 20_000  # rows; below this, starting processes costs more than it saves


AUDITED = ("kind", "name", "company", "email", "phone", "roles", "tags", "address", "city", "country",
           "notes")


def _prepare(c, source: str | None) -> tuple[str, str, str, str | None]:
    """The per-row work of writing a valid contact, done where it was validated (so parallel
    workers share it): (sort name, company key, search text, audit changes). ``source`` is None
    when the import is audited as one load (:data:`audit.EACH_UP_TO`): no audit text then.

    A person's search text names their company as written in the file; the company it resolves
    to has the same sort key, and search text is made of sort keys, so it is the same text.
    """
    changes = None
    if source is not None:
        fields = {k: v for k, v in zip(AUDITED, (
            c.kind, c.name, c.company, c.email, c.phone, ";".join(c.roles), ";".join(c.tags), c.address,
            c.city, c.country, c.notes)) if v}
        fields["source"] = source
        changes = audit.encode_insert(fields)
    return (
        norm.sort_key(c.name),
        norm.sort_key(c.company) if c.company else "",
        norm.search_text(name=c.name, company=c.company, email=c.email, phone=c.phone, tags=c.tags,
                         city=c.city),
        changes,
    )


def _values(cells: list[str], layout: tuple) -> dict[str, str]:
    """A row's cells by name: ("fields", ((field, column), …)) for our columns and --map (cells
    stripped), ("header", (key, …)) for the foreign formats (every column by its header key)."""
    how, spec = layout
    n = len(cells)
    if how == "fields":
        return {f: (cells[i].strip() if i < n else "") for f, i in spec}
    return {k: (cells[i] if i < n else "") for i, k in enumerate(spec)}


def _validate_chunk(chunk: list[tuple[int, list[str]]], fmt_name: str, layout: tuple, region: str,
                    source: str | None) -> list[tuple]:
    """Convert, validate and prepare rows: (line, [(field, message)], Cleaned, prepared,
    [warning]); a row with problems has no Cleaned and no prepared."""
    from bizsuite.crm.contacts.repository import clean_contact

    convert = CONVERTERS[fmt_name]
    out = []
    for line, cells in chunk:
        errors: list[FieldError] = []
        warnings: list[str] = []
        c = clean_contact(convert(_values(cells, layout)), region, errors, warnings=warnings)
        if errors:
            out.append((line, [(e.field, e.message) for e in errors], None, None, ()))
        else:
            out.append((line, (), c, _prepare(c, source), warnings))
    return out


_FORKED_ROWS: list = []  # the rows to validate, inherited by forked workers (not sent through pipes)


def _validate_range(start: int, stop: int, fmt_name: str, layout: tuple, region: str,
                    source: str | None) -> bytes:
    """A worker's chunk, validated, as marshal bytes: the rows are plain tuples of text, which
    marshal writes and reads twice as fast as pickle (both CPUs are busy; every bit counts)."""
    import marshal

    return marshal.dumps([(line, errors, tuple(c) if c is not None else None, prepared, warnings)
                          for line, errors, c, prepared, warnings in _validate_chunk(_FORKED_ROWS[start:stop], fmt_name, layout, region, source)])


def _unmarshalled(data: bytes) -> list[tuple]:
    import marshal

    from bizsuite.crm.contacts.repository import Cleaned

    make = Cleaned._make
    return [(line, errors, make(c) if c is not None else None, prepared, warnings)
            for line, errors, c, prepared, warnings in marshal.loads(data)]


def _worker_init() -> None:
    """Validation workers die with the import: killed or interrupted, it leaves no orphans
    holding its pipes open (or blocked writing results nobody reads)."""
    import os
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if os.getppid() == 1:  # the parent died before the signal was armed
        os._exit(1)


def _validate(todo, fmt_name, layout, region, source, *, workers, progress, total) -> list[tuple]:
    """Every row of ``todo`` ((line, cells) pairs) converted, validated and prepared."""
    global _FORKED_ROWS
    if workers <= 1 or len(todo) < PARALLEL_FROM:
        out = []
        step = 5000
        for i in range(0, len(todo), step):
            out += _validate_chunk(todo[i:i + step], fmt_name, layout, region, source)
            if progress:
                progress(min(len(todo), i + step) // 2, total)
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(todo) // (workers * 8))
    starts = list(range(0, len(todo), size))
    out = []
    _FORKED_ROWS = todo  # forked workers see it as it is now; only (start, stop) go through the pipe
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_init) as pool:
            n = len(starts)
            parts = pool.map(_validate_range, starts, [i + size for i in starts], [fmt_name] * n,
                             [layout] * n, [region] * n, [source] * n)
            for i, part in enumerate(parts):
                out += _unmarshalled(part)
                if progress:
                    progress(min(len(todo), (i + 1) * size) // 2, total)
    finally:
        _FORKED_ROWS = []
    return out


def _import(books, path, *, maps, dry_run, skip_invalid, rejects, progress, display, workers) -> ImportReport:
    books.require("contacts.write")
    file = read_csv(path, display=display)
    header_keys = {header_key(h) for h in file.header}
    user_map = parse_maps(maps, FIELDS)
    fmt = None if user_map else next((f for f in FOREIGN_FORMATS if f.detect(header_keys)), None)
    report = ImportReport(file=file.name, read=len(file.rows), dry_run=dry_run,
                          format=fmt.name if fmt else "bizsuite")
    if fmt:  # the converters read columns by their header keys
        layout = ("header", tuple(header_key(h) for h in file.header))
    else:
        layout = ("fields", tuple(map_columns(file, ALIASES, user_map, required=("name",)).items()))

    # 1. validate every row with the repository's own rules — outside the write transaction: on
    #    SQLite the first query through ``books`` takes the write lock (BEGIN IMMEDIATE), and every
    #    other clerk would wait (and, past the busy timeout, fail) for the whole validation.
    with books.store.read(books.actor) as peek:
        region = peek.contacts.phone_region
    total = len(file.rows)
    todo = [(row.line, row.cells) for row in file.rows if not row.problems]  # cells named in the workers
    fmt_name = fmt.name if fmt else "bizsuite"
    source = f"import {file.name}"
    each = len(todo) <= audit.EACH_UP_TO  # audited contact by contact, or as one load
    results = _validate(todo, fmt_name, layout, region, source if each else None, workers=workers,
                        progress=progress, total=total)
    by_line = {row.line: row for row in file.rows}
    cleaned = {}
    for line, errors, c, prepared, warnings in results:
        if errors:
            row = by_line[line]
            for field_, message in errors:
                row.problems.append(Problem(file.name, line, message, field_))
        else:
            cleaned[line] = (c, prepared)
            # e.g. a phone number we cannot read: the row is imported, the number kept as typed
            report.warnings.extend(f"{file.name}:{line}: {w}" for w in warnings)
    good, bad = settle(file, skip_invalid=skip_invalid)
    report.rejected = bad

    # 2. match against the books and within the file: what is new, what is already there (one
    # import at a time from here: a second run of the same file waits, then finds it all there)
    books.contacts.hold_identity()
    s = books.session
    existing_email = dict(s.execute(select(Contact.email, Contact.id).where(Contact.email.is_not(None))).all())
    existing_phone = dict(s.execute(select(Contact.phone, Contact.id).where(Contact.phone.is_not(None))).all())
    companies: dict[str, int] = {}
    for cid, sk in s.execute(
        select(Contact.id, Contact.sort_name).where(Contact.kind == "company").order_by(Contact.id.desc())
    ):
        companies[sk] = cid
    existing_names = set()
    company_key_by_id = {cid: sk for sk, cid in companies.items()}
    for kind, sk, comp in s.execute(select(Contact.kind, Contact.sort_name, Contact.company_id)):
        existing_names.add(("name", kind, sk, company_key_by_id.get(comp, "") if comp else ""))
    seen: dict[tuple, int] = {}
    new_rows = []  # (row, Cleaned, prepared)
    for row in good:
        c, prepared = cleaned[row.line]
        ident = _identity(c.kind, c.email, c.phone, prepared[0], prepared[1])
        if ident in seen:
            report.unchanged += 1
            report.warnings.append(
                f"{file.name}:{row.line}: same {ident[0]} as line {seen[ident]}; skipped as a duplicate"
            )
            continue
        seen[ident] = row.line
        if c.email:
            present = c.email in existing_email
        elif c.phone:
            present = c.phone in existing_phone
        elif c.kind == "company":
            present = prepared[0] in companies
        else:
            present = ident in existing_names
        if present:
            report.unchanged += 1
            continue
        new_rows.append((row, c, prepared))

    # likely duplicates among the new rows: same phone or email as an existing contact
    for row, c, _ in new_rows:
        if c.phone and c.phone in existing_phone and c.email:
            report.warnings.append(
                f"{file.name}:{row.line}: likely duplicate of #{existing_phone[c.phone]} (same phone)"
            )
    _warn_similar_names(file.name, new_rows, companies, s, report)

    report.imported = len(new_rows)
    if dry_run:
        report.counts["companies to create"] = len(
            {p[1] for _, c, p in new_rows if c.company}
            - set(companies) - {p[0] for _, c, p in new_rows if c.kind == "company"}
        )
        if rejects and bad:
            write_rejects(rejects, file, bad)
        return report

    # 3. write in bulk: companies first (people point at them), then people, tags, audit — one
    #    executemany of plain tuples per table, who and when written into the statement once
    now = clock.now()
    actor = books.actor.name
    table = Contact.__table__
    conn = s.connection()
    constant = {"version": 1, "created_at": now, "created_by": actor, "updated_at": now, "updated_by": actor}
    columns = ["id", "kind", "name", "sort_name", "company_id", "email", "phone",
               *[f"is_{r}" for r in ROLES], "address", "city", "country", "notes", "search_text"]
    written: list[tuple[int, object, str]] = []  # (id, Cleaned, audit changes)

    def write(items: list[tuple]) -> list[int]:
        """``items``: (Cleaned, prepared, company id). Ids are reserved up front so the insert
        is one plain executemany (RETURNING would make SQLAlchemy run one statement per row)."""
        ids = reserve_ids(s, table, len(items))
        rows = [
            (i, c.kind, c.name, p[0], cid, c.email, c.phone, *[r in c.roles for r in ROLES],
             c.address, c.city, c.country, c.notes, p[2])
            for i, (c, p, cid) in zip(ids, items)
        ]
        insert_rows(conn, table, columns, constant, rows)
        written.extend((i, c, p[3]) for i, (c, p, _) in zip(ids, items))
        return ids

    with indexes_rebuilt(s, "contacts", adding=len(new_rows)), bulk_search_index(s, "contacts"):
        company_rows = [(c, p) for _, c, p in new_rows if c.kind == "company"]
        people_rows = [(c, p) for _, c, p in new_rows if c.kind == "person"]
        ids = write([(c, p, None) for c, p in company_rows])
        for (_, p), cid in zip(company_rows, ids):
            companies.setdefault(p[0], cid)
        # companies named by people but not in the books or the file are created
        from bizsuite.crm.contacts.repository import Cleaned

        missing = {}
        for c, p in people_rows:
            if c.company and p[1] not in companies:
                missing.setdefault(p[1], c.company)
        extra = [Cleaned(kind="company", name=n, company=None, company_id=None, email=None, phone=None,
                         roles=[], tags=[], address=None, city=None, country=None, notes=None)
                 for n in missing.values()]
        extra_ids = write([(c, _prepare(c, source if each else None), None) for c in extra])
        for c, cid in zip(extra, extra_ids):
            companies[norm.sort_key(c.name)] = cid
        report.counts["companies created"] = len(extra_ids)
        if progress:
            progress(total // 2 + len(company_rows), total)
        step = 20000
        for i in range(0, len(people_rows), step):
            write([(c, p, companies.get(p[1]) if c.company else None) for c, p in people_rows[i:i + step]])
            if progress:
                progress(min(total, total // 2 + len(company_rows) + i + step), total)
    tag_rows = [(cid, t) for cid, c, _ in written for t in c.tags]
    insert_rows(conn, ContactTag.__table__, ["contact_id", "tag"], {}, tag_rows)
    if each:
        audit.record_inserts(s, "contacts", ((cid, changes) for cid, _, changes in written))
    else:
        audit.record_load(s, "contacts", [cid for cid, _, _ in written],
                          {"contacts": len(written), "companies created": len(extra_ids), "source": source})
    if rejects and bad:
        write_rejects(rejects, file, bad)
    if progress:
        progress(total, total)
    return report


def _warn_similar_names(name: str, new_rows, companies: dict[str, int], s, report: ImportReport) -> None:
    """Warn about new companies whose name is near-identical to an existing one."""
    from rapidfuzz import fuzz, process

    existing = {norm.name_key(k): cid for k, cid in companies.items()}
    if not existing:
        return
    keys = list(existing)
    by_prefix: dict[str, list[str]] = {}
    for k in keys:
        by_prefix.setdefault(k[:2], []).append(k)
    for row, c, _ in new_rows:
        if c.kind != "company":
            continue
        k = norm.name_key(c.name)
        if k in existing:
            report.warnings.append(f"{name}:{row.line}: likely duplicate of #{existing[k]} (same name)")
            continue
        best = process.extractOne(k, by_prefix.get(k[:2], []), scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY)
        if best:
            report.warnings.append(f"{name}:{row.line}: likely duplicate of #{existing[best[0]]} (similar name)")


# -- export -------------------------------------------------------------------------------------


def export_csv(books, out: TextIO, **filters) -> int:
    """Our CSV columns (what ``import`` reads back); text that looks like a formula is neutralised."""
    repo = books.contacts
    w = csv.writer(out)
    w.writerow([*FIELDS, "id"])
    n = 0
    for r in repo.iter_all(**filters):
        w.writerow([
            neutralise(v or "") for v in (
                r.name, r.kind, r.company, r.email, r.phone, ";".join(r.roles), ";".join(r.tags),
                r.address, r.city, r.country, r.notes,
            )
        ] + [r.id])
        n += 1
    return n


def export_json(books, out: TextIO, **filters) -> int:
    repo = books.contacts
    items = []
    for r in repo.iter_all(**filters):
        items.append({
            "id": r.id, "name": r.name, "kind": r.kind, "company": r.company, "email": r.email,
            "phone": r.phone, "roles": r.roles, "tags": r.tags, "address": r.address,
            "city": r.city, "country": r.country, "notes": r.notes,
            "updated_at": r.updated_at.isoformat(),
        })
    json.dump(items, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(items)
