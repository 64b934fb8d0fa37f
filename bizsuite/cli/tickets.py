"""``bizsuite tickets …``"""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from bizsuite.cli.common import FORMAT_OPTION, OUTPUT_OPTION_HELP, Fmt, books, emit, fail, run_import, write_output
from bizsuite.cli.params import whole

app = typer.Typer(no_args_is_help=True)

LIST_COLUMNS = ["id", "sla", "subject", "contact", "priority", "status", "assignee", "due", "created"]
DATA_COLUMNS = ["id", "subject", "contact_id", "contact", "priority", "status", "channel", "assignee", "created_at",
                "updated_at", "sla_due", "breached", "due_soon", "version"]


def _local(moment, fmt: Fmt):
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if fmt == Fmt.table else moment


def _row(r, now, fmt: Fmt) -> dict:
    from bizsuite.crm.tickets.models import STATUS_LABELS

    flag = r.flag(now)
    return {
        "id": r.id, "sla": f"{r.marker(now)} {flag}".strip(), "subject": r.subject, "contact_id": r.contact_id,
        "contact": r.contact, "priority": r.priority,
        "status": STATUS_LABELS[r.status] if fmt == Fmt.table else r.status, "channel": r.channel,
        "assignee": r.assignee or "", "created": _local(r.created_at, Fmt.table), "created_at": r.created_at,
        "updated_at": r.updated_at, "due": _local(r.sla_due, Fmt.table), "sla_due": r.sla_due,
        "breached": flag == "breached", "due_soon": flag == "due soon", "version": r.version,
    }


def _statuses(status: List[str]) -> Optional[List[str]]:
    return [s for x in status for s in x.split(",") if s.strip()] or None


