"""``bizsuite purchase …``: purchase orders, receipts, supplier bills, payments, reorder
suggestions and AP aging (the purchasing module; each command calls one repository method)."""

from __future__ import annotations

from typing import List, Optional

import typer

from bizsuite.cli.common import FORMAT_OPTION, Fmt, books, emit, print_record, say

app = typer.Typer(no_args_is_help=True)

LIST_COLUMNS = ["number", "date", "supplier", "status", "total", "billed", "paid"]
LINE_COLUMNS = ["line", "sku", "name", "ordered", "received", "billed", "unit_price", "tax_rate", "total",
                "billed_amount", "paid"]
SUGGEST_COLUMNS = ["sku", "name", "on_hand", "on_order", "reorder_point", "quantity", "unit_price", "supplier"]
AGING_COLUMNS = ["supplier", "current", "1-30", "31-60", "61-90", "90+", "total"]
DATE_HELP = "YYYY-MM-DD (default: today)."
JSON_OPTION = typer.Option(None, "--format", "-f", help="json: print the record.")


def _q(q, unit):
    from bizsuite.erp.stock.repository import shown

    return shown(q, unit)


def _price(p):
    from decimal import Decimal

    two = p.quantize(Decimal("0.01"))
    return two if two == p else p.normalize()


def _rate(r):
    return f"{r.normalize():f}%"


def _line(v) -> dict:
    return {"line": v.line_no, "sku": v.sku, "name": v.name, "unit": v.unit, "ordered": _q(v.ordered, v.unit),
            "received": _q(v.received, v.unit), "billed": _q(v.billed, v.unit), "due": _q(v.due, v.unit),
            "unit_price": _price(v.unit_price), "tax_rate": _rate(v.tax_rate), "net": v.net, "tax": v.tax,
            "total": v.total, "billed_amount": v.billed_amount, "paid": v.paid}


def _bill(b) -> dict:
    return {"number": b.number, "ref": b.ref, "order": b.order, "supplier": b.supplier, "date": b.date, "due": b.due,
            "net": b.net, "tax": b.tax, "total": b.total, "paid": b.paid, "owed": b.owed}


def _order(o) -> dict:
    from bizsuite.erp.purchasing.models import STATUS_LABELS

    return {"number": o.number, "status": o.status, "status_label": STATUS_LABELS[o.status], "supplier": o.supplier,
            "supplier_id": o.supplier_id, "date": o.date, "expected": o.expected,
            "lines": [_line(v) for v in o.lines],
            "totals": {"net": o.net, "tax": o.tax, "total": o.total, "billed": o.billed, "paid": o.paid},
            "amounts_due": {"to_receive": [{"sku": v.sku, "quantity": _q(v.due, v.unit)} for v in o.lines if v.due],
                            "to_bill": [{"sku": v.sku, "quantity": _q(v.received - v.billed, v.unit)}
                                        for v in o.lines if v.received > v.billed],
                            "owed": o.owed},
            "bills": [_bill(b) for b in o.bills]}




def _status(o) -> str:
    from bizsuite.erp.purchasing.models import STATUS_LABELS

    return STATUS_LABELS[o.status]


