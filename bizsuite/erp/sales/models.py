"""Sales tables and the records the sales repository gives.

- ``sales_orders``: a quotation, then (confirmed) a sales order, to one customer (a contact with
  the customer role; a lead becomes a customer when an order is confirmed), numbered
  ``SO-00001`` (series ``sales.order``). Optionally tied to a deal (``deal_id``): confirming marks
  the deal won, cancelling reopens it. Status: quotation → confirmed → partially delivered →
  delivered → closed (every unit delivered is invoiced), or cancelled (a quotation, or an order
  with nothing delivered); ``history``: an order imported as history (it moved no stock and
  posted nothing: its effects are in the opening balances).
- ``sales_order_lines``: product, quantity, unit price, discount (%), tax rate (the product's by
  default). ``delivered`` and ``invoiced`` are what the deliveries and the invoices did, less what
  returns and credit notes undid (both ways: a return takes a delivered unit back, its credit
  note un-invoices it), ``returned`` how many came back (no longer wanted: the line is settled
  for them). Kept by the documents, proved by ``bizsuite check``.
- ``sales_deliveries`` / ``sales_delivery_lines``: goods out against an order, each line moved
  out of stock at the moving average (``stock_moves`` source ``sales_delivery``), COGS/inventory.
- ``sales_invoices`` / ``sales_invoice_lines``: ``INV-00001``, numbered without gaps, for one
  order: receivable/revenue/output tax. ``settled`` is what payments and credit notes have
  allocated to it; ``cancelled`` when a credit note cancelled it whole.
- ``sales_credit_notes`` / ``sales_credit_note_lines``: ``CN-00001``, numbered without gaps,
  against one invoice. ``kind``: ``return`` (the goods come back into stock at the cost they went
  out at, and the units are neither delivered nor invoiced any more), ``allowance`` (money only:
  a price reduction or damaged goods kept — the quantities stay invoiced, so the order is not
  "to invoice" again: the trap of odoo/odoo#37549 and OCA's account_credit_note_keep_invoiced_
  quantity), ``cancel`` (the whole invoice, made in error: its units are to invoice again).
- ``sales_payments``: money from a customer, ``PAY-00001`` (the books' one series of payments,
  shared with purchasing). ``allocated`` is how much of it settles invoices; the rest is the
  customer's credit, used by their next invoices.
- ``sales_allocations``: what settled what — a payment or a credit note against an invoice, on a
  day (the later of the two documents' days). Never changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bizsuite.core.money import Amount, Percent, Quantity, UnitPrice
from bizsuite.core.types import UTCDateTime, fk, sql_in
from bizsuite.core.versioning import Versioned

QUOTATION, CONFIRMED, PARTIAL, DELIVERED, CLOSED, CANCELLED, HISTORY = (
    "quotation", "confirmed", "partially_delivered", "delivered", "closed", "cancelled", "history")
STATUSES = (QUOTATION, CONFIRMED, PARTIAL, DELIVERED, CLOSED, CANCELLED, HISTORY)
STATUS_LABELS = {QUOTATION: "quotation", CONFIRMED: "confirmed", PARTIAL: "partially delivered",
                 DELIVERED: "delivered", CLOSED: "closed", CANCELLED: "cancelled", HISTORY: "history"}
ACTIVE = (CONFIRMED, PARTIAL, DELIVERED)  # orders with work left (delivering or invoicing)
CN_RETURN, CN_ALLOWANCE, CN_CANCEL = "return", "allowance", "cancel"
CN_KINDS = (CN_RETURN, CN_ALLOWANCE, CN_CANCEL)


class SalesOrder(Versioned, SQLModel, table=True):
    __tablename__ = "sales_orders"
    __table_args__ = (
        CheckConstraint(sql_in("status", STATUSES), name="status"),
        CheckConstraint("discount >= 0 AND discount <= 1000000", name="discount"),
        Index("ix_sales_orders_customer", "customer_id", "date"),
        Index("ix_sales_orders_status", "status"),
        Index("ix_sales_orders_deal", "deal_id"),
        Index("ix_sales_orders_import_key", "import_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    customer_id: int = Field(sa_column=fk("contacts"))
    deal_id: int | None = Field(default=None, sa_column=fk("deals", nullable=True))
    status: str = Field(default=QUOTATION, max_length=20)
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    valid_until: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))  # a quotation's
    discount: Decimal = Field(default=Decimal(0), sa_type=Percent)  # the order's, each line's default
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    import_key: str | None = Field(default=None, max_length=200)
    version: int = Field(default=1)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=100)


class SalesOrderLine(SQLModel, table=True):
    __tablename__ = "sales_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no", name="uq_sales_order_lines_line"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("delivered >= 0 AND invoiced >= 0 AND returned >= 0", name="done"),
        CheckConstraint("discount >= 0 AND discount <= 1000000", name="discount"),
        Index("ix_sales_order_lines_product", "product_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(sa_column=fk("sales_orders", index=True))
    line_no: int = Field()
    product_id: int = Field(sa_column=fk("stock_products"))
    quantity: Decimal = Field(sa_type=Quantity)
    unit_price: Decimal = Field(sa_type=UnitPrice)
    discount: Decimal = Field(default=Decimal(0), sa_type=Percent)
    tax_rate: Decimal = Field(default=Decimal(0), sa_type=Percent)
    delivered: Decimal = Field(default=Decimal(0), sa_type=Quantity)
    invoiced: Decimal = Field(default=Decimal(0), sa_type=Quantity)
    returned: Decimal = Field(default=Decimal(0), sa_type=Quantity)


class Delivery(SQLModel, table=True):
    __tablename__ = "sales_deliveries"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(sa_column=fk("sales_orders", index=True))
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    location_id: int = Field(sa_column=fk("stock_locations"))
    entry_id: int | None = Field(default=None, sa_column=fk("ledger_entries", nullable=True))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class DeliveryLine(SQLModel, table=True):
    __tablename__ = "sales_delivery_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),
                      CheckConstraint("returned >= 0 AND returned <= quantity", name="returned"))

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(sa_column=fk("sales_deliveries", index=True))
    order_line_id: int = Field(sa_column=fk("sales_order_lines", index=True))
    quantity: Decimal = Field(sa_type=Quantity)
    unit_cost: Decimal = Field(sa_type=UnitPrice)
    value: Decimal = Field(sa_type=Amount)  # what the move took out of stock (COGS)
    move_id: int = Field(sa_column=fk("stock_moves"))
    returned: Decimal = Field(default=Decimal(0), sa_type=Quantity)


class Invoice(SQLModel, table=True):
    __tablename__ = "sales_invoices"
    __table_args__ = (
        CheckConstraint("settled >= 0 AND settled <= total", name="settled"),
        Index("ix_sales_invoices_customer", "customer_id", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    order_id: int = Field(sa_column=fk("sales_orders", index=True))
    customer_id: int = Field(sa_column=fk("contacts"))
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    due: dt.date = Field(sa_column=Column(Date, nullable=False))
    net: Decimal = Field(sa_type=Amount)
    tax: Decimal = Field(sa_type=Amount)
    total: Decimal = Field(sa_type=Amount)
    settled: Decimal = Field(default=Decimal(0), sa_type=Amount)  # by payments and credit notes
    cancelled: bool = Field(default=False)
    entry_id: int | None = Field(default=None, sa_column=fk("ledger_entries", nullable=True))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "sales_invoice_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),
                      CheckConstraint("credited >= 0 AND credited <= quantity", name="credited"))

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(sa_column=fk("sales_invoices", index=True))
    order_line_id: int = Field(sa_column=fk("sales_order_lines", index=True))
    quantity: Decimal = Field(sa_type=Quantity)
    unit_price: Decimal = Field(sa_type=UnitPrice)  # before the discount
    discount: Decimal = Field(default=Decimal(0), sa_type=Percent)
    tax_rate: Decimal = Field(sa_type=Percent)
    net: Decimal = Field(sa_type=Amount)  # quantity × price less the discount, rounded once
    tax: Decimal = Field(sa_type=Amount)
    credited: Decimal = Field(default=Decimal(0), sa_type=Quantity)  # units returned or cancelled
    credited_net: Decimal = Field(default=Decimal(0), sa_type=Amount)  # what credit notes took off its net


class CreditNote(SQLModel, table=True):
    __tablename__ = "sales_credit_notes"
    __table_args__ = (
        CheckConstraint(sql_in("kind", CN_KINDS), name="kind"),
        CheckConstraint("allocated >= 0 AND allocated <= total", name="allocated"),
        Index("ix_sales_credit_notes_customer", "customer_id", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    invoice_id: int = Field(sa_column=fk("sales_invoices", index=True))
    customer_id: int = Field(sa_column=fk("contacts"))
    kind: str = Field(max_length=10)
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    reason: str | None = Field(default=None, max_length=200)
    net: Decimal = Field(sa_type=Amount)
    tax: Decimal = Field(sa_type=Amount)
    total: Decimal = Field(sa_type=Amount)
    allocated: Decimal = Field(default=Decimal(0), sa_type=Amount)
    entry_id: int | None = Field(default=None, sa_column=fk("ledger_entries", nullable=True))
    return_entry_id: int | None = Field(default=None, sa_column=fk("ledger_entries", nullable=True))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class CreditNoteLine(SQLModel, table=True):
    __tablename__ = "sales_credit_note_lines"

    id: int | None = Field(default=None, primary_key=True)
    credit_note_id: int = Field(sa_column=fk("sales_credit_notes", index=True))
    invoice_line_id: int = Field(sa_column=fk("sales_invoice_lines", index=True))
    quantity: Decimal = Field(sa_type=Quantity)
    unit_price: Decimal = Field(sa_type=UnitPrice)  # net of the invoice's discount
    net: Decimal = Field(sa_type=Amount)
    tax: Decimal = Field(sa_type=Amount)
    returned: Decimal = Field(default=Decimal(0), sa_type=Quantity)
    move_id: int | None = Field(default=None, sa_column=fk("stock_moves", nullable=True))
    cost: Decimal = Field(default=Decimal(0), sa_type=Amount)  # what the return put back into stock


class Payment(SQLModel, table=True):
    __tablename__ = "sales_payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("allocated >= 0 AND allocated <= amount", name="allocated"),
        Index("ix_sales_payments_customer", "customer_id", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    customer_id: int = Field(sa_column=fk("contacts"))
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    amount: Decimal = Field(sa_type=Amount)
    allocated: Decimal = Field(default=Decimal(0), sa_type=Amount)
    ref: str | None = Field(default=None, max_length=100)  # the bank's reference, a cheque number
    entry_id: int | None = Field(default=None, sa_column=fk("ledger_entries", nullable=True))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class Allocation(SQLModel, table=True):
    __tablename__ = "sales_allocations"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("(payment_id IS NULL) <> (credit_note_id IS NULL)", name="one_source"),
        Index("ix_sales_allocations_invoice", "invoice_id", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(sa_column=fk("sales_invoices"))
    payment_id: int | None = Field(default=None, sa_column=fk("sales_payments", nullable=True, index=True))
    credit_note_id: int | None = Field(default=None, sa_column=fk("sales_credit_notes", nullable=True, index=True))
    amount: Decimal = Field(sa_type=Amount)
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


# -- what the repository gives ----------------------------------------------------------------


@dataclass
class LineView:
    line_no: int
    product_id: int
    sku: str
    name: str
    unit: str
    ordered: Decimal
    delivered: Decimal
    invoiced: Decimal
    returned: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    net: Decimal  # ordered × price less the discount
    tax: Decimal
    total: Decimal
    on_hand: Decimal  # of the product, now (every location)
    available: Decimal  # at the warehouse (where orders are reserved and delivered from), less what orders hold
    reserved: Decimal  # what this order holds of it

    @property
    def wanted(self) -> Decimal:  # what the customer still wants of the line
        return self.ordered - self.returned

    @property
    def to_deliver(self) -> Decimal:
        return max(self.wanted - self.delivered, Decimal(0))


@dataclass
class InvoiceRow:
    id: int
    number: str
    order: str
    customer_id: int
    customer: str
    date: dt.date
    due: dt.date
    net: Decimal
    tax: Decimal
    total: Decimal
    settled: Decimal
    cancelled: bool

    @property
    def open(self) -> Decimal:
        return self.total - self.settled


@dataclass
class OrderView:
    id: int
    number: str
    status: str
    customer_id: int
    customer: str
    deal_id: int | None
    deal: str | None
    date: dt.date
    valid_until: dt.date | None
    discount: Decimal
    lines: list[LineView]
    invoices: list[InvoiceRow]
    net: Decimal
    tax: Decimal
    total: Decimal
    invoiced: Decimal  # invoices' totals less credit notes
    paid: Decimal  # what payments settled of its invoices
    version: int
    warnings: list[str] = field(default_factory=list)  # said when a line is short of stock

    @property
    def owed(self) -> Decimal:  # what its invoices still want
        return sum((i.open for i in self.invoices if not i.cancelled), self.total - self.total)


@dataclass
class OrderRow:
    """One line of ``sales orders`` (PRODUCT.md's columns)."""

    id: int
    number: str
    date: dt.date
    customer_id: int
    customer: str
    status: str
    total: Decimal
    delivered: str  # "3/10" units, or "all"
    invoiced: Decimal
    paid: Decimal
    deal: str | None = None


@dataclass
class DeliveryDone:
    order: OrderView
    delivery_id: int
    entry_id: int | None
    lines: list[tuple[str, Decimal, str]]  # sku, quantity, unit


@dataclass
class CreditNoteView:
    id: int
    number: str
    kind: str
    invoice: str
    customer_id: int
    customer: str
    date: dt.date
    net: Decimal
    tax: Decimal
    total: Decimal
    allocated: Decimal  # to its invoice; the rest is the customer's credit
    returned: list[tuple[str, Decimal, str]]  # sku, quantity, unit back in stock
    entry_id: int | None


@dataclass
class PaymentView:
    id: int
    number: str
    customer_id: int
    customer: str
    date: dt.date
    amount: Decimal
    allocations: list[tuple[str, Decimal]]  # invoice number, amount
    credit: Decimal  # what of it is left as the customer's credit
    entry_id: int | None


@dataclass
class AgingRow:
    customer_id: int
    customer: str
    current: Decimal
    d1_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    d90_plus: Decimal

    @property
    def total(self) -> Decimal:
        return self.current + self.d1_30 + self.d31_60 + self.d61_90 + self.d90_plus


@dataclass
class StatementLine:
    date: dt.date
    document: str  # INV-00003, CN-00001, PAY-00012
    kind: str  # invoice, credit_note, payment
    description: str
    amount: Decimal  # what it adds to what the customer owes (payments and credit notes: less)
    balance: Decimal  # running


@dataclass
class Statement:
    customer_id: int
    customer: str
    address: str | None
    start: dt.date
    end: dt.date
    opening: Decimal  # what they owed at the start (balance forward)
    lines: list[StatementLine]
    closing: Decimal
    aging: AgingRow | None  # at the end
