"""Stock tables and the input/output models of the stock module.

- ``stock_products``: what the company buys and sells. ``sku_key`` is the SKU case-folded, unique
  (``ab-1`` and ``AB-1`` are one product). ``on_hand``, ``value`` and ``last_move`` are kept by
  the moves (the end of the product's history, every location together): derived, checked by
  ``bizsuite check``, left out of the audit log.
- ``stock_locations``: warehouses and, under them, bins (``parent_id``); one is the default.
- ``stock_quants``: what one location holds of one product at the end of its history (kept by
  the moves, as Odoo's stock.quant), and what is reserved there.
- ``stock_moves``: **the only way quantities change.** A move takes ``quantity`` units of one
  product out of ``from_location_id``, into ``to_location_id``, or both (a transfer); on a date,
  at a unit cost and for a value, from a document (``source_kind``/``source_id``/``source_ref``:
  ``purchase_receipt`` #3 "PO-00012"), with a reason where one is asked for, posted by the ledger
  entry ``entry_id``. ``qty_delta`` and ``value_delta`` are what it did to the product's stock
  (+ in, − out, 0 for a transfer), so the stock of any date is one SUM. Moves are never changed
  or deleted (database triggers refuse it); a mistake is corrected by another move.
- ``stock_revaluations``: when a move dated in the past changes the moving average, every later
  move that was valued at the average of its moment is valued again: the difference is a
  revaluation of that move (dated on it, posted on its own ledger entry), caused by the move
  that came in before it. A move is worth its ``value`` plus its revaluations.
- ``stock_reservations``: stock held for a document (a confirmed sales order) at one location.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bizsuite.core.money import Amount, Percent, Quantity, UnitPrice
from bizsuite.core.types import sql_in, UTCDateTime
from bizsuite.core.versioning import Versioned

# Units of measure and how many decimals a quantity in each may have: whole units (0) take no
# fractions (3 pcs, never 2.5); the rest take up to 4 (what a Quantity column holds).
UNITS: dict[str, int] = {
    **{u: 0 for u in ("pcs", "ea", "unit", "box", "case", "pack", "set", "pair", "dozen", "roll", "bag",
                      "bottle", "can", "carton", "sheet", "pallet", "件", "个", "台", "套", "箱", "包", "瓶",
                      "袋", "盒", "双", "张", "只", "把")},
    **{u: 3 for u in ("kg", "g", "t", "lb", "oz", "m", "cm", "mm", "km", "ft", "in", "yd", "l", "ml", "m2",
                      "m3", "千克", "公斤", "克", "吨", "斤", "米", "厘米", "升", "毫升", "平方米", "立方米")},
    **{u: 2 for u in ("h", "hr", "day", "小时", "天")},
}
UNIT_ALIASES = {"pc": "pcs", "piece": "pcs", "pieces": "pcs", "each": "ea", "units": "unit", "kgs": "kg",
                "kilo": "kg", "metre": "m", "meter": "m", "metres": "m", "meters": "m", "litre": "l", "liter": "l",
                "hour": "h", "hours": "h", "days": "day"}
DEFAULT_UNIT = "pcs"

# Kinds of move. In: receipt (from a supplier), opening (stock the books start with), return (a
# customer's goods coming back). Out: delivery (to a customer), return_out (back to a supplier).
# Either way: adjustment (a count or a correction, with a reason). Both: transfer.
KINDS = ("receipt", "opening", "return", "delivery", "return_out", "adjustment", "transfer")
KIND_LABELS = {"receipt": "receipt", "opening": "opening", "return": "customer return", "delivery": "delivery",
               "return_out": "return to supplier", "adjustment": "adjustment", "transfer": "transfer"}
IN_KINDS = ("receipt", "opening", "return", "adjustment")
OUT_KINDS = ("delivery", "return_out", "adjustment")

# The account each kind posts against inventory (a role of the ledger), unless its document
# names another: goods received not invoiced, cost of goods sold, the adjustment account,
# opening balances.
COUNTER_ROLES = {"receipt": "grni", "opening": "opening_balances", "return": "cogs", "delivery": "cogs",
                 "return_out": "grni", "adjustment": "stock_adjustment"}




class Location(Versioned, SQLModel, table=True):
    __tablename__ = "stock_locations"
    __table_args__ = (
        Index("uq_stock_locations_default", "is_default", unique=True,
              sqlite_where=text("is_default"), postgresql_where=text("is_default")),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100, unique=True)  # casefolded: one "Main" whatever the case
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("stock_locations.id", ondelete="RESTRICT"), nullable=True))
    is_default: bool = Field(default=False)
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=100)


class Product(Versioned, SQLModel, table=True):
    __tablename__ = "stock_products"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand"),
        Index("ix_stock_products_name_key", "name_key"),
        Index("ix_stock_products_supplier_id", "supplier_id"),
    )
    # Kept by the moves, checked by ``check``: what people change is in the audit log, not this.
    __audit_exclude__ = ("on_hand", "value", "last_move")

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=64)
    sku_key: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)  # casefolded, for search
    unit: str = Field(default=DEFAULT_UNIT, max_length=20)
    price: Decimal = Field(default=Decimal(0), sa_type=UnitPrice)  # the sale price of one unit
    tax_rate: Decimal = Field(default=Decimal(0), sa_type=Percent)
    reorder_point: Decimal = Field(default=Decimal(0), sa_type=Quantity)
    reorder_qty: Decimal = Field(default=Decimal(0), sa_type=Quantity)
    supplier_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="RESTRICT"), nullable=True))
    active: bool = Field(default=True)
    on_hand: Decimal = Field(default=Decimal(0), sa_type=Quantity)
    value: Decimal = Field(default=Decimal(0), sa_type=Amount)
    last_move: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    version: int = Field(default=1)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=100)


class Quant(SQLModel, table=True):
    __tablename__ = "stock_quants"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity"),
        CheckConstraint("reserved >= 0", name="reserved"),
        Index("ix_stock_quants_location_id", "location_id"),
    )
    __audit_exclude__ = ("quantity", "reserved")  # kept by the moves and the reservations

    product_id: int = Field(sa_column=Column(Integer, ForeignKey("stock_products.id", ondelete="RESTRICT"),
                                             primary_key=True))
    location_id: int = Field(sa_column=Column(Integer, ForeignKey("stock_locations.id", ondelete="RESTRICT"),
                                              primary_key=True))
    quantity: Decimal = Field(default=Decimal(0), sa_type=Quantity)
    reserved: Decimal = Field(default=Decimal(0), sa_type=Quantity)


class Move(SQLModel, table=True):
    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint(sql_in("kind", KINDS), name="kind"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("from_location_id IS NOT NULL OR to_location_id IS NOT NULL", name="locations"),
        Index("ix_stock_moves_product_date", "product_id", "date", "id"),
        Index("ix_stock_moves_date", "date"),
        Index("ix_stock_moves_source", "source_kind", "source_id"),
        Index("ix_stock_moves_from", "from_location_id", "product_id"),
        Index("ix_stock_moves_to", "to_location_id", "product_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(sa_column=Column(Integer, ForeignKey("stock_products.id", ondelete="RESTRICT"),
                                             nullable=False))
    kind: str = Field(max_length=12)
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    quantity: Decimal = Field(sa_type=Quantity)  # always positive; the locations say which way
    from_location_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("stock_locations.id", ondelete="RESTRICT"), nullable=True))
    to_location_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("stock_locations.id", ondelete="RESTRICT"), nullable=True))
    qty_delta: Decimal = Field(sa_type=Quantity)  # + in, − out, 0 for a transfer (the product's whole stock)
    unit_cost: Decimal = Field(sa_type=UnitPrice)  # as valued when it was made (value / quantity for averages)
    value: Decimal = Field(sa_type=Amount)  # what it moved, at cost, ≥ 0 (revaluations add to it)
    value_delta: Decimal = Field(sa_type=Amount)  # + in, − out, 0 for a transfer
    at_average: bool = Field(default=False)  # valued at the moving average of its moment (re-valued by backdating)
    source_kind: str = Field(default="stock", max_length=30)
    source_id: int | None = Field(default=None)
    source_ref: str | None = Field(default=None, max_length=100)  # the document: "PO-00012"
    reason: str | None = Field(default=None, max_length=200)
    counted: Decimal | None = Field(default=None, sa_type=Quantity)  # a count: what the location held after it
    entry_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("ledger_entries.id", ondelete="RESTRICT"), nullable=True))
    counter_role: str | None = Field(default=None, max_length=30)  # what the entry posted against inventory
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class Revaluation(SQLModel, table=True):
    __tablename__ = "stock_revaluations"
    __table_args__ = (
        Index("ix_stock_revaluations_move_id", "move_id"),
        Index("ix_stock_revaluations_product_date", "product_id", "date"),
        Index("ix_stock_revaluations_cause_id", "cause_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    move_id: int = Field(sa_column=Column(Integer, ForeignKey("stock_moves.id", ondelete="RESTRICT"), nullable=False))
    cause_id: int = Field(sa_column=Column(Integer, ForeignKey("stock_moves.id", ondelete="RESTRICT"), nullable=False))
    product_id: int = Field(sa_column=Column(Integer, ForeignKey("stock_products.id", ondelete="RESTRICT"),
                                             nullable=False))
    date: dt.date = Field(sa_column=Column(Date, nullable=False))  # the re-valued move's date
    value_delta: Decimal = Field(sa_type=Amount)  # what it did to the stock's value (− : the move took more)
    entry_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("ledger_entries.id", ondelete="RESTRICT"), nullable=True))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class Reservation(SQLModel, table=True):
    __tablename__ = "stock_reservations"
    __table_args__ = (
        UniqueConstraint("source_kind", "source_id", "product_id", "location_id", name="uq_stock_reservations_line"),
        Index("ix_stock_reservations_product", "product_id", "location_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(sa_column=Column(Integer, ForeignKey("stock_products.id", ondelete="RESTRICT"),
                                             nullable=False))
    location_id: int = Field(sa_column=Column(Integer, ForeignKey("stock_locations.id", ondelete="RESTRICT"),
                                              nullable=False))
    quantity: Decimal = Field(sa_type=Quantity)
    source_kind: str = Field(max_length=30)
    source_id: int = Field()
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


# -- what the repository takes and gives --------------------------------------------------------

@dataclass
class ProductIn:
    """A product as typed (add-product, an import row, the form): text, checked by the repository."""

    sku: str
    name: str
    unit: str | None = None
    price: str | Decimal | None = None
    tax_rate: str | Decimal | None = None
    reorder_point: str | Decimal | None = None
    reorder_qty: str | Decimal | None = None
    supplier: str | int | None = None  # a contact: #id, or a name
    active: bool = True


@dataclass
class MoveIn:
    """One line of stock to move (what another module's document asks of stock): a product,
    how much, and for what comes in, its unit cost."""

    product: int | str  # id or SKU
    quantity: Decimal | str
    unit_cost: Decimal | str | None = None  # in: what one unit cost (None: the average of the moment)
    location: int | str | None = None  # None: the default location
    to_location: int | str | None = None  # transfers only
    counted: Decimal | None = None  # an adjustment that is a count: what was counted there


@dataclass
class ProductRow:
    id: int
    sku: str
    name: str
    unit: str
    price: Decimal
    tax_rate: Decimal
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    on_order: Decimal
    reorder_point: Decimal
    reorder_qty: Decimal
    supplier_id: int | None
    supplier: str | None
    active: bool
    value: Decimal
    unit_cost: Decimal

    @property
    def low(self) -> bool:
        """At or below the reorder point (counting what is already on order), when there is one."""
        return self.reorder_point > 0 and self.on_hand + self.on_order <= self.reorder_point


@dataclass
class OnHandRow:
    product_id: int
    sku: str
    unit: str
    location_id: int
    location: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal


@dataclass
class HistoryRow:
    move_id: int
    date: dt.date
    kind: str
    location: str
    quantity: Decimal  # signed: what it did to the product's stock (a transfer: its quantity)
    unit_cost: Decimal
    value: Decimal  # signed, with its revaluations
    on_hand_after: Decimal
    value_after: Decimal
    document: str
    revalued: Decimal = Decimal(0)  # what its revaluations changed
    by: str = ""


@dataclass
class ValuationRow:
    product_id: int
    sku: str
    name: str
    unit: str
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal


@dataclass
class Page:
    rows: list
    total: int
    offset: int = 0


@dataclass
class Moved:
    """What one stock operation did: its moves, the revaluations it caused, the entries posted."""

    moves: list[Move] = field(default_factory=list)
    revaluations: list[Revaluation] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)
