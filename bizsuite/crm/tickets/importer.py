"""Tickets import and export (CSV; JSON for export).

The CSV has a header row; columns are found by name (case, spaces, ``-`` and ``_`` do not
matter), by the aliases below, or by ``--map SOURCE=FIELD``. UTF-8, with or without BOM.

=============== ==========================================================================
column          what it holds
=============== ==========================================================================
subject         required; at most 200 characters (aliases: title, summary)
contact         the customer's name, as in contacts (aliases: customer, requester, name)
email           the customer's email (aliases: contact email, requester email, e-mail).
                At least one of contact/email. The email is looked up first, then the exact
                name (which must name one contact). A row whose contact is not in the books is
                an error, unless ``--create-contacts`` (a person is added with that name/email).
description     the customer's request (aliases: body, details, message)
priority        low, normal (the default), high, urgent
status          new (the default), open, pending, on hold, resolved, closed
channel         phone, email (the default), walk-in, other (aliases: source, via)
assignee        a bizsuite user whose role may work tickets (aliases: agent, assigned to)
tags            several separated by ``;``
created         when the ticket was opened: ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM[:SS]`` in the
                machine's local time, or ISO 8601 with an offset (default: now)
first_response  when it was first answered (same forms); counts as the first response
resolved        when it was resolved (for resolved and closed tickets)
ref             the ticket's number in the system it comes from
=============== ==========================================================================

Re-running an import adds nothing: each row has a key — ``ref`` when given, otherwise the
contact, subject, description and created time — stored on the ticket (``import_key``). The
SLA clocks of imported tickets come from the history these columns describe.

Rules are the framework's (:mod:`bizsuite.core.importer`): all or nothing unless
``skip_invalid``; ``dry_run`` validates only; problems print as ``FILE:LINE: field: problem``.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, TextIO

from sqlalchemy import select

from bizsuite.core import audit, clock
from bizsuite.core.db import bulk_insert, reserve_ids
from bizsuite.core.errors import FieldError, ValidationFailed
from bizsuite.core.importer import (
    ImportReport,
    Problem,
    Progress,
    apply_columns,
    gc_paused,
    map_columns,
    neutralise,
    parse_maps,
    read_csv,
    settle,
    write_rejects,
)
from bizsuite.crm.contacts import normalise as norm
from bizsuite.crm.contacts.models import Contact, ContactIn
from bizsuite.crm.tickets import sla
from bizsuite.crm.tickets.models import FINISHED_STATUSES, Ticket, TicketEvent, TicketIn, TicketTag
from bizsuite.crm.tickets.repository import parse_status

FIELDS = ("subject", "contact", "email", "description", "priority", "status", "channel", "assignee", "tags",
          "created", "first_response", "resolved", "ref")

ALIASES: dict[str, tuple[str, ...]] = {
    "subject": ("title", "summary", "主题", "标题"),
    "contact": ("customer", "requester", "contact name", "customer name", "name", "客户"),
    "email": ("contact email", "requester email", "customer email", "e-mail", "e-mail address", "邮箱"),
    "description": ("body", "details", "message", "描述"),
    "priority": ("urgency", "优先级"),
    "status": ("state", "状态"),
    "channel": ("source", "via"),
    "assignee": ("agent", "assigned to", "owner", "负责人"),
    "tags": ("tag", "labels", "label"),
    "created": ("created at", "opened", "date", "创建时间"),
    "first_response": ("first response at", "first reply", "responded"),
    "resolved": ("resolved at", "solved", "solved at"),
    "ref": ("external id", "ticket id", "ticket number", "number", "key"),
}


def _unquote(cell: str) -> str:
    """Undo our own formula neutralising so exports re-import."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@":
        return cell[1:]
    return cell


def parse_moment(text: str, field: str, errors: list[FieldError]) -> datetime | None:
    """ISO dates and times; without an offset they are the machine's local time."""
    raw = text.strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        errors.append(FieldError(field, f"{raw!r} is not a date such as 2026-03-14 or 2026-03-14 09:30"))
        return None
    if value.tzinfo is None:
        value = value.astimezone()  # naive: local time
    return value.astimezone(timezone.utc)


