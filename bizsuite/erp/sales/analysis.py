"""Customer analysis: RFM scores and segments, lifetime value, customers at risk by their own
rhythm, and the top customers by margin, as of a day (``bizsuite sales customers``, the sales
screens' customer analysis). Read-only; every figure comes from SQL aggregates (one GROUP BY per
measure over the sales tables' indexes), never from a walk over the orders in Python, so it stays
quick at the large demo's 100k orders and 200k invoices; Python then goes over the customers.

**What counts.** An *order* is a sales order that was confirmed (confirmed, partially delivered,
delivered, closed) or imported as history (``sales import``: a business's orders from its old
system), dated on or before the day; quotations and cancelled orders are not orders. *Revenue*
is net of tax: what invoices dated on or before the day billed, less what credit notes dated on
or before it took back (returns, allowances, cancelled invoices), plus the net of the history
orders' lines (quantity × price less the discount, rounded per line as every order is,
``SalesRepository._net``). The customers analysed are those who *bought*: at least one order and
revenue above zero at the day. A customer whose every invoice was credited back, or whose only
order is not invoiced yet, has bought nothing yet and is counted in ``unscored`` instead.

**RFM** (recency, frequency, monetary value): recency is the days from the customer's last order
to the day, frequency the number of orders, monetary value the revenue. Each is scored 1 to 5 by
quintile over the customers who bought: lined up from worst to best, the customers who share a
figure stand together, and they all get the fifth of the line in which the middle of their block
falls (a fifth's lower edge belongs to it): ``1 + floor(5 × (below + ties / 2) / n)``, where
``below`` is how many customers did worse and ``ties`` how many share the figure.
So equal figures always score the same, five customers with five different figures score 1 to
5, and a figure every customer shares scores 3. Fewer days since the last order, more orders and
more revenue score higher.

**Segments.** The three scores name one of eleven segments by the standard 125-code map that
RFM write-ups copy from one to the next (the "Segmentation" table of the Superstore course data
set, published for instance in github.com/Tien-Dung-86/Python-RFM-Analysis-and-Visualization,
README.md, "Segmentation"; it gives each of the 125 R-F-M codes to exactly one segment — some
copies also list 231, 241 and 251 under Hibernating; this map keeps them under About to sleep,
as that one does). :data:`SEGMENT_CODES` is the table.

**Lifetime value.** Both figures are reported: ``revenue`` is the lifetime value to date (what
the customer has brought so far), and ``annual_value`` the average order value × orders per
year, over the customer's tenure (from their first order to the day, at least a year, so that a
customer of a week is not counted at fifty orders a year): revenue × 365 / tenure days.

**At risk by their own rhythm.** A customer who has ordered on at least two different days has a
rhythm: the median of the gaps in days between their consecutive order days. They are at risk
when the days since their last order pass :data:`AT_RISK_FACTOR` (2) times that median — a
weekly customer silent for three weeks, a yearly one for more than two years. (The RFM segment
"At risk" is another thing: recency low against the other customers.)

**Margin** is the revenue that bizsuite invoiced (invoices less credit notes) less the cost of
what was delivered: the deliveries' cost of goods (``sales_delivery_lines.value``, the moving
average at which the goods went out) less what returns brought back into stock, by the day.
History orders are left out of margin: the importer records no cost for them (their goods moved
in the old system), and a cost made up from today's average would be a guess; their revenue
still counts for RFM and lifetime value.

Money stays exact: sums are read as ``Decimal`` and each derived figure is rounded once, to the
currency's decimals, by :func:`bizsuite.core.money.quantize` (half-even).
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import Date, Integer, cast, func, literal_column, or_, select, type_coerce

from bizsuite.core.errors import FieldError, ValidationFailed
from bizsuite.core.money import quantize

# -- the segments ---------------------------------------------------------------------------------

SEGMENTS: tuple[str, ...] = (
    "Champions", "Loyal customers", "Potential loyalists", "New customers", "Promising", "Need attention",
    "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost",
)

# The standard map of the 125 R-F-M codes to the eleven segments (see the module doc for where it
# is published): "543" is recency 5, frequency 4, monetary 3.
SEGMENT_CODES: dict[str, tuple[str, ...]] = {
    "Champions": ("555", "554", "544", "545", "454", "455", "445"),
    "Loyal customers": ("543", "444", "435", "355", "354", "345", "344", "335"),
    "Potential loyalists": ("553", "551", "552", "541", "542", "533", "532", "531", "452", "451", "442", "441",
                            "431", "453", "433", "432", "423", "353", "352", "351", "342", "341", "333", "323"),
    "New customers": ("512", "511", "422", "421", "412", "411", "311"),
    "Promising": ("525", "524", "523", "522", "521", "515", "514", "513", "425", "424", "413", "414", "415",
                  "315", "314", "313"),
    "Need attention": ("535", "534", "443", "434", "343", "334", "325", "324"),
    "About to sleep": ("331", "321", "312", "221", "213", "231", "241", "251"),
    "At risk": ("255", "254", "245", "244", "253", "252", "243", "242", "235", "234", "225", "224", "153", "152",
                "145", "143", "142", "135", "134", "133", "125", "124"),
    "Can't lose them": ("155", "154", "144", "214", "215", "115", "114", "113"),
    "Hibernating": ("332", "322", "233", "232", "223", "222", "132", "123", "122", "212", "211"),
    "Lost": ("111", "112", "121", "131", "141", "151"),
}
_SEGMENT_OF = {code: name for name, codes in SEGMENT_CODES.items() for code in codes}
assert len(_SEGMENT_OF) == 125 and tuple(SEGMENT_CODES) == SEGMENTS  # every code once, in the order shown

AT_RISK_FACTOR = Decimal(2)  # at risk: more days since the last order than this many times the usual gap
TOP_MARGIN = 10  # how many customers ``top_margin`` gives by default
YEAR = 365
NAMES_AT_ONCE = 5000  # contacts' names asked for at once (one IN list)


def segment_of(r: int, f: int, m: int) -> str:
    """The segment of the scores recency ``r``, frequency ``f``, monetary ``m`` (each 1-5)."""
    return _SEGMENT_OF[f"{r}{f}{m}"]


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


_BY_KEY = {_key(name): name for name in SEGMENTS}


def find_segment(text: str, field: str = "segment") -> str:
    """A segment by its name as typed: any case, with or without spaces, hyphens, underscores or
    the apostrophe (``at-risk``, ``cant_lose_them``, ``Loyal Customers``). Anything else is
    refused in one line that lists the segments."""
    name = _BY_KEY.get(_key(text or ""))
    if name is None:
        raise ValidationFailed([FieldError(field, f"{(text or '').strip()!r} is not a segment; the segments are "
                                                  f"{', '.join(SEGMENTS)}")])
    return name


def quintile_scores(values: Sequence, *, higher_is_better: bool = True) -> list[int]:
    """Scores 1-5 of ``values`` by quintile (see the module doc): equal values share the fifth
    in which the middle of their block falls, so they always score the same."""
    n = len(values)
    if not n:
        return []
    ordered = sorted(values)
    out = []
    for v in values:
        lo, hi = bisect_left(ordered, v), bisect_right(ordered, v)
        ties = hi - lo
        below = lo if higher_is_better else n - hi  # the customers who did worse
        out.append(1 + 5 * (2 * below + ties) // (2 * n))  # 1 + floor(5 × (below + ties / 2) / n)
    return out


# -- what the analysis gives ----------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerScore:
    """One customer who bought, at the day: PRODUCT.md's columns, then the scores and values."""

    customer_id: int
    customer: str
    orders: int
    revenue: Decimal  # net of tax, to date: the lifetime value so far
    first_order: dt.date
    last_order: dt.date
    recency_days: int
    r: int
    f: int
    m: int
    segment: str
    average_order: Decimal  # revenue / orders
    orders_per_year: Decimal  # orders × 365 / tenure days (a year at least)
    annual_value: Decimal  # average order × orders per year

    @property
    def code(self) -> str:
        return f"{self.r}{self.f}{self.m}"


