"""``bizsuite stock …``: products, locations, on hand, adjustments, transfers, history, valuation."""

from __future__ import annotations

from typing import List, Optional

import typer

from bizsuite.cli.common import FORMAT_OPTION, Fmt, books, emit, run_import
from bizsuite.cli.params import whole

app = typer.Typer(no_args_is_help=True)

PRODUCT_COLUMNS = ["sku", "name", "unit", "price", "on_hand", "available", "on_order", "reorder_point"]
ONHAND_COLUMNS = ["sku", "location", "on_hand", "reserved", "available"]
HISTORY_COLUMNS = ["date", "kind", "location", "quantity", "unit_cost", "value", "on_hand_after", "value_after",
                   "document"]
VALUATION_COLUMNS = ["sku", "name", "quantity", "unit_cost", "value"]
DATE_HELP = "YYYY-MM-DD (default: today)."


def _shown(q, unit):
    from bizsuite.erp.stock.repository import shown

    return shown(q, unit)


def _product_row(r) -> dict:
    return {"sku": r.sku, "name": r.name, "unit": r.unit, "price": r.price.normalize() if r.price else r.price,
            "on_hand": _shown(r.on_hand, r.unit), "reserved": _shown(r.reserved, r.unit),
            "available": _shown(r.available, r.unit), "on_order": _shown(r.on_order, r.unit),
            "reorder_point": _shown(r.reorder_point, r.unit), "low": "low" if r.low else ""}


def _price(p):
    """A unit price without the six decimals it is kept to, but never fewer than two (12.50, 0.0125)."""
    from decimal import Decimal

    two = p.quantize(Decimal("0.01"))
    return two if two == p else p.normalize()