@app.command("list")
def list_(
    ctx: typer.Context,
    status: List[str] = typer.Option(
        [], "--status", help="new, open, pending, on-hold, resolved, closed, active (the default: new to on hold) "
        "or all; repeat or separate with commas."),
    priority: List[str] = typer.Option([], "--priority", help="low, normal, high, urgent (repeatable)."),
    assignee: Optional[str] = typer.Option(None, "--assignee", help="Tickets of this user."),
    mine: bool = typer.Option(False, "--mine", help="Tickets assigned to you."),
    unassigned: bool = typer.Option(False, "--unassigned", help="Tickets assigned to nobody."),
    breached: bool = typer.Option(False, "--breached", help="Tickets past an SLA target."),
    contact: Optional[str] = typer.Option(None, "--contact", help="Tickets of this contact (#id, email or name)."),
    search: Optional[str] = typer.Option(None, "--search", "-s",
                                         help="Words of the subject, or #number (that ticket, whatever the other filters)."),
    sort: str = typer.Option("due", "--sort", help="due (nearest SLA due time first), id, subject, customer, "
                             "priority, status, assignee, newest or updated (add :asc or :desc to choose the direction)."),
    limit: int = typer.Option(100, "--limit", help="At most this many rows (0: all).", parser=whole("--limit", lo=0)),
    offset: int = typer.Option(0, "--offset", parser=whole("--offset", lo=0)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """List tickets: by default the active ones, nearest SLA due time first (!! breached, ! due within the hour)."""
    from bizsuite.core import clock

    if mine and (assignee or unassigned) or (assignee and unassigned):
        fail("--mine, --assignee and --unassigned do not go together", code=2)
    now = clock.now()
    with books(ctx, write=False) as b:
        filters = dict(status=_statuses(status), priority=priority or None, assignee=assignee, mine=mine,
                       unassigned=unassigned, breached=breached, query=search or "", now=now)
        if contact:
            filters["contact_id"] = b.contacts.resolve(contact).id
        if limit == 0:
            found = list(b.tickets.iter_all(sort=sort, **filters))[offset:]
            total = len(found) + offset
        else:
            page = b.tickets.page(offset=offset, limit=limit, sort=sort, **filters)
            found, total = page.rows, page.total
        rows = [_row(r, now, fmt) for r in found]
    title = f"Tickets {offset + 1 if rows else 0}–{offset + len(rows)} of {total}"
    emit(rows, LIST_COLUMNS if fmt == Fmt.table else DATA_COLUMNS, fmt, title=title)


def _changed(b, ticket_id: int) -> dict:
    """The record of a ticket just changed, read in the same unit of work as the change."""
    from bizsuite.core import clock

    return _record(b.tickets.detail(ticket_id), clock.now())


def _clock_text(c, now, day) -> str:
    from bizsuite.crm.tickets.sla import format_duration

    state = c.state(now)
    due = c.due.astimezone().strftime("%Y-%m-%d %H:%M") if c.due else ""
    if state == "met":
        return f"met {c.done_at.astimezone():%Y-%m-%d %H:%M} ({format_duration(c.used, day)} of {format_duration(c.target, day)})"
    if state == "missed":  # done late, or finished after the due time without it
        return f"MISSED: due {due}" + (f", done {c.done_at.astimezone():%Y-%m-%d %H:%M}" if c.done_at else "")
    if state == "overdue":
        return f"OVERDUE since {due}"
    if state == "not needed":
        return "not needed (finished)"
    if state == "paused":
        return f"paused, {format_duration(c.left, day)} of business time left"
    return f"due {due} (in {format_duration(c.due - now)})" + ("  — due soon" if state == "due soon" else "")


RECORD_FORMAT = typer.Option(Fmt.table, "--format", "-f",
                             help="table (one line, the default) or json (the ticket, as `tickets show -f json`)")


def _record(d, now) -> dict:
    """A ticket as `tickets show --format json` prints it (and the commands that change one)."""
    t, state = d.ticket, d.sla
    return {
        "id": t.id, "subject": t.subject, "status": t.status, "priority": t.priority, "channel": t.channel,
        "contact_id": t.contact_id, "contact": d.contact.name, "contact_email": d.contact.email,
        "company": d.company.name if d.company else None, "assignee": t.assignee, "tags": d.tags,
        "description": t.description, "related_id": t.related_id, "version": t.version,
        "created_at": t.created_at, "created_by": t.created_by, "updated_at": t.updated_at, "updated_by": t.updated_by,
        "first_response_at": t.first_response_at, "resolved_at": t.resolved_at, "closed_at": t.closed_at,
        "response_due": t.response_due, "resolution_due": t.resolution_due, "breached": state.breached(now),
        "clocks": {c.metric: {"state": c.state(now), "due": c.due, "target_minutes": int(c.target.total_seconds() // 60),
                              "used_minutes": int(c.used.total_seconds() // 60), "done_at": c.done_at}
                   for c in state.clocks},
        "messages": [{"at": m.created_at, "kind": m.kind, "author": m.author, "recorded_by": m.created_by,
                      "body": m.body} for m in d.messages],
        "history": [{"at": e.at, "actor": e.actor, "kind": e.kind, "old": e.old, "new": e.new} for e in d.events],
        "other_tickets": [{"id": o.id, "subject": o.subject, "status": o.status} for o in d.others],
        "links": [_link_record(v) for v in d.links],
        "customer_facts": [{"contact": whose, "facts": [_fact_record(f) for f in found]} for whose, found in d.facts],
    }


def _fact_record(f) -> dict:
    return {"label": f.label, "value": f.value, "amount": None if f.amount is None else f"{f.amount:f}",
            "detail": f.detail, "alert": f.alert, "record": f.opens[0] if f.opens else None,
            "record_id": f.opens[1] if f.opens else None}


def _link_record(v) -> dict:
    return {"kind": v.kind, "id": v.ref_id, "label": v.label, "detail": v.detail, "missing": v.missing}


def _print_json(data: dict) -> None:
    import json

    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=lambda v: v.isoformat())
    sys.stdout.write("\n")


def _record_format(fmt: Fmt) -> bool:
    """True for json; table is the one line of prose; csv is refused before anything is written."""
    if fmt == Fmt.csv:
        fail("--format: give table or json (a changed ticket is one record, not a list)", code=2)
    return fmt == Fmt.json


@app.command("show")
def show(ctx: typer.Context, ticket: str = typer.Argument(..., help="The ticket's number (#12 or 12)."),
         fmt: Fmt = FORMAT_OPTION) -> None:
    """One ticket: its fields, SLA clocks, thread and history."""
    from bizsuite.core import clock
    from bizsuite.crm.tickets.models import CHANNEL_LABELS, MESSAGE_LABELS, STATUS_LABELS

    now = clock.now()
    with books(ctx, write=False) as b:
        d = b.tickets.detail(b.tickets.resolve(ticket).id)
        day = b.tickets.policy.calendar.day
    t, state = d.ticket, d.sla
    data = _record(d, now)
    if fmt == Fmt.json:
        _print_json(data)
        return
    if fmt == Fmt.csv:
        emit([{**data, "tags": d.tags}], ["id", "subject", "status", "priority", "channel", "contact_id", "contact",
                                          "assignee", "tags", "created_at", "first_response_at", "resolved_at",
                                          "response_due", "resolution_due", "breached", "version"], fmt)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table

    console = Console()
    console.print(f"[bold]#{t.id} {escape(t.subject)}[/bold]")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    contact = d.contact.name + (f" · {d.company.name}" if d.company else "") + (f" · {d.contact.email}" if d.contact.email else "")
    for label, value in (
        ("status", f"{STATUS_LABELS[t.status]} · {t.priority} · {CHANNEL_LABELS[t.channel]}"),
        ("contact", f"{contact} (#{t.contact_id})"), ("assignee", t.assignee or "nobody"),
        ("tags", ", ".join(d.tags)), ("related", f"#{t.related_id}" if t.related_id else ""),
        ("first response", _clock_text(state.response, now, day)),
        ("resolution", _clock_text(state.resolution, now, day)),
        ("opened", f"{t.created_at.astimezone():%Y-%m-%d %H:%M} by {t.created_by}"),
        ("updated", f"{t.updated_at.astimezone():%Y-%m-%d %H:%M} by {t.updated_by} (version {t.version})"),
    ):
        if value:
            grid.add_row(label, escape(value))
    console.print(grid)
    if t.description:
        console.print()
        console.print(escape(t.description))
    if d.messages:
        console.print("\n[bold]Thread[/bold]")
        for m in d.messages:
            who = m.author + (f" (recorded by {m.created_by})" if m.kind == "customer" else "")
            console.print(f"  {m.created_at.astimezone():%Y-%m-%d %H:%M}  {MESSAGE_LABELS[m.kind]:<13} [dim]{escape(who)}[/dim]")
            for line in m.body.splitlines():
                console.print(f"      {escape(line)}")
    if d.links:
        console.print("\n[bold]Linked to[/bold]")
        for v in d.links:
            console.print(f"  {v.title} {escape(v.label)}" + (f" [dim]{escape(v.detail)}[/dim]" if v.detail else ""))
    for whose, found in d.facts:
        console.print(f"\n[bold]{escape(whose)}[/bold]")
        facts = Table.grid(padding=(0, 2))
        facts.add_column()
        facts.add_column(justify="right")
        facts.add_column(style="dim")
        for f in found:
            facts.add_row(escape(f.label), f"[bold]{escape(f.value)}[/bold]" if f.alert else escape(f.value),
                          escape(f.detail))
        console.print(Padding(facts, (0, 0, 0, 2)))
    if d.others:
        console.print(f"\n[bold]Other tickets of {escape(d.contact.name)}[/bold]")
        for o in d.others:
            console.print(f"  #{o.id} {escape(o.subject)} [dim]({STATUS_LABELS[o.status]})[/dim]")


@app.command("new")
def new(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="What it is about, in a line."),
    contact: str = typer.Option(..., "--contact", "-c", help="The customer who asked: #id, email or exact name."),
    description: Optional[str] = typer.Option(None, "--description", "-d", help="The request in full ('-': read stdin)."),
    priority: str = typer.Option("normal", "--priority", "-p", help="low, normal, high or urgent."),
    channel: str = typer.Option("email", "--channel", help="phone, email, walk-in or other."),
    assignee: Optional[str] = typer.Option(None, "--assignee", "-a", help="A user whose role may work tickets."),
    tag: List[str] = typer.Option([], "--tag", help="A tag (repeat or separate with ;)."),
    related: Optional[str] = typer.Option(None, "--related", help="An earlier (e.g. closed) ticket this one follows."),
    fmt: Fmt = RECORD_FORMAT,
) -> None:
    """Open a ticket for a contact; its SLA clocks start now."""
    from bizsuite.crm.contacts.normalise import split_multi
    from bizsuite.crm.tickets.models import TicketIn

    as_json = _record_format(fmt)
    if description == "-":
        description = sys.stdin.read()
    with books(ctx) as b:
        c = b.contacts.resolve(contact)
        related_id = b.tickets.resolve(related).id if related else None
        t = b.tickets.add(TicketIn(subject=subject, contact_id=c.id, description=description, priority=priority,
                                   channel=channel, assignee=assignee, tags=[x for t in tag for x in split_multi(t)],
                                   related_id=related_id))
        tid, subj, due = t.id, t.subject, t.response_due
        data = _changed(b, tid) if as_json else None
    if data is not None:
        _print_json(data)
        return
    when = f"; first response due {due.astimezone():%Y-%m-%d %H:%M}" if due else ""
    typer.echo(f"opened #{tid} {subj}{when}")


@app.command("reply")
def reply(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="The ticket's number."),
    text: str = typer.Argument(..., help="What to say ('-': read stdin)."),
    internal: bool = typer.Option(False, "--internal", help="An internal note: staff only, not a response."),
    customer: bool = typer.Option(False, "--customer", help="Record what the customer said (reopens a resolved ticket)."),
    status: Optional[str] = typer.Option(None, "--status", help="Change the status too, e.g. pending or resolved."),
    expect_version: Optional[int] = typer.Option(None, "--expect-version",
                                                 help="Refuse if the ticket changed since you read this version.", parser=whole("--expect-version")),
    fmt: Fmt = RECORD_FORMAT,
) -> None:
    """Add a public reply (the first one is the first response), an internal note or the customer's words."""
    from bizsuite.crm.tickets.models import STATUS_LABELS

    as_json = _record_format(fmt)
    if internal and customer:
        fail("--internal and --customer do not go together", code=2)
    if text == "-":
        text = sys.stdin.read()
    kind = "note" if internal else "customer" if customer else "reply"
    with books(ctx) as b:
        t = b.tickets.resolve(ticket)
        b.tickets.reply(t.id, text, kind=kind, status=status, expected_version=expect_version)
        tid, st = t.id, t.status
        data = _changed(b, tid) if as_json else None
    if data is not None:
        _print_json(data)
        return
    what = {"reply": "replied to", "note": "added an internal note to", "customer": "recorded the customer's reply on"}
    typer.echo(f"{what[kind]} #{tid} ({STATUS_LABELS[st]})")


@app.command("assign")
def assign(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="The ticket's number."),
    user: Optional[str] = typer.Argument(None, help="A user whose role may work tickets."),
    me: bool = typer.Option(False, "--me", help="Assign it to yourself."),
    nobody: bool = typer.Option(False, "--nobody", help="Assign it to nobody."),
    expect_version: Optional[int] = typer.Option(None, "--expect-version", parser=whole("--expect-version")),
    fmt: Fmt = RECORD_FORMAT,
) -> None:
    """Give a ticket to a support user or the owner."""
    as_json = _record_format(fmt)
    if sum((bool(user), me, nobody)) != 1:
        fail("give one of: USER, --me, --nobody", code=2)
    with books(ctx) as b:
        t = b.tickets.resolve(ticket)
        t = b.tickets.assign(t.id, b.actor.name if me else None if nobody else user, expected_version=expect_version)
        tid, who = t.id, t.assignee
        data = _changed(b, tid) if as_json else None
    if data is not None:
        _print_json(data)
        return
    typer.echo(f"#{tid} is assigned to {who}" if who else f"#{tid} is assigned to nobody")


@app.command("status")
def status_(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="The ticket's number."),
    status: str = typer.Argument(..., help="new, open, pending, on-hold, resolved or closed."),
    expect_version: Optional[int] = typer.Option(None, "--expect-version", parser=whole("--expect-version")),
    fmt: Fmt = RECORD_FORMAT,
) -> None:
    """Change a ticket's status (pending and on hold pause the SLA clocks; closed is final)."""
    from bizsuite.crm.tickets.models import STATUS_LABELS

    as_json = _record_format(fmt)
    with books(ctx) as b:
        t = b.tickets.resolve(ticket)
        t = b.tickets.set_status(t.id, status, expected_version=expect_version)
        tid, st = t.id, t.status
        data = _changed(b, tid) if as_json else None
    if data is not None:
        _print_json(data)
        return
    typer.echo(f"#{tid} is {STATUS_LABELS[st]}")


