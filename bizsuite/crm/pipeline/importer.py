"""Deals import (CSV), for a business bringing its pipeline from a spreadsheet or another CRM.

The CSV has a header row; columns are found by name (case, spaces, ``-`` and ``_`` do not
matter), by the aliases below, or by ``--map SOURCE=FIELD``. UTF-8, with or without BOM.

=========== ==============================================================================
column      what it holds
=========== ==============================================================================
title       required; at most 200 characters (aliases: deal, name, subject, opportunity)
customer    required: the contact's email, ``#id``, or exact name — a customer or a lead
amount      required: a plain decimal in the books' currency (aliases: value, deal value)
stage       a stage by name, open or closing (won, lost; "Closed Won" and "Closed Lost" too);
            the first open stage if empty
probability 0-100; the stage's if empty
close       expected close date (aliases: expected close, close date)
owner       a bizsuite user (the importing user if empty)
source      where the deal came from (aliases: lead source, channel)
tags        several separated by ``;``
notes       any text (aliases: description)
reason      why a won or lost deal was won or lost: one of the reasons (required for lost)
created     the day the deal was opened (default: today)
closed      the day a won or lost deal was closed (default: created)
ref         the deal's number or id in the system it comes from
=========== ==============================================================================

Each row goes through the repository's own rules (the same checks as ``pipeline add``, ``won``
and ``lost``). Re-running an import adds nothing: each row has a key — ``ref`` when given,
otherwise the customer, title, amount and created day — stored on the deal (``import_key``).
All or nothing unless ``skip_invalid``; ``dry_run`` validates only; problems print as
``FILE:LINE: field: problem`` (:mod:`bizsuite.core.importer`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from sqlalchemy import select

from bizsuite.core import audit, clock, numbering
from bizsuite.core.db import bulk_insert, reserve_ids
from bizsuite.core.errors import FieldError, Refused, ValidationFailed
from bizsuite.core.importer import (
    ImportReport,
    Problem,
    Progress,
    apply_columns,
    gc_paused,
    map_columns,
    parse_maps,
    read_csv,
    settle,
    write_rejects,
)
from bizsuite.core.parsing import record_id, text_field
from bizsuite.crm.pipeline.models import LOST, OPEN, WON, Deal, DealTag, Reason, StageChange

FIELDS = ("title", "customer", "amount", "stage", "probability", "close", "owner", "source", "tags", "notes",
          "reason", "created", "closed", "ref")

ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("deal", "deal name", "name", "subject", "opportunity", "opportunity name", "标题", "商机"),
    "customer": ("contact", "company", "account", "organization", "client", "customer email", "email", "客户"),
    "amount": ("value", "deal value", "expected revenue", "金额"),
    "stage": ("deal stage", "status", "阶段"),
    "probability": ("probability (%)", "win probability", "概率"),
    "close": ("expected close", "expected close date", "close date", "expected closing"),
    "owner": ("deal owner", "salesperson", "assigned to", "user", "负责人"),
    "source": ("lead source", "channel", "来源"),
    "tags": ("tag", "labels", "label"),
    "notes": ("description", "note", "备注"),
    "reason": ("lost reason", "won reason", "close reason"),
    "created": ("created at", "created on", "create date", "deal created", "date", "opened"),
    "closed": ("closed at", "closed on", "won date", "lost date"),
    "ref": ("id", "record id", "external id", "deal id", "number", "key"),
}

IMPORT_LOCK = "pipeline.import"
# how other CRMs name the closing stages (HubSpot's "Closed Won", Salesforce's "Closed Lost")
CLOSED_AS = {"closed won": "won", "closedwon": "won", "closed lost": "lost", "closedlost": "lost"}


def import_deals(books, path: str | Path, *, maps: Iterable[str] = (), dry_run: bool = False,
                 skip_invalid: bool = False, rejects: str | Path | None = None,
                 progress: Progress | None = None, display: str | None = None) -> ImportReport:
    """Import a deals CSV in the caller's unit of work (see the module doc)."""
    with gc_paused():
        return _import(books, path, maps=maps, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects,
                       progress=progress, display=display)