@app.command("products")
def products(
    ctx: typer.Context,
    search: Optional[str] = typer.Option(None, "--search", "-s", help="Words in the SKU or the name."),
    low: bool = typer.Option(False, "--low", help="Only products at or below their reorder point (counting what is on order)."),
    inactive: bool = typer.Option(False, "--inactive", help="Include inactive products."),
    limit: int = typer.Option(100, "--limit", help="At most this many rows (0: all).", parser=whole("--limit", lo=0)),
    offset: int = typer.Option(0, "--offset", parser=whole("--offset", lo=0)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Products with on hand, available and on order."""
    with books(ctx, write=False) as b:
        page = b.stock.products(search=search or "", low=low, include_inactive=inactive, offset=offset,
                                limit=limit or None)
        rows = [_product_row(r) | {"price": _price(r.price)} for r in page.rows]
    columns = PRODUCT_COLUMNS + (["low"] if fmt == Fmt.table else [])
    title = f"Products {offset + 1 if rows else 0}–{offset + len(rows)} of {page.total}"
    emit(rows, columns, fmt, title=title, numeric=["price", "on_hand", "available", "on_order", "reorder_point"])


def _product_in(sku, name, unit, price, tax_rate, reorder_point, reorder_qty, supplier, active=True):
    from bizsuite.erp.stock.models import ProductIn

    return ProductIn(sku=sku, name=name, unit=unit, price=price, tax_rate=tax_rate, reorder_point=reorder_point,
                     reorder_qty=reorder_qty, supplier=supplier, active=active)


@app.command("add-product")
def add_product(
    ctx: typer.Context,
    sku: str = typer.Argument(..., help="The product's code, one word (unique, any case)."),
    name: str = typer.Argument(..., help="What it is called (any script)."),
    unit: Optional[str] = typer.Option(None, "--unit", help="pcs (default), kg, m, l, h, box, 件, 千克 …"),
    price: Optional[str] = typer.Option(None, "--price", help="Sale price of one unit."),
    tax_rate: Optional[str] = typer.Option(None, "--tax-rate", help="Tax rate in percent (13, 8.875)."),
    reorder_point: Optional[str] = typer.Option(None, "--reorder-point", help="Reorder when stock is at or below this."),
    reorder_qty: Optional[str] = typer.Option(None, "--reorder-qty", help="How much to order then."),
    supplier: Optional[str] = typer.Option(None, "--supplier", help="Preferred supplier: a contact with the supplier role (#id or name)."),
) -> None:
    """Add a product."""
    with books(ctx) as b:
        p = b.stock.add_product(_product_in(sku, name, unit, price, tax_rate, reorder_point, reorder_qty, supplier))
        sku_, name_, unit_ = p.sku, p.name, p.unit
    typer.echo(f"added {sku_} {name_} ({unit_})")


@app.command("edit-product")
def edit_product(
    ctx: typer.Context,
    sku: str = typer.Argument(..., help="The product's SKU."),
    new_sku: Optional[str] = typer.Option(None, "--sku", help="A new SKU."),
    name: Optional[str] = typer.Option(None, "--name"),
    unit: Optional[str] = typer.Option(None, "--unit"),
    price: Optional[str] = typer.Option(None, "--price"),
    tax_rate: Optional[str] = typer.Option(None, "--tax-rate"),
    reorder_point: Optional[str] = typer.Option(None, "--reorder-point"),
    reorder_qty: Optional[str] = typer.Option(None, "--reorder-qty"),
    supplier: Optional[str] = typer.Option(None, "--supplier"),
    active: Optional[bool] = typer.Option(None, "--active/--inactive", help="Deactivate a product that is no longer sold."),
) -> None:
    """Change a product (only what is given)."""
    with books(ctx) as b:
        p = b.stock.edit_product(sku, sku=new_sku, name=name, unit=unit, price=price, tax_rate=tax_rate,
                                 reorder_point=reorder_point, reorder_qty=reorder_qty, supplier=supplier,
                                 active=active)
        sku_, state = p.sku, "active" if p.active else "inactive"
    typer.echo(f"changed {sku_} ({state})")


@app.command("delete-product")
def delete_product(ctx: typer.Context, sku: str = typer.Argument(..., help="The product's SKU.")) -> None:
    """Delete a product that never moved (one with moves: edit-product --inactive)."""
    with books(ctx) as b:
        p = b.stock.product(sku)
        sku_ = p.sku
        b.stock.delete_product(p.id)
    typer.echo(f"deleted {sku_}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A products CSV: sku,name,unit,price,tax_rate,reorder_point,reorder_qty,supplier."),
    map_: List[str] = typer.Option([], "--map", help="SOURCE=FIELD: read column SOURCE as FIELD (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, skip the bad ones."),
    rejects: Optional[str] = typer.Option(None, "--rejects", help="With --skip-invalid: write bad rows and reasons here."),
) -> None:
    """Import products from CSV: all or nothing unless --skip-invalid; a SKU already there is left as it is."""
    from bizsuite.erp.stock.importer import import_products

    run_import(ctx, import_products, file, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects, maps=map_)


@app.command("opening")
def opening(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="An opening stock CSV: sku,location,quantity,unit_cost."),
    date: Optional[str] = typer.Option(None, "--date", help="The date of the opening stock, " + DATE_HELP),
    map_: List[str] = typer.Option([], "--map", help="SOURCE=FIELD: read column SOURCE as FIELD (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, skip the bad ones."),
    rejects: Optional[str] = typer.Option(None, "--rejects", help="With --skip-invalid: write bad rows and reasons here."),
) -> None:
    """Import opening stock from CSV, posted against opening balances (locations must exist; re-running adds nothing)."""
    from bizsuite.erp.stock.importer import import_opening

    run_import(ctx, import_opening, file, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects, maps=map_,
               date=date)


@app.command("locations")
def locations(ctx: typer.Context, inactive: bool = typer.Option(False, "--inactive"), fmt: Fmt = FORMAT_OPTION) -> None:
    """Stock locations (warehouses and bins); * marks the default."""
    with books(ctx, write=False) as b:
        locs = b.stock.locations(include_inactive=inactive)
        parents = {loc.id: loc.name for loc in b.stock.locations(include_inactive=True)}
        rows = [{"id": loc.id, "name": loc.name, "parent": parents.get(loc.parent_id, ""),
                 "default": "*" if loc.is_default else "", "active": "yes" if loc.active else "no"} for loc in locs]
    emit(rows, ["id", "name", "parent", "default", "active"], fmt, title="Locations")


@app.command("add-location")
def add_location(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A warehouse, or a bin (with --in)."),
    parent: Optional[str] = typer.Option(None, "--in", help="The warehouse this bin is in."),
    default: bool = typer.Option(False, "--default", help="Make it the default location."),
) -> None:
    """Add a location (the first one becomes the default)."""
    with books(ctx) as b:
        loc = b.stock.add_location(name, parent=parent, default=default)
        label = loc.name + (" (default)" if loc.is_default else "")
    typer.echo(f"added location {label}")


@app.command("set-default-location")
def set_default_location(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Make a location the default one."""
    with books(ctx) as b:
        loc = b.stock.set_default_location(name)
        label = loc.name
    typer.echo(f"default location: {label}")


@app.command("onhand")
def onhand(
    ctx: typer.Context,
    sku: Optional[str] = typer.Argument(None, help="One product (default: all)."),
    location: Optional[str] = typer.Option(None, "--location", "-l"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="At the end of this day (default: today)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """On hand, reserved and available per product and location."""
    with books(ctx, write=False) as b:
        rows = b.stock.onhand(sku, location=location, as_of=as_of)
    out = [{"sku": r.sku, "location": r.location, "on_hand": _shown(r.on_hand, r.unit),
            "reserved": _shown(r.reserved, r.unit), "available": _shown(r.available, r.unit)} for r in rows]
    emit(out, ONHAND_COLUMNS, fmt, title=f"On hand{f' on {as_of}' if as_of else ''}",
         numeric=["on_hand", "reserved", "available"])


def _moved_line(done, what: str) -> str:
    m = done.moves[0]
    extra = f"; re-valued {len(done.revaluations)} later moves" if done.revaluations else ""
    entry = f", entry #{done.entry_ids[0]}" if done.entry_ids and m.entry_id else ""
    return f"{what} move #{m.id}: {m.qty_delta if m.qty_delta else m.quantity}, value {m.value}{entry}{extra}"


@app.command("adjust")
def adjust(
    ctx: typer.Context,
    sku: str = typer.Argument(...),
    by: Optional[str] = typer.Option(None, "--by", help="Add (or, negative, take away) this many."),
    to: Optional[str] = typer.Option(None, "--to", help="A count: set what the location holds to this."),
    reason: str = typer.Option(..., "--reason", help="Why: a count, breakage, a correction …"),
    location: Optional[str] = typer.Option(None, "--location", "-l", help="Default: the default location."),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    unit_cost: Optional[str] = typer.Option(None, "--unit-cost", help="What a unit found is worth (default: the average cost)."),
    fmt: Optional[Fmt] = typer.Option(None, "--format", "-f", help="json: print the move."),
) -> None:
    """Correct stock: --by N (+/−) or --to N (a count); posts to the stock adjustment account."""
    with books(ctx) as b:
        done = b.stock.adjust(sku, by=by, to=to, reason=reason, location=location, date=date, unit_cost=unit_cost)
        text = _moved_line(done, "adjusted " + b.stock.product(sku).sku + ":")
        record = _move_json(b, done)
    _print(text, record, fmt)


@app.command("transfer")
def transfer(
    ctx: typer.Context,
    sku: str = typer.Argument(...),
    qty: str = typer.Argument(..., metavar="QTY"),
    from_: str = typer.Option(..., "--from", help="Where it is."),
    to: str = typer.Option(..., "--to", help="Where it goes."),
    date: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    fmt: Optional[Fmt] = typer.Option(None, "--format", "-f", help="json: print the move."),
) -> None:
    """Move stock between locations (its value goes with it)."""
    with books(ctx) as b:
        done = b.stock.transfer(sku, qty, from_location=from_, to_location=to, date=date)
        text = f"transferred {b.stock.product(sku).sku} {done.moves[0].quantity.normalize():f} " \
               f"from {from_} to {to}: move #{done.moves[0].id}"
        record = _move_json(b, done)
    _print(text, record, fmt)


def _move_json(b, done) -> dict:
    from bizsuite.erp.stock.repository import shown

    out = []
    for m in done.moves:
        p = b.stock.product(m.product_id)
        out.append({"id": m.id, "sku": p.sku, "kind": m.kind, "date": m.date, "quantity": shown(m.qty_delta or m.quantity, p.unit),
                    "unit_cost": m.unit_cost, "value": m.value_delta if m.value_delta else m.value,
                    "entry": m.entry_id, "document": m.source_ref or "", "reason": m.reason or ""})
    return {"moves": out, "revaluations": [{"move": r.move_id, "date": r.date, "value": r.value_delta,
                                            "entry": r.entry_id} for r in done.revaluations]}


def _print(text: str, record: dict, fmt) -> None:
    if fmt == Fmt.json:
        import json

        from bizsuite.cli.common import plain

        def conv(v):
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, list):
                return [conv(x) for x in v]
            return plain(v) if v is not None and not isinstance(v, (int, str)) else v

        typer.echo(json.dumps(conv(record), ensure_ascii=False, indent=2))
    else:
        typer.echo(text)


@app.command("history")
def history(
    ctx: typer.Context,
    sku: str = typer.Argument(...),
    limit: int = typer.Option(0, "--limit", help="At most this many moves (0: all).", parser=whole("--limit", lo=0)),
    offset: int = typer.Option(0, "--offset", parser=whole("--offset", lo=0)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Every move of a product, with its stock and value after each."""
    with books(ctx, write=False) as b:
        p = b.stock.product(sku)
        page = b.stock.history(p.id, offset=offset, limit=limit or None)
        rows = [{"date": r.date, "kind": r.kind, "location": r.location, "quantity": _shown(r.quantity, p.unit),
                 "unit_cost": _price(r.unit_cost), "value": r.value, "on_hand_after": _shown(r.on_hand_after, p.unit),
                 "value_after": r.value_after, "document": r.document} for r in page.rows]
        title = f"{p.sku} {p.name}: {page.total} moves"
    emit(rows, HISTORY_COLUMNS, fmt, title=title,
         numeric=["quantity", "unit_cost", "value", "on_hand_after", "value_after"])


@app.command("valuation")
def valuation(
    ctx: typer.Context,
    as_of: Optional[str] = typer.Option(None, "--as-of", help="At the end of this day (default: today)."),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """What the stock is worth, product by product, at its moving-average cost."""
    with books(ctx, write=False) as b:
        rows = b.stock.valuation(as_of=as_of)
        total = b.stock.total_value(as_of=as_of)
    out = [{"sku": r.sku, "name": r.name, "quantity": _shown(r.quantity, r.unit), "unit_cost": _price(r.unit_cost),
            "value": r.value} for r in rows]
    emit(out, VALUATION_COLUMNS, fmt, title=f"Stock valuation{f' on {as_of}' if as_of else ''}: {total}",
         numeric=["quantity", "unit_cost", "value"])
