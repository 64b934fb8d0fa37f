"""``bizsuite contacts …``"""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from bizsuite.cli.common import (
    FORMAT_OPTION,
    OUTPUT_OPTION_HELP,
    Fmt,
    books,
    emit,
    fail,
    run_import,
    write_output,
)
from bizsuite.cli.params import whole

app = typer.Typer(no_args_is_help=True)

LIST_COLUMNS = ["id", "kind", "name", "company", "email", "phone", "roles", "tags", "city", "country"]


def _row(r) -> dict:
    return {
        "id": r.id, "kind": r.kind, "name": r.name, "company": r.company or "", "email": r.email or "",
        "phone": r.phone or "", "roles": r.roles, "tags": r.tags, "city": r.city or "", "country": r.country or "",
    }


@app.command("list")
def list_(
    ctx: typer.Context,
    search: Optional[str] = typer.Option(None, "--search", "-s", help="Words found in name, company, email, phone, tags or city."),
    role: Optional[str] = typer.Option(None, "--role", help="customer, supplier, lead or employee."),
    tag: Optional[str] = typer.Option(None, "--tag"),
    kind: Optional[str] = typer.Option(None, "--kind", help="company or person."),
    sort: str = typer.Option("name", "--sort", help="name, company, email, phone, roles, city, country, updated or "
                             "created (add :asc or :desc to choose the direction)."),
    limit: int = typer.Option(100, "--limit", help="At most this many rows (0: all).", parser=whole("--limit", lo=0)),
    offset: int = typer.Option(0, "--offset", parser=whole("--offset", lo=0)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """List contacts."""
    filters = dict(query=search or "", role=role, tag=tag, kind=kind)
    with books(ctx, write=False) as b:
        if limit == 0:
            every = [_row(r) for r in b.contacts.iter_all(sort=sort, **filters)]
            rows, total = every[offset:], len(every)
        else:
            page = b.contacts.page(offset=offset, limit=limit, sort=sort, **filters)
            rows, total = [_row(r) for r in page.rows], page.total
    title = f"Contacts {offset + 1 if rows else 0}–{offset + len(rows)} of {total}"
    emit(rows, LIST_COLUMNS, fmt, title=title)


def _record(b, contact_id: int):
    """A contact as ``show --format json`` prints it (and the commands that change one), with
    the detail and likely duplicates it was made of."""
    from bizsuite.crm.contacts.normalise import phone_verified

    d = b.contacts.detail(contact_id)
    c = d.contact
    dupes = b.contacts.duplicates_of(c.id)
    data = {
        "id": c.id, "kind": c.kind, "name": c.name, "company": d.company.name if d.company else None,
        "company_id": c.company_id, "email": c.email, "phone": c.phone,
        "phone_verified": phone_verified(c.phone) if c.phone else None, "roles": c.roles, "tags": d.tags,
        "address": c.address, "city": c.city, "country": c.country, "notes": c.notes, "version": c.version,
        "created": f"{c.created_at.isoformat()} by {c.created_by}",
        "updated": f"{c.updated_at.isoformat()} by {c.updated_by}",
        "people": [{"id": p.id, "name": p.name} for p in d.people],
        "timeline": [
            {"at": a.occurred_at.isoformat(), "kind": a.kind, "subject": a.subject, "body": a.body, "author": a.author}
            for a in d.activities
        ],
        "references": d.references,
        "likely_duplicates": [{"id": x.contact_id, "name": x.name, "reason": x.reason} for x in dupes],
    }
    return data, d, dupes


def _print_json(data) -> None:
    import json

    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _record_format(fmt: Fmt) -> bool:
    """Whether a changing command prints the record as JSON (else its one line of prose)."""
    if fmt == Fmt.csv:
        fail("--format: this command prints table (one line) or json (the record)", code=2)
    return fmt == Fmt.json


@app.command("show")
def show(ctx: typer.Context, ref: str = typer.Argument(..., help="#id, email or exact name."),
         fmt: Fmt = FORMAT_OPTION) -> None:
    """One contact with its company or people, tags and timeline."""
    from bizsuite.crm.contacts.normalise import format_phone

    with books(ctx, write=False) as b:
        c = b.contacts.resolve(ref)
        data, d, dupes = _record(b, c.id)
    if fmt == Fmt.json:
        _print_json(data)
        return
    if fmt == Fmt.csv:
        emit([{k: v for k, v in data.items() if k not in ("people", "timeline", "references", "likely_duplicates")}],
             ["id", "kind", "name", "company", "email", "phone", "roles", "tags", "address", "city", "country",
              "notes", "version"], fmt)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    for label, value in (
        ("#", c.id), ("name", c.name), ("kind", c.kind),
        ("company", f"{d.company.name} (#{d.company.id})" if d.company else ""), ("email", c.email or ""),
        ("phone", format_phone(c.phone) + ("" if data["phone_verified"] in (True, None)
                                            else "  (unverified: kept as typed, not a number we can read)")),
        ("roles", ", ".join(c.roles)), ("tags", ", ".join(d.tags)),
        ("address", c.address or ""), ("city", c.city or ""), ("country", c.country or ""),
        ("notes", c.notes or ""), ("updated", f"{c.updated_at.astimezone():%Y-%m-%d %H:%M} by {c.updated_by} (version {c.version})"),
    ):
        if value not in ("", None):
            t.add_row(label, str(value))
    console.print(t)
    if d.people:
        console.print(f"\n[bold]People[/bold] ({len(d.people)})")
        for p in d.people:
            console.print(f"  #{p.id} {p.name}")
    if d.activities:
        console.print("\n[bold]Timeline[/bold]")
        for a in d.activities:
            console.print(f"  {a.occurred_at.astimezone():%Y-%m-%d %H:%M}  {a.kind:<7} {a.subject}  [dim]— {a.author}[/dim]")
            if a.body:
                console.print(f"      {a.body}")
    if dupes:
        console.print("\n[bold yellow]Likely duplicates[/bold yellow]")
        for x in dupes:
            console.print(f"  #{x.contact_id} {x.name} ({x.reason}) — merge with: bizsuite contacts merge {c.id} {x.contact_id}")


def _contact_in(name, kind, company, email, phone, roles, tags, address, city, country, notes):
    from bizsuite.crm.contacts.models import ContactIn
    from bizsuite.crm.contacts.normalise import split_multi

    return ContactIn(
        name=name, kind=kind, company=company, email=email, phone=phone,
        roles=[x for r in roles for x in split_multi(r)], tags=[x for t in tags for x in split_multi(t)],
        address=address, city=city, country=country, notes=notes,
    )


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    kind: str = typer.Option("person", "--kind", help="person or company."),
    company: Optional[str] = typer.Option(None, "--company", help="The company a person belongs to (created if new)."),
    email: Optional[str] = typer.Option(None, "--email"),
    phone: Optional[str] = typer.Option(None, "--phone"),
    role: List[str] = typer.Option([], "--role", help="customer, supplier, lead, employee (repeat or separate with ;)."),
    tag: List[str] = typer.Option([], "--tag", help="A tag (repeat or separate with ;)."),
    address: Optional[str] = typer.Option(None, "--address"),
    city: Optional[str] = typer.Option(None, "--city"),
    country: Optional[str] = typer.Option(None, "--country"),
    notes: Optional[str] = typer.Option(None, "--notes"),
    fmt: Fmt = typer.Option(Fmt.table, "--format", "-f", help="table (one line) or json (the record, as show prints it)"),
) -> None:
    """Add a company or a person."""
    as_json = _record_format(fmt)
    with books(ctx) as b:
        c = b.contacts.add(_contact_in(name, kind, company, email, phone, role, tag, address, city, country, notes))
        data, _, dupes = _record(b, c.id)
        cid, cname = c.id, c.name
    if as_json:
        _print_json(data)
    else:
        typer.echo(f"added #{cid} {cname}")
    for x in dupes:
        typer.echo(f"warning: #{cid} looks like #{x.contact_id} {x.name} ({x.reason})", err=True)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="#id, email or exact name."),
    name: Optional[str] = typer.Option(None, "--name"),
    kind: Optional[str] = typer.Option(None, "--kind"),
    company: Optional[str] = typer.Option(None, "--company", help="A company's name; '' to clear."),
    email: Optional[str] = typer.Option(None, "--email", help="'' to clear."),
    phone: Optional[str] = typer.Option(None, "--phone", help="'' to clear."),
    role: Optional[List[str]] = typer.Option(None, "--role", help="Replaces the roles."),
    tag: Optional[List[str]] = typer.Option(None, "--tag", help="Replaces the tags."),
    add_tag: List[str] = typer.Option([], "--add-tag"),
    remove_tag: List[str] = typer.Option([], "--remove-tag"),
    address: Optional[str] = typer.Option(None, "--address"),
    city: Optional[str] = typer.Option(None, "--city"),
    country: Optional[str] = typer.Option(None, "--country"),
    notes: Optional[str] = typer.Option(None, "--notes"),
    expect_version: Optional[int] = typer.Option(
        None, "--expect-version", help="Refuse if the contact changed since you read this version.", parser=whole("--expect-version")),
    fmt: Fmt = typer.Option(Fmt.table, "--format", "-f", help="table (one line) or json (the record, as show prints it)"),
) -> None:
    """Change some fields of a contact; fields not given stay as they are."""
    from bizsuite.crm.contacts.normalise import split_multi

    as_json = _record_format(fmt)
    with books(ctx) as b:
        c = b.contacts.resolve(ref)
        data = b.contacts.as_input(c)
        for field_, value in (("name", name), ("kind", kind), ("email", email), ("phone", phone),
                              ("address", address), ("city", city), ("country", country), ("notes", notes)):
            if value is not None:
                setattr(data, field_, value)
        if company is not None:
            data.company, data.company_id = (company or None), None
        if role is not None:
            data.roles = [x for r in role for x in split_multi(r)]
        if tag is not None:
            data.tags = [x for t in tag for x in split_multi(t)]
        data.tags = [t for t in data.tags if t not in {x.casefold() for x in remove_tag}] + add_tag
        c = b.contacts.update(c.id, data, expected_version=expect_version)
        cid, cname, version = c.id, c.name, c.version
        record = _record(b, cid)[0] if as_json else None
    if as_json:
        _print_json(record)
        return
    typer.echo(f"saved #{cid} {cname} (version {version})")