@app.command("priority")
def priority_(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="The ticket's number."),
    priority: str = typer.Argument(..., help="low, normal, high or urgent."),
    expect_version: Optional[int] = typer.Option(None, "--expect-version", parser=whole("--expect-version")),
    fmt: Fmt = RECORD_FORMAT,
) -> None:
    """Change a ticket's priority (the targets still ahead follow it; a breach that happened stays)."""
    as_json = _record_format(fmt)
    with books(ctx) as b:
        t = b.tickets.resolve(ticket)
        t = b.tickets.set_priority(t.id, priority, expected_version=expect_version)
        tid, p = t.id, t.priority
        data = _changed(b, tid) if as_json else None
    if data is not None:
        _print_json(data)
        return
    typer.echo(f"#{tid} is {p}")


LINK_HELP = ("Other kinds that the installed modules offer, as KIND=REFERENCE "
             "(repeatable); `tickets link --kinds` lists them.")


NAMED_KINDS = ("order", "product", "deal")  # the kinds with an option of their own


def _links_asked(order: List[str], product: List[str], deal: List[str], other: List[str]) -> list[tuple[str, str]]:
    asked = [("order", x) for x in order] + [("product", x) for x in product] + [("deal", x) for x in deal]
    for item in other:
        kind, sep, ref = item.partition("=")
        if not sep or not kind.strip() or not ref.strip():
            fail(f"--to: {item!r} is not KIND=REFERENCE, such as order=SO-00012", code=2)
        asked.append((kind.strip(), ref.strip()))
    return asked