def _import(books, path, *, maps, dry_run, skip_invalid, rejects, progress, display) -> ImportReport:
    from bizsuite.crm.contacts import normalise as norm
    from bizsuite.crm.contacts.models import Contact
    from bizsuite.crm.pipeline import repository as rules

    repo = books.pipeline
    books.require("pipeline.write")
    file = read_csv(path, display=display)
    columns = map_columns(file, ALIASES, parse_maps(maps, FIELDS), required=("title", "customer", "amount"))
    apply_columns(file, columns)
    report = ImportReport(file=file.name, read=len(file.rows), dry_run=dry_run, format="bizsuite")
    books.hold(IMPORT_LOCK)  # one deals import at a time: each looks for the deals the others made
    s = books.session
    total = len(file.rows)
    today = clock.today()

    # what the rows refer to, looked up once
    stages = {st.name_key: st for st in repo.stages()}
    first_open = next(st for st in repo.stages() if st.kind == OPEN)
    reasons = {(k, t): text for k, t, text in s.execute(
        select(Reason.kind, Reason.text_key, Reason.text).where(Reason.active.is_(True)))}
    users: dict[str, str | None] = {}
    emails, ids, names = set(), set(), set()
    for row in file.rows:
        c = (row.values.get("customer") or "").strip()
        if record_id(c) is not None:
            ids.add(record_id(c))
        elif "@" in c:
            emails.add(c.lower())
        elif c:
            names.add(norm.sort_key(c))
    who: dict[tuple, list] = {}
    cols = (Contact.id, Contact.name, Contact.is_customer, Contact.is_lead)
    for chunk in _chunks(sorted(ids)):
        for cid, name, cu, le in s.execute(select(*cols).where(Contact.id.in_(chunk))):
            who[("id", cid)] = [(cid, name, cu or le)]
    for chunk in _chunks(sorted(emails)):
        for cid, name, cu, le, email in s.execute(select(*cols, Contact.email).where(Contact.email.in_(chunk))):
            who.setdefault(("email", email), []).append((cid, name, cu or le))
    for chunk in _chunks(sorted(names)):
        for cid, name, cu, le, key in s.execute(select(*cols, Contact.sort_name).where(Contact.sort_name.in_(chunk))):
            who.setdefault(("name", key), []).append((cid, name, cu or le))

    prepared = {}
    for n, row in enumerate(file.rows, 1):
        if progress and n % 5000 == 0:
            progress(n // 2, total)
        if row.problems:
            continue
        v = row.values
        errors: list[FieldError] = []

        def field(fn):
            try:
                return fn()
            except ValidationFailed as exc:
                errors.extend(exc.errors)
            except Refused as exc:
                errors.append(FieldError("?", exc.problems[0]))

        title = field(lambda: text_field(v.get("title"), "title", 200))
        if not title and not any(e.field == "title" for e in errors):
            errors.append(FieldError("title", "a deal needs a title"))
        customer = _customer(v.get("customer") or "", who, norm, errors)
        amount = field(lambda: repo._amount(v.get("amount")))
        stage_text = (v.get("stage") or "").strip()
        stage_key = CLOSED_AS.get(rules._key(stage_text), rules._key(stage_text))
        stage = stages.get(stage_key) if stage_text else first_open
        if stage is None:
            errors.append(FieldError("stage", f"no stage {stage_text!r} (the stages: "
                                              f"{', '.join(st.name for st in repo.stages())})"))
        prob = field(lambda: rules._percent(v["probability"])) if (v.get("probability") or "").strip() else None
        close = field(lambda: rules._day(v.get("close"), "close"))
        owner_name = (v.get("owner") or "").strip()
        owner = books.actor.name
        if owner_name:
            if owner_name not in users:
                try:
                    users[owner_name] = repo._owner(owner_name)
                except ValidationFailed:
                    users[owner_name] = None
            owner = users[owner_name]
            if owner is None:
                errors.append(FieldError("owner", f"{owner_name!r} is not a bizsuite user (bizsuite users list)"))
        source = field(lambda: text_field(v.get("source"), "source", 60))
        notes = field(lambda: text_field(v.get("notes"), "notes", 10_000, multiline=True))
        tags = field(lambda: repo._tags([v.get("tags") or ""])) or {}
        created = field(lambda: rules._day(v.get("created"), "created")) or today
        if created > today:
            errors.append(FieldError("created", f"{created} is in the future"))
        closed = reason = None
        kind = stage.kind if stage is not None else OPEN
        reason_text = field(lambda: text_field(v.get("reason"), "reason", 100))
        if kind == OPEN:
            for name in ("reason", "closed"):
                if (v.get(name) or "").strip():
                    errors.append(FieldError(name, f"is for a won or lost deal; {stage.name} is open"))
        else:
            closed = field(lambda: rules._day(v.get("closed"), "closed")) or created
            if closed < created:
                errors.append(FieldError("closed", f"{closed} is before the deal was created ({created})"))
            elif closed > today:
                errors.append(FieldError("closed", f"{closed} is in the future"))
            if reason_text:
                reason = reasons.get((kind, rules._key(reason_text)))
                if reason is None:
                    listed = ", ".join(t for (k, _), t in reasons.items() if k == kind)
                    errors.append(FieldError("reason", f"{reason_text!r} is not one of the reasons a deal is "
                                                       f"{kind}: {listed}"))
            elif kind == LOST:
                errors.append(FieldError("reason", "a lost deal needs a reason"))
        for e in errors:
            row.problems.append(Problem(file.name, row.line, e.message, None if e.field == "?" else e.field))
        if errors:
            continue
        ref = (v.get("ref") or "").strip()
        if ref:
            key = "ref:" + ref
        else:
            key = "row:" + hashlib.sha1("\x1f".join((str(customer[0]), title, str(amount), created.isoformat()))
                                        .encode()).hexdigest()
        probability = Decimal(100) if kind == WON else (Decimal(0) if kind == LOST else
                                                         (prob if prob is not None else stage.probability))
        prepared[row.line] = dict(title=title, customer_id=customer[0], amount=amount, stage=stage,
                                  probability=probability, probability_set=prob is not None and kind == OPEN,
                                  close=close, owner=owner, source=source, notes=notes, tags=tags, reason=reason,
                                  created=created, closed=closed, key=key[:200])
    good, bad = settle(file, skip_invalid=skip_invalid)
    report.rejected = bad

    # what is already in the books, or twice in the file
    keys = [prepared[r.line]["key"] for r in good]
    present = set()
    for chunk in _chunks(keys):
        present.update(s.scalars(select(Deal.import_key).where(Deal.import_key.in_(chunk))))
    seen: dict[str, int] = {}
    new_rows = []
    for row in good:
        key = prepared[row.line]["key"]
        if key in seen:
            report.unchanged += 1
            report.warnings.append(f"{file.name}:{row.line}: the same deal as line {seen[key]}; skipped")
            continue
        seen[key] = row.line
        if key in present:
            report.unchanged += 1
            continue
        new_rows.append(row)
    report.imported = len(new_rows)
    if dry_run or not new_rows:
        if rejects and bad:
            write_rejects(rejects, file, bad)
        return report

    # write: deals, tags and their first stage change in bulk, numbered in the file's order
    now, by = clock.now(), books.actor.name
    numbers = numbering.take_many(books, rules.SERIES, len(new_rows))
    deal_ids = reserve_ids(s, Deal.__table__, len(new_rows))
    deals, tags, changes, audited = [], [], [], []
    each = len(new_rows) <= audit.EACH_UP_TO
    for row, did, number in zip(new_rows, deal_ids, numbers):
        p = prepared[row.line]
        st = p["stage"]
        opened = _noon(p["created"])
        deals.append({
            "id": did, "number": numbering.label(number, prefix=rules.PREFIX), "title": p["title"],
            "customer_id": p["customer_id"], "amount": p["amount"], "stage_id": st.id, "status": st.kind,
            "probability": p["probability"], "probability_set": p["probability_set"], "close": p["close"],
            "owner": p["owner"], "source": p["source"], "notes": p["notes"], "reason": p["reason"],
            "import_key": p["key"], "closed_on": p["closed"], "version": 1, "created_at": opened,
            "created_by": by, "updated_at": now, "updated_by": by,
        })
        tags += [{"deal_id": did, "tag_key": k, "tag": t} for k, t in p["tags"].items()]
        if st.kind == OPEN:
            changes.append({"deal_id": did, "from_stage_id": None, "to_stage_id": st.id, "reason": None,
                            "at": opened, "by": by})
        else:  # opened in the first stage, closed on its day
            changes.append({"deal_id": did, "from_stage_id": None, "to_stage_id": first_open.id, "reason": None,
                            "at": opened, "by": by})
            changes.append({"deal_id": did, "from_stage_id": first_open.id, "to_stage_id": st.id,
                            "reason": p["reason"], "at": max(opened, _noon(p["closed"])), "by": by})
        if each:
            fields = {k: [None, str(val)] for k, val in (("number", deals[-1]["number"]), ("title", p["title"]),
                                                          ("customer_id", p["customer_id"]), ("amount", p["amount"]),
                                                          ("status", st.kind)) if val is not None}
            fields["source"] = [None, f"import {file.name}"]
            audited.append(audit.Change("deals", did, "insert", fields))
    step = 20_000
    for i in range(0, len(deals), step):
        bulk_insert(s, Deal.__table__, deals[i:i + step])
        if progress:
            progress(min(total, total // 2 + (i + step) // 2), total)
    bulk_insert(s, StageChange.__table__, changes)
    if tags:
        bulk_insert(s, DealTag.__table__, tags)
    if each:
        audit.record_many(s, audited)
    else:
        audit.record_load(s, "deals", deal_ids, {"deals": len(deal_ids), "source": f"import {file.name}"})
    if rejects and bad:
        write_rejects(rejects, file, bad)
    if progress:
        progress(total, total)
    return report


def _customer(text: str, who: dict, norm, errors: list[FieldError]) -> tuple[int, str] | None:
    t = text.strip()
    if not t:
        errors.append(FieldError("customer", "a deal needs a customer: an email, #id or exact name"))
        return None
    n = record_id(t)
    key = ("id", n) if n is not None else (("email", t.lower()) if "@" in t else ("name", norm.sort_key(t)))
    found = who.get(key, [])
    if not found:
        errors.append(FieldError("customer", f"no contact {t!r}; add it first (bizsuite contacts add)"))
        return None
    if len(found) > 1:
        ids = ", ".join(f"#{c[0]}" for c in found[:5])
        errors.append(FieldError("customer", f"{t!r} names several contacts ({ids}); give the email or #id"))
        return None
    cid, name, ok = found[0]
    if not ok:
        errors.append(FieldError("customer", f"{name} (#{cid}) is neither a customer nor a lead; "
                                             "give the contact one of those roles first"))
        return None
    return cid, name


def _noon(day: dt.date) -> dt.datetime:
    """A day as a moment: noon UTC, so the day reads the same in any time zone of the office."""
    return dt.datetime.combine(day, dt.time(12), dt.timezone.utc)


def _chunks(items: list, n: int = 5000):
    for i in range(0, len(items), n):
        yield items[i:i + n]
