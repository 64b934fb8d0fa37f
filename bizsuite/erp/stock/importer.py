"""Stock imports: products CSV (``stock import``) and opening stock CSV (``stock opening``).

Both follow the import framework (:mod:`bizsuite.core.importer`): UTF-8 with or without BOM,
CRLF or LF, columns found by name (case, spaces, ``-`` and ``_`` do not matter), by the aliases
below or by ``--map SOURCE=FIELD``; all or nothing unless ``skip_invalid``; ``dry_run`` checks
only; problems print as ``FILE:LINE: field: problem``.

**Products** — ``sku,name,unit,price,tax_rate,reorder_point,reorder_qty,supplier``. ``sku`` and
``name`` are required; the rest default as ``add-product``'s options do (unit ``pcs``, zero price,
rate and reorder figures, no supplier). ``supplier`` names a contact with the supplier role
(``#12``, an email, or the exact name). Each cell is checked by the rules the repository applies
to ``add-product`` (the same parsers: units, whole-unit quantities, prices to six decimals,
rates 0-100, text without control characters). Re-importing adds nothing: a SKU already in the
books (any case) is *left as it is* and counted as already present, as the contacts import does
with a contact it already has; when the row says something else about it (another name or
price) a warning names the line, and ``stock edit-product`` is the way to change it. The same SKU
twice in one file: an identical row is skipped with a warning, a different one is an error of its
line. Rows are written in bulk (one executemany, ids reserved up front), audited product by
product up to :data:`bizsuite.core.audit.EACH_UP_TO` rows and as one load above that, as every
bulk import is.

**Opening stock** — ``sku,location,quantity,unit_cost``, dated ``--date`` (default today).
Every row moves ``quantity`` units of a product that exists into a location at ``unit_cost``,
through :meth:`StockRepository.move` (kind ``opening``), so the moves, the quants, the product
totals, the moving average and the one ledger entry (inventory against opening balances) are
the repository's own; an import of more lines than one entry may hold is posted as several
entries. A blank ``location`` is the default location. **A location the books do not have is an
error of its line**, never created: a typo would otherwise open a warehouse nobody has (add it
first with ``stock add-location``). A product that is not in the books is an error too (import
the products first). Re-importing adds nothing: the rows imported make a key (a hash of each
row's SKU, location, quantity and cost, in the file's order) kept as the moves' document,
``opening stock #<key>``; a file whose key is already in the books is counted as already present,
whatever date it is given.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from sqlalchemy import exists, select

from bizsuite.core import audit, clock
from bizsuite.core.db import indexes_rebuilt, insert_rows, reserve_ids
from bizsuite.core.errors import FieldError, Refused, ValidationFailed
from bizsuite.core.importer import (
    ImportFailed,
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
from bizsuite.core.money import PERCENT_SCALE, QUANTITY_SCALE, UNIT_PRICE_SCALE, clean_amount, line_value, to_minor
from bizsuite.core.parsing import BadText, clean_text
from bizsuite.erp.stock.models import DEFAULT_UNIT, Location, Move, MoveIn, Product

PRODUCT_FIELDS = ("sku", "name", "unit", "price", "tax_rate", "reorder_point", "reorder_qty", "supplier")
PRODUCT_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("code", "item code", "product code", "article", "part number", "编码", "货号", "商品编码"),
    "name": ("product", "product name", "item", "description", "名称", "品名", "商品名称"),
    "unit": ("uom", "unit of measure", "单位"),
    "price": ("sale price", "sales price", "selling price", "unit price", "售价", "单价"),
    "tax_rate": ("tax", "vat", "tax %", "vat rate", "税率"),
    "reorder_point": ("reorder level", "min", "minimum", "min stock", "再订货点"),
    "reorder_qty": ("reorder quantity", "order quantity", "再订货量"),
    "supplier": ("vendor", "preferred supplier", "供应商"),
}
OPENING_FIELDS = ("sku", "location", "quantity", "unit_cost")
OPENING_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("code", "item code", "product code", "编码", "货号"),
    "location": ("warehouse", "bin", "store", "仓库", "库位"),
    "quantity": ("qty", "on hand", "count", "数量"),
    "unit_cost": ("cost", "unit price", "cost price", "单位成本", "成本"),
}

IMPORT_LOCK = "stock.import"  # core/locks.py: one stock import at a time (it reads, then writes on it)
OPENING_REF = "opening stock #"  # + the import key: the moves' document
CHUNK = 20_000  # rows per executemany


def _unquote(cell: str) -> str:
    """Undo our own formula neutralising (``'-5`` → ``-5``) so exports re-import."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@":
        return cell[1:]
    return cell


class _Memo:
    """A parser that remembers: an import repeats the same few prices, rates and units on
    thousands of rows, so each distinct text is parsed (and its refusal worded) once."""

    def __init__(self, parse):
        self.parse = parse
        self.seen: dict = {}

    def __call__(self, *key):
        try:
            ok, value = self.seen[key]
        except KeyError:
            try:
                ok, value = True, self.parse(*key)
            except ValidationFailed as exc:
                ok, value = False, exc.errors
            self.seen[key] = (ok, value)
        if ok:
            return value
        raise ValidationFailed(value)


def _parsers():
    from bizsuite.erp.stock.repository import parse_price, parse_quantity, parse_rate, parse_unit

    return (_Memo(parse_unit), _Memo(_price(parse_price)), _Memo(parse_rate),
            _Memo(lambda v, unit, field: parse_quantity(v, unit, field, positive=False)),
            _Memo(lambda v, unit: parse_quantity(v, unit, "quantity")))


_SPACE = re.compile(r"\s")
_PLAIN_PRICE = re.compile(r"[0-9]{1,11}(\.[0-9]{1,6})?")  # what parse_price takes as it is (no sign, no commas)
_MICRO = Decimal("0.000001")


def _price(parse_price):
    """parse_price, with plain prices (``12.50``) read straight into the Decimal it would give:
    an import of 50k products has 40k distinct prices, and the general parser is most of the cost."""

    def price(value: str, field: str) -> Decimal:
        if _PLAIN_PRICE.fullmatch(value):
            return Decimal(value).quantize(_MICRO)
        return parse_price(value, field)

    return price


def _text(value: str, field: str, limit: int, errors: list[FieldError], required: bool = False) -> str | None:
    if value.isprintable():  # no control, format or line-break character: clean_text would only strip it
        v = value.strip()
        if len(v) <= limit:
            if required and not v:
                errors.append(FieldError(field, "is required"))
            return v
    try:
        v = clean_text(value, field, limit=limit)
    except BadText as exc:
        errors.append(FieldError(field, str(exc).split(": ", 1)[1]))
        return None
    if required and not v:
        errors.append(FieldError(field, "is required"))
    return v


def _casefold(text: str) -> str:
    return " ".join(text.split()).casefold()


# -- products -----------------------------------------------------------------------------------


def import_products(books, path: str | Path, *, maps: Iterable[str] = (), dry_run: bool = False,
                    skip_invalid: bool = False, rejects: str | Path | None = None,
                    progress: Progress | None = None, display: str | None = None) -> ImportReport:
    """Import a products CSV in the caller's unit of work (see the module doc)."""
    books.require("stock.write")
    with gc_paused():
        return _import_products(books, path, maps=maps, dry_run=dry_run, skip_invalid=skip_invalid,
                                rejects=rejects, progress=progress, display=display)


def _import_products(books, path, *, maps, dry_run, skip_invalid, rejects, progress, display) -> ImportReport:
    file = read_csv(path, display=display)
    columns = map_columns(file, PRODUCT_ALIASES, parse_maps(maps, PRODUCT_FIELDS), required=("sku", "name"))
    apply_columns(file, columns)
    name = file.name
    report = ImportReport(file=name, read=len(file.rows), dry_run=dry_run, format="bizsuite")
    total = len(file.rows)

    # 1. every cell by the repository's rules, before the books are touched (on SQLite the first
    #    query of a writing unit of work takes the write lock: checking 50k rows must not hold it)
    unit_of, price_of, rate_of, qty_of, _ = _parsers()
    cleaned: dict[int, tuple] = {}
    first_of: dict[str, tuple[int, tuple]] = {}  # sku key → (line, the row's values)
    again: dict[int, tuple[int, tuple]] = {}  # line → (the line it repeats, the row's values)
    for n, row in enumerate(file.rows, 1):
        if progress and n % 10_000 == 0:
            progress(n // 3, total)
        if row.problems:
            continue
        v = {k: _unquote(x) if x[:1] == "'" else x for k, x in row.values.items()}
        errors: list[FieldError] = []
        sku = _text(v.get("sku", ""), "sku", 64, errors, required=True)
        if sku and _SPACE.search(sku):
            errors.append(FieldError("sku", f"{sku!r} has a space in it; a SKU is one word (AB-100)"))
        pname = _text(v.get("name", ""), "name", 200, errors, required=True)
        unit = DEFAULT_UNIT
        values: dict[str, Decimal] = {}
        try:
            unit = unit_of(v.get("unit", "")) if v.get("unit") else DEFAULT_UNIT
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            unit = None
        for fname, parse in (("price", price_of), ("tax_rate", rate_of)):
            raw = v.get(fname, "")
            try:
                values[fname] = parse(raw, fname) if raw else Decimal(0)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        for fname in ("reorder_point", "reorder_qty"):
            raw = v.get(fname, "")
            if not raw:
                values[fname] = Decimal(0)
            elif unit is not None:
                try:
                    values[fname] = qty_of(raw, unit, fname)
                except ValidationFailed as exc:
                    errors.extend(exc.errors)
        supplier = _text(v.get("supplier", ""), "supplier", 200, errors) or None
        if not errors:
            key = _casefold(sku)
            item = (sku, key, pname, _casefold(pname), unit, values["price"], values["tax_rate"],
                    values["reorder_point"], values["reorder_qty"], supplier)
            earlier = first_of.get(key)
            if earlier is None:
                first_of[key] = (row.line, item)
            elif earlier[1][1:] == item[1:]:  # the same row again (the SKU's case aside): skipped below
                again[row.line] = earlier
                continue
            else:
                errors.append(FieldError("sku", f"{sku} is also on line {earlier[0]}, with other values"))
        if errors:
            row.problems.extend(Problem(name, row.line, e.message, e.field) for e in errors)
        else:
            cleaned[row.line] = item

    # 2. what the books say: suppliers, and the SKUs already there (one import at a time from
    #    here: a second run of the same file waits, then finds every SKU present)
    books.hold(IMPORT_LOCK)
    s = books.session
    supplier_ids = _suppliers(books, {item[9] for item in cleaned.values() if item[9]})
    for row in file.rows:
        item = cleaned.get(row.line) or again.get(row.line, (0, None))[1]
        if item and item[9]:
            found = supplier_ids[item[9]]
            if isinstance(found, str):
                row.problems.append(Problem(name, row.line, found, "supplier"))
                cleaned.pop(row.line, None)
    good, bad = settle(file, skip_invalid=skip_invalid)
    report.rejected = bad
    existing = {}
    for key, *rest in s.execute(select(Product.sku_key, Product.sku, Product.name, Product.unit, Product.price,
                                       Product.tax_rate, Product.reorder_point, Product.reorder_qty,
                                       Product.supplier_id)):
        existing[key] = rest
    new = []
    for row in good:
        if row.line in again:
            report.unchanged += 1
            report.warnings.append(f"{name}:{row.line}: sku: the same product as line {again[row.line][0]}; skipped")
            continue
        item = cleaned[row.line]
        there = existing.get(item[1])
        if there is not None:
            report.unchanged += 1
            sid = supplier_ids.get(item[9]) if item[9] else None
            if [item[2], item[4], *item[5:9], sid] != [there[1], there[2], *there[3:7], there[7]]:
                report.warnings.append(f"{name}:{row.line}: sku: {there[0]} is already in the books "
                                       f"({there[1]}), with other values; left as it is "
                                       f"(change it with: bizsuite stock edit-product {there[0]})")
            continue
        new.append(item)
    report.imported = len(new)
    if dry_run or not new:
        if rejects and bad:
            write_rejects(rejects, file, bad)
        return report

    # 3. write: one executemany per 20k rows (the database form: 1/10000 units, millionths,
    #    ids reserved up front), who and when written into the statement once; then the audit
    now = clock.now()
    actor = books.actor.name
    table = Product.__table__
    conn = s.connection()
    ids = reserve_ids(s, table, len(new))
    # ``active`` goes with each row: core/db._literal writes a constant boolean as 1, which
    # PostgreSQL refuses for a boolean column
    constant = {"on_hand": Decimal(0), "value": Decimal(0), "last_move": None, "version": 1,
                "created_at": now, "created_by": actor, "updated_at": now, "updated_by": actor}
    variable = ["id", "sku", "sku_key", "name", "name_key", "unit", "price", "tax_rate", "reorder_point",
                "reorder_qty", "supplier_id", "active"]
    minor: dict[tuple[Decimal, int], int] = {}

    def m(value: Decimal, scale: int) -> int:
        k = (value, scale)
        got = minor.get(k)
        if got is None:
            got = minor[k] = to_minor(value, scale)
        return got

    rows = [(pid, sku, key, pname, nkey, unit, m(price, UNIT_PRICE_SCALE), m(rate, PERCENT_SCALE),
             m(rp, QUANTITY_SCALE), m(rq, QUANTITY_SCALE), supplier_ids[sup] if sup else None, True)
            for pid, (sku, key, pname, nkey, unit, price, rate, rp, rq, sup) in zip(ids, new)]
    with indexes_rebuilt(s, table.name, adding=len(rows)):
        for i in range(0, len(rows), CHUNK):
            insert_rows(conn, table, variable, constant, rows[i:i + CHUNK])
            if progress:
                progress(total // 3 + (i + CHUNK) * 2 * total // (3 * len(rows)), total)
    source = f"import {name}"
    if len(new) <= audit.EACH_UP_TO:
        audit.record_inserts(s, table.name, (
            (pid, {"sku": sku, "sku_key": key, "name": pname, "name_key": nkey, "unit": unit, "price": str(price),
                   "tax_rate": str(rate), "reorder_point": str(rp), "reorder_qty": str(rq),
                   **({"supplier_id": str(supplier_ids[sup])} if sup else {}), "active": "true", "source": source})
            for pid, (sku, key, pname, nkey, unit, price, rate, rp, rq, sup) in zip(ids, new)))
    else:
        audit.record_load(s, table.name, ids, {"products": len(ids), "source": source})
    if rejects and bad:
        write_rejects(rejects, file, bad)
    if progress:
        progress(total, total)
    return report


def _suppliers(books, refs: set[str]) -> dict[str, int | str]:
    """Each supplier cell → the contact's id, or why it cannot be the product's supplier."""
    out: dict[str, int | str] = {}
    for ref in sorted(refs):
        try:
            c = books.contacts.resolve(ref)
        except Refused as exc:
            out[ref] = str(exc)
            continue
        if not c.is_supplier:
            out[ref] = f"{c.name} (#{c.id}) is not a supplier; give the contact the supplier role first"
        else:
            out[ref] = c.id
    return out


# -- opening stock ------------------------------------------------------------------------------


def import_opening(books, path: str | Path, *, date=None, maps: Iterable[str] = (), dry_run: bool = False,
                   skip_invalid: bool = False, rejects: str | Path | None = None,
                   progress: Progress | None = None, display: str | None = None) -> ImportReport:
    """Import an opening stock CSV in the caller's unit of work (see the module doc)."""
    books.require("stock.opening")
    with gc_paused():
        return _import_opening(books, path, date=date, maps=maps, dry_run=dry_run, skip_invalid=skip_invalid,
                               rejects=rejects, progress=progress, display=display)


def _import_opening(books, path, *, date, maps, dry_run, skip_invalid, rejects, progress, display) -> ImportReport:
    from bizsuite.erp.ledger.limits import MAX_LINES
    from bizsuite.erp.stock.repository import SOURCE_OPENING, parse_day

    file = read_csv(path, display=display)
    columns = map_columns(file, OPENING_ALIASES, parse_maps(maps, OPENING_FIELDS),
                          required=("sku", "quantity", "unit_cost"))
    apply_columns(file, columns)
    name = file.name
    try:
        day = parse_day(date, "date")
    except Refused as exc:
        raise Refused(*(f"--date: {p.removeprefix('date: ')}" for p in exc.problems)) from None
    report = ImportReport(file=name, read=len(file.rows), dry_run=dry_run, format="bizsuite")
    books.ledger._require_posting(SOURCE_OPENING)
    books.hold(IMPORT_LOCK)
    s = books.session
    scale = books.ledger.scale

    # 1. the products and locations the rows name, in a few queries (kept in the session's
    #    identity map, so the repository's own look-ups below are free)
    wanted = sorted({_casefold(_unquote(r.values.get("sku", ""))) for r in file.rows if not r.problems} - {""})
    products: dict[str, Product] = {}
    for i in range(0, len(wanted), 5000):
        for p in s.scalars(select(Product).where(Product.sku_key.in_(wanted[i:i + 5000]))):
            products[p.sku_key] = p
    locations = {loc.name_key: loc for loc in s.scalars(select(Location))}
    by_id = {f"#{loc.id}": loc for loc in locations.values()}

    # 2. every row by the repository's rules
    _, price_of, _, _, qty_of = _parsers()
    plans: dict[int, tuple] = {}
    for row in file.rows:
        if row.problems:
            continue
        v = {k: _unquote(x) if x[:1] == "'" else x for k, x in row.values.items()}
        errors: list[FieldError] = []
        sku = _text(v.get("sku", ""), "sku", 64, errors, required=True)
        p = products.get(_casefold(sku)) if sku else None
        if sku and p is None:
            errors.append(FieldError("sku", f"unknown SKU {sku!r} (import the products first: bizsuite stock import)"))
        elif p is not None and not p.active:
            errors.append(FieldError("sku", f"{p.sku} is inactive; activate it before moving it in"))
        where = _text(v.get("location", ""), "location", 100, errors) or ""
        loc = None
        if where:
            loc = by_id.get(where.replace(" ", "")) if where.startswith("#") else locations.get(_casefold(where))
            if loc is None:
                known = ", ".join(sorted(x.name for x in locations.values())[:8]) or "none yet"
                errors.append(FieldError("location", f"no location {where!r} (locations: {known}); add it first "
                                                     f"with: bizsuite stock add-location NAME"))
            elif not loc.active:
                errors.append(FieldError("location", f"location {loc.name} is inactive"))
        q = cost = None
        if p is not None:
            try:
                q = qty_of(v.get("quantity", ""), p.unit) if v.get("quantity") else None
                if q is None:
                    errors.append(FieldError("quantity", "is required"))
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        raw_cost = v.get("unit_cost", "")
        if not raw_cost:
            errors.append(FieldError("unit_cost", "is required (what one unit cost)"))
        else:
            try:
                cost = price_of(raw_cost, "unit_cost")
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        if q is not None and cost is not None:
            try:
                clean_amount(line_value(q, cost, scale), scale, what="the line's value")
            except ValueError as exc:
                errors.append(FieldError("unit_cost", str(exc)))
        if errors:
            row.problems.extend(Problem(name, row.line, e.message, e.field) for e in errors)
        else:
            plans[row.line] = (p, loc, q, cost)
    good, bad = settle(file, skip_invalid=skip_invalid)
    report.rejected = bad
    if rejects and bad:
        write_rejects(rejects, file, bad)
    if not good:
        return report

    # 3. the import key: what is imported, not how the file is laid out or dated
    digest = hashlib.blake2b(digest_size=8)
    for row in good:
        p, loc, q, cost = plans[row.line]
        digest.update(f"{p.sku_key}\x1f{loc.name_key if loc else ''}\x1f{q.normalize()}\x1f{cost.normalize()}\x1e"
                      .encode())
    ref = OPENING_REF + digest.hexdigest()
    if s.scalar(select(exists().where(Move.source_kind == SOURCE_OPENING, Move.source_ref == ref))):
        report.unchanged = len(good)
        return report
    report.imported = len(good)
    if dry_run:
        return report

    # 4. the moves, through the repository: one entry per MAX_LINES - 1 lines (the counter line)
    lines = [(row.line, MoveIn(plans[row.line][0].id, plans[row.line][2], plans[row.line][3],
                               plans[row.line][1].id if plans[row.line][1] else None)) for row in good]
    memo = f"Opening stock from {Path(name).name}"[:200]
    step = MAX_LINES - 1
    for i in range(0, len(lines), step):
        chunk = lines[i:i + step]
        try:
            _post_chunk(books, [m for _, m in chunk], day, ref, memo)
        except ValidationFailed as exc:
            raise ImportFailed([_problem(name, chunk, e) for e in exc.errors]) from None
        except Refused as exc:
            raise Refused(*(f"{name}: {p}" for p in exc.problems)) from None
        if progress:
            progress(min(len(lines), i + step), len(lines))
    return report


def _post_chunk(books, lines: list[MoveIn], day, ref: str, memo: str):
    """One entry's worth of opening stock, through the repository."""
    from bizsuite.erp.stock.repository import SOURCE_OPENING

    return books.stock.move("opening", lines, date=day, source=(SOURCE_OPENING, None), ref=ref, memo=memo)


def _problem(name: str, chunk: list[tuple[int, MoveIn]], e: FieldError) -> Problem:
    """A refusal of the repository's, on the line of the file it is about (``line 3: quantity``)."""
    where, sep, field = (e.field or "").partition(": ")
    if sep and where.startswith("line ") and where[5:].isdigit() and 0 < int(where[5:]) <= len(chunk):
        return Problem(name, chunk[int(where[5:]) - 1][0], e.message, field)
    line = chunk[0][0] if len(chunk) == 1 else 0
    return Problem(name, line, e.message, e.field)
