"""``bizsuite sales …``: quotations and orders, deliveries, invoices, payments, credit notes and
AR aging (the sales module; each command calls one repository method)."""

from __future__ import annotations

from typing import List, Optional

import typer

from bizsuite.cli.common import FORMAT_OPTION, Fmt, books, emit, print_record, say

app = typer.Typer(no_args_is_help=True)

LIST_COLUMNS = ["number", "date", "customer", "status", "total", "delivered", "invoiced", "paid"]
LINE_COLUMNS = ["line", "sku", "name", "ordered", "delivered", "invoiced", "unit_price", "discount", "total",
                "available"]
INVOICE_COLUMNS = ["number", "order", "customer", "date", "due", "total", "settled", "open"]
AGING_COLUMNS = ["customer", "current", "1-30", "31-60", "61-90", "90+", "total"]
DATE_HELP = "YYYY-MM-DD (default: today)."
JSON_OPTION = typer.Option(None, "--format", "-f", help="json: print the record.")


def _q(q, unit):
    from bizsuite.erp.sales.records import qty

    return qty(q, unit)


def _invoice(i) -> dict:
    from bizsuite.erp.sales.records import invoice_record

    return invoice_record(i)


def _order(o) -> dict:
    from bizsuite.erp.sales.records import order_record

    return order_record(o)


def _warn(o) -> None:
    for w in o.warnings:
        typer.echo(f"warning: {w}", err=True)