def _change_links(ctx, ticket: str, asked: list[tuple[str, str]], unlink: bool, fmt: Fmt) -> None:
    as_json = _record_format(fmt)
    if not asked:
        fail("give what to " + ("unlink" if unlink else "link") + ": --order SO-00012, --product SKU, --deal D-00012 or --to KIND=REF",
             code=2)
    with books(ctx) as b:
        t = b.tickets.resolve(ticket)
        done = [(b.tickets.unlink if unlink else b.tickets.link)(t.id, kind, ref) for kind, ref in asked]
        tid = t.id
        data = _changed(b, tid) if as_json else None
    if data is not None:
        _print_json(data)
        return
    for v in done:
        what = f"{v.title} {v.label}" + (f" ({v.detail})" if v.detail and not unlink else "")
        typer.echo(f"unlinked #{tid} from {what}" if unlink else f"linked #{tid} to {what}")


@app.command("link")
def link(
    ctx: typer.Context,
    ticket: Optional[str] = typer.Argument(None, help="The ticket's number."),
    order: List[str] = typer.Option([], "--order", help="A sales order it is about: SO-00012 (repeatable)."),
    product: List[str] = typer.Option([], "--product", help="A product it is about, by SKU (repeatable)."),
    deal: List[str] = typer.Option([], "--deal", help="A deal it is about: D-00012 (repeatable)."),
    other: List[str] = typer.Option([], "--to", metavar="KIND=REF", help=LINK_HELP),
    kinds: bool = typer.Option(False, "--kinds", help="List the kinds of record tickets can be linked to."),
    fmt: Fmt = RECORD_FORMAT,
) -> None:
    """Link a ticket to the order, product or deal it is about (all the links given, or none)."""
    if kinds:
        with books(ctx, write=False) as b:
            b.require("tickets.read")
            rows = [{"kind": k.kind, "option": f"--{k.kind}" if k.kind in NAMED_KINDS else f"--to {k.kind}=REF",
                     "refer_to_one_by": k.hint} for k in b.tickets.link_kinds().values()]
        emit(rows, ["kind", "option", "refer_to_one_by"], Fmt.table if fmt == Fmt.table else fmt)
        return
    if ticket is None:
        fail("give the ticket's number (or --kinds)", code=2)
    _change_links(ctx, ticket, _links_asked(order, product, deal, other), False, fmt)


