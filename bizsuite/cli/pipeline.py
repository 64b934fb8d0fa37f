"""``bizsuite pipeline …``: deals through the stages, won and lost, the weighted forecast (the
pipeline module; each command calls one repository method)."""

from __future__ import annotations

from typing import List, Optional

import typer

from bizsuite.cli.common import FORMAT_OPTION, Fmt, books, emit, print_record, say

app = typer.Typer(no_args_is_help=True)

LIST_COLUMNS = ["number", "title", "customer", "stage", "amount", "probability", "weighted", "close", "owner"]
FORECAST_COLUMNS = ["deals", "amount", "weighted"]
JSON_OPTION = typer.Option(None, "--format", "-f", help="json: print the deal.")
VERSION_OPTION = typer.Option(None, "--expect-version", help="Refuse if the deal changed since this version.")


def _pct(p) -> str:
    return f"{p.normalize():f}"


def _deal(d) -> dict:
    return {"number": d.number, "title": d.title, "customer": d.customer, "customer_id": d.customer_id,
            "stage": d.stage, "status": d.status, "amount": d.amount, "probability": _pct(d.probability),
            "probability_set": d.probability_set, "weighted": d.weighted, "close": d.close, "owner": d.owner,
            "source": d.source, "tags": d.tags, "notes": d.notes, "reason": d.reason, "closed_on": d.closed_on,
            "version": d.version,
            "follow_up": d.follow_up,
            "history": [{"at": h.at, "by": h.by, "from": h.from_stage, "to": h.to_stage, "reason": h.reason}
                        for h in d.history],
            "activities": [_activity(a) for a in d.activities]}


def _activity(a) -> dict:
    return {"id": a.id, "kind": a.kind, "text": a.text, "owner": a.owner, "due": a.due, "done_at": a.done_at,
            "done_by": a.done_by, "created_at": a.created_at, "created_by": a.created_by}


def _when(at) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at is not None else ""


def _activity_line(verb: str, a, deal: str | None = None) -> str:
    what = f"{verb} activity #{a.id}" + (f" on {deal}" if deal else "") + f": {a.kind} {a.text!r}"
    if a.due is not None:
        what += f", follow-up due {a.due} for {a.owner}"
    return what