@app.command("note")
def note(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="#id, email or exact name."),
    subject: str = typer.Argument(...),
    kind: str = typer.Option("note", "--kind", help="note, call, meeting or email."),
    body: Optional[str] = typer.Option(None, "--body"),
    fmt: Fmt = typer.Option(Fmt.table, "--format", "-f", help="table (one line) or json (the contact, as show prints it)"),
) -> None:
    """Add a note or an activity (call, meeting, email) to a contact's timeline."""
    as_json = _record_format(fmt)
    with books(ctx) as b:
        c = b.contacts.resolve(ref)
        b.contacts.add_activity(c.id, kind=kind, subject=subject, body=body)
        cid = c.id
        record = _record(b, cid)[0] if as_json else None
    if as_json:
        _print_json(record)
        return
    typer.echo(f"added a {kind} to #{cid}")


@app.command("delete")
def delete(ctx: typer.Context, ref: str = typer.Argument(...),
           yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
           fmt: Fmt = typer.Option(Fmt.table, "--format", "-f",
                                   help='table (one line) or json ({"id": N, "status": "deleted"})')) -> None:
    """Delete a contact nothing else refers to."""
    as_json = _record_format(fmt)
    with books(ctx) as b:
        c = b.contacts.resolve(ref)
        why = b.contacts.why_not_delete(c.id)
        if why:  # said before asking a question whose yes would be refused
            fail(why)
        if not yes and sys.stdin.isatty():
            typer.confirm(f"delete #{c.id} {c.name}?", abort=True)
        cid, label = c.id, f"#{c.id} {c.name}"
        b.contacts.delete(c.id)
    if as_json:
        _print_json({"id": cid, "status": "deleted"})
        return
    typer.echo(f"deleted {label}")