@app.command("unlink")
def unlink(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="The ticket's number."),
    order: List[str] = typer.Option([], "--order", help="An order it is linked to (SO-00012)."),
    product: List[str] = typer.Option([], "--product", help="A product it is linked to (SKU)."),
    deal: List[str] = typer.Option([], "--deal", help="A deal it is linked to (D-00012)."),
    other: List[str] = typer.Option([], "--to", metavar="KIND=REF", help="Another kind of link, as KIND=REFERENCE; "
                                    "#ID for a record no longer in the books."),
    fmt: Fmt = RECORD_FORMAT,
) -> None:
    """Remove links from a ticket (a record no longer in the books by #ID: --order '#12')."""
    _change_links(ctx, ticket, _links_asked(order, product, deal, other), True, fmt)


def _day(value: Optional[str], option: str, *, end: bool = False):
    if not value:
        return None
    from datetime import datetime, time, timedelta, timezone

    try:
        if len(value.strip()) == 10:
            d = datetime.combine(datetime.fromisoformat(value.strip()).date(), time())
            if end:
                d += timedelta(days=1)  # --until 2026-03-31 includes the 31st
        else:
            d = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)", code=2)
    return (d if d.tzinfo else d.astimezone()).astimezone(timezone.utc)


@app.command("stats")
def stats(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="From this date (default: 30 days ago)."),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE", help="To this date, included (default: now)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Open tickets by status and priority, breaches, and median first-response and resolution times."""
    from datetime import timedelta

    from bizsuite.crm.tickets.metrics import ticket_stats
    from bizsuite.crm.tickets.models import ACTIVE_STATUSES, PRIORITIES, STATUS_LABELS
    from bizsuite.crm.tickets.sla import format_duration

    with books(ctx, write=False) as b:
        st = ticket_stats(b, since=_day(since, "--since"), until=_day(until, "--until", end=True))
        day = b.tickets.policy.calendar.day

    def minutes(v):
        return round(v.total_seconds() / 60, 1) if v is not None else None

    def shown(v, business: bool):  # business days are the calendar's working day; calendar days 24 h
        return format_duration(v, day if business else timedelta(days=1)) if v is not None else "—"

    rows = []
    for s in ACTIVE_STATUSES:
        for p in PRIORITIES:
            rows.append({"metric": "open", "status": s, "priority": p, "value": st.open_by_status_priority.get((s, p), 0)})
    figures = [
        ("open_breached", st.breached_open), ("open_due_soon", st.due_soon_open), ("created", st.created),
        ("resolved", st.resolved), ("breached", st.breached_in_period), ("first_responses", st.responded),
        ("first_response_met", st.response_met), ("resolution_met", st.resolution_met),
        ("median_first_response_business_minutes", minutes(st.median_first_response)),
        ("median_first_response_calendar_minutes", minutes(st.median_first_response_wall)),
        ("median_resolution_business_minutes", minutes(st.median_resolution)),
        ("median_resolution_calendar_minutes", minutes(st.median_resolution_wall)),
    ]
    if fmt != Fmt.table:
        rows += [{"metric": name, "status": "", "priority": "", "value": value} for name, value in figures]
        if fmt == Fmt.json:
            import json

            json.dump({"since": st.since.isoformat(), "until": st.until.isoformat(),
                       "open": {s: {p: st.open_by_status_priority.get((s, p), 0) for p in PRIORITIES}
                                for s in ACTIVE_STATUSES},
                       **dict(figures)}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            emit(rows, ["metric", "status", "priority", "value"], fmt, numeric=["value"])
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Open now, by status and priority", header_style="bold")
    table.add_column("status")
    for p in PRIORITIES:
        table.add_column(p, justify="right")
    table.add_column("total", justify="right")
    for s in ACTIVE_STATUSES:
        counts = [st.open_by_status_priority.get((s, p), 0) for p in PRIORITIES]
        table.add_row(STATUS_LABELS[s], *[str(c) for c in counts], str(sum(counts)))
    console.print(table)
    console.print(f"breached now: {st.breached_open}    due within the hour: {st.due_soon_open}")
    period = f"{st.since.astimezone():%Y-%m-%d %H:%M} to {st.until.astimezone():%Y-%m-%d %H:%M}"
    grid = Table(title=f"From {period}", header_style="bold", show_header=False)
    grid.add_column()
    grid.add_column(justify="right")
    for label, value in (
        ("created", st.created), ("resolved", st.resolved), ("SLA breaches", st.breached_in_period),
        ("first responses (on time)", f"{st.responded} ({st.response_met})"),
        ("resolutions (on time)", f"{st.resolved} ({st.resolution_met})"),
        ("median first response, business time", shown(st.median_first_response, True)),
        ("median first response, calendar time", shown(st.median_first_response_wall, False)),
        ("median resolution, business time", shown(st.median_resolution, True)),
        ("median resolution, calendar time", shown(st.median_resolution_wall, False)),
    ):
        grid.add_row(label, str(value))
    console.print(grid)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A CSV: subject, contact and/or email, description, priority, status, channel, "
                               "assignee, tags, created, first_response, resolved, ref (see the docs)."),
    create_contacts: bool = typer.Option(False, "--create-contacts", help="Add the customers the books do not know."),
    map_: List[str] = typer.Option([], "--map", help="SOURCE=FIELD: read column SOURCE as FIELD (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, skip the bad ones."),
    rejects: Optional[str] = typer.Option(None, "--rejects", help="With --skip-invalid: write bad rows and reasons here."),
) -> None:
    """Import tickets from CSV: all or nothing unless --skip-invalid; re-running adds nothing.

    A row's customer is found by email, then by exact name; one the books do not know is an
    error unless --create-contacts.
    """
    from bizsuite.crm.tickets.importer import import_tickets

    run_import(ctx, import_tickets, file, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects,
               maps=map_, create_contacts=create_contacts)


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: Fmt = typer.Option(Fmt.csv, "--format", "-f", help="csv or json"),
    output: Optional[str] = typer.Option(None, "--output", "-o", help=OUTPUT_OPTION_HELP),
    status: List[str] = typer.Option([], "--status", help="As for list; the default here is all."),
    contact: Optional[str] = typer.Option(None, "--contact"),
) -> None:
    """Export tickets as CSV (the import's columns plus id; re-importable) or JSON."""
    from bizsuite.crm.tickets.importer import export_csv, export_json

    if fmt == Fmt.table:
        fail("--format: export writes csv or json", code=2)
    with books(ctx, write=False) as b:
        filters = {"status": _statuses(status) or "all"}
        if contact:
            filters["contact_id"] = b.contacts.resolve(contact).id
        writer = export_csv if fmt == Fmt.csv else export_json
        write_output(output, lambda out: writer(b, out, **filters), "tickets")


@app.command("housekeep")
def housekeep(ctx: typer.Context,
              days: int = typer.Option(7, "--days", help="Close tickets resolved more than this many days ago.", parser=whole("--days", lo=0))) -> None:
    """Close tickets resolved more than N days ago (for cron)."""
    with books(ctx) as b:
        n = b.tickets.housekeep(days=days)
    typer.echo(f"closed {n} ticket{'' if n == 1 else 's'} resolved more than {days} day{'' if days == 1 else 's'} ago")


@app.command("sla")
def sla_(
    ctx: typer.Context,
    load: Optional[str] = typer.Option(None, "--load", metavar="FILE", help="Use this TOML policy (owner only)."),
    reset: bool = typer.Option(False, "--reset", help="Go back to the shipped policy (owner only)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """The SLA policy in effect: business hours, holidays and targets per priority."""
    from pathlib import Path

    from bizsuite.core import clock
    from bizsuite.crm.tickets.sla import PRIORITIES, WEEKDAYS, format_duration

    if load and reset:
        fail("--load and --reset do not go together", code=2)
    text = None
    if load:
        try:
            text = Path(load).read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"{load}: cannot read: {exc.strerror}")
    with books(ctx, write=bool(load or reset)) as b:
        changed = b.tickets.set_policy(text) if (load or reset) else None
        b.require("tickets.read")
        policy = b.tickets.policy
    if changed is not None:
        typer.echo(f"SLA policy {'loaded from ' + load if load else 'reset to the shipped one'}; "
                   f"due times of {changed} ticket{'' if changed == 1 else 's'} changed", err=True)
    cal = policy.calendar
    rows = [{"priority": p, "first_response": format_duration(policy.targets[p][0], cal.day),
             "resolution": format_duration(policy.targets[p][1], cal.day),
             "first_response_minutes": int(policy.targets[p][0].total_seconds() // 60),
             "resolution_minutes": int(policy.targets[p][1].total_seconds() // 60)} for p in reversed(PRIORITIES)]
    if fmt != Fmt.table:
        emit(rows, ["priority", "first_response_minutes", "resolution_minutes"], fmt, numeric=["first_response_minutes", "resolution_minutes"])
        return
    hours = ", ".join(f"{a // 3600:02d}:{a % 3600 // 60:02d}-{b_ // 3600:02d}:{b_ % 3600 // 60:02d}" for a, b_ in cal.hours)
    typer.echo(f"policy: {policy.source}")
    typer.echo(f"time zone: {cal.tz_name or 'local'}; working days: {' '.join(WEEKDAYS[d] for d in sorted(cal.working_days))}; "
               f"hours: {hours} (a business day is {format_duration(cal.day)})")
    coming = sorted(d for d in cal.holidays if d >= clock.today())
    typer.echo(f"holidays: {len(cal.holidays)}" + (f"; next {coming[0]} {policy.holiday_names.get(coming[0], '')}".rstrip()
                                                  if coming else ""))
    emit(rows, ["priority", "first_response", "resolution"], fmt)
