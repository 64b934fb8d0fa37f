"""The stock API: products, locations, moves, on hand, history and valuation (``books.stock``).

Screens and commands call these methods; other modules' documents move stock through
:meth:`StockRepository.move` in their own unit of work (a purchase receipt: the receipt, its
moves and its ledger entry land together, or none of them).

**Every change of quantity is a move**, and every move that changes value posts to the ledger
in the same unit of work (inventory against the kind's counter account: GRNI for a receipt, COGS
for a delivery, the adjustment account for a count, opening balances for opening stock; a
transfer keeps value and posts nothing). Moves are valued by :mod:`bizsuite.erp.stock.valuation`.

**No negative stock, at any date.** Before a move takes units out of a location it is checked
against what that location holds on its date *and on every later date* (moves already dated
after it), and refused with the product, the location, the date and the shortfall.

**Backdated moves.** A move dated before the product's last move changes the average from its
date on: every later move valued at the average is valued again (:func:`valuation.replay`), and
each difference is a :class:`Revaluation` of that move, dated on it, posted on its own ledger
entry and linked to the move that caused it. Refused, with the reason, when one of those
entries would fall in a locked period.

**Concurrency.** A stock operation locks its products' rows (``SELECT … FOR UPDATE``, in id
order) before it reads any quantity, so two clerks taking the last unit are served one after
the other on PostgreSQL, as BEGIN IMMEDIATE does on SQLite: the second sees the first's move and
is refused. The lock order (ARCHITECTURE.md, "Concurrency"): the ledger's ``ledger.period``
(shared, taken first by every stock operation that posts), then product rows, then the ledger's
turnover row and, at commit, the chains.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Iterable, Sequence

from sqlalchemy import BigInteger, exists, func, insert, or_, select, type_coerce

from bizsuite.core import audit, clock, modules, versioning
from bizsuite.core.errors import FieldError, NotFound, Refused, ValidationFailed
from bizsuite.core.money import (
    QUANTITY_SCALE,
    UNIT_PRICE_SCALE,
    clean_amount,
    format_human,
    from_minor,
    line_value,
    parse_decimal,
    to_minor,
)
from bizsuite.core.parsing import BadText, clean_text, fits, record_id
from bizsuite.erp.stock import valuation
from bizsuite.erp.stock.models import (
    COUNTER_ROLES,
    DEFAULT_UNIT,
    KIND_LABELS,
    UNIT_ALIASES,
    UNITS,
    HistoryRow,
    Location,
    Move,
    Moved,
    MoveIn,
    OnHandRow,
    Page,
    Product,
    ProductIn,
    ProductRow,
    Quant,
    Reservation,
    Revaluation,
    ValuationRow,
)

# Ledger source kinds of stock's own operations (declared in the module's ``posts``).
SOURCE_ADJUST = "stock_adjustment"
SOURCE_TRANSFER = "stock_transfer"
SOURCE_OPENING = "stock_opening"
SOURCE_REVALUE = "stock_revaluation"

QTY_MAX = Decimal(10) ** 11  # the most one move may carry (a Quantity column holds 9.2e14)
PRICE_MAX = Decimal(10) ** 11
TAX_MAX = Decimal(100)
DEFAULT_LOCATION = "Main"
ON_ORDER = "stock.on_order"  # the hook modules with purchase orders offer: (books, product_ids) -> {id: qty}

_MILLIONTH = Decimal(1).scaleb(-UNIT_PRICE_SCALE)  # a unit cost's last decimal
_P, _M, _R, _Q = Product.__table__, Move.__table__, Revaluation.__table__, Quant.__table__


def raw(expr):
    """A column or a SUM as the integer the database holds (1/10000 units, minor units, millionths):
    stock's SQL works in those and turns them into Decimals once (``_q``, ``from_minor``)."""
    return type_coerce(expr, BigInteger)


def casefold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value or 0)


def unit_decimals(unit: str) -> int:
    return UNITS.get(unit, QUANTITY_SCALE)


def parse_unit(value: str | None) -> str:
    """A unit of measure from what was typed (``PCS``, ``kilo``); refused when unknown."""
    raw = (value or "").strip()
    if not raw:
        return DEFAULT_UNIT
    key = raw.casefold()
    key = UNIT_ALIASES.get(key, key)
    if key in UNITS:
        return key
    raise ValidationFailed([FieldError("unit", f"{raw!r} is not a unit bizsuite knows; units: "
                                               f"{', '.join(list(UNITS)[:12])}, kg, m, l, h …")])


def parse_quantity(value, unit: str, field: str = "quantity", *, positive: bool = True,
                   signed: bool = False) -> Decimal:
    """A quantity of ``unit``: exact, no more decimals than the unit allows (none for whole units),
    within what one move may carry, positive (``signed``: not zero, either sign)."""
    decimals = unit_decimals(unit)
    if isinstance(value, float):
        raise TypeError("floats are never used for quantities")
    try:
        q = value if isinstance(value, Decimal) else parse_decimal(str(value), scale=None, what=field)
    except (ValueError, InvalidOperation) as exc:
        raise ValidationFailed([FieldError(field, str(exc).replace(f"not a valid {field}: ", "not a number: "))]) \
            from None
    if not q.is_finite():
        raise ValidationFailed([FieldError(field, f"not a number: {value}")])
    if abs(q) > QTY_MAX:
        raise ValidationFailed([FieldError(field, f"{format_human(q, None)} is more than one move may carry "
                                                  f"({format_human(QTY_MAX, 0)})")])
    if q.as_tuple().exponent < -decimals and q != q.quantize(Decimal(1).scaleb(-decimals), rounding="ROUND_DOWN"):
        if decimals == 0:
            raise ValidationFailed([FieldError(field, f"{q} is not a whole number of {unit}")])
        raise ValidationFailed([FieldError(field, f"{q} has more than {decimals} decimal places for {unit}")])
    if signed:
        if q == 0:
            raise ValidationFailed([FieldError(field, "must not be zero")])
    elif positive and q <= 0:
        raise ValidationFailed([FieldError(field, f"must be more than zero, not {q}")])
    elif not positive and q < 0:
        raise ValidationFailed([FieldError(field, f"must not be negative, not {q}")])
    return q.quantize(Decimal(1).scaleb(-decimals))


def parse_price(value, field: str = "price") -> Decimal:
    """A unit price or cost: not negative, up to six decimals."""
    if isinstance(value, float):
        raise TypeError("floats are never used for money")
    try:
        p = value if isinstance(value, Decimal) else parse_decimal(str(value), scale=UNIT_PRICE_SCALE, what=field)
    except ValueError as exc:
        raise ValidationFailed([FieldError(field, str(exc).replace(f"not a valid {field}: ", "not a number: "))]) \
            from None
    if not p.is_finite() or p.as_tuple().exponent < -UNIT_PRICE_SCALE:
        raise ValidationFailed([FieldError(field, f"{value} has more than {UNIT_PRICE_SCALE} decimal places")])
    if p < 0:
        raise ValidationFailed([FieldError(field, f"must not be negative, not {p}")])
    if p > PRICE_MAX:
        raise ValidationFailed([FieldError(field, f"{format_human(p, None)} is more than a unit price may be")])
    return p.quantize(Decimal(1).scaleb(-UNIT_PRICE_SCALE))