@app.command("create")
def create(
    ctx: typer.Context,
    supplier: str = typer.Option(..., "--supplier", help="A contact with the supplier role (#id, email or name)."),
    line: List[str] = typer.Option([], "--line", help='"SKU QTY PRICE [TAX%]" (tax: the product\'s by default); repeat.'),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    expected: Optional[str] = typer.Option(None, "--expected", help="When the goods are expected."),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """A draft purchase order."""
    with books(ctx) as b:
        o = b.purchasing.create(supplier, line, date=date, expected=expected)
        text = f"created {o.number} for {o.supplier}: {len(o.lines)} lines, total {o.total} (draft)"
        record = _order(o)
    say(text, record, fmt)


@app.command("confirm")
def confirm(ctx: typer.Context, po: str = typer.Argument(..., metavar="PO"), fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """Confirm a draft order: what it orders is on order from now on."""
    with books(ctx) as b:
        o = b.purchasing.confirm(po)
        text, record = f"confirmed {o.number}: total {o.total}", _order(o)
    say(text, record, fmt)


@app.command("cancel")
def cancel(ctx: typer.Context, po: str = typer.Argument(..., metavar="PO"), fmt: Optional[Fmt] = JSON_OPTION) -> None:
    """Cancel an order on which nothing has been received."""
    with books(ctx) as b:
        o = b.purchasing.cancel(po)
        text, record = f"cancelled {o.number}", _order(o)
    say(text, record, fmt)


@app.command("show")
def show(ctx: typer.Context, po: str = typer.Argument(..., metavar="PO"), fmt: Fmt = FORMAT_OPTION) -> None:
    """An order: ordered, received, billed and paid per line; its bills."""
    with books(ctx, write=False) as b:
        o = b.purchasing.order(po)
        record = _order(o)
    if fmt == Fmt.json:
        print_record(record)
        return
    title = (f"{o.number} {o.supplier} · {_status(o)} · {o.date}"
             + (f" · expected {o.expected}" if o.expected else "")
             + f" · total {o.total}, billed {o.billed}, paid {o.paid}")
    emit(record["lines"], LINE_COLUMNS, fmt, title=title,
         numeric=["line", "ordered", "received", "billed", "unit_price", "tax_rate", "total", "billed_amount", "paid"])
    if fmt == Fmt.table and o.bills:
        emit([_bill(x) for x in o.bills], ["number", "ref", "date", "due", "total", "paid", "owed"], fmt,
             title=f"Bills of {o.number}", numeric=["total", "paid", "owed"])


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Optional[str] = typer.Option(None, "--status", help="draft, confirmed, partially_received, received, closed, cancelled"),
    supplier: Optional[str] = typer.Option(None, "--supplier"),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Purchase orders, newest first."""
    with books(ctx, write=False) as b:
        rows = b.purchasing.orders(status=status, supplier=supplier)
    out = [{"number": r.number, "date": r.date, "supplier": r.supplier, "status": r.status, "total": r.total,
            "billed": r.billed, "paid": r.paid} for r in rows]
    emit(out, LIST_COLUMNS, fmt, title=f"Purchase orders: {len(out)}", numeric=["total", "billed", "paid"])


@app.command("receive")
def receive(
    ctx: typer.Context,
    po: str = typer.Argument(..., metavar="PO"),
    line: List[str] = typer.Option([], "--line", help='"SKU QTY"; repeat (none: everything still due).'),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    location: Optional[str] = typer.Option(None, "--location", "-l", help="Default: the default location."),
    over: Optional[str] = typer.Option(None, "--over", help="Why more than ordered is taken in (needed to do so)."),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """Receive goods: stock in at the order's prices, inventory/GRNI."""
    from bizsuite.erp.purchasing.repository import qty_text

    with books(ctx) as b:
        done = b.purchasing.receive(po, line, date=date, location=location, over=over)
        o = done.order
        what = ", ".join(f"{sku} {qty_text(q, unit)}" for sku, q, unit in done.lines)
        left = [f"{v.sku} {qty_text(v.due, v.unit)}" for v in o.lines if v.due]
        text = (f"received {o.number} (receipt #{done.receipt_id}"
                + (f", entry #{done.entry_id}" if done.entry_id else "") + f"): {what}; {_status(o)}"
                + (f"; still due: {', '.join(left)}" if left else ""))
        record = _order(o) | {"receipt": done.receipt_id, "entry": done.entry_id}
    say(text, record, fmt)


@app.command("bill")
def bill(
    ctx: typer.Context,
    po: str = typer.Argument(..., metavar="PO"),
    ref: str = typer.Option(..., "--ref", help="The supplier's invoice number."),
    line: List[str] = typer.Option([], "--line", help='"SKU QTY [PRICE]"; repeat (none: all received, not billed).'),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    due: Optional[str] = typer.Option(None, "--due", help="Due date (default: 30 days after the bill's date)."),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """Enter the supplier's bill: never more than received; GRNI and input tax / AP."""
    with books(ctx) as b:
        x = b.purchasing.bill(po, supplier_ref=ref, lines=line, date=date, due=due)
        text = f"created {x.number} for {x.order} ({x.ref}): total {x.total}, due {x.due}"
        record = _bill(x)
    say(text, record, fmt)


@app.command("pay")
def pay(
    ctx: typer.Context,
    bill_: str = typer.Argument(..., metavar="BILL"),
    amount: Optional[str] = typer.Argument(None, metavar="[AMOUNT]", help="Default: what the bill still owes."),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    fmt: Optional[Fmt] = JSON_OPTION,
) -> None:
    """Pay a supplier's bill, in part or in full: AP/bank."""
    with books(ctx) as b:
        p = b.purchasing.pay(bill_, amount, date=date)
        text = f"created {p.number} for {p.bill}: paid {p.amount}, {p.owed} still owed"
        record = {"number": p.number, "bill": p.bill, "date": p.date, "amount": p.amount, "owed": p.owed,
                  "entry": p.entry_id}
    say(text, record, fmt)


@app.command("suggest")
def suggest(
    ctx: typer.Context,
    create_: bool = typer.Option(False, "--create", help="Make draft orders, one per preferred supplier."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Products at or below their reorder point (counting what is on order) and what to order."""
    with books(ctx, write=create_) as b:
        rows, made = b.purchasing.suggest(create=create_)
        created = [f"created {o.number} for {o.supplier}: {len(o.lines)} lines, total {o.total} (draft)" for o in made]
        records = [_order(o) for o in made]
    out = [{"sku": s.sku, "name": s.name, "on_hand": _q(s.on_hand, s.unit), "on_order": _q(s.on_order, s.unit),
            "reorder_point": _q(s.reorder_point, s.unit), "quantity": _q(s.quantity, s.unit),
            "unit_price": _price(s.unit_price), "supplier": s.supplier or ""} for s in rows]
    if fmt == Fmt.json:
        print_record({"suggestions": out, "created": records})
        return
    if created and fmt == Fmt.csv:  # the rows on stdout stay a CSV
        for text in created:
            typer.echo(text, err=True)
    emit(out, SUGGEST_COLUMNS, fmt, title=f"Reorder suggestions: {len(out)}",
         numeric=["on_hand", "on_order", "reorder_point", "quantity", "unit_price"])
    if fmt == Fmt.table:
        for text in created:
            typer.echo(text)
        missing = [s.sku for s in rows if s.supplier_id is None]
        if missing:
            typer.echo(f"no preferred supplier (not ordered): {', '.join(missing)}")


@app.command("aging")
def aging(
    ctx: typer.Context,
    as_of: Optional[str] = typer.Option(None, "--as-of", help="At the end of this day (default: today)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """What is owed to each supplier, by days past due."""
    with books(ctx, write=False) as b:
        rows = b.purchasing.aging(as_of=as_of)
    out = [{"supplier": r.supplier, "current": r.current, "1-30": r.d1_30, "31-60": r.d31_60, "61-90": r.d61_90,
            "90+": r.d90_plus, "total": r.total} for r in rows]
    emit(out, AGING_COLUMNS, fmt, title=f"AP aging{f' on {as_of}' if as_of else ''}", numeric=AGING_COLUMNS[1:])