@app.command("create")
def create(
    ctx: typer.Context,
    customer: Optional[str] = typer.Option(None, "--customer", help="A customer or lead (#id, email or name)."),
    line: List[str] = typer.Option([], "--line", help='"SKU QTY [PRICE]" (the product\'s price by default); repeat.'),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    discount: Optional[str] = typer.Option(None, "--discount", help="A discount in percent on every line."),
    deal: Optional[str] = typer.Option(None, "--deal", help="The deal it is for (its customer by default)."),
    valid_until: Optional[str] = typer.Option(None, "--valid-until", help="How long the quotation holds (30 days)."),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """A quotation (a sales order in draft); confirm makes it an order."""
    with books(ctx) as b:
        o = b.sales.create(customer, line, date=date, discount=discount, deal=deal, valid_until=valid_until)
        text = (f"created {o.number} for {o.customer}: {len(o.lines)} lines, total {o.total} (quotation"
                + (f" for {o.deal}" if o.deal else "") + ")")
        record = _order(o)
    _warn(o)
    say(text, record, fmt)


@app.command("confirm")
def confirm(ctx: typer.Context, so: str = typer.Argument(..., metavar="SO"),
            expect_version: Optional[int] = typer.Option(None, "--expect-version"),
            fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """A quotation becomes an order: its stock is reserved, its deal won."""
    with books(ctx) as b:
        o = b.sales.confirm(so, expect_version=expect_version)
        text = f"confirmed {o.number}: total {o.total}, stock reserved" + (f"; {o.deal} won" if o.deal else "")
        record = _order(o)
    _warn(o)
    say(text, record, fmt)


@app.command("cancel")
def cancel(ctx: typer.Context, so: str = typer.Argument(..., metavar="SO"), fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """Cancel a quotation, or an order with nothing delivered: its stock is released, its deal reopened."""
    with books(ctx) as b:
        o = b.sales.cancel(so)
        text, record = f"cancelled {o.number}" + (f"; {o.deal} reopened" if o.deal else ""), _order(o)
    say(text, record, fmt)


@app.command("show")
def show(ctx: typer.Context, so: str = typer.Argument(..., metavar="SO"), fmt: Fmt = FORMAT_OPTION) -> None:
    """An order: per line ordered, delivered, invoiced, and what is available; its invoices."""
    from bizsuite.erp.sales.models import STATUS_LABELS

    with books(ctx, write=False) as b:
        o = b.sales.order(so)
        record = _order(o)
    if fmt == Fmt.json:
        print_record(record)
        return
    title = (f"{o.number} {o.customer} · {STATUS_LABELS[o.status]} · {o.date}" + (f" · {o.deal}" if o.deal else "")
             + f" · total {o.total}, invoiced {o.invoiced}, paid {o.paid}")
    emit(record["lines"], LINE_COLUMNS, fmt, title=title,
         numeric=["line", "ordered", "delivered", "invoiced", "unit_price", "discount", "total", "available"])
    if fmt == Fmt.table and o.invoices:
        emit([_invoice(i) for i in o.invoices], INVOICE_COLUMNS[:1] + INVOICE_COLUMNS[3:], fmt,
             title=f"Invoices of {o.number}", numeric=["total", "settled", "open"])


@app.command("orders")
def orders(
    ctx: typer.Context,
    status: Optional[str] = typer.Option(None, "--status", help="open, quotation, confirmed, partially_delivered, "
                                                                "delivered, closed, cancelled, history (default: all)."),
    customer: Optional[str] = typer.Option(None, "--customer"),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Orders and quotations, newest first."""
    with books(ctx, write=False) as b:
        rows = b.sales.orders(status=status, customer=customer)
    out = [{"number": r.number, "date": r.date, "customer": r.customer, "status": r.status, "total": r.total,
            "delivered": r.delivered, "invoiced": r.invoiced, "paid": r.paid} for r in rows]
    emit(out, LIST_COLUMNS, fmt, title=f"Sales orders: {len(out)}", numeric=["total", "invoiced", "paid"])


@app.command("deliver")
def deliver(
    ctx: typer.Context,
    so: str = typer.Argument(..., metavar="SO"),
    line: List[str] = typer.Option([], "--line", help='"SKU QTY"; repeat (none: all still to deliver).'),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    location: Optional[str] = typer.Option(None, "--location", help="Where the goods leave from (the warehouse)."),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """Goods out against an order, at the moving average; the rest stays on the order."""
    with books(ctx) as b:
        d = b.sales.deliver(so, line or None, date=date, location=location)
        what = ", ".join(f"{sku} {_q(q, unit)}" for sku, q, unit in d.lines)
        left = [v for v in d.order.lines if v.to_deliver]
        text = (f"delivered {what} on {d.order.number}"
                + (f"; {len(left)} line{'s' if len(left) != 1 else ''} still to deliver" if left else ""))
        record = _order(d.order) | {"delivery": d.delivery_id, "entry": d.entry_id}
    say(text, record, fmt)


@app.command("invoice")
def invoice(
    ctx: typer.Context,
    so: str = typer.Argument(..., metavar="SO"),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    due: Optional[str] = typer.Option(None, "--due", help="The due date (default: the terms, 30 days)."),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """Invoice what was delivered and not yet invoiced (or ordered, by the setting)."""
    with books(ctx) as b:
        i = b.sales.invoice(so, date=date, due=due)
        text = (f"invoiced {i.number} for {i.order}: {i.total} due {i.due}"
                + (f"; {i.settled} settled from the customer's credit" if i.settled else ""))
        record = _invoice(i)
    say(text, record, fmt)


@app.command("invoices")
def invoices(ctx: typer.Context, customer: Optional[str] = typer.Option(None, "--customer"),
             open_only: bool = typer.Option(False, "--open", help="Only those not yet settled."),
             fmt: Fmt = FORMAT_OPTION) -> None:
    """Invoices, newest first."""
    with books(ctx, write=False) as b:
        rows = b.sales.invoices(customer=customer, open_only=open_only)
    emit([_invoice(i) for i in rows], INVOICE_COLUMNS, fmt, title=f"Invoices: {len(rows)}",
         numeric=["total", "settled", "open"])


@app.command("pay")
def pay(
    ctx: typer.Context,
    customer: str = typer.Argument(..., metavar="CUSTOMER"),
    amount: str = typer.Argument(..., metavar="AMOUNT"),
    invoice_: List[str] = typer.Option([], "--invoice", help="An invoice it pays; repeat (none: the oldest due first)."),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    ref: Optional[str] = typer.Option(None, "--ref", help="The bank's reference or the cheque number."),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """Money from a customer; what is more than they owe is their credit, for later invoices."""
    with books(ctx) as b:
        p = b.sales.pay(customer, amount, invoices=invoice_, date=date, ref=ref)
        settled = ", ".join(f"{n} {a}" for n, a in p.allocations)
        text = (f"received {p.number} from {p.customer}: {p.amount}" + (f", settles {settled}" if settled else "")
                + (f"; {p.credit} is left as {p.customer}'s credit" if p.credit else ""))
        record = {"number": p.number, "customer": p.customer, "customer_id": p.customer_id, "date": p.date,
                  "amount": p.amount, "allocations": [{"invoice": n, "amount": a} for n, a in p.allocations],
                  "credit": p.credit, "entry": p.entry_id}
    say(text, record, fmt)


def _credit(c) -> dict:
    return {"number": c.number, "kind": c.kind, "invoice": c.invoice, "customer": c.customer, "date": c.date,
            "net": c.net, "tax": c.tax, "total": c.total, "allocated": c.allocated, "credit": c.total - c.allocated,
            "returned": [{"sku": s, "quantity": _q(q, u)} for s, q, u in c.returned], "entry": c.entry_id}


@app.command("credit-note")
def credit_note(
    ctx: typer.Context,
    inv: str = typer.Argument(..., metavar="INV"),
    line: List[str] = typer.Option([], "--line", help='"SKU QTY [PRICE]"; repeat (none: all of it). A price is a '
                                                      'per-unit allowance.'),
    return_: bool = typer.Option(False, "--return", help="The goods come back into stock at the cost they went out at."),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    reason: Optional[str] = typer.Option(None, "--reason"),
    location: Optional[str] = typer.Option(None, "--location", help="With --return: where the goods come back to."),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """Credit an invoice in part or whole: with --return the goods come back; without, money only."""
    with books(ctx) as b:
        c = b.sales.credit_note(inv, line or None, return_goods=return_, date=date, reason=reason, location=location)
        back = ", ".join(f"{s} {_q(q, u)}" for s, q, u in c.returned)
        credit = c.total - c.allocated
        text = (f"credited {c.number} on {c.invoice}: {c.total}" + (f", {back} back in stock" if back else "")
                + (f"; {credit} is left as {c.customer}'s credit" if credit else ""))
        record = _credit(c)
    say(text, record, fmt)


@app.command("cancel-invoice")
def cancel_invoice(ctx: typer.Context, inv: str = typer.Argument(..., metavar="INV"),
                   date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
                   reason: Optional[str] = typer.Option(None, "--reason"),
                   fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """Cancel an unpaid invoice made in error (a credit note for all of it; its units are to invoice again)."""
    with books(ctx) as b:
        c = b.sales.cancel_invoice(inv, date=date, reason=reason)
        text, record = f"cancelled {c.invoice} by {c.number}: {c.total}", _credit(c)
    say(text, record, fmt)


@app.command("aging")
def aging(ctx: typer.Context, as_of: Optional[str] = typer.Option(None, "--as-of", help=DATE_HELP),
          fmt: Fmt = FORMAT_OPTION) -> None:
    """What each customer owes by days past due (their unused credit, less, as current)."""
    with books(ctx, write=False) as b:
        rows = b.sales.aging(as_of=as_of)
    out = [{"customer": r.customer, "current": r.current, "1-30": r.d1_30, "31-60": r.d31_60, "61-90": r.d61_90,
            "90+": r.d90_plus, "total": r.total} for r in rows]
    emit(out, AGING_COLUMNS, fmt, title="AR aging" + (f" at {as_of}" if as_of else ""), numeric=AGING_COLUMNS[1:])


CUSTOMER_COLUMNS = ["customer", "orders", "revenue", "last_order", "recency_days", "segment"]
DETAIL_COLUMNS = ["r", "f", "m", "first_order", "average_order", "orders_per_year", "annual_value"]
AT_RISK_COLUMNS = ["customer", "orders", "revenue", "last_order", "recency_days", "usual_gap_days", "times_usual",
                   "segment"]
MARGIN_COLUMNS = ["customer", "revenue", "cost", "margin", "margin_pct", "segment"]


@app.command("customers")
def customers(
    ctx: typer.Context,
    segment: Optional[str] = typer.Option(None, "--segment", help="Only this segment: Champions, Loyal customers, "
                                                                  "Potential loyalists, New customers, Promising, "
                                                                  "Need attention, About to sleep, At risk, "
                                                                  "Can't lose them, Hibernating, Lost."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=DATE_HELP),
    at_risk: bool = typer.Option(False, "--at-risk", help="Customers long since their last order for their own "
                                                          "rhythm: more than twice their median gap between orders."),
    top_margin: Optional[int] = typer.Option(None, "--top-margin", metavar="N",
                                             help="The N customers with the highest margin (revenue less the cost "
                                                  "of what was delivered)."),
    detail: bool = typer.Option(False, "--detail", help="Add the R, F and M scores, the first order and the "
                                                        "lifetime values (average order, orders and value a year)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Customer analysis: RFM scores and segments of the customers who bought, as of a day; with
    --at-risk those past their own rhythm, with --top-margin N the best by margin."""
    if at_risk and top_margin is not None:
        from bizsuite.cli.common import fail

        fail("--at-risk and --top-margin are two reports; give one of them", code=2)
    from bizsuite.erp.sales.analysis import CustomerAnalysis, find_segment

    with books(ctx, write=False) as b:
        a = CustomerAnalysis(b, as_of=as_of)
        day, name = a.day, (find_segment(segment) if segment not in (None, "") else None)
        if at_risk:
            rows = a.at_risk(segment=segment)
        elif top_margin is not None:
            rows = a.top_margin(top_margin, segment=segment)
        else:
            rows = a.customers(segment=segment)
            unscored = a.unscored
    where = f" at {day}" + (f", {name}" if name else "")
    if at_risk:
        out = [{"customer": r.customer, "orders": r.orders, "revenue": r.revenue, "last_order": r.last_order,
                "recency_days": r.recency_days, "usual_gap_days": r.usual_gap, "times_usual": r.times_usual,
                "segment": r.segment} for r in rows]
        emit(out, AT_RISK_COLUMNS, fmt, title=f"Customers at risk{where}: {len(out)} past twice their usual gap",
             numeric=AT_RISK_COLUMNS[1:3] + AT_RISK_COLUMNS[4:7])
        return
    if top_margin is not None:
        out = [{"customer": r.customer, "revenue": r.revenue, "cost": r.cost, "margin": r.margin,
                "margin_pct": r.margin_pct, "segment": r.segment} for r in rows]
        emit(out, MARGIN_COLUMNS, fmt, title=f"Top customers by margin{where}", numeric=MARGIN_COLUMNS[1:5])
        return
    columns = CUSTOMER_COLUMNS + (DETAIL_COLUMNS if detail else [])
    out = [{"customer": s.customer, "orders": s.orders, "revenue": s.revenue, "last_order": s.last_order,
            "recency_days": s.recency_days, "segment": s.segment, "r": s.r, "f": s.f, "m": s.m,
            "first_order": s.first_order, "average_order": s.average_order, "orders_per_year": s.orders_per_year,
            "annual_value": s.annual_value} for s in rows]
    title = f"Customers{where}: {len(out)}" + (f" ({unscored} with orders but nothing bought yet)"
                                               if unscored and not name else "")
    emit(out, columns, fmt, title=title,
         numeric=["orders", "revenue", "recency_days", "r", "f", "m", "average_order", "orders_per_year",
                  "annual_value"])


@app.command("settings")
def settings(
    ctx: typer.Context,
    invoice_policy: Optional[str] = typer.Option(None, "--invoice-policy", help="delivered (default) or ordered."),
    backorders: Optional[str] = typer.Option(None, "--backorders", help="yes: confirm orders short of stock."),
    terms: Optional[int] = typer.Option(None, "--terms", help="Days from an invoice to its due date."),
) -> None:
    """Show or change the sales settings (owner)."""
    change = invoice_policy is not None or backorders is not None or terms is not None
    if backorders is not None and backorders not in ("yes", "no"):
        from bizsuite.cli.common import fail

        fail(f"--backorders: {backorders!r} is not yes or no", code=2)
    with books(ctx, write=change) as b:
        if change:
            s = b.sales.configure(invoice_policy=invoice_policy,
                                  backorders=None if backorders is None else backorders == "yes", terms=terms)
        else:
            s = {"invoice_policy": b.sales.invoice_policy(), "backorders": b.sales.backorders_allowed(),
                 "terms": b.sales.terms()}
    typer.echo(f"invoice policy: {s['invoice_policy']}; backorders: {'yes' if s['backorders'] else 'no'}; "
               f"terms: {s['terms']} days")


STATEMENT_COLUMNS = ["date", "document", "description", "amount", "balance"]


@app.command("statement")
def statement(
    ctx: typer.Context,
    customer: str = typer.Argument(..., metavar="CUSTOMER"),
    start: Optional[str] = typer.Option(None, "--from", help="The first day (default: the first of this month)."),
    end: Optional[str] = typer.Option(None, "--to", help="The last day (default: today)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json or pdf."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write it to FILE (pdf: required)."),
) -> None:
    """A customer's statement: the balance forward, every invoice, credit note and payment with a
    running balance, the closing balance and the aging."""
    import json

    from bizsuite.cli.common import cannot_write, fail, write_output

    if fmt not in ("table", "csv", "json", "pdf"):
        fail(f"--format: {fmt!r} is not one of table, csv, json, pdf", code=2)
    if fmt == "pdf" and not output:
        fail("--format pdf writes a file: give it with -o FILE", code=2)
    with books(ctx, write=False) as b:
        st = b.sales.statement(customer, start=start, end=end)
        if fmt == "pdf":
            from bizsuite.erp.sales.statement_pdf import render

            data = render(st, company=b.company, currency=b.currency)
    if fmt == "pdf":
        import os

        tmp = output + ".partial"
        try:
            with open(tmp, "wb") as out:
                out.write(data)
            os.replace(tmp, output)
        except OSError as exc:
            cannot_write(output, exc)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        typer.echo(f"wrote the statement of {st.customer} ({st.start} to {st.end}, {len(st.lines)} lines, "
                   f"balance due {st.closing}) to {output}")
        return
    lines = [{"date": ln.date, "document": ln.document, "description": ln.description, "amount": ln.amount,
              "balance": ln.balance} for ln in st.lines]
    if fmt == "json":
        from bizsuite.cli.common import json_ready

        a = st.aging
        record = {"customer": st.customer, "customer_id": st.customer_id, "from": st.start, "to": st.end,
                  "opening": st.opening, "lines": lines, "closing": st.closing,
                  "aging": None if a is None else {"current": a.current, "1-30": a.d1_30, "31-60": a.d31_60,
                                                   "61-90": a.d61_90, "90+": a.d90_plus, "total": a.total}}

        def write_json(out) -> int:
            out.write(json.dumps(json_ready(record), ensure_ascii=False, indent=2) + "\n")
            return len(lines)

        write_output(output, write_json, "statement lines")
        return
    rows = [{"date": st.start, "document": "", "description": "Balance forward", "amount": "", "balance": st.opening},
            *lines]
    title = f"Statement: {st.customer}, {st.start} to {st.end} · balance due {st.closing}"

    def write_rows(out) -> int:
        emit(rows, STATEMENT_COLUMNS, Fmt(fmt), title=title, numeric=["amount", "balance"], out=out)
        return len(lines)

    if output or fmt == "csv":
        write_output(output, write_rows, "statement lines")
    else:
        emit(rows, STATEMENT_COLUMNS, Fmt(fmt), title=title, numeric=["amount", "balance"])


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="Order lines CSV: order,date,customer,sku,quantity,price,discount."),
    as_: str = typer.Option("history", "--as", help="history (past orders: no stock moved, nothing posted) or "
                                                    "confirmed (open orders that reserve stock)."),
    map_: List[str] = typer.Option([], "--map", help="SOURCE=FIELD: read column SOURCE as FIELD (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good orders, skip the bad ones."),
    rejects: Optional[str] = typer.Option(None, "--rejects", help="With --skip-invalid: write bad rows and reasons here."),
) -> None:
    """Import orders from CSV: all or nothing unless --skip-invalid; re-running adds nothing."""
    from bizsuite.cli.common import fail, run_import
    from bizsuite.erp.sales.importer import AS, import_orders

    if as_ not in AS:
        fail(f"--as: {as_!r} is not one of {', '.join(AS)}", code=2)
    run_import(ctx, import_orders, file, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects, maps=map_,
               as_=as_)