def _one_line(verb: str, d) -> str:
    return (f"{verb} {d.number} {d.title!r} for {d.customer}: {d.stage}, {d.amount} at {_pct(d.probability)}% "
            f"(weighted {d.weighted})" + (f", {d.reason}" if d.reason else ""))


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: Optional[str] = typer.Option(None, "--stage", help="One stage (won and lost too)."),
    owner: Optional[str] = typer.Option(None, "--owner", help="A bizsuite user."),
    status: str = typer.Option("open", "--status", help="open (default), won, lost or all; --stage overrides it."),
    customer: Optional[str] = typer.Option(None, "--customer", help="One customer (#id, email or name)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Deals by stage, then expected close: amount, probability and weighted amount."""
    with books(ctx, write=False) as b:
        rows = b.pipeline.list(stage=stage, owner=owner, status=status, customer=customer)
    out = [{"number": r.number, "title": r.title, "customer": r.customer, "stage": r.stage, "amount": r.amount,
            "probability": _pct(r.probability), "weighted": r.weighted, "close": r.close, "owner": r.owner}
           for r in rows]
    total = sum((r.amount for r in rows), start=0)
    weighted = sum((r.weighted for r in rows), start=0)
    emit(out, LIST_COLUMNS, fmt, title=f"Deals: {len(out)} · {total} · weighted {weighted}",
         numeric=["amount", "probability", "weighted"])


@app.command("show")
def show(ctx: typer.Context, deal: str = typer.Argument(..., metavar="DEAL"), fmt: Fmt = FORMAT_OPTION) -> None:
    """A deal, with every change of its stage, its activities, and its quotations, orders and
    what of them is invoiced and paid (when sales is installed)."""
    from bizsuite.crm.pipeline.repository import deal_documents

    with books(ctx, write=False) as b:
        d = b.pipeline.deal(deal)
        documents = deal_documents(b, d.id)
    record = _deal(d)
    orders = [o for doc in documents for o in doc["orders"]]
    if documents:
        record["documents"] = {
            "orders": [{"number": o.number, "date": o.date, "status": o.status, "total": o.total,
                        "delivered": o.delivered, "invoiced": o.invoiced, "paid": o.paid} for o in orders],
            "invoiced": sum((doc["invoiced"] for doc in documents[1:]), documents[0]["invoiced"]),
            "paid": sum((doc["paid"] for doc in documents[1:]), documents[0]["paid"]),
        }
    if fmt == Fmt.json:
        print_record(record)
        return
    title = (f"{d.number} {d.title} · {d.customer} · {d.stage} · {d.amount} at {_pct(d.probability)}% "
             f"(weighted {d.weighted})" + (f" · close {d.close}" if d.close else "") + f" · {d.owner}"
             + (f" · {d.reason}" if d.reason else ""))
    rows = record["history"] if fmt != Fmt.table else [h | {"at": _when(h["at"])} for h in record["history"]]
    emit(rows, ["at", "by", "from", "to", "reason"], fmt, title=title)
    if fmt == Fmt.table and d.activities:
        from bizsuite.core import clock

        today = clock.today()
        acts = [{"#": a.id, "when": _when(a.created_at), "kind": a.kind, "text": a.text, "by": a.created_by,
                 "follow-up": "" if a.due is None else (
                     f"done {_when(a.done_at)}" if a.done_at else
                     f"{a.due} {a.owner}" + (f" OVERDUE {a.overdue_days(today)}d" if a.overdue_days(today) else ""))}
                for a in d.activities]
        emit(acts, ["#", "when", "kind", "text", "by", "follow-up"], fmt, title="Activities")
    if fmt == Fmt.table and orders:
        docs = record["documents"]
        emit(docs["orders"], ["number", "date", "status", "total", "delivered", "invoiced", "paid"], fmt,
             title=f"Quotations and orders · invoiced {docs['invoiced']} · paid {docs['paid']}",
             numeric=["total", "invoiced", "paid"])


@app.command("add")
def add(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    customer: str = typer.Option(..., "--customer", help="A contact with the customer or lead role (#id, email or name)."),
    amount: str = typer.Option(..., "--amount", help="What the deal is worth, in the books' currency."),
    stage: Optional[str] = typer.Option(None, "--stage", help="An open stage (default: the first)."),
    close: Optional[str] = typer.Option(None, "--close", help="Expected close, YYYY-MM-DD."),
    owner: Optional[str] = typer.Option(None, "--owner", help="A bizsuite user (default: you)."),
    probability: Optional[str] = typer.Option(None, "--probability", help="0-100 (default: the stage's)."),
    source: Optional[str] = typer.Option(None, "--source", help="Where it came from (web, referral, fair…)."),
    tag: List[str] = typer.Option([], "--tag", help="A tag; repeat."),
    notes: Optional[str] = typer.Option(None, "--notes"),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """A new deal."""
    with books(ctx) as b:
        d = b.pipeline.add(title, customer=customer, amount=amount, stage=stage, close=close, owner=owner,
                           probability=probability, source=source, tags=tag, notes=notes)
        text, record = _one_line("added", d), _deal(d)
    say(text, record, fmt)


@app.command("move")
def move(ctx: typer.Context, deal: str = typer.Argument(..., metavar="DEAL"), stage: str = typer.Argument(...),
         expect_version: Optional[int] = VERSION_OPTION, fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """An open deal to another open stage (its probability follows the stage's unless set by hand)."""
    with books(ctx) as b:
        d = b.pipeline.move(deal, stage, expect_version=expect_version)
        text, record = _one_line("moved", d), _deal(d)
    say(text, record, fmt)


@app.command("won")
def won(ctx: typer.Context, deal: str = typer.Argument(..., metavar="DEAL"),
        reason: Optional[str] = typer.Option(None, "--reason", help="One of the won reasons (bizsuite pipeline reasons)."),
        expect_version: Optional[int] = VERSION_OPTION, fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """The deal is won."""
    with books(ctx) as b:
        d = b.pipeline.won(deal, reason=reason, expect_version=expect_version)
        text, record = _one_line("won", d), _deal(d)
    say(text, record, fmt)


@app.command("lost")
def lost(ctx: typer.Context, deal: str = typer.Argument(..., metavar="DEAL"),
         reason: str = typer.Option(..., "--reason", help="One of the lost reasons (bizsuite pipeline reasons)."),
         expect_version: Optional[int] = VERSION_OPTION, fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """The deal is lost, for a reason from the lost list."""
    with books(ctx) as b:
        d = b.pipeline.lost(deal, reason=reason, expect_version=expect_version)
        text, record = _one_line("lost", d), _deal(d)
    say(text, record, fmt)


@app.command("reopen")
def reopen(ctx: typer.Context, deal: str = typer.Argument(..., metavar="DEAL"),
           expect_version: Optional[int] = VERSION_OPTION, fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """A won or lost deal back to the stage it closed from."""
    with books(ctx) as b:
        d = b.pipeline.reopen(deal, expect_version=expect_version)
        text, record = _one_line("reopened", d), _deal(d)
    say(text, record, fmt)


@app.command("forecast")
def forecast(
    ctx: typer.Context,
    by: str = typer.Option("month", "--by", help="month (expected close), owner or stage."),
    owner: Optional[str] = typer.Option(None, "--owner", help="Only one owner's deals."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """The open deals' weighted forecast: deals, amount and weighted amount per group."""
    with books(ctx, write=False) as b:
        rows = b.pipeline.forecast(by=by, owner=owner)
    out = [{by: r.key, "deals": r.deals, "amount": r.amount, "weighted": r.weighted} for r in rows]
    n = sum(r.deals for r in rows)
    emit(out, [by, *FORECAST_COLUMNS], fmt, title=f"Forecast by {by}: {n} open deal{'s' if n != 1 else ''}",
         numeric=FORECAST_COLUMNS)


@app.command("stages")
def stages(ctx: typer.Context, fmt: Fmt = FORMAT_OPTION) -> None:
    """The stages, in order, with their default probabilities."""
    with books(ctx, write=False) as b:
        out = [{"position": s.position, "stage": s.name, "probability": _pct(s.probability), "kind": s.kind}
               for s in b.pipeline.stages()]
    emit(out, ["position", "stage", "probability", "kind"], fmt, title="Pipeline stages",
         numeric=["position", "probability"])


@app.command("add-stage")
def add_stage(ctx: typer.Context, name: str = typer.Argument(...),
              probability: str = typer.Option(..., "--probability", help="Its default probability, 0-100."),
              after: Optional[str] = typer.Option(None, "--after", help="The open stage it follows (default: the last).")
              ) -> None:
    """A new open stage (owner)."""
    with books(ctx) as b:
        st = b.pipeline.add_stage(name, probability, after=after)
        typer.echo(f"added the stage {st.name} at {_pct(st.probability)}% (position {st.position})")


@app.command("reasons")
def reasons(ctx: typer.Context, fmt: Fmt = FORMAT_OPTION) -> None:
    """The reasons a deal is won or lost."""
    with books(ctx, write=False) as b:
        out = [{"kind": k, "reason": t} for k in ("won", "lost") for t in b.pipeline.reasons(k)]
    emit(out, ["kind", "reason"], fmt, title="Won and lost reasons")


@app.command("add-reason")
def add_reason(ctx: typer.Context, kind: str = typer.Argument(..., help="won or lost"),
               text: str = typer.Argument(...)) -> None:
    """A reason for the won or the lost list (owner)."""
    with books(ctx) as b:
        t = b.pipeline.add_reason(kind, text)
        typer.echo(f"added {t!r} to the {kind} reasons")


@app.command("log")
def log(
    ctx: typer.Context,
    deal: str = typer.Argument(..., metavar="DEAL"),
    text: str = typer.Argument(..., help="What was done, or is to be done."),
    kind: str = typer.Option("note", "--kind", help="call, meeting, email, task or note."),
    due: Optional[str] = typer.Option(None, "--due", help="A follow-up's day, YYYY-MM-DD."),
    owner: Optional[str] = typer.Option(None, "--owner", help="Who is to follow up (default: the deal's owner)."),
    fmt: Optional[Fmt] = typer.Option(None, "--format", "-f", help="json: print the activity."),
) -> None:
    """An activity on a deal: a call, meeting, email, task or note; with --due, a follow-up."""
    with books(ctx) as b:
        a = b.pipeline.log(deal, text, kind=kind, due=due, owner=owner)
        number = b.pipeline.deal(a.deal_id).number
        line, record = _activity_line("logged", a, number), _activity(a) | {"deal": number}
    say(line, record, fmt)


@app.command("done")
def done(ctx: typer.Context, activity: str = typer.Argument(..., metavar="ACTIVITY", help="Its number (#12)."),
         fmt: Optional[Fmt] = typer.Option(None, "--format", "-f", help="json: print the activity.")) -> None:
    """A follow-up is done."""
    with books(ctx) as b:
        a = b.pipeline.done(activity)
        number = b.pipeline.deal(a.deal_id).number
        line, record = f"done: activity #{a.id} on {number}, {a.kind} {a.text!r}", _activity(a) | {"deal": number}
    say(line, record, fmt)


@app.command("reschedule")
def reschedule(ctx: typer.Context, activity: str = typer.Argument(..., metavar="ACTIVITY"),
               due: str = typer.Argument(..., help="The new day, YYYY-MM-DD."),
               fmt: Optional[Fmt] = typer.Option(None, "--format", "-f", help="json: print the activity.")) -> None:
    """An open follow-up to another day."""
    with books(ctx) as b:
        a = b.pipeline.reschedule(activity, due)
        number = b.pipeline.deal(a.deal_id).number
        line, record = _activity_line("rescheduled", a, number), _activity(a) | {"deal": number}
    say(line, record, fmt)


FOLLOW_UP_COLUMNS = ["activity", "due", "overdue_days", "deal", "title", "customer", "kind", "text", "owner"]


@app.command("follow-ups")
def follow_ups(
    ctx: typer.Context,
    owner: Optional[str] = typer.Option(None, "--owner", help="One user's (default: everyone's)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only those past their day."),
    until: Optional[str] = typer.Option(None, "--until", help="Due on or before this day."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Open follow-ups, the most overdue first."""
    from bizsuite.core import clock

    with books(ctx, write=False) as b:
        rows = b.pipeline.follow_ups(owner=owner, overdue=overdue, until=until)
        today = clock.today()
    out = [{"activity": r.id, "due": r.due, "overdue_days": r.overdue_days(today), "deal": r.deal, "title": r.title,
            "customer": r.customer, "kind": r.kind, "text": r.text, "owner": r.owner} for r in rows]
    late = sum(1 for r in out if r["overdue_days"])
    emit(out, FOLLOW_UP_COLUMNS, fmt, title=f"Follow-ups: {len(out)}, {late} overdue", numeric=["overdue_days"])


STAGE_STATS_COLUMNS = ["stage", "entered", "advanced", "conversion", "won", "to_won", "now", "avg_days"]
SOURCE_STATS_COLUMNS = ["source", "deals", "open", "won", "lost", "win_rate", "won_amount"]


@app.command("stats")
def stats(
    ctx: typer.Context,
    by: str = typer.Option("stage", "--by", help="stage: conversion and average days per stage; "
                                                 "source: win rate per source."),
    since: Optional[str] = typer.Option(None, "--since", help="Deals created on or after this day."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """How the pipeline converts: per stage, the deals that entered it, went on (conversion %),
    were won in the end (to_won %), are there now, and the average days in it; or, per source,
    the win rate (won of the closed)."""
    with books(ctx, write=False) as b:
        rows = b.pipeline.stats(by=by, since=since)
    if by == "source":
        out = [{"source": r.source, "deals": r.deals, "open": r.open, "won": r.won, "lost": r.lost,
                "win_rate": r.win_rate, "won_amount": r.won_amount} for r in rows]
        emit(out, SOURCE_STATS_COLUMNS, fmt, title="Win rate by source", numeric=SOURCE_STATS_COLUMNS[1:])
        return
    out = [{"stage": r.stage, "entered": r.entered, "advanced": r.advanced, "conversion": r.conversion, "won": r.won,
            "to_won": r.to_won, "now": r.now, "avg_days": r.avg_days} for r in rows]
    emit(out, STAGE_STATS_COLUMNS, fmt, title="Conversion by stage", numeric=STAGE_STATS_COLUMNS[1:])


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A CSV: title, customer, amount, stage, probability, close, owner, source, "
                               "tags, notes, reason, created, closed, ref (see the README)."),
    map_: List[str] = typer.Option([], "--map", help="SOURCE=FIELD: read column SOURCE as FIELD (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, skip the bad ones."),
    rejects: Optional[str] = typer.Option(None, "--rejects", help="With --skip-invalid: write bad rows and reasons here."),
) -> None:
    """Import deals from CSV: all or nothing unless --skip-invalid; re-running adds nothing."""
    from bizsuite.cli.common import run_import
    from bizsuite.crm.pipeline.importer import import_deals

    run_import(ctx, import_deals, file, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects, maps=map_)


@app.command("quote")
def quote(
    ctx: typer.Context,
    deal: str = typer.Argument(..., metavar="DEAL"),
    line: List[str] = typer.Option([], "--line", help='"SKU QTY [PRICE]" (the product\'s price by default); repeat.'),
    discount: Optional[str] = typer.Option(None, "--discount", help="A discount in percent on every line."),
    date: Optional[str] = typer.Option(None, "--date", help="YYYY-MM-DD (default: today)."),
    fmt: Optional[Fmt] = typer.Option(None, "--format", "-f", help="json: print the quotation."),
) -> None:
    """A quotation for the deal's customer, tied to the deal (confirming it wins the deal)."""
    from bizsuite.core.modules import hooks

    makers = hooks("pipeline.quote")
    if not makers:
        from bizsuite.cli.common import fail

        fail("quotations are made by the sales module, which these books do not have")
    with books(ctx) as b:
        text, record, warnings = makers[0](b, deal, line, discount=discount, date=date)
    for w in warnings:
        typer.echo(f"warning: {w}", err=True)
    say(text, record, fmt)
