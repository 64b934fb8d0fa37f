"""Order import (``sales import``): a business's order history, or its open orders, from a
spreadsheet or another system.

One row per order line: ``order,date,customer,sku,quantity,price,discount`` (PRODUCT.md; found
by name, by the aliases below, or by ``--map SOURCE=FIELD``; UTF-8 with or without BOM). Rows with
the same ``order`` are one order; its date and customer are those of its first row, and another
row of it naming another date or customer is an error of that row. ``customer`` is a contact's
email, ``#id`` or exact name (a customer or a lead), ``sku`` a product, ``price`` the unit price
(the product's if empty), ``discount`` a percentage (0 if empty).

``as_="history"`` (the default): past orders, for the customer's page and the analysis — status
``history``, moving no stock and posting nothing (their effects are already in the opening
balances). ``as_="confirmed"``: open orders, as ``sales confirm`` leaves them — their stock is
reserved (short lines are refused unless backorders are allowed) and they are delivered and
invoiced as any other. Each order is numbered ``SO-`` in the file's order and keeps the file's
number as its key, so re-running the import adds nothing. All or nothing unless
``skip_invalid`` (a bad row rejects its whole order); ``dry_run`` validates only.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from sqlalchemy import select

from bizsuite.core import audit, clock, numbering
from bizsuite.core.db import insert_rows, reserve_ids
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
from bizsuite.core.parsing import record_id

FIELDS = ("order", "date", "customer", "sku", "quantity", "price", "discount")
ALIASES: dict[str, tuple[str, ...]] = {
    "order": ("order number", "order no", "order id", "so", "document", "订单号"),
    "date": ("order date", "日期"),
    "customer": ("customer email", "client", "buyer", "客户"),
    "sku": ("product", "item", "item code", "product code", "code", "商品编码"),
    "quantity": ("qty", "units", "数量"),
    "price": ("unit price", "rate", "单价"),
    "discount": ("discount %", "disc", "折扣"),
}
AS = ("history", "confirmed")
IMPORT_LOCK = "sales.import"


class _Product(NamedTuple):  # what a row needs of its product: read once, as plain values
    id: int
    sku: str
    unit: str
    price: Decimal | None
    tax_rate: Decimal


def _once(parse: Callable) -> Callable:
    """``parse`` run once per distinct arguments (a file repeats its dates, quantities, prices and
    customers many times): the same value, or the same refusal, for every row that gives them."""
    seen: dict[tuple, tuple[bool, object]] = {}

    def call(*args):
        hit = seen.get(args)
        if hit is None:
            try:
                hit = seen[args] = (True, parse(*args))
            except ValidationFailed as exc:
                hit = seen[args] = (False, exc.errors)
        if hit[0]:
            return hit[1]
        raise ValidationFailed(list(hit[1]))

    return call


def import_orders(books, path: str | Path, *, as_: str = "history", maps: Iterable[str] = (), dry_run: bool = False,
                  skip_invalid: bool = False, rejects: str | Path | None = None, progress: Progress | None = None,
                  display: str | None = None) -> ImportReport:
    """Import order lines in the caller's unit of work (see the module doc)."""
    if as_ not in AS:
        raise ValidationFailed([FieldError("as", f"{as_!r} is not one of {', '.join(AS)}")])
    with gc_paused():
        return _import(books, path, as_=as_, maps=maps, dry_run=dry_run, skip_invalid=skip_invalid,
                       rejects=rejects, progress=progress, display=display)


