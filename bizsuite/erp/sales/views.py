"""What the sales screens read beyond the records of :mod:`models`: an order's deliveries, credit
notes and payments, one invoice with its lines and what settled it, products as the quotation's
picker shows them, and what an invoice would bill. Plain dataclasses of Decimals, dates and
strings, made by the read-only queries at the end of ``SalesRepository``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from bizsuite.erp.sales.models import InvoiceRow


@dataclass
class DeliveryRow:
    id: int
    date: dt.date
    location: str
    lines: list[tuple[str, Decimal, str]]  # sku, quantity, unit
    value: Decimal  # what it took out of stock (COGS)
    by: str


@dataclass
class CreditNoteRow:
    id: int
    number: str
    kind: str  # return, allowance, cancel
    invoice_id: int
    invoice: str
    date: dt.date
    total: Decimal
    allocated: Decimal  # to its invoice; the rest went to the customer's credit
    reason: str | None


@dataclass
class PaymentRow:
    """A payment as one order (or one invoice) sees it: how much of it went there."""

    id: int
    number: str
    date: dt.date
    amount: Decimal  # the whole payment
    applied: Decimal  # what of it settled this order's (this invoice's) invoices
    ref: str | None


@dataclass
class OrderDocuments:
    deliveries: list[DeliveryRow] = field(default_factory=list)
    credit_notes: list[CreditNoteRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)


@dataclass
class InvoiceLineView:
    invoice_line_id: int
    sku: str
    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal  # before the discount
    discount: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    credited: Decimal  # units returned or cancelled
    credited_net: Decimal  # what credit notes took off its net
    delivered: Decimal  # of the order's line, now: what a return may bring back at most

    @property
    def creditable(self) -> Decimal:
        return self.quantity - self.credited


@dataclass
class Settlement:
    """What settled an invoice: a payment or a credit note, on a day."""

    kind: str  # payment, credit_note
    id: int
    number: str
    date: dt.date
    amount: Decimal


@dataclass
class InvoiceView:
    invoice: InvoiceRow
    order_id: int
    status: str  # open, overdue, paid, cancelled
    days_late: int  # past its due date, while open
    lines: list[InvoiceLineView]
    settlements: list[Settlement]
    credit_notes: list[CreditNoteRow]


@dataclass
class PickRow:
    """A product as the quotation form's picker shows it."""

    id: int
    sku: str
    name: str
    unit: str
    price: Decimal | None
    tax_rate: Decimal
    on_hand: Decimal  # every location
    available: Decimal  # at the warehouse, less what orders hold: what a new order can take


@dataclass
class InvoicePreviewLine:
    """What ``invoice`` would bill of one line now."""

    sku: str
    name: str
    unit: str
    quantity: Decimal
    net: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.tax