@dataclass(frozen=True)
class SegmentSummary:
    name: str
    customers: int
    revenue: Decimal
    share: Decimal  # of all revenue of the customers who bought, in percent (one decimal)


@dataclass(frozen=True)
class AtRiskRow:
    customer_id: int
    customer: str
    orders: int
    revenue: Decimal
    last_order: dt.date
    recency_days: int
    usual_gap: Decimal  # the median gap in days between their order days
    times_usual: Decimal  # recency / usual gap, one decimal
    segment: str


@dataclass(frozen=True)
class MarginRow:
    customer_id: int
    customer: str
    revenue: Decimal  # what bizsuite invoiced, less credit notes (history orders: none, see the module doc)
    cost: Decimal  # of what was delivered, less returns
    margin: Decimal
    margin_pct: Decimal | None  # margin / revenue in percent, one decimal; None without revenue
    segment: str | None  # None: not a customer who bought (see the module doc)


# -- the analysis ---------------------------------------------------------------------------------


class CustomerAnalysis:
    """The analysis of the customers at the end of ``as_of`` (today), through ``books``:

        a = CustomerAnalysis(books, as_of="2026-03-16")
        a.customers(segment="champions"); a.segments(); a.at_risk(); a.top_margin(10)

    Each measure is read once, on first use, and kept for the object's life (one unit of work)."""

    def __init__(self, books, *, as_of=None) -> None:
        from bizsuite.erp.stock.repository import parse_day

        books.require("sales.read")
        self.books = books
        self.session = books.session
        self.day: dt.date = parse_day(as_of, "as_of")
        self._scores: list[CustomerScore] | None = None
        self._unscored = 0
        self._own: dict[int, Decimal] | None = None
        self._cost: dict[int, Decimal] | None = None
        self._gaps: dict[int, Decimal] | None = None
        self._names: dict[int, str] = {}

    # -- SQL: one aggregate per measure -------------------------------------------------------
    def _counted(self):
        from bizsuite.erp.sales.models import CLOSED, CONFIRMED, DELIVERED, HISTORY, PARTIAL, SalesOrder

        return (SalesOrder.status.in_((CONFIRMED, PARTIAL, DELIVERED, CLOSED, HISTORY)), SalesOrder.date <= self.day)

    def _orders(self) -> dict[int, tuple[int, dt.date, dt.date]]:
        """Per customer: orders, first and last order day."""
        from bizsuite.erp.sales.models import SalesOrder

        who = _scan(SalesOrder.customer_id)
        q = (select(who, func.count(), func.min(SalesOrder.date), func.max(SalesOrder.date))
             .where(*self._counted()).group_by(who))
        return {cid: (n, _date(first), _date(last)) for cid, n, first, last in self.session.execute(q)}

    def _own_revenue(self) -> dict[int, Decimal]:
        """Per customer: invoices' net less credit notes' net, dated on or before the day."""
        if self._own is None:
            from bizsuite.erp.sales.models import CreditNote, Invoice

            out: dict[int, Decimal] = {}
            who = _scan(Invoice.customer_id)
            for cid, net in self.session.execute(select(who, func.sum(Invoice.net))
                                                 .where(Invoice.date <= self.day).group_by(who)):
                out[cid] = Decimal(net or 0)
            for cid, net in self.session.execute(select(CreditNote.customer_id, func.sum(CreditNote.net))
                                                 .where(CreditNote.date <= self.day)
                                                 .group_by(CreditNote.customer_id)):
                out[cid] = out.get(cid, Decimal(0)) - Decimal(net or 0)
            self._own = out
        return self._own

    def _history_revenue(self) -> dict[int, Decimal]:
        """Per customer: the net of their history orders' lines, each line rounded as an order's
        line is. Lines alike (same quantity, price and discount) are counted together in SQL."""
        from bizsuite.erp.sales.models import HISTORY, SalesOrder, SalesOrderLine

        history = select(SalesOrder.id).where(SalesOrder.status == HISTORY, SalesOrder.date <= self.day)
        q = (select(SalesOrder.customer_id, SalesOrderLine.quantity, SalesOrderLine.unit_price,
                    SalesOrderLine.discount, func.count())
             .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
             .where(SalesOrder.id.in_(history))  # found by the status index, not by walking every order
             .group_by(SalesOrder.customer_id, SalesOrderLine.quantity, SalesOrderLine.unit_price,
                       SalesOrderLine.discount))
        net = self.books.sales._net
        out: dict[int, Decimal] = {}
        for cid, q_, price, discount, n in self.session.execute(q):
            out[cid] = out.get(cid, Decimal(0)) + net(q_, price, discount) * n
        return out

    def _costs(self) -> dict[int, Decimal]:
        """Per customer: the cost of what was delivered less what returns brought back."""
        if self._cost is not None:
            return self._cost
        from bizsuite.erp.sales.models import CN_RETURN, CreditNote, CreditNoteLine, Delivery, DeliveryLine, SalesOrder

        out: dict[int, Decimal] = {}
        # each delivery's cost first (over the lines' delivery index), then the deliveries by customer
        each = (select(DeliveryLine.delivery_id.label("delivery_id"), func.sum(DeliveryLine.value).label("value"))
                .group_by(DeliveryLine.delivery_id).subquery())
        q = (select(SalesOrder.customer_id, func.sum(each.c.value))
             .select_from(each).join(Delivery, Delivery.id == each.c.delivery_id)
             .join(SalesOrder, SalesOrder.id == Delivery.order_id)
             .where(Delivery.date <= self.day).group_by(SalesOrder.customer_id))
        for cid, value in self.session.execute(q):
            out[cid] = Decimal(value or 0)
        q = (select(CreditNote.customer_id, func.sum(CreditNoteLine.cost))
             .select_from(CreditNoteLine).join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
             .where(CreditNote.kind == CN_RETURN, CreditNote.date <= self.day).group_by(CreditNote.customer_id))
        for cid, value in self.session.execute(q):
            out[cid] = out.get(cid, Decimal(0)) - Decimal(value or 0)
        self._cost = out
        return out

    def _day_number(self, column):
        """Days since 1970-01-01 of a date column, as an integer, in the books' SQL."""
        if self.books.dialect == "sqlite":
            return cast(func.julianday(column) - func.julianday("1970-01-01"), Integer)
        return type_coerce(column - literal_column("DATE '1970-01-01'", type_=Date), Integer)  # date - date: days

    def _usual_gaps(self) -> dict[int, Decimal]:
        """Per customer who ordered on two days or more: the median gap in days between their
        consecutive order days (window functions: the gaps, their order, the middle one or two)."""
        if self._gaps is not None:
            return self._gaps
        from bizsuite.erp.sales.models import SalesOrder

        days = (select(SalesOrder.customer_id.label("cid"), self._day_number(SalesOrder.date).label("day"))
                .where(*self._counted()).distinct().subquery())
        gaps = select(days.c.cid, (days.c.day - func.lag(days.c.day).over(
            partition_by=days.c.cid, order_by=days.c.day)).label("gap")).subquery()
        ranked = (select(gaps.c.cid, gaps.c.gap,
                         func.row_number().over(partition_by=gaps.c.cid, order_by=gaps.c.gap).label("rn"),
                         func.count().over(partition_by=gaps.c.cid).label("n"))
                  .where(gaps.c.gap.is_not(None)).subquery())
        middle = (select(ranked.c.cid, func.sum(ranked.c.gap), func.count())
                  .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
                  .group_by(ranked.c.cid))
        self._gaps = {cid: Decimal(int(total)) / Decimal(int(n)) for cid, total, n in self.session.execute(middle)}
        return self._gaps

    def _name_of(self, ids: Iterable[int]) -> dict[int, str]:
        want = [i for i in ids if i not in self._names]
        for start in range(0, len(want), NAMES_AT_ONCE):
            self._names.update(self.books.contacts.names(want[start:start + NAMES_AT_ONCE]))
        return self._names

    # -- what it gives ------------------------------------------------------------------------
    def scores(self) -> list[CustomerScore]:
        """Every customer who bought, scored and segmented: by segment (as :data:`SEGMENTS`
        lists them), then the most revenue first, then by name."""
        if self._scores is not None:
            return self._scores
        orders = self._orders()
        revenue = dict(self._own_revenue())
        for cid, net in self._history_revenue().items():
            revenue[cid] = revenue.get(cid, Decimal(0)) + net
        bought = sorted(cid for cid in orders if revenue.get(cid, Decimal(0)) > 0)
        self._unscored = len(orders) - len(bought)
        recency = [(self.day - orders[c][2]).days for c in bought]
        rs = quintile_scores(recency, higher_is_better=False)
        fs = quintile_scores([orders[c][0] for c in bought])
        ms = quintile_scores([revenue[c] for c in bought])
        names = self._name_of(bought)
        scale = self.books.sales.scale
        rank = {name: n for n, name in enumerate(SEGMENTS)}
        out = []
        for cid, days, r, f, m in zip(bought, recency, rs, fs, ms):
            n, first, last = orders[cid]
            money = quantize(revenue[cid], scale)
            tenure = max((self.day - first).days, YEAR)
            out.append(CustomerScore(cid, names.get(cid, f"#{cid}"), n, money, first, last, days, r, f, m,
                                     segment_of(r, f, m), quantize(money / n, scale),
                                     quantize(Decimal(n * YEAR) / tenure, 2),
                                     quantize(money * YEAR / tenure, scale)))
        out.sort(key=lambda s: (rank[s.segment], -s.revenue, s.customer.casefold(), s.customer_id))
        self._scores = out
        return out

    @property
    def unscored(self) -> int:
        """Customers with orders who have not bought anything at the day (nothing invoiced yet,
        or all of it credited back)."""
        self.scores()
        return self._unscored

    def customers(self, *, segment: str | None = None) -> list[CustomerScore]:
        """The customers who bought, or those of one segment (by name as typed, see
        :func:`find_segment`), in the order of :meth:`scores`."""
        rows = self.scores()
        if segment not in (None, ""):
            name = find_segment(segment)
            rows = [s for s in rows if s.segment == name]
        return rows

    def segments(self) -> list[SegmentSummary]:
        """Every segment, in the order of :data:`SEGMENTS` (empty ones too): how many customers
        and how much revenue, and its share of all the revenue."""
        rows = self.scores()
        zero = quantize(Decimal(0), self.books.sales.scale)
        total = sum((s.revenue for s in rows), zero)
        out = []
        for name in SEGMENTS:
            mine = [s for s in rows if s.segment == name]
            revenue = sum((s.revenue for s in mine), zero)
            out.append(SegmentSummary(name, len(mine), revenue,
                                      quantize(revenue * 100 / total, 1) if total else quantize(Decimal(0), 1)))
        return out

    def total_revenue(self) -> Decimal:
        return sum((s.revenue for s in self.scores()), quantize(Decimal(0), self.books.sales.scale))

    def at_risk(self, *, factor: Decimal | int | str = AT_RISK_FACTOR, segment: str | None = None) -> list[AtRiskRow]:
        """The customers who bought whose days since their last order pass ``factor`` times
        their own usual gap (the median, see the module doc): the most revenue first."""
        try:
            factor = Decimal(str(factor))
        except ArithmeticError:
            factor = Decimal(-1)
        if not factor.is_finite() or factor <= 0:
            raise ValidationFailed([FieldError("factor", f"{factor} is not a positive number")])
        rows = self.customers(segment=segment)
        gaps = self._usual_gaps()
        out = []
        for s in rows:
            gap = gaps.get(s.customer_id)
            if gap is None or s.recency_days <= factor * gap:
                continue
            out.append(AtRiskRow(s.customer_id, s.customer, s.orders, s.revenue, s.last_order, s.recency_days,
                                 quantize(gap, 1), quantize(Decimal(s.recency_days) / gap, 1), s.segment))
        out.sort(key=lambda a: (-a.revenue, -a.times_usual, a.customer.casefold(), a.customer_id))
        return out

    def margins(self, *, segment: str | None = None) -> list[MarginRow]:
        """Every customer with invoiced revenue or delivered cost, the highest margin first."""
        own, costs = self._own_revenue(), self._costs()
        segments = {s.customer_id: s.segment for s in self.scores()}
        ids = set(own) | set(costs)
        if segment not in (None, ""):
            name = find_segment(segment)
            ids = {c for c in ids if segments.get(c) == name}
        names = self._name_of(sorted(ids))
        scale = self.books.sales.scale
        out = []
        for cid in ids:
            revenue = quantize(own.get(cid, Decimal(0)), scale)
            cost = quantize(costs.get(cid, Decimal(0)), scale)
            if not revenue and not cost:
                continue
            margin = revenue - cost
            out.append(MarginRow(cid, names.get(cid, f"#{cid}"), revenue, cost, margin,
                                 quantize(margin * 100 / revenue, 1) if revenue > 0 else None, segments.get(cid)))
        out.sort(key=lambda m: (-m.margin, m.customer.casefold(), m.customer_id))
        return out

    def top_margin(self, limit: int = TOP_MARGIN, *, segment: str | None = None) -> list[MarginRow]:
        """The ``limit`` customers with the highest margin (see :meth:`margins`)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationFailed([FieldError("top_margin", f"{limit!r} is not a number of customers (1 or more)")])
        return self.margins(segment=segment)[:limit]


def _scan(column):
    """A customer column to group by as an expression (``customer_id + 0``): SQLite then reads the
    table once in storage order and groups in a temporary tree, instead of walking the customer
    index with a lookup of every row (half the time at 100k orders); PostgreSQL plans both alike."""
    return (column + 0).label("customer_id")


def _date(value) -> dt.date:
    """A date as SQL gives it back from MIN/MAX (SQLite: the ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


__all__ = ["AT_RISK_FACTOR", "SEGMENTS", "SEGMENT_CODES", "AtRiskRow", "CustomerAnalysis", "CustomerScore",
           "MarginRow", "SegmentSummary", "find_segment", "quintile_scores", "segment_of"]