def _history(status: str, created: datetime, first: datetime | None, resolved: datetime | None,
             errors: list[FieldError]) -> list[tuple[datetime, str]]:
    for name, value in (("first_response", first), ("resolved", resolved)):
        if value is not None and value < created:
            errors.append(FieldError(name, "is before the ticket was created"))
    if resolved is not None and status not in FINISHED_STATUSES:
        errors.append(FieldError("resolved", f"is given but the status is {status.replace('_', ' ')}"))
    history = [(created, "new")]
    if first is not None and status != "new":
        history.append((first, "open"))
    if status in FINISHED_STATUSES:
        end = max(x for x in (created, first, resolved) if x is not None)
        history.append((end, "resolved"))
        if status == "closed":
            history.append((end, "closed"))
    elif status != "new":
        history.append((max(x for x in (created, first) if x is not None), status))
    out: list[tuple[datetime, str]] = []
    for at, s in sorted(history, key=lambda h: h[0]):
        if not out or out[-1][1] != s:
            out.append((at, s))
    return out


IMPORT_LOCK = "tickets.import"


def import_tickets(books, path: str | Path, *, maps: Iterable[str] = (), create_contacts: bool = False,
                   dry_run: bool = False, skip_invalid: bool = False, rejects: str | Path | None = None,
                   progress: Progress | None = None, display: str | None = None) -> ImportReport:
    """Import a tickets CSV in the caller's unit of work (see the module doc)."""
    with gc_paused():
        return _import(books, path, maps=maps, create_contacts=create_contacts, dry_run=dry_run,
                       skip_invalid=skip_invalid, rejects=rejects, progress=progress, display=display)


