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
            "history": [{"at": h.at, "by": h.by, "from": h.from_stage, "to": h.to_stage, "reason": h.reason}
                        for h in d.history]}


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
    """A deal, with every change of its stage."""
    with books(ctx, write=False) as b:
        d = b.pipeline.deal(deal)
    record = _deal(d)
    if fmt == Fmt.json:
        print_record(record)
        return
    title = (f"{d.number} {d.title} · {d.customer} · {d.stage} · {d.amount} at {_pct(d.probability)}% "
             f"(weighted {d.weighted})" + (f" · close {d.close}" if d.close else "") + f" · {d.owner}"
             + (f" · {d.reason}" if d.reason else ""))
    rows = record["history"] if fmt != Fmt.table else [
        h | {"at": h["at"].astimezone().strftime("%Y-%m-%d %H:%M")} for h in record["history"]]
    emit(rows, ["at", "by", "from", "to", "reason"], fmt, title=title)


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
