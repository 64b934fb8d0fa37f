"""Purchasing tables and the records the purchasing repository gives.

- ``purchase_orders``: one order to one supplier (a contact with the supplier role), numbered
  ``PO-00001`` (series ``purchasing.po``, gapless). Status: draft → confirmed → partially
  received → received → closed (every unit received is billed), or cancelled (only while
  nothing is received).
- ``purchase_order_lines``: product, quantity, unit price, tax rate (the product's by default);
  ``received`` and ``billed`` are kept by the receipts and the bills (derived, proved by
  ``bizsuite check``). One line per product on an order.
- ``purchase_receipts`` / ``purchase_receipt_lines``: goods that came in against an order, each
  line moved into stock at the order line's price (``stock_moves`` source ``purchase_receipt``)
  and posted inventory/GRNI; ``billed`` is how much of that receipt line bills have matched.
- ``purchase_bills`` / ``purchase_bill_lines``: the supplier's invoice against an order, numbered
  ``BILL-00001``, never for more than was received, line by line (3-way match). Each bill line
  keeps its net amount, tax, the GRNI it cleared (the receipts' value of those units) and the
  price difference (net − GRNI).
- ``purchase_payments``: money paid against a bill, ``PAY-00001``, AP/bank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bizsuite.core.money import Amount, Percent, Quantity, UnitPrice
from bizsuite.core.types import fk, sql_in, UTCDateTime
from bizsuite.core.versioning import Versioned

DRAFT, CONFIRMED, PARTIAL, RECEIVED, CLOSED, CANCELLED = (
    "draft", "confirmed", "partially_received", "received", "closed", "cancelled")
STATUSES = (DRAFT, CONFIRMED, PARTIAL, RECEIVED, CLOSED, CANCELLED)
STATUS_LABELS = {DRAFT: "draft", CONFIRMED: "confirmed", PARTIAL: "partially received", RECEIVED: "received",
                 CLOSED: "closed", CANCELLED: "cancelled"}
OPEN_STATUSES = (CONFIRMED, PARTIAL)  # what counts as "on order"




class PurchaseOrder(Versioned, SQLModel, table=True):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint(sql_in("status", STATUSES), name="status"),
        Index("ix_purchase_orders_supplier_id", "supplier_id"),
        Index("ix_purchase_orders_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    supplier_id: int = Field(sa_column=fk("contacts"))
    status: str = Field(default=DRAFT, max_length=20)
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    expected: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    version: int = Field(default=1)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=100)


class OrderLine(SQLModel, table=True):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id", name="uq_purchase_order_lines_product"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("received >= 0", name="received"),
        CheckConstraint("billed >= 0 AND billed <= received", name="billed"),
        Index("ix_purchase_order_lines_product_id", "product_id"),
    )
    __audit_exclude__ = ("received", "billed")  # kept by receipts and bills

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(sa_column=fk("purchase_orders"))
    line_no: int = Field()
    product_id: int = Field(sa_column=fk("stock_products"))
    quantity: Decimal = Field(sa_type=Quantity)
    unit_price: Decimal = Field(sa_type=UnitPrice)
    tax_rate: Decimal = Field(default=Decimal(0), sa_type=Percent)
    received: Decimal = Field(default=Decimal(0), sa_type=Quantity)
    billed: Decimal = Field(default=Decimal(0), sa_type=Quantity)


class Receipt(SQLModel, table=True):
    __tablename__ = "purchase_receipts"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(sa_column=fk("purchase_orders", index=True))
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    location_id: int = Field(sa_column=fk("stock_locations"))
    over_reason: str | None = Field(default=None, max_length=200)  # why more than ordered came in
    entry_id: int | None = Field(default=None, sa_column=fk("ledger_entries", nullable=True))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class ReceiptLine(SQLModel, table=True):
    __tablename__ = "purchase_receipt_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("billed >= 0 AND billed <= quantity", name="billed"),
        Index("ix_purchase_receipt_lines_order_line_id", "order_line_id"),
    )
    __audit_exclude__ = ("billed",)

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(sa_column=fk("purchase_receipts", index=True))
    order_line_id: int = Field(sa_column=fk("purchase_order_lines"))
    quantity: Decimal = Field(sa_type=Quantity)
    unit_cost: Decimal = Field(sa_type=UnitPrice)
    value: Decimal = Field(sa_type=Amount)  # what the move put into stock (and GRNI)
    move_id: int = Field(sa_column=fk("stock_moves"))
    billed: Decimal = Field(default=Decimal(0), sa_type=Quantity)


class Bill(SQLModel, table=True):
    __tablename__ = "purchase_bills"
    __table_args__ = (
        UniqueConstraint("supplier_id", "ref_key", name="uq_purchase_bills_supplier_ref"),
        CheckConstraint("paid >= 0 AND paid <= total", name="paid"),
        Index("ix_purchase_bills_order_id", "order_id"),
        Index("ix_purchase_bills_due", "due"),
    )
    __audit_exclude__ = ("paid",)  # kept by the payments

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    order_id: int = Field(sa_column=fk("purchase_orders"))
    supplier_id: int = Field(sa_column=fk("contacts", index=True))
    ref: str = Field(max_length=100)  # the supplier's own invoice number
    ref_key: str = Field(max_length=100)  # casefolded: one bill per supplier reference
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    due: dt.date = Field(sa_column=Column(Date, nullable=False))
    net: Decimal = Field(sa_type=Amount)
    tax: Decimal = Field(sa_type=Amount)
    total: Decimal = Field(sa_type=Amount)
    paid: Decimal = Field(default=Decimal(0), sa_type=Amount)
    entry_id: int | None = Field(default=None, sa_column=fk("ledger_entries", nullable=True))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class BillLine(SQLModel, table=True):
    __tablename__ = "purchase_bill_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        Index("ix_purchase_bill_lines_order_line_id", "order_line_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bill_id: int = Field(sa_column=fk("purchase_bills", index=True))
    order_line_id: int = Field(sa_column=fk("purchase_order_lines"))
    quantity: Decimal = Field(sa_type=Quantity)
    unit_price: Decimal = Field(sa_type=UnitPrice)
    tax_rate: Decimal = Field(sa_type=Percent)
    net: Decimal = Field(sa_type=Amount)
    tax: Decimal = Field(sa_type=Amount)
    grni: Decimal = Field(sa_type=Amount)  # the receipts' value of these units: what the bill takes off GRNI
    difference: Decimal = Field(sa_type=Amount)  # net − grni, to the price difference account


class Payment(SQLModel, table=True):
    __tablename__ = "purchase_payments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    bill_id: int = Field(sa_column=fk("purchase_bills", index=True))
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    amount: Decimal = Field(sa_type=Amount)
    entry_id: int | None = Field(default=None, sa_column=fk("ledger_entries", nullable=True))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


# -- what the repository gives --------------------------------------------------------------------

@dataclass
class LineView:
    line_no: int
    product_id: int
    sku: str
    name: str
    unit: str
    ordered: Decimal
    received: Decimal
    billed: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal  # ordered × price
    tax: Decimal
    total: Decimal
    billed_amount: Decimal  # what bills charged for this line, tax included
    paid: Decimal  # the part of that paid (payments spread over a bill's lines by amount)

    @property
    def due(self) -> Decimal:
        """Still to receive (never below zero: an over-receipt leaves nothing due)."""
        return max(self.ordered - self.received, Decimal(0))


@dataclass
class BillView:
    id: int
    number: str
    ref: str
    date: dt.date
    due: dt.date
    net: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    order: str
    supplier_id: int
    supplier: str

    @property
    def owed(self) -> Decimal:
        return self.total - self.paid


@dataclass
class OrderView:
    id: int
    number: str
    status: str
    supplier_id: int
    supplier: str
    date: dt.date
    expected: dt.date | None
    lines: list[LineView]
    bills: list[BillView]
    net: Decimal
    tax: Decimal
    total: Decimal
    billed: Decimal
    paid: Decimal

    @property
    def owed(self) -> Decimal:
        """Billed and not yet paid."""
        return self.billed - self.paid


@dataclass
class OrderRow:
    id: int
    number: str
    date: dt.date
    supplier: str
    status: str
    total: Decimal
    billed: Decimal
    paid: Decimal
    expected: dt.date | None = None


@dataclass
class ReceiptDone:
    order: OrderView
    receipt_id: int
    entry_id: int | None
    lines: list[tuple[str, Decimal, str]]  # (sku, quantity, unit)


@dataclass
class PaymentView:
    id: int
    number: str
    bill: str
    date: dt.date
    amount: Decimal
    owed: Decimal  # what the bill still owes after it
    entry_id: int | None


@dataclass
class Suggestion:
    product_id: int
    sku: str
    name: str
    unit: str
    on_hand: Decimal
    on_order: Decimal
    reorder_point: Decimal
    quantity: Decimal  # what to order
    unit_price: Decimal  # the last price paid, else the average cost
    supplier_id: int | None
    supplier: str | None


@dataclass
class AgingRow:
    supplier_id: int
    supplier: str
    current: Decimal
    d1_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    d90_plus: Decimal

    @property
    def total(self) -> Decimal:
        return self.current + self.d1_30 + self.d31_60 + self.d61_90 + self.d90_plus


@dataclass
class SupplierSummary:
    """What a supplier's contact page shows: their orders, their open bills, what we owe them."""

    supplier_id: int
    orders: list[OrderRow] = field(default_factory=list)
    open_bills: list[BillView] = field(default_factory=list)
    owed: Decimal = Decimal(0)