def _import(books, path, *, maps, create_contacts, dry_run, skip_invalid, rejects, progress, display) -> ImportReport:
    repo = books.tickets
    books.require("tickets.write")
    if create_contacts:
        books.require("contacts.write")
    file = read_csv(path, display=display)
    user_map = parse_maps(maps, FIELDS)
    columns = map_columns(file, ALIASES, user_map, required=("subject",))
    if "contact" not in columns and "email" not in columns:
        from bizsuite.core.errors import Refused

        raise Refused(f"{file.name}:1: no column for contact or email (the header has: {', '.join(file.header)}); "
                      "use --map SOURCE=FIELD")
    apply_columns(file, columns)
    report = ImportReport(file=file.name, read=len(file.rows), dry_run=dry_run, format="bizsuite")
    # From here the import looks up contacts (adding the missing) and tickets already imported:
    # one such import at a time (core/locks.py; the names in alphabetical order).
    books.contacts.hold_identity()
    books.hold(IMPORT_LOCK)
    s = books.session
    total = len(file.rows)

    # 1. the contacts the file names: by email first, then by exact name (one contact only)
    emails, names = set(), set()
    for row in file.rows:
        v = {k: _unquote(x) for k, x in row.values.items()}
        row.values = v
        if v.get("email"):
            emails.add(v["email"].strip().lower())
        if v.get("contact"):
            names.add(norm.sort_key(v["contact"]))
    by_email: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    for chunk in _chunks(sorted(emails)):
        for email, cid in s.execute(select(Contact.email, Contact.id).where(Contact.email.in_(chunk)).order_by(Contact.id)):
            by_email.setdefault(email, cid)
    for chunk in _chunks(sorted(names)):
        for key, cid in s.execute(select(Contact.sort_name, Contact.id).where(Contact.sort_name.in_(chunk))):
            by_name.setdefault(key, []).append(cid)
    roles = repo._user_roles()
    now = clock.now()

    # 2. validate every row with the repository's own rules
    prepared = {}
    to_create: dict[tuple, ContactIn] = {}
    for n, row in enumerate(file.rows, 1):
        if progress and n % 5000 == 0:
            progress(n // 2, total)
        if row.problems:
            continue
        v = row.values
        errors: list[FieldError] = []
        email = norm.clean_email(v.get("email") or None, errors)
        name = (v.get("contact") or "").strip()
        contact_id: int | None = None
        new_contact = None
        if email and email in by_email:
            contact_id = by_email[email]
        elif name and len(by_name.get(norm.sort_key(name), [])) == 1:
            contact_id = by_name[norm.sort_key(name)][0]
        elif name and len(by_name.get(norm.sort_key(name), [])) > 1:
            ids = ", ".join(f"#{i}" for i in by_name[norm.sort_key(name)][:5])
            errors.append(FieldError("contact", f"{name!r} names several contacts ({ids}); give the email"))
        elif not name and not email:
            if not any(e.field == "email" for e in errors):
                errors.append(FieldError("contact", "is required: give the customer's name or email"))
        elif create_contacts:
            new_contact = ("email", email) if email else ("name", norm.sort_key(name))
            if new_contact not in to_create:
                to_create[new_contact] = ContactIn(name=name or email.split("@")[0], kind="person", email=email,
                                                   roles=["customer"])
        else:
            said = " or ".join(x for x in (f"with email {email}" if email else "", f"named {name!r}" if name else "") if x)
            errors.append(FieldError("contact", f"no contact {said}; add it first or use --create-contacts"))
        data = TicketIn(subject=v.get("subject", ""), contact_id=contact_id or 0, description=v.get("description") or None,
                        priority=v.get("priority") or "normal", channel=v.get("channel") or "email",
                        assignee=v.get("assignee") or None, tags=norm.split_multi(v.get("tags", "")))
        cleaned = repo.clean(data, errors=errors, roles=roles, check_refs=False)
        status = "new"
        if v.get("status"):
            try:
                status = parse_status(v["status"])
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        created = parse_moment(v.get("created", ""), "created", errors) or now
        if created > now:
            errors.append(FieldError("created", "is in the future"))
        first = parse_moment(v.get("first_response", ""), "first_response", errors)
        resolved = parse_moment(v.get("resolved", ""), "resolved", errors)
        history = _history(status, created, first, resolved, errors)
        for e in errors:
            row.problems.append(Problem(file.name, row.line, e.message, e.field))
        if errors:
            continue
        ref = (v.get("ref") or "").strip()
        if ref:
            key = "ref:" + ref
        else:
            who = f"e:{email}" if email else f"n:{norm.sort_key(name)}"
            digest = hashlib.sha1("\x1f".join((who, cleaned.subject, cleaned.description or "",
                                               v.get("created", "").strip())).encode()).hexdigest()
            key = "row:" + digest
        prepared[row.line] = (cleaned, contact_id, new_contact, status, history, first, key[:200])
    good, bad = settle(file, skip_invalid=skip_invalid)
    report.rejected = bad

    # 3. what is already in the books, or twice in the file
    keys = [prepared[r.line][6] for r in good]
    present = set()
    for chunk in _chunks(keys):
        present.update(s.scalars(select(Ticket.import_key).where(Ticket.import_key.in_(chunk))))
    seen: dict[str, int] = {}
    new_rows = []
    for row in good:
        key = prepared[row.line][6]
        if key in seen:
            report.unchanged += 1
            report.warnings.append(f"{file.name}:{row.line}: the same ticket as line {seen[key]}; skipped")
            continue
        seen[key] = row.line
        if key in present:
            report.unchanged += 1
            continue
        new_rows.append(row)
    needed = {prepared[r.line][2] for r in new_rows} - {None}
    report.counts["contacts to create" if dry_run else "contacts created"] = len(needed)
    report.imported = len(new_rows)
    if dry_run or not new_rows:
        if rejects and bad:
            write_rejects(rejects, file, bad)
        return report

    # 4. write: contacts to create, then tickets, events and tags in bulk, then the audit log
    created_ids: dict[tuple, int] = {}
    for ident in sorted(needed, key=str):
        created_ids[ident] = books.contacts.add(to_create[ident]).id
    policy = repo.policy
    actor = books.actor.name
    table = Ticket.__table__
    ids = reserve_ids(s, table, len(new_rows))
    tickets, events, tags, changes = [], [], [], []
    each = len(new_rows) <= audit.EACH_UP_TO  # audited ticket by ticket, or as one load
    for row, tid in zip(new_rows, ids):
        cleaned, contact_id, ident, status, history, first, key = prepared[row.line]
        contact_id = contact_id or created_ids[ident]
        created = history[0][0]
        state = sla.evaluate(policy, cleaned.priority, history, first if status != "new" else None, now)
        finished_at = next((at for at, st in history if st == "resolved"), None)
        tickets.append({
            "id": tid, "subject": cleaned.subject, "description": cleaned.description, "contact_id": contact_id,
            "priority": cleaned.priority, "status": status, "channel": cleaned.channel,
            "assignee": cleaned.assignee, "related_id": None, "import_key": key,
            "first_response_at": first if status != "new" else None,
            "resolved_at": finished_at, "closed_at": history[-1][0] if status == "closed" else None,
            **state.columns(), "version": 1, "created_at": created, "created_by": actor,
            "updated_at": now, "updated_by": actor,
        })
        previous = None
        for at, st in history:
            events.append({"ticket_id": tid, "at": at, "actor": actor, "kind": "status", "old": previous, "new": st})
            previous = st
        if cleaned.assignee:
            events.append({"ticket_id": tid, "at": created, "actor": actor, "kind": "assignee", "old": None,
                           "new": cleaned.assignee})
        tags += [{"ticket_id": tid, "tag": t} for t in cleaned.tags]
        if each:
            fields = {k: [None, val] for k, val in (
                ("subject", cleaned.subject), ("contact_id", contact_id), ("priority", cleaned.priority),
                ("status", status), ("channel", cleaned.channel), ("assignee", cleaned.assignee),
                ("tags", ";".join(cleaned.tags) or None), ("import_key", key)) if val}
            fields["source"] = [None, f"import {file.name}"]
            changes.append(audit.Change("tickets", tid, "insert", fields))
    step = 20_000
    for i in range(0, len(tickets), step):
        bulk_insert(s, table, tickets[i:i + step])
        if progress:
            progress(min(total, total // 2 + (i + step) // 2), total)
    bulk_insert(s, TicketEvent.__table__, events)
    if tags:
        bulk_insert(s, TicketTag.__table__, tags)
    if each:
        audit.record_many(s, changes)
    else:
        audit.record_load(s, "tickets", ids, {"tickets": len(ids), "source": f"import {file.name}"})
    if rejects and bad:
        write_rejects(rejects, file, bad)
    if progress:
        progress(total, total)
    return report


def _chunks(items: list, n: int = 5000):
    for i in range(0, len(items), n):
        yield items[i:i + n]


# -- export -------------------------------------------------------------------------------------

EXPORT_FIELDS = ("id", "subject", "contact", "email", "description", "priority", "status", "channel", "assignee",
                 "tags", "created", "first_response", "resolved", "ref")


def _export_rows(books, **filters):
    """Every ticket matching the filters (all statuses unless asked), with what the CSV needs."""
    repo = books.tickets
    filters.setdefault("status", "all")
    s = books.session
    batch = []
    for r in repo.iter_all(**filters):
        batch.append(r)
        if len(batch) == 2000:
            yield from _complete(s, batch)
            batch = []
    if batch:
        yield from _complete(s, batch)


def _complete(s, rows):
    ids = [r.id for r in rows]
    extra = {i: (d, k, e) for i, d, k, e in s.execute(
        select(Ticket.id, Ticket.description, Ticket.import_key, Contact.email)
        .join(Contact, Contact.id == Ticket.contact_id).where(Ticket.id.in_(ids)))}
    for r in rows:
        description, key, email = extra[r.id]
        ref = key[4:] if key and key.startswith("ref:") else ""
        yield {
            "id": r.id, "subject": r.subject, "contact": r.contact, "email": email or "",
            "description": description or "", "priority": r.priority, "status": r.status, "channel": r.channel,
            "assignee": r.assignee or "", "tags": ";".join(r.tags), "created": r.created_at.isoformat(),
            "first_response": r.first_response_at.isoformat() if r.first_response_at else "",
            "resolved": r.resolved_at.isoformat() if r.resolved_at else "", "ref": ref,
        }


def export_csv(books, out: TextIO, **filters) -> int:
    """The import's columns plus ``id``; text that looks like a formula is neutralised."""
    books.require("tickets.read")  # before the header goes out
    w = csv.writer(out)
    w.writerow(EXPORT_FIELDS)
    n = 0
    for item in _export_rows(books, **filters):
        w.writerow([item["id"]] + [neutralise(str(item[k])) for k in EXPORT_FIELDS[1:]])
        n += 1
    return n


def export_json(books, out: TextIO, **filters) -> int:
    books.require("tickets.read")
    items = []
    for item in _export_rows(books, **filters):
        item["tags"] = item["tags"].split(";") if item["tags"] else []
        items.append({k: (v if v != "" else None) for k, v in item.items()})
    json.dump(items, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(items)