def _import(books, path, *, as_, maps, dry_run, skip_invalid, rejects, progress, display) -> ImportReport:
    from bizsuite.crm.contacts import normalise as norm
    from bizsuite.crm.contacts.models import Contact
    from bizsuite.erp.sales.models import CONFIRMED, HISTORY, SalesOrder, SalesOrderLine
    from bizsuite.erp.sales.repository import PREFIX_SO, SERIES_SO, _percent
    from bizsuite.erp.stock.models import Product
    from bizsuite.erp.stock.repository import parse_day, parse_price, parse_quantity

    books.require("sales.write")
    file = read_csv(path, display=display)
    columns = map_columns(file, ALIASES, parse_maps(maps, FIELDS), required=("order", "customer", "sku", "quantity"))
    apply_columns(file, columns)
    report = ImportReport(file=file.name, read=len(file.rows), dry_run=dry_run, format="bizsuite")
    books.hold(IMPORT_LOCK)  # one order import at a time: each looks for the orders the others made
    s = books.session
    total = len(file.rows)

    # what the rows name, looked up once
    skus = {(r.values.get("sku") or "").strip() for r in file.rows} - {""}
    products: dict[str, _Product] = {}
    for chunk in _chunks(sorted(skus)):
        for row in s.execute(select(Product.id, Product.sku, Product.unit, Product.price, Product.tax_rate)
                             .where(Product.sku.in_(chunk))):
            products[row.sku] = _Product(*row)
    emails, ids, names = set(), set(), set()
    for c in {(row.values.get("customer") or "").strip() for row in file.rows}:
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

    today = clock.today()
    day_of = _once(lambda text: parse_day(text, "date"))
    quantity_of = _once(lambda text, unit: parse_quantity(text, unit, "quantity"))
    price_of = _once(lambda text: parse_price(text, "price"))
    discount_of = _once(lambda text: _percent(text, "discount"))
    customers: dict[str, tuple] = {}  # as the file names them → (id, name) or None, and what is wrong
    orders: dict[str, dict] = {}  # the file's order number → its date, customer, lines, rows
    for n, row in enumerate(file.rows, 1):
        if progress and n % 10000 == 0:
            progress(n // 2, total)
        v = row.values
        errors: list[FieldError] = []
        ref = (v.get("order") or "").strip()
        if not ref:
            errors.append(FieldError("order", "is required: the order's number in the file"))
        elif len(ref) > 150:
            errors.append(FieldError("order", "longer than 150 characters"))
        day = None
        try:
            day = day_of(v["date"]) if (v.get("date") or "").strip() else today
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        if day is not None and day > today:
            errors.append(FieldError("date", f"{day} is in the future"))
        named = v.get("customer") or ""
        found = customers.get(named)
        if found is None:
            wrong: list[FieldError] = []
            found = customers[named] = (_customer(named, who, norm, wrong), wrong)
        customer = found[0]
        errors.extend(found[1])
        sku = (v.get("sku") or "").strip()
        p = products.get(sku)
        q = price = disc = None
        if not sku:
            errors.append(FieldError("sku", "is required"))
        elif p is None:
            errors.append(FieldError("sku", f"no product {sku!r} (bizsuite stock products)"))
        else:
            try:
                q = quantity_of(v.get("quantity"), p.unit)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
            try:
                price = price_of(v["price"]) if (v.get("price") or "").strip() else p.price
                if price is None:
                    errors.append(FieldError("price", f"{p.sku} has no price; give one"))
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        try:
            disc = discount_of(v["discount"]) if (v.get("discount") or "").strip() else Decimal(0)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        if ref and not errors:
            o = orders.get(ref)
            if o is None:
                orders[ref] = o = {"date": day, "customer": customer, "lines": [], "rows": [], "first": row.line,
                                   "products": set()}
            elif (o["date"], o["customer"][0]) != (day, customer[0]):
                errors.append(FieldError("order", f"{ref} began on line {o['first']} with {o['date']} for "
                                                  f"{o['customer'][1]}; one order has one date and one customer"))
            elif p.id in o["products"]:
                errors.append(FieldError("sku", f"{p.sku} is already a line of {ref}; one line per product"))
            if not errors:
                o["lines"].append((p, q, price, disc))
                o["products"].add(p.id)
                o["rows"].append(row)
        for e in errors:
            row.problems.append(Problem(file.name, row.line, e.message, e.field))
        if errors and ref in orders:  # a bad row rejects its whole order
            for other in orders[ref]["rows"]:
                if not other.problems:
                    other.problems.append(Problem(file.name, other.line, f"order {ref} has a bad row (line {row.line})",
                                                  "order"))
            orders[ref]["bad"] = True
        elif errors and ref:
            orders.setdefault(ref, {"date": day, "customer": customer or (0, ""), "lines": [], "rows": [],
                                    "first": row.line, "bad": True})
    for ref, o in orders.items():  # rows that came after a bad one of the same order
        if o.get("bad"):
            for other in o["rows"]:
                if not other.problems:
                    other.problems.append(Problem(file.name, other.line, f"order {ref} has a bad row", "order"))
    good, bad = settle(file, skip_invalid=skip_invalid)
    report.rejected = bad
    fine = [(ref, o) for ref, o in orders.items() if not o.get("bad") and o["lines"]]

    keys = [f"ref:{ref}" for ref, _ in fine]
    present = set()
    for chunk in _chunks(keys):
        present.update(s.scalars(select(SalesOrder.import_key).where(SalesOrder.import_key.in_(chunk))))
    new = [(ref, o) for ref, o in fine if f"ref:{ref}" not in present]
    report.unchanged = len(fine) - len(new)
    report.imported = sum(len(o["lines"]) for _, o in new)
    report.counts["orders to create" if dry_run else "orders created"] = len(new)
    if dry_run or not new:
        if rejects and bad:
            write_rejects(rejects, file, bad)
        return report

    now, by = clock.now(), books.actor.name
    numbers = numbering.take_many(books, SERIES_SO, len(new))
    order_ids = reserve_ids(s, SalesOrder.__table__, len(new))
    heads, lines = [], []
    status = HISTORY if as_ == "history" else CONFIRMED
    # the rows in the database's own form (the columns' bind processors, once per distinct value),
    # for insert_rows: one executemany of tuples, what is the same on every row written once
    conn = s.connection()
    _SO, _SL = SalesOrder.__table__, SalesOrderLine.__table__
    day_db, qty_db, price_db, pct_db = (_stored(table.c[col], conn.dialect) for table, col in (
        (_SO, "date"), (_SL, "quantity"), (_SL, "unit_price"), (_SL, "discount")))
    for (ref, o), oid, number in zip(new, order_ids, numbers):
        heads.append((oid, numbering.label(number, prefix=PREFIX_SO), o["customer"][0], day_db(o["date"]),
                      f"ref:{ref}"[:200]))
        for n, (p, q, price, disc) in enumerate(o["lines"], 1):
            lines.append((oid, n, p.id, qty_db(q), price_db(price), pct_db(disc), pct_db(p.tax_rate)))
    zero = Decimal(0)
    for i in range(0, len(heads), 20_000):
        insert_rows(conn, _SO, ["id", "number", "customer_id", "date", "import_key"],
                    {"deal_id": None, "status": status, "valid_until": None, "discount": zero, "notes": None,
                     "version": 1, "created_at": now, "created_by": by, "updated_at": now, "updated_by": by},
                    heads[i:i + 20_000])
    for i in range(0, len(lines), 50_000):
        insert_rows(conn, _SL, ["order_id", "line_no", "product_id", "quantity", "unit_price", "discount", "tax_rate"],
                    {"delivered": zero, "invoiced": zero, "returned": zero}, lines[i:i + 50_000])
        if progress:
            progress(min(total, total // 2 + (i + 50_000) // 2), total)
    if as_ == "confirmed":
        _reserve(books, new, order_ids)
    leads = sorted({o["customer"][0] for _, o in new} - set(s.scalars(select(Contact.id).where(
        Contact.id.in_({o["customer"][0] for _, o in new}), Contact.is_customer.is_(True)))))
    for cid in leads:  # a lead who ordered is a customer
        books.contacts.add_role(cid, "customer", because="sales.write")
    if len(order_ids) <= audit.EACH_UP_TO:
        audit.record_many(s, [audit.Change("sales_orders", oid, "insert", {
            "number": [None, number], "customer_id": [None, str(cid)], "status": [None, status],
            "source": [None, f"import {file.name}"]}) for oid, number, cid, *_ in heads])
    else:
        audit.record_load(s, "sales_orders", order_ids, {"orders": len(order_ids), "source": f"import {file.name}"})
    if rejects and bad:
        write_rejects(rejects, file, bad)
    if progress:
        progress(total, total)
    return report


def _reserve(books, new, order_ids) -> None:
    """Open orders hold their stock as ``confirm`` would: refused short unless backorders."""
    from bizsuite.erp.sales.repository import SOURCE_ORDER, qty_text

    sales, stock = books.sales, books.stock
    stock._lock_products({p.id for _, o in new for p, *_ in o["lines"]})
    short = []
    backorders = sales.backorders_allowed()
    free: dict[int, Decimal] = {}
    plan = []
    for (ref, o), oid in zip(new, order_ids):
        for p, q, *_ in o["lines"]:
            have = free.setdefault(p.id, max(sales._available(p.id), Decimal(0)))
            take = min(q, have)
            if take < q:
                short.append(f"order {ref}: {p.sku}: {qty_text(q - take, p.unit)} short (available "
                             f"{qty_text(have, p.unit)}, ordered {qty_text(q, p.unit)})")
            free[p.id] = have - take
            plan.append((oid, p.id, take))
    if short and not backorders:
        raise Refused(*short[:20], *([f"… and {len(short) - 20} more"] if len(short) > 20 else []),
                      "not enough stock for these open orders; import them as history, or allow backorders "
                      "(bizsuite sales settings --backorders yes)")
    for oid, pid, take in plan:
        if take > 0:
            stock.reserve((SOURCE_ORDER, oid), pid, take)


def _customer(text: str, who: dict, norm, errors: list[FieldError]):
    t = text.strip()
    if not t:
        errors.append(FieldError("customer", "is required: an email, #id or exact name"))
        return None
    n = record_id(t)
    key = ("id", n) if n is not None else (("email", t.lower()) if "@" in t else ("name", norm.sort_key(t)))
    found = who.get(key, [])
    if not found:
        errors.append(FieldError("customer", f"no contact {t!r}; add it first (bizsuite contacts add)"))
        return None
    if len(found) > 1:
        errors.append(FieldError("customer", f"{t!r} names several contacts "
                                             f"({', '.join(f'#{c[0]}' for c in found[:5])}); give the email or #id"))
        return None
    cid, name, ok = found[0]
    if not ok:
        errors.append(FieldError("customer", f"{name} (#{cid}) is neither a customer nor a lead"))
        return None
    return cid, name


def _stored(column, dialect) -> Callable:
    """``column``'s bind processor (a Decimal to its integer units, a date to SQLite's text),
    remembered per value: an import's quantities, prices and days are few."""
    bind = column.type._cached_bind_processor(dialect) or (lambda value: value)
    seen: dict = {}

    def stored(value):
        out = seen.get(value, seen)
        if out is seen:
            out = seen[value] = bind(value)
        return out

    return stored


def _chunks(items: list, n: int = 5000):
    for i in range(0, len(items), n):
        yield items[i:i + n]