def parse_rate(value, field: str = "tax_rate") -> Decimal:
    """A tax rate in percent, 0 to 100 (``13``, ``8.875``; ``13%`` too)."""
    raw = str(value).strip().removesuffix("%").strip() if not isinstance(value, Decimal) else value
    try:
        r = raw if isinstance(raw, Decimal) else parse_decimal(raw, scale=4, what=field)
    except ValueError as exc:
        raise ValidationFailed([FieldError(field, str(exc).replace(f"not a valid {field}: ", "not a number: "))]) \
            from None
    if not (0 <= r <= TAX_MAX):
        raise ValidationFailed([FieldError(field, f"must be a percentage from 0 to 100, not {r}")])
    return r


def parse_day(value, field: str = "date") -> dt.date:
    from bizsuite.erp.ledger.posting import parse_date

    if value is None or value == "":
        return clock.today()
    return parse_date(value, field)


class StockRepository:
    def __init__(self, books):
        self.books = books
        self.session = books.session

    @property
    def scale(self) -> int:
        return self.books.ledger.scale

    # -- locations ----------------------------------------------------------------------------
    def locations(self, *, include_inactive: bool = False) -> list[Location]:
        self.books.require("stock.read")
        q = select(Location).order_by(Location.name_key)
        if not include_inactive:
            q = q.where(Location.active.is_(True))
        return list(self.session.scalars(q))

    def location(self, ref: int | str) -> Location:
        """A location by ``#id`` or by name (any case)."""
        self.books.require("stock.read")
        number = record_id(ref) if not isinstance(ref, str) or ref.strip().startswith("#") else None
        if number is not None:
            loc = self.session.get(Location, number) if fits(number) else None
        else:
            loc = self.session.scalars(select(Location).where(Location.name_key == casefold(str(ref)))).first()
        if loc is None:
            names = ", ".join(loc.name for loc in self.locations()[:8]) or "none yet"
            raise NotFound(f"no location {str(ref).strip()!r} (locations: {names})")
        return loc

    def default_location(self) -> Location:
        """The default location; in books that have none yet, a unit of work that writes makes
        ``Main`` the first."""
        loc = self.session.scalars(select(Location).where(Location.is_default.is_(True))).first()
        if loc is not None:
            return loc
        if not self.session.info.get("writes"):
            raise Refused("no stock location yet; add one with: bizsuite stock add-location NAME")
        return self._new_location(DEFAULT_LOCATION, None, True)

    def _new_location(self, name: str, parent_id: int | None, default: bool) -> Location:
        now, who = clock.now(), self.books.actor.name
        if default:
            for other in self.session.scalars(select(Location).where(Location.is_default.is_(True))):
                other.is_default = False
                versioning.touch(other, who, now)
            self.session.flush()
        loc = Location(name=name, name_key=casefold(name), parent_id=parent_id, is_default=default,
                       created_at=now, created_by=who, updated_at=now, updated_by=who)
        self.session.add(loc)
        self.session.flush()
        return loc

    def add_location(self, name: str, *, parent: int | str | None = None, default: bool = False) -> Location:
        """A warehouse, or a bin inside one (``parent``). The first location is the default."""
        self.books.require("stock.write")
        try:
            clean = clean_text(name, "name", limit=100) or ""
        except BadText as exc:
            raise ValidationFailed([FieldError("name", str(exc).split(": ", 1)[1])]) from None
        if not clean:
            raise ValidationFailed([FieldError("name", "is required")])
        if self.session.scalars(select(Location.id).where(Location.name_key == casefold(clean))).first():
            raise ValidationFailed([FieldError("name", f"there is already a location {clean!r}")])
        parent_id = self.location(parent).id if parent not in (None, "") else None
        first = not self.session.scalars(select(Location.id).limit(1)).first()
        return self._new_location(clean, parent_id, default or first)

    def set_default_location(self, ref: int | str) -> Location:
        self.books.require("stock.write")
        loc = self.location(ref)
        if not loc.is_default:
            for other in self.session.scalars(select(Location).where(Location.is_default.is_(True))):
                other.is_default = False
                versioning.touch(other, self.books.actor.name)
            self.session.flush()
            loc.is_default = True
            versioning.touch(loc, self.books.actor.name)
            self.session.flush()
        return loc

    # -- products -----------------------------------------------------------------------------
    def product(self, ref: int | str) -> Product:
        """A product by its SKU (any case) or ``#id``."""
        self.books.require("stock.read")
        if isinstance(ref, int) and not isinstance(ref, bool):
            p = self.session.get(Product, ref) if fits(ref) else None
        else:
            text = str(ref).strip()
            p = self.session.scalars(select(Product).where(Product.sku_key == casefold(text))).first()
            if p is None and text.startswith("#"):
                number = record_id(text)
                p = self.session.get(Product, number) if number is not None and fits(number) else None
        if p is None:
            raise NotFound(f"unknown SKU {str(ref).strip()!r}")
        return p

    def _clean_product(self, data: ProductIn, errors: list[FieldError], *, current: Product | None = None) -> dict:
        out: dict = {}

        def text_field(name, value, limit, required=False):
            try:
                v = clean_text(value, name, limit=limit)
            except BadText as exc:
                errors.append(FieldError(name, str(exc).split(": ", 1)[1]))
                return None
            if required and not v:
                errors.append(FieldError(name, "is required"))
            return v

        sku = text_field("sku", data.sku, 64, required=True)
        if sku and any(ch.isspace() for ch in sku):
            errors.append(FieldError("sku", f"{sku!r} has a space in it; a SKU is one word (AB-100)"))
        elif sku:
            other = self.session.scalars(select(Product).where(Product.sku_key == casefold(sku))).first()
            if other is not None and (current is None or other.id != current.id):
                errors.append(FieldError("sku", f"{sku} is already the SKU of {other.name}"))
        out["sku"] = sku
        out["name"] = text_field("name", data.name, 200, required=True)
        for name, parse in (("unit", parse_unit), ("price", parse_price), ("tax_rate", parse_rate)):
            raw = getattr(data, name)
            if raw in (None, ""):
                continue
            try:
                out[name] = parse(raw)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        unit = out.get("unit") or (current.unit if current else DEFAULT_UNIT)
        if current is not None and "unit" in out and out["unit"] != current.unit and \
                unit_decimals(out["unit"]) < unit_decimals(current.unit) and self._has_moves(current.id):
            errors.append(FieldError("unit", f"{current.sku} has moves in {current.unit}; a unit with fewer "
                                             f"decimals would not hold them"))
        for name in ("reorder_point", "reorder_qty"):
            raw = getattr(data, name)
            if raw in (None, ""):
                continue
            try:
                out[name] = parse_quantity(raw, unit, name, positive=False)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        if data.supplier not in (None, ""):
            try:
                c = self.books.contacts.resolve(str(data.supplier))
            except Refused as exc:
                errors.append(FieldError("supplier", str(exc)))
            else:
                if not c.is_supplier:
                    errors.append(FieldError("supplier", f"{c.name} (#{c.id}) is not a supplier; give the contact "
                                                         f"the supplier role first"))
                out["supplier_id"] = c.id
        return out

    def add_product(self, data: ProductIn) -> Product:
        self.books.require("stock.write")
        errors: list[FieldError] = []
        values = self._clean_product(data, errors)
        if errors:
            raise ValidationFailed(errors)
        now, who = clock.now(), self.books.actor.name
        p = Product(sku=values.pop("sku"), sku_key=casefold(data.sku.strip()), name=values["name"],
                    name_key=casefold(values.pop("name")), active=data.active,
                    created_at=now, created_by=who, updated_at=now, updated_by=who, **values)
        self.session.add(p)
        self.session.flush()
        return p

    def update_product(self, ref: int | str, data: ProductIn, *, expected_version: int | None = None) -> Product:
        """Change a product (what ``data`` gives; blank fields are left as they are)."""
        self.books.require("stock.write")
        p = self._locked(ref)
        versioning.expect(p, expected_version, f"product {p.sku}")
        errors: list[FieldError] = []
        values = self._clean_product(data, errors, current=p)
        if errors:
            raise ValidationFailed(errors)
        if values.get("sku"):
            p.sku, p.sku_key = values.pop("sku"), casefold(data.sku.strip())
        if values.get("name"):
            p.name_key = casefold(values["name"])
        for k, v in values.items():
            if v is not None:
                setattr(p, k, v)
        p.active = data.active
        versioning.touch(p, self.books.actor.name)
        self.session.flush()
        return p

    EDITABLE = ("sku", "name", "unit", "price", "tax_rate", "reorder_point", "reorder_qty", "supplier", "active")

    def edit_product(self, ref: int | str, *, expected_version: int | None = None, **changes) -> Product:
        """Change only what is given (``sku=``, ``name=``, …, ``active=``; None or left out: as it
        is), checked as :meth:`update_product` checks a whole product. Read under the row's lock,
        so a change made meanwhile by someone else is kept, not written back over."""
        unknown = sorted(set(changes) - set(self.EDITABLE))
        if unknown:
            raise TypeError(f"edit_product() got unknown fields: {', '.join(unknown)}")
        self.books.require("stock.write")
        pid = self.product(ref).id
        p = self.session.scalars(select(Product).where(Product.id == pid).with_for_update()
                                 .execution_options(populate_existing=True)).one()
        given = {k: v for k, v in changes.items() if v is not None}
        data = ProductIn(sku=given.pop("sku", p.sku), name=given.pop("name", p.name),
                         active=given.pop("active", p.active), **given)
        return self.update_product(p.id, data, expected_version=expected_version)

    def set_active(self, ref: int | str, active: bool) -> Product:
        self.books.require("stock.write")
        p = self._locked(ref)
        if p.active != active:
            p.active = active
            versioning.touch(p, self.books.actor.name)
            self.session.flush()
        return p

    def _has_moves(self, product_id: int) -> bool:
        return self.session.scalar(select(exists().where(_M.c.product_id == product_id)))

    def delete_product(self, ref: int | str) -> None:
        """Delete a product that never moved; one with moves is deactivated instead (its history stays)."""
        self.books.require("stock.write")
        p = self._locked(ref)
        if self._has_moves(p.id):
            raise Refused(f"{p.sku} has stock moves, so it stays in the books; deactivate it instead: "
                          f"bizsuite stock edit-product {p.sku} --inactive")
        for q in self.session.scalars(select(Quant).where(Quant.product_id == p.id)):
            self.session.delete(q)
        self.session.flush()
        self.session.delete(p)
        self.session.flush()

    def _locked(self, ref: int | str) -> Product:
        p = self.product(ref)
        return self.session.scalars(select(Product).where(Product.id == p.id).with_for_update()).one()

    def _lock_products(self, ids: Iterable[int]) -> dict[int, Product]:
        """Lock product rows in id order (every stock operation takes its products this way, so two
        can never wait on each other), and read them as they are now."""
        wanted = sorted(set(ids))
        rows = self.session.scalars(select(Product).where(Product.id.in_(wanted)).order_by(Product.id)
                                    .with_for_update().execution_options(populate_existing=True)).all()
        return {p.id: p for p in rows}

    # -- listing ------------------------------------------------------------------------------
    def _future_moves(self, day: dt.date) -> bool:
        return bool(self.session.scalar(select(exists().where(_M.c.date > day))))

    def on_order(self, product_ids: Sequence[int]) -> dict[int, Decimal]:
        """What is on order of each product (purchase orders confirmed, not yet received), from
        whichever installed module keeps purchase orders (the ``stock.on_order`` hook)."""
        out: dict[int, Decimal] = defaultdict(Decimal)
        for hook in modules.hooks(ON_ORDER):
            for pid, qty in hook(self.books, list(product_ids)).items():
                out[pid] += qty
        return out

    def last_unit_costs(self, product_ids: Sequence[int]) -> dict[int, Decimal]:
        """The unit cost of each product's latest move (by date, then id): for one with nothing
        left to average, what it cost when it was last moved."""
        self.books.require("stock.read")
        out: dict[int, Decimal] = {}
        ids = sorted(set(product_ids))
        for i in range(0, len(ids), 5_000):
            latest = (select(_M.c.product_id, raw(_M.c.unit_cost).label("uc"),
                             func.row_number().over(partition_by=_M.c.product_id,
                                                    order_by=(_M.c.date.desc(), _M.c.id.desc())).label("n"))
                      .where(_M.c.product_id.in_(ids[i:i + 5_000])).subquery())
            for pid, uc in self.session.execute(select(latest.c.product_id, latest.c.uc).where(latest.c.n == 1)):
                out[pid] = from_minor(int(uc), UNIT_PRICE_SCALE)
        return out

    def products(self, *, search: str = "", low: bool = False, include_inactive: bool = False,
                 offset: int = 0, limit: int | None = 50, with_total: bool = True) -> Page:
        """Products by SKU, with on hand (today), reserved, available and on order.

        ``search`` matches the SKU or the name (any case, any script); ``low``: only those at or
        below their reorder point, counting what is on order."""
        self.books.require("stock.read")
        q = select(Product)
        if not include_inactive:
            q = q.where(Product.active.is_(True))
        words = casefold(search).split()
        for w in words:
            like = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            q = q.where(or_(Product.sku_key.like(like, escape="\\"), Product.name_key.like(like, escape="\\")))
        if low:  # at or below the point counting what is on order: never when already above it today
            q = q.where(Product.reorder_point > 0, or_(Product.on_hand <= Product.reorder_point,
                                                       Product.last_move > clock.today()))
        total = None
        if with_total and not low:
            total = self.session.scalar(select(func.count()).select_from(q.subquery()))
        q = q.order_by(Product.sku_key)
        if not low and limit is not None:
            q = q.offset(offset).limit(limit)
        products = list(self.session.scalars(q))
        rows = self._rows(products)
        if low:
            rows = [r for r in rows if r.low]
            total = len(rows)
            rows = rows[offset:offset + limit] if limit is not None else rows[offset:]
        return Page(rows, total if total is not None else len(rows), offset)

    def product_row(self, ref: int | str) -> ProductRow:
        """One product as the list shows it (on hand today, reserved, available, on order)."""
        self.books.require("stock.read")
        return self._rows([self.product(ref)])[0]

    def _rows(self, products: list[Product]) -> list[ProductRow]:
        ids = [p.id for p in products]
        if not ids:
            return []
        today = clock.today()
        now_qty = {p.id: p.on_hand for p in products}
        now_val = {p.id: p.value for p in products}
        future = [p.id for p in products if p.last_move is not None and p.last_move > today]
        if future:
            for pid, qty, val in self._sums(future, today):
                now_qty[pid], now_val[pid] = qty, val
        reserved = dict(self.session.execute(
            select(_Q.c.product_id, func.sum(raw(_Q.c.reserved))).where(_Q.c.product_id.in_(ids))
            .group_by(_Q.c.product_id)).all())
        on_order = self.on_order(ids)
        suppliers = self.books.contacts.names({p.supplier_id for p in products if p.supplier_id})
        out = []
        for p in products:
            qty = now_qty[p.id]
            out.append(ProductRow(
                id=p.id, sku=p.sku, name=p.name, unit=p.unit, price=p.price, tax_rate=p.tax_rate, on_hand=qty,
                reserved=self._q(reserved.get(p.id)), available=qty - self._q(reserved.get(p.id)),
                on_order=on_order.get(p.id, Decimal(0)), reorder_point=p.reorder_point, reorder_qty=p.reorder_qty,
                supplier_id=p.supplier_id, supplier=suppliers.get(p.supplier_id), active=p.active,
                value=now_val[p.id], unit_cost=valuation.unit_cost(
                    valuation.State(qty, to_minor(now_val[p.id], self.scale)), self.scale)))
        return out

    @staticmethod
    def _q(units) -> Decimal:
        """A SUM of a Quantity column (integer 1/10000 units) as a Decimal quantity."""
        return from_minor(int(units or 0), QUANTITY_SCALE)

    def _sums(self, product_ids: Sequence[int] | None, day: dt.date) -> list[tuple[int, Decimal, Decimal]]:
        """(product, quantity, value) as of the end of ``day``, from the moves and revaluations."""
        mq = select(_M.c.product_id, func.sum(raw(_M.c.qty_delta)), func.sum(raw(_M.c.value_delta))).where(_M.c.date <= day)
        rq = select(_R.c.product_id, func.sum(raw(_R.c.value_delta))).where(_R.c.date <= day)
        if product_ids is not None:
            mq = mq.where(_M.c.product_id.in_(product_ids))
            rq = rq.where(_R.c.product_id.in_(product_ids))
        moves = self.session.execute(mq.group_by(_M.c.product_id)).all()
        revals = dict(self.session.execute(rq.group_by(_R.c.product_id)).all())
        return [(pid, self._q(q), from_minor(int(v or 0) + int(revals.get(pid) or 0), self.scale))
                for pid, q, v in moves]

    # -- on hand ------------------------------------------------------------------------------
    def onhand(self, product: int | str | None = None, *, location: int | str | None = None,
               as_of: dt.date | str | None = None, include_zero: bool = False) -> list[OnHandRow]:
        """On hand, reserved and available per product and location, at the end of ``as_of``
        (today by default). Reservations are today's (what is held now)."""
        self.books.require("stock.read")
        day = parse_day(as_of, "as_of")
        p = self.product(product) if product not in (None, "") else None
        loc = self.location(location) if location not in (None, "") else None
        if not self._future_moves(day) if p is None else (p.last_move is None or p.last_move <= day):
            q = select(_Q.c.product_id, _Q.c.location_id, raw(_Q.c.quantity), raw(_Q.c.reserved))
            if p is not None:
                q = q.where(_Q.c.product_id == p.id)
            if loc is not None:
                q = q.where(_Q.c.location_id == loc.id)
            found = [(pid, lid, self._q(qty), self._q(res)) for pid, lid, qty, res in self.session.execute(q)]
        else:
            found = self._location_sums(p.id if p else None, loc.id if loc else None, day)
        if not include_zero:
            found = [r for r in found if r[2] != 0 or r[3] != 0]
        pids = {r[0] for r in found}
        skus = {pid: (sku, unit) for pid, sku, unit in self.session.execute(
            select(_P.c.id, _P.c.sku, _P.c.unit).where(_P.c.id.in_(pids)))} if pids else {}
        names = {x.id: x.name for x in self.locations(include_inactive=True)}
        rows = [OnHandRow(pid, *skus[pid], lid, names[lid], qty, res, qty - res) for pid, lid, qty, res in found]
        rows.sort(key=lambda r: (casefold(r.sku), casefold(r.location)))
        return rows

    def _location_sums(self, product_id: int | None, location_id: int | None,
                       day: dt.date) -> list[tuple[int, int, Decimal, Decimal]]:
        """(product, location, on hand at the end of ``day``, reserved today). One pass over the
        moves, grouped by where they came from and went to. For one product whose history is
        mostly before ``day``, what it holds now less the moves after (the quants are the sum of
        every move: ``bizsuite check`` proves it), which reads the shorter side."""
        later = False
        if product_id is not None:
            first = self.session.scalar(select(func.min(_M.c.date)).where(_M.c.product_id == product_id))
            last = self.session.scalar(select(_P.c.last_move).where(_P.c.id == product_id))
            later = first is not None and last is not None and (last - day) < (day - first)
        q = (select(_M.c.product_id, _M.c.to_location_id, _M.c.from_location_id, func.sum(raw(_M.c.quantity)))
             .where(_M.c.date > day if later else _M.c.date <= day))
        if product_id is not None:
            q = q.where(_M.c.product_id == product_id)
        if location_id is not None:
            q = q.where(or_(_M.c.to_location_id == location_id, _M.c.from_location_id == location_id))
        totals: dict[tuple[int, int], int] = defaultdict(int)
        for pid, to, frm, qty in self.session.execute(
                q.group_by(_M.c.product_id, _M.c.to_location_id, _M.c.from_location_id)):
            if to is not None and location_id in (None, to):
                totals[pid, to] += int(qty)
            if frm is not None and location_id in (None, frm):
                totals[pid, frm] -= int(qty)
        if later:  # now, less what came and went after the day
            nq = select(_Q.c.product_id, _Q.c.location_id, raw(_Q.c.quantity)).where(_Q.c.product_id == product_id)
            if location_id is not None:
                nq = nq.where(_Q.c.location_id == location_id)
            after = totals
            totals = defaultdict(int)
            for pid, lid, qty in self.session.execute(nq):
                totals[pid, lid] = int(qty)
            for k, qty in after.items():
                totals[k] -= qty
        rq = select(_Q.c.product_id, _Q.c.location_id, raw(_Q.c.reserved)).where(_Q.c.reserved != 0)
        if product_id is not None:
            rq = rq.where(_Q.c.product_id == product_id)
        if location_id is not None:
            rq = rq.where(_Q.c.location_id == location_id)
        reserved = {(pid, lid): self._q(r) for pid, lid, r in self.session.execute(rq)}
        return [(pid, lid, self._q(q), reserved.get((pid, lid), Decimal(0))) for (pid, lid), q in totals.items()]

    def at_location(self, product_id: int, location_id: int, day: dt.date | None = None) -> Decimal:
        """What one location holds of one product at the end of ``day`` (None: after every move)."""
        if day is None:
            return self._q(self.session.scalar(select(raw(_Q.c.quantity)).where(
                _Q.c.product_id == product_id, _Q.c.location_id == location_id)))
        inn = self.session.scalar(select(func.coalesce(func.sum(raw(_M.c.quantity)), 0)).where(
            _M.c.product_id == product_id, _M.c.to_location_id == location_id, _M.c.date <= day))
        out = self.session.scalar(select(func.coalesce(func.sum(raw(_M.c.quantity)), 0)).where(
            _M.c.product_id == product_id, _M.c.from_location_id == location_id, _M.c.date <= day))
        return self._q(int(inn) - int(out))

    # -- moving stock -------------------------------------------------------------------------
    def move(self, kind: str, lines: Sequence[MoveIn], *, date: dt.date | str | None = None,
             source: tuple[str, int | None] = (SOURCE_ADJUST, None), ref: str | None = None,
             reason: str | None = None, memo: str | None = None, counter_role: str | None = None,
             contact_id: int | None = None) -> Moved:
        """Move stock: one document's lines, one date, one kind (see models.KINDS).

        In (``receipt``, ``opening``, ``return``; ``adjustment`` with a positive quantity) each
        line comes into its location at its ``unit_cost`` (None: at the average of its moment);
        out (``delivery``, ``return_out``; ``adjustment`` negative) leaves it at the average;
        ``transfer`` goes from ``location`` to ``to_location``. ``source`` is the document and the
        kind of the ledger entry that posts it (``("purchase_receipt", 3)``; the permission is
        the kind's), ``ref`` what people call it ("PO-00012"). The moves, their entry, and the
        revaluations of later moves when the date is in the past land together, or nothing does.
        """
        if kind not in KIND_LABELS:
            raise ValidationFailed([FieldError("kind", f"{kind!r} is not a kind of stock move")])
        self.books.require("stock.read")
        self.books.ledger._require_posting(source[0])
        day = parse_day(date)
        errors: list[FieldError] = []
        try:
            ref = clean_text(ref, "document", limit=100) or None
            reason = clean_text(reason, "reason", limit=200) or None
            memo = clean_text(memo, "memo", limit=200) or None
        except BadText as exc:
            raise ValidationFailed([FieldError(*str(exc).split(": ", 1))]) from None
        if kind == "adjustment" and not reason:
            errors.append(FieldError("reason", "an adjustment needs a reason (a count, breakage, …)"))
        if not lines:
            errors.append(FieldError("lines", "no lines to move"))
        plans = []
        for n, line in enumerate(lines, 1):
            where = f"line {n}" if len(lines) > 1 else ""
            try:
                plans.append(self._plan(kind, line, where))
            except ValidationFailed as exc:
                errors.extend(FieldError(f"{where}: {e.field}" if where else e.field, e.message) for e in exc.errors)
            except Refused as exc:
                errors.append(FieldError(where or "product", str(exc)))
        if errors:
            raise ValidationFailed(errors)
        why = self.books.ledger._check_open(day, "the move's date ")
        if why:
            raise Refused(why)
        products = self._lock_products(p.product_id for p in plans)
        now, who = clock.now(), self.books.actor.name
        counter = counter_role or COUNTER_ROLES.get(kind)
        pending: list[Move] = []  # made, not written yet: the entry comes first (moves never change)
        backdated: dict[int, dt.date] = {}
        for plan in plans:
            p = products[plan.product_id]
            if p.last_move is not None and day < p.last_move and not any(m.product_id == p.id for m in pending):
                backdated[p.id] = day
            pending.append(self._one(p, kind, plan, day, source, ref, reason, now, who, pending))
        done = Moved()
        entry_id = self._post(kind, pending, products, day, source, ref, memo or reason, counter, contact_id)
        for m in pending:
            m.entry_id = entry_id
            m.counter_role = counter if m.value_delta != 0 else None
        self.session.add_all(pending)
        self.session.flush()
        done.moves = pending
        if entry_id is not None:
            done.entry_ids.append(entry_id)
        for pid, since in sorted(backdated.items()):  # re-value what came after, once per product
            cause = next(m.id for m in pending if m.product_id == pid)
            revals = self._revalue(products[pid], since, cause, now, who)
            done.revaluations += revals
            done.entry_ids += [r.entry_id for r in revals if r.entry_id]
        return done

    class _Plan:
        __slots__ = ("product_id", "quantity", "unit_cost", "from_id", "to_id", "sign", "counted")

    def _plan(self, kind: str, line: MoveIn, where: str) -> "_Plan":
        p = self.product(line.product)
        if not p.active and kind in ("receipt", "opening", "return"):
            raise Refused(f"{p.sku} is inactive; activate it before moving it in")
        plan = self._Plan()
        plan.product_id = p.id
        plan.counted = line.counted if kind == "adjustment" else None
        if kind == "adjustment":
            q = parse_quantity(line.quantity, p.unit, signed=True)
        else:
            q = parse_quantity(line.quantity, p.unit)
        plan.sign = -1 if (kind in ("delivery", "return_out") or (kind == "adjustment" and q < 0)) else 1
        plan.quantity = abs(q)
        loc = self._place(line.location, "location") if line.location not in (None, "") else self.default_location()
        plan.unit_cost = parse_price(line.unit_cost, "unit_cost") if line.unit_cost not in (None, "") else None
        if kind == "transfer":
            if line.to_location in (None, ""):
                raise ValidationFailed([FieldError("to", "a transfer needs a location to go to")])
            to = self._place(line.to_location, "to")
            if to.id == loc.id:
                raise ValidationFailed([FieldError("to", f"{to.name} is where it comes from")])
            plan.from_id, plan.to_id, plan.sign = loc.id, to.id, 0
            plan.unit_cost = None
        elif plan.sign > 0:
            plan.from_id, plan.to_id = None, loc.id
            if kind in ("receipt", "opening") and plan.unit_cost is None:
                raise ValidationFailed([FieldError("unit_cost", f"{p.sku}: a {KIND_LABELS[kind]} needs a unit cost")])
        else:
            plan.from_id, plan.to_id = loc.id, None
            plan.unit_cost = None
        return plan

    def _place(self, ref, field: str) -> Location:
        """A line's location, active, or the problem said on the line's ``field`` (location, to)."""
        try:
            loc = self.location(ref)
        except NotFound as exc:
            raise ValidationFailed([FieldError(field, str(exc))]) from None
        if not loc.active:
            raise ValidationFailed([FieldError(field, f"location {loc.name} is inactive")])
        return loc

    def _one(self, p: Product, kind: str, plan, day: dt.date, source, ref, reason, now, who,
             pending: list[Move]) -> Move:
        """One move, valued, with the quantities it changes (not written: see :meth:`move`)."""
        scale = self.scale
        backdated = p.last_move is not None and day < p.last_move
        mine = [m for m in pending if m.product_id == p.id]  # this document's earlier lines of it
        if backdated:
            sums = self._sums([p.id], day)
            qty, value = (sums[0][1], sums[0][2]) if sums else (Decimal(0), from_minor(0, scale))
            qty += sum((m.qty_delta for m in mine), Decimal(0))
            value += sum((m.value_delta for m in mine), Decimal(0))
        else:
            qty, value = p.on_hand, p.value
        state = valuation.State(qty, to_minor(value, scale))
        q = plan.quantity
        if backdated:
            self._refuse_before_count(p, plan, day)
        if plan.from_id is not None:
            taken = sum((m.quantity for m in mine if m.from_location_id == plan.from_id), Decimal(0)) - \
                sum((m.quantity for m in mine if m.to_location_id == plan.from_id), Decimal(0))
            self._check_enough(p, plan.from_id, q, day, backdated, taken)
        at_average = False
        if plan.sign > 0 and plan.unit_cost is not None:
            try:
                units = to_minor(clean_amount(line_value(q, plan.unit_cost, scale), scale, what=f"{p.sku} value"),
                                 scale)
            except ValueError as exc:
                raise ValidationFailed([FieldError("unit_cost", str(exc))]) from None
            unit_cost = plan.unit_cost
        elif plan.sign == 0:
            units, unit_cost = 0, valuation.unit_cost(state, scale)
        else:
            at_average = True
            try:
                units = valuation.value_out(state, q) if plan.sign < 0 else valuation.value_in_at_average(state, q)
            except valuation.NoAverage:
                raise Refused(f"{p.sku} has no stock on {day} to take an average cost from; "
                              f"give the unit cost (--unit-cost)") from None
            unit_cost = (Decimal(units).scaleb(-scale) / q).quantize(Decimal(1).scaleb(-UNIT_PRICE_SCALE))
        worth = from_minor(units, scale)
        m = Move(product_id=p.id, kind=kind, date=day, quantity=q, from_location_id=plan.from_id,
                 to_location_id=plan.to_id, qty_delta=q * plan.sign, unit_cost=unit_cost, value=worth,
                 value_delta=worth * plan.sign, at_average=at_average, source_kind=source[0],
                 source_id=source[1], source_ref=ref, reason=reason, counted=plan.counted, created_at=now,
                 created_by=who)
        for lid, dq in ((plan.from_id, -q), (plan.to_id, q)):
            if lid is None:
                continue
            quant = self.session.get(Quant, (p.id, lid))
            if quant is None:
                quant = Quant(product_id=p.id, location_id=lid, quantity=Decimal(0), reserved=Decimal(0))
                self.session.add(quant)
            quant.quantity = quant.quantity + dq
        p.on_hand = p.on_hand + q * plan.sign
        p.value = p.value + worth * plan.sign
        if p.last_move is None or day > p.last_move:
            p.last_move = day
        return m

    def _refuse_before_count(self, p: Product, plan, day: dt.date) -> None:
        """A move may not be dated before a later count of the same product at the same location:
        the count said what was there, and a move before it would silently change that (the
        trap ERPNext's users fall into, frappe/erpnext#54295: a backdated receipt before a count
        leaves 42 where 1 was counted)."""
        for lid in (plan.from_id, plan.to_id):
            if lid is None:
                continue
            count = self.session.execute(
                select(_M.c.id, _M.c.date).where(_M.c.product_id == p.id, _M.c.counted.is_not(None), _M.c.date > day,
                                                 or_(_M.c.from_location_id == lid, _M.c.to_location_id == lid))
                .order_by(_M.c.date, _M.c.id).limit(1)).first()
            if count is not None:
                loc = self.session.get(Location, lid)
                raise Refused(f"{p.sku} at {loc.name} was counted on {count.date} (move #{count.id}); a move dated "
                              f"{day}, before the count, would change what was counted — date it on or after "
                              f"{count.date}, or count again")

    def _check_enough(self, p: Product, location_id: int, q: Decimal, day: dt.date, backdated: bool,
                      taken: Decimal = Decimal(0)) -> None:
        """Refuse taking ``q`` of ``p`` out of a location on ``day`` when it would leave less than
        nothing there, on that day or any later one (``taken``: what this document's earlier lines
        already took from there)."""
        if not backdated:  # the quants already count this document's earlier lines
            have = self.at_location(p.id, location_id)
            lowest, when = have, day
        else:
            have = self.at_location(p.id, location_id, day) - taken
            lowest, when = have, day
            running = have
            later = self.session.execute(
                select(_M.c.date, raw(_M.c.quantity), _M.c.from_location_id, _M.c.to_location_id)
                .where(_M.c.product_id == p.id, _M.c.date > day,
                       or_(_M.c.from_location_id == location_id, _M.c.to_location_id == location_id))
                .order_by(_M.c.date, _M.c.id))
            rows = list(later)
            for i, (d, mq, src, dst) in enumerate(rows):
                running += self._q(mq) * (-1 if src == location_id else 1)
                end_of_day = i + 1 == len(rows) or rows[i + 1][0] != d  # the rule holds at each day's end
                if end_of_day and running < lowest:
                    lowest, when = running, d
        if q > lowest:
            loc = self.session.get(Location, location_id)
            short = q - lowest
            if when == day:
                raise Refused(f"{p.sku} at {loc.name} on {day}: {_qty(short, p.unit)} short "
                              f"(on hand {_qty(have, p.unit)}, taking {_qty(q, p.unit)})")
            raise Refused(f"{p.sku} at {loc.name} on {when}: {_qty(short, p.unit)} short — taking "
                          f"{_qty(q, p.unit)} on {day} would leave too little for the moves dated after it "
                          f"(on hand on {when} would be {_qty(lowest - q, p.unit)})")

    def _post(self, kind, moves: list[Move], products, day, source, ref, memo, counter_role, contact_id) -> int | None:
        moving = [m for m in moves if m.value_delta != 0]
        if not moving:
            return None
        ledger = self.books.ledger
        inventory = ledger.role_account("inventory")
        counter = ledger.role_account(counter_role)
        lines = []
        for m in moving:
            p = products[m.product_id]
            lines.append((inventory.id, m.value_delta, f"{p.sku} {_qty(m.qty_delta, p.unit)}"))
        lines.append((counter.id, None, None))
        label = f" {ref}" if ref else ""
        e = ledger.post_entry(day, memo or f"{KIND_LABELS[kind].capitalize()}{label}", lines,
                              source=source, source_ref=ref, contact_id=contact_id)
        return e.id

    # -- backdated moves ----------------------------------------------------------------------
    def _revalue(self, p: Product, since: dt.date, cause: int, now, who) -> list[Revaluation]:
        """Value again every move of ``p`` dated after ``since`` that was valued at the average."""
        scale = self.scale
        sums = self._sums([p.id], since)
        qty, value = (sums[0][1], sums[0][2]) if sums else (Decimal(0), Decimal(0))
        state = valuation.State(qty, to_minor(value, scale))
        later = self.session.execute(
            select(_M.c.id, _M.c.date, _M.c.kind, raw(_M.c.qty_delta), raw(_M.c.quantity), raw(_M.c.value), _M.c.at_average,
                   _M.c.counter_role, _M.c.source_ref)
            .where(_M.c.product_id == p.id, _M.c.date > since).order_by(_M.c.date, _M.c.id)).all()
        if not later:
            return []
        extra = dict(self.session.execute(
            select(_R.c.move_id, func.sum(raw(_R.c.value_delta))).where(_R.c.product_id == p.id, _R.c.date > since)
            .group_by(_R.c.move_id)).all())
        info = {}
        steps = []
        for mid, d, kind, dq, q, v, avg, role, sref in later:
            dq, q = self._q(dq), self._q(q)
            sign = 1 if dq > 0 else -1
            worth = int(v) + sign * int(extra.get(mid) or 0)  # a move out's revaluations lower the stock
            steps.append(valuation.Step(mid, dq, q, worth, bool(avg)))
            info[mid] = (d, kind, role, sref)
        try:
            changes = list(valuation.replay(state, steps))
        except valuation.NoAverage:
            raise Refused(f"{p.sku}: a move dated {since} would leave no stock to value a later move by") from None
        if not changes:
            p.value = from_minor(state.value, scale)
            self.session.flush()
            return []
        # every correction on its own entry, dated on the move it corrects, written in bulk (a
        # backdated receipt before 10k deliveries re-values them all in one statement per table)
        ledger = self.books.ledger
        inventory = ledger.role_account("inventory").id
        counters = {role: ledger.role_account(role).id for role in
                    {info[ch.step.id][2] or COUNTER_ROLES.get(info[ch.step.id][1], "stock_adjustment")
                     for ch in changes}}
        posts, rows = [], []
        for ch in changes:
            d, kind, role, sref = info[ch.step.id]
            delta = from_minor(ch.delta, scale)
            counter = counters[role or COUNTER_ROLES.get(kind, "stock_adjustment")]
            posts.append((d, f"Revaluation of {KIND_LABELS[kind]} {sref or f'move #{ch.step.id}'} ({p.sku}) "
                             f"after move #{cause}", [(inventory, delta), (counter, -delta)], ch.step.id, sref))
            rows.append({"move_id": ch.step.id, "cause_id": cause, "product_id": p.id, "date": d,
                         "value_delta": delta, "created_at": now, "created_by": who})
        entry_ids = ledger.post_many(posts, source_kind=SOURCE_REVALUE)
        for row, eid in zip(rows, entry_ids):
            row["entry_id"] = eid
        self.session.execute(insert(Revaluation), rows)
        out = list(self.session.scalars(select(Revaluation).where(Revaluation.cause_id == cause)
                                        .order_by(Revaluation.id)))
        audit.record_load(self.session, "stock_revaluations", [r.id for r in out],
                          {"revaluations": len(out), "caused by": f"move #{cause}", "product": p.sku})
        final = from_minor(state.value, scale)
        if final != p.value + sum((r["value_delta"] for r in rows), Decimal(0)):
            raise RuntimeError(f"stock valuation of {p.sku} does not add up after re-valuing")  # pragma: no cover
        p.value = final
        self.session.flush()
        return out

    # -- stock's own operations ---------------------------------------------------------------
    def adjust(self, product: int | str, *, by=None, to=None, reason: str, location: int | str | None = None,
               date: dt.date | str | None = None, unit_cost=None) -> Moved:
        """Correct what one location holds: ``by`` a quantity (+/−) or ``to`` a counted quantity."""
        self.books.require("stock.write")
        if (by in (None, "")) == (to in (None, "")):
            raise ValidationFailed([FieldError("by", "give either --by N or --to N")])
        p = self.product(product)
        loc = self.location(location) if location not in (None, "") else self.default_location()
        if to not in (None, ""):
            counted = parse_quantity(to, p.unit, "to", positive=False)
            day = parse_day(date)
            self.books.ledger.hold_period()  # the lock order: ledger.period, then product rows
            self._lock_products([p.id])
            have = self.at_location(p.id, loc.id, day if p.last_move and day < p.last_move else None)
            delta = counted - have
            if delta == 0:
                raise Refused(f"{p.sku} at {loc.name} is already {_qty(counted, p.unit)}; nothing to adjust")
            reason = f"{reason} (counted {_qty(counted, p.unit)})" if reason else reason
        else:
            delta, counted = parse_quantity(by, p.unit, "by", signed=True), None
        return self.move("adjustment", [MoveIn(p.id, delta, unit_cost if delta > 0 else None, loc.id,
                                               counted=counted)],
                         date=date, source=(SOURCE_ADJUST, None), reason=reason)

    def transfer(self, product: int | str, quantity, *, from_location: int | str, to_location: int | str,
                 date: dt.date | str | None = None, reason: str | None = None) -> Moved:
        self.books.require("stock.write")
        return self.move("transfer", [MoveIn(product, quantity, None, from_location, to_location)], date=date,
                         source=(SOURCE_TRANSFER, None), reason=reason)

    def opening(self, lines: Sequence[MoveIn], *, date: dt.date | str | None = None,
                ref: str | None = None) -> Moved:
        """Opening stock: units and their cost, against opening balances."""
        return self.move("opening", lines, date=date, source=(SOURCE_OPENING, None), ref=ref or "opening stock")

    # -- reservations -------------------------------------------------------------------------
    def reserve(self, source: tuple[str, int], product: int | str, quantity, *,
                location: int | str | None = None) -> Reservation:
        """Hold stock for a document (a confirmed order): refused past what is available."""
        self.books.require("stock.read")
        p = self.product(product)
        self._lock_products([p.id])
        q = parse_quantity(quantity, p.unit)
        loc = self.location(location) if location not in (None, "") else self.default_location()
        quant = self.session.get(Quant, (p.id, loc.id))
        have = quant.quantity - quant.reserved if quant else Decimal(0)
        if q > have:
            raise Refused(f"{p.sku} at {loc.name}: {_qty(q - have, p.unit)} short to reserve "
                          f"(available {_qty(have, p.unit)}, asked {_qty(q, p.unit)})")
        r = self.session.scalars(select(Reservation).where(
            Reservation.source_kind == source[0], Reservation.source_id == source[1],
            Reservation.product_id == p.id, Reservation.location_id == loc.id)).first()
        if r is None:
            r = Reservation(product_id=p.id, location_id=loc.id, quantity=q, source_kind=source[0],
                            source_id=source[1], created_at=clock.now(), created_by=self.books.actor.name)
            self.session.add(r)
        else:
            r.quantity = r.quantity + q
        quant.reserved = quant.reserved + q
        self.session.flush()
        return r

    def release(self, source: tuple[str, int], product: int | str | None = None, quantity=None) -> Decimal:
        """Give back what a document held (all of it, or ``quantity`` of one product)."""
        self.books.require("stock.read")
        q = select(Reservation).where(Reservation.source_kind == source[0], Reservation.source_id == source[1])
        if product is not None:
            q = q.where(Reservation.product_id == self.product(product).id)
        rows = list(self.session.scalars(q))
        self._lock_products(r.product_id for r in rows)
        released = Decimal(0)
        for r in rows:
            take = r.quantity if quantity is None else min(r.quantity, _d(quantity) - released)
            if take <= 0:
                continue
            quant = self.session.get(Quant, (r.product_id, r.location_id))
            quant.reserved = quant.reserved - take
            released += take
            if take == r.quantity:
                self.session.delete(r)
            else:
                r.quantity = r.quantity - take
        self.session.flush()
        return released

    # -- history and valuation ----------------------------------------------------------------
    def history(self, product: int | str, *, offset: int = 0, limit: int | None = None) -> Page:
        """Every move of a product in order, with the stock and its value after each (every
        location together); a move's value includes its revaluations."""
        self.books.require("stock.read")
        p = self.product(product)
        extra = (select(_R.c.move_id, func.sum(raw(_R.c.value_delta)).label("rv")).where(_R.c.product_id == p.id)
                 .group_by(_R.c.move_id).subquery())
        worth = raw(_M.c.value_delta) + func.coalesce(extra.c.rv, 0)
        order = (_M.c.date, _M.c.id)
        q = (select(_M.c.id, _M.c.date, _M.c.kind, raw(_M.c.quantity), raw(_M.c.qty_delta), raw(_M.c.unit_cost), worth.label("w"),
                    func.coalesce(extra.c.rv, 0).label("rv"), _M.c.from_location_id, _M.c.to_location_id,
                    _M.c.source_ref, _M.c.source_kind, _M.c.reason, _M.c.created_by,
                    func.sum(raw(_M.c.qty_delta)).over(order_by=order).label("qa"),
                    func.sum(worth).over(order_by=order).label("va"))
             .select_from(_M.outerjoin(extra, extra.c.move_id == _M.c.id))
             .where(_M.c.product_id == p.id).order_by(*order))
        total = self.session.scalar(select(func.count()).where(_M.c.product_id == p.id))
        if limit is not None:
            q = q.limit(limit)
        if offset:
            q = q.offset(offset)
        names = {x.id: x.name for x in self.locations(include_inactive=True)}
        scale = self.scale
        rows = []
        for (mid, d, kind, quantity, dq, uc, w, rv, src, dst, sref, skind, reason, by, qa, va) in self.session.execute(q):
            quantity, dq = self._q(quantity), self._q(dq)
            where = f"{names.get(src)} → {names.get(dst)}" if src and dst else names.get(src or dst, "")
            doc = sref or (f"{kind} #{mid}" + (f": {reason}" if reason else ""))
            rows.append(HistoryRow(
                move_id=mid, date=d, kind=kind, location=where, quantity=quantity if kind == "transfer" else dq,
                unit_cost=from_minor(int(uc), UNIT_PRICE_SCALE), value=from_minor(int(w), scale),
                on_hand_after=self._q(qa), value_after=from_minor(int(va), scale), document=doc,
                revalued=from_minor(int(rv), scale), by=by))
        return Page(rows, total, offset)

    def valuation(self, *, as_of: dt.date | str | None = None, include_zero: bool = False) -> list[ValuationRow]:
        """Quantity, average unit cost and value of every product at the end of ``as_of`` (today)."""
        self.books.require("stock.read")
        day = parse_day(as_of, "as_of")
        scale = self.scale
        if not self._future_moves(day):
            q = select(_P.c.id, _P.c.sku, _P.c.name, _P.c.unit, raw(_P.c.on_hand), raw(_P.c.value))
            if not include_zero:
                q = q.where(or_(_P.c.on_hand != 0, _P.c.value != 0))
            data = self.session.execute(q.order_by(_P.c.sku_key)).all()
        else:  # the moves and revaluations to that day, summed in SQL, beside every product
            mq = (select(_M.c.product_id.label("pid"), func.sum(raw(_M.c.qty_delta)).label("q"),
                         func.sum(raw(_M.c.value_delta)).label("v"))
                  .where(_M.c.date <= day).group_by(_M.c.product_id).subquery())
            rq = (select(_R.c.product_id.label("pid"), func.sum(raw(_R.c.value_delta)).label("v"))
                  .where(_R.c.date <= day).group_by(_R.c.product_id).subquery())
            q = (select(_P.c.id, _P.c.sku, _P.c.name, _P.c.unit, func.coalesce(mq.c.q, 0),
                        func.coalesce(mq.c.v, 0) + func.coalesce(rq.c.v, 0))
                 .select_from(_P.outerjoin(mq, mq.c.pid == _P.c.id).outerjoin(rq, rq.c.pid == _P.c.id)))
            data = self.session.execute(q.order_by(_P.c.sku_key)).all()
            if not include_zero:
                data = [d for d in data if d[4] or d[5]]
        # the held integers (1/10000 units, minor units) turned into Decimals once, here
        zero_cost = Decimal(0).quantize(_MILLIONTH)
        out = []
        for pid, sku, name, unit, qty, v in data:
            quantity = Decimal(int(qty)).scaleb(-QUANTITY_SCALE)
            value = Decimal(int(v)).scaleb(-scale)
            cost = (value / quantity).quantize(_MILLIONTH) if quantity > 0 else zero_cost
            out.append(ValuationRow(pid, sku, name, unit, quantity, cost, value))
        return out

    def total_value(self, *, as_of: dt.date | str | None = None) -> Decimal:
        """What all stock was worth at the end of ``as_of`` (the inventory account's balance)."""
        self.books.require("stock.read")
        day = parse_day(as_of, "as_of")
        mv = self.session.scalar(select(func.coalesce(func.sum(raw(_M.c.value_delta)), 0)).where(_M.c.date <= day))
        rv = self.session.scalar(select(func.coalesce(func.sum(raw(_R.c.value_delta)), 0)).where(_R.c.date <= day))
        return from_minor(int(mv) + int(rv), self.scale)

    def counts(self) -> dict[str, int]:
        return {"products": self.session.scalar(select(func.count()).select_from(_P)) or 0,
                "moves": self.session.scalar(select(func.count()).select_from(_M)) or 0}


def _qty(q: Decimal, unit: str) -> str:
    """``3 pcs``, ``2.5 kg``: a quantity as people read it (no trailing zeros past the unit's)."""
    decimals = unit_decimals(unit)
    shown = q.quantize(Decimal(1).scaleb(-decimals)) if decimals < QUANTITY_SCALE else q.normalize()
    text = f"{shown:f}"
    if "." in text and decimals:
        text = text.rstrip("0").rstrip(".") if decimals == QUANTITY_SCALE else text
    return f"{text} {unit}"


def shown(q: Decimal, unit: str) -> Decimal:
    """A quantity with as many decimals as its unit has (3 pcs, 2.500 kg): how reports print it."""
    return q.quantize(Decimal(1).scaleb(-unit_decimals(unit)))