@app.command("merge")
def merge(ctx: typer.Context, keep: str = typer.Argument(..., help="The contact to keep."),
          dup: str = typer.Argument(..., help="The duplicate, folded into KEEP and removed."),
          fmt: Fmt = typer.Option(Fmt.table, "--format", "-f",
                                  help="table (one line) or json (the kept contact, as show prints it)")) -> None:
    """Fold a duplicate into another contact: everything that pointed at DUP moves to KEEP."""
    as_json = _record_format(fmt)
    with books(ctx) as b:
        k, d = b.contacts.resolve(keep), b.contacts.resolve(dup)
        label = f"#{d.id} {d.name}"
        k = b.contacts.merge(k.id, d.id)
        kid, kname = k.id, k.name
        record = _record(b, kid)[0] if as_json else None
    if as_json:
        _print_json(record)
        return
    typer.echo(f"merged {label} into #{kid} {kname}")


@app.command("duplicates")
def duplicates(ctx: typer.Context, limit: int = typer.Option(200, "--limit", parser=whole("--limit", lo=1)), fmt: Fmt = FORMAT_OPTION) -> None:
    """Likely duplicates: same email, same phone, or a near-identical name in the same company."""
    with books(ctx, write=False) as b:
        pairs = b.contacts.all_duplicates(limit)
        names = b.contacts.names({i for a, c, _ in pairs for i in (a, c)})
    rows = [{"keep": a, "keep_name": names[a], "duplicate": c, "duplicate_name": names[c], "reason": r} for a, c, r in pairs]
    emit(rows, ["keep", "keep_name", "duplicate", "duplicate_name", "reason"], fmt, title="Likely duplicates")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A CSV: our columns, a Google Contacts or Outlook export, or any with --map."),
    map_: List[str] = typer.Option([], "--map", help="SOURCE=FIELD: read column SOURCE as FIELD (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, skip the bad ones."),
    rejects: Optional[str] = typer.Option(None, "--rejects", help="With --skip-invalid: write bad rows and reasons here."),
) -> None:
    """Import contacts from CSV: all or nothing unless --skip-invalid; re-running adds nothing."""
    import os

    from bizsuite.crm.contacts.importer import import_contacts

    run_import(ctx, import_contacts, file, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects,
               maps=map_, workers=os.cpu_count() or 1)  # big files are validated on every core


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: Fmt = typer.Option(Fmt.csv, "--format", "-f", help="csv or json"),
    output: Optional[str] = typer.Option(None, "--output", "-o", help=OUTPUT_OPTION_HELP),
    search: Optional[str] = typer.Option(None, "--search", "-s"),
    role: Optional[str] = typer.Option(None, "--role"),
    tag: Optional[str] = typer.Option(None, "--tag"),
    kind: Optional[str] = typer.Option(None, "--kind"),
) -> None:
    """Export contacts as CSV (re-importable; formula cells neutralised) or JSON."""
    from bizsuite.crm.contacts.importer import export_csv, export_json

    if fmt == Fmt.table:
        fail("--format: export writes csv or json", code=2)
    filters = dict(query=search or "", role=role, tag=tag, kind=kind)
    writer = export_csv if fmt == Fmt.csv else export_json
    with books(ctx, write=False) as b:
        write_output(output, lambda out: writer(b, out, **filters), "contacts")
