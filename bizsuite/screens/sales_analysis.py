"""Sales: the customer analysis — the RFM segments with how many customers and how much revenue
each holds, the customers of the segment picked, those at risk by their own rhythm, and the
customers by margin (``bizsuite.erp.sales.analysis``, the figures of ``bizsuite sales
customers``). Enter on a customer opens their contact page over this one; Esc comes back.

The analysis is computed once per As-of day in a worker (one read unit of work) and paged from
memory; only the handlers that receive it touch widgets.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from bizsuite.core import clock
from bizsuite.core.money import format_human, quantize
from bizsuite.erp.sales.analysis import SEGMENTS, AtRiskRow, CustomerScore, MarginRow, SegmentSummary
from bizsuite.screens.lists import ListScreen
from bizsuite.widgets.keymap import bind
from bizsuite.widgets.paged_table import Column, PagedTable

AT_RISK, MARGIN = "at_risk", "margin"
VIEW_NAMES = {AT_RISK: "At risk by rhythm", MARGIN: "Top by margin"}
NAME_WIDTH = 19  # "Potential loyalists"


def money(value: Decimal) -> str:
    return format_human(value, None)


def short_count(n: int) -> str:
    """A number of customers in at most four cells: 9,999 · 12k · 999k."""
    return f"{n:,}" if n < 10_000 else f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"


def short_money(value: Decimal) -> str:
    """An amount in at most five cells for the segment list: 9,999 · 45.2k · 452k · 1.23M."""
    whole = quantize(value, 0)
    if abs(whole) < 10_000:
        return format_human(whole, None)
    for size, suffix in ((10**3, "k"), (10**6, "M"), (10**9, "B"), (10**12, "T")):
        for places in (2, 1, 0):
            v = quantize(value / size, places)
            text = f"{v:f}{suffix}"
            if abs(v) < 1000 and len(text) <= 5:
                return text
    return format_human(whole, None)


def _view_id(segment: str) -> str:
    return f"segment:{segment}"


@dataclass(frozen=True)
class Result:
    day: dt.date
    scores: list[CustomerScore]
    segments: list[SegmentSummary]
    unscored: int
    total: Decimal
    at_risk: list[AtRiskRow]
    margins: list[MarginRow]

    def rows(self, view: str) -> list:
        if view == AT_RISK:
            return self.at_risk
        if view == MARGIN:
            return self.margins
        name = view.removeprefix("segment:")
        return [s for s in self.scores if s.segment == name]


class _Once:
    """The analysis of one As-of text, kept until another is asked for."""

    def __init__(self) -> None:
        self.key: Any = object()
        self.value: Result | None = None
        self.lock = threading.Lock()

    def get(self, key: str, make: Callable[[], Result]) -> Result:
        with self.lock:
            if key != self.key:
                self.value, self.key = make(), key
            return self.value  # type: ignore[return-value]


class CustomersScreen(ListScreen):
    PLACE = "Sales › Customers"
    HELP = (
        "The customers who bought (an order, and revenue net of credit notes; history orders count), "
        "scored 1-5 on recency, frequency and money (RFM) against each other as of the day given "
        "(As of; empty: today) and put in the eleven usual segments, from Champions to Lost. The "
        "list on the left says how many customers each segment holds and their revenue; the "
        "customers of the one highlighted show on the right with their orders, revenue, days since "
        "their last order and RFM scores. At risk by rhythm: customers whose days since their last "
        "order are more than twice their own median gap between orders. Top by margin: revenue "
        "invoiced less the cost of what was delivered (history orders carry no cost). The same "
        "figures as bizsuite sales customers. Tab moves between the segments and the customers; "
        "Enter on a customer opens their contact page; x writes the list shown to a CSV."
    )
    BINDINGS = [bind("customers_screen.back", "back", "Back")]
    CSS_PATH = "sales_analysis.tcss"
    TABLE_ID = "customers"
    NOUNS = ("customer", "customers")
    EMPTY = "No customer in this segment at that day."
    EXPORT_NAME = "customers"
    FILTER_INPUTS = ("as-of",)
    PAGE_SIZE = 200

    def __init__(self) -> None:
        super().__init__()
        self.once = _Once()
        self.view = _view_id(SEGMENTS[0])
        self.result: Result | None = None
        self._chosen = False  # the user moved in the segment list (else the first one with customers shows)

    # -- the parts -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="filters"):
            yield Static("As of", classes="filter-label")
            yield Input(id="as-of", compact=True, placeholder=f"{clock.today().isoformat()} (today)")
            yield Static("", id="summary")
        with Horizontal(id="body"):
            yield OptionList(*self._options(None), id="views")
            yield self.list_table()
        yield self.status_line()
        yield Footer()

    def _options(self, result: Result | None) -> list[Option | None]:
        summary = {s.name: s for s in result.segments} if result is not None else {}
        out: list[Option | None] = []
        for name in SEGMENTS:
            s = summary.get(name)
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{name:<{NAME_WIDTH}}", style="" if s is None or s.customers else "dim")
            if s is None:
                line.append(f" {'':>4} {'':>5}")
            elif s.customers:
                line.append(f" {short_count(s.customers):>4}", style="bold")
                line.append(f" {short_money(s.revenue):>5}")
            else:
                line.append(f" {'—':>4} {'':>5}", style="dim")
            out.append(Option(line, id=_view_id(name)))
        out.append(None)
        for view in (AT_RISK, MARGIN):
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{VIEW_NAMES[view]:<{NAME_WIDTH}}")
            if view == AT_RISK and result is not None:
                line.append(f" {short_count(len(result.at_risk)):>4}", style="bold yellow" if result.at_risk else "dim")
            out.append(Option(line, id=view))
        return out

    def list_columns(self) -> list[Column]:
        return self._columns(self.view)

    def _columns(self, view: str) -> list[Column]:
        def amount(key: str):
            return lambda r: money(getattr(r, key)) if getattr(r, key, None) is not None else ""

        customer = Column("customer", "Customer", ratio=1, min_width=10)
        if view == AT_RISK:
            return [
                customer,
                Column("revenue", "Revenue", width=10, align="right", render=amount("revenue")),
                Column("recency_days", "Days", width=5, align="right"),
                Column("usual_gap", "Usual", width=5, align="right",
                       render=lambda r: f"{getattr(r, 'usual_gap', ''):f}" if hasattr(r, "usual_gap") else ""),
                Column("times_usual", "Late", width=5, align="right",
                       render=lambda r: Text(f"{r.times_usual:f}×", style="bold yellow")
                       if hasattr(r, "times_usual") else ""),
            ]
        if view == MARGIN:
            def pct(r) -> Text | str:
                p = getattr(r, "margin_pct", None)
                return Text(f"{p:f}%", style="red" if p < 0 else "") if p is not None else Text("—", style="dim")

            return [
                customer,
                Column("revenue", "Revenue", width=10, align="right", render=amount("revenue")),
                Column("margin", "Margin", width=10, align="right",
                       render=lambda r: Text(money(r.margin), style="red" if r.margin < 0 else "bold")
                       if hasattr(r, "margin") else ""),
                Column("margin_pct", "%", width=6, align="right", render=pct),
            ]
        return [
            customer,
            Column("orders", "Orders", width=6, align="right"),
            Column("revenue", "Revenue", width=10, align="right", render=amount("revenue")),
            Column("recency_days", "Days", width=5, align="right"),
            Column("code", "RFM", width=3, render=lambda r: getattr(r, "code", "")),
        ]

    def export_columns(self):
        if self.view == AT_RISK:
            keys = (("customer", "customer"), ("orders", "orders"), ("revenue", "revenue"),
                    ("last_order", "last_order"), ("recency_days", "recency_days"), ("usual_gap_days", "usual_gap"),
                    ("times_usual", "times_usual"), ("segment", "segment"))
        elif self.view == MARGIN:
            keys = tuple((k, k) for k in ("customer", "revenue", "cost", "margin", "margin_pct", "segment"))
        else:
            keys = tuple((k, k) for k in ("customer", "orders", "revenue", "last_order", "recency_days", "segment",
                                          "r", "f", "m", "first_order", "average_order", "orders_per_year",
                                          "annual_value"))
        return [(name, (lambda row, k=k: getattr(row, k))) for name, k in keys]

    def export_what(self) -> str:
        name = VIEW_NAMES.get(self.view) or self.view.removeprefix("segment:")
        day = self.result.day.isoformat() if self.result is not None else "today"
        return f"Customers, {name}, at {day}"

    # -- the figures ---------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        return {"as_of": self.query_one("#as-of", Input).value.strip(), "view": self.view}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return False

    def _analysis(self, books, as_of: str) -> Result:
        from bizsuite.erp.sales.analysis import CustomerAnalysis

        def make() -> Result:
            a = CustomerAnalysis(books, as_of=as_of or None)
            return Result(a.day, a.scores(), a.segments(), a.unscored, a.total_revenue(), a.at_risk(), a.margins())

        return self.once.get(as_of, make)

    def fetch_page(self, books, filters, sort, offset, limit):
        result = self._analysis(books, filters["as_of"])
        self.app.call_from_thread(self._analysed, result)
        return result.rows(filters["view"])[offset:offset + limit]

    def count_rows(self, books, filters) -> int:
        return len(self._analysis(books, filters["as_of"]).rows(filters["view"]))

    def _analysed(self, result: Result) -> None:
        if result is self.result:
            self.show_status()
            return
        self.result = result
        target = self.view
        if not self._chosen:  # opened just now: the first segment that holds customers
            target = next((_view_id(s.name) for s in result.segments if s.customers), self.view)
        views = self.query_one("#views", OptionList)
        with self.prevent(OptionList.OptionHighlighted):
            views.set_options(self._options(result))
            views.highlighted = views.get_option_index(target)
        text = Text(no_wrap=True, overflow="ellipsis", justify="right")
        text.append(f"{result.day.isoformat()}: ", style="dim")
        text.append(f"{len(result.scores):,} bought", style="bold")
        text.append(f" · revenue {money(result.total)}")
        if result.unscored:
            text.append(f" · {result.unscored:,} not yet", style="dim")
        self.query_one("#summary", Static).update(text)
        if target != self.view:
            self._show(target)
        else:
            self.show_status()

    def status_parts(self) -> list[str]:
        parts = super().status_parts()
        r = self.result
        if r is None:
            return parts
        rows = r.rows(self.view)
        if self.view == AT_RISK:
            parts.append("past twice their usual gap between orders")
        elif self.view == MARGIN:
            margin = sum((m.margin for m in rows), Decimal(0))
            revenue = sum((m.revenue for m in rows), Decimal(0))
            parts += [f"margin {money(margin)} on revenue {money(revenue)}", "history orders carry no cost"]
        else:
            s = next(s for s in r.segments if _view_id(s.name) == self.view)
            parts += [s.name, f"revenue {money(s.revenue)}", f"{s.share:f}% of all"]
        return parts

    # -- moving about --------------------------------------------------------------------------
    def _show(self, view: str) -> None:
        if view == self.view:
            return
        self.view = view
        self.table.columns = self._columns(view)
        self.table.empty_text = {AT_RISK: "No customer is late for their own rhythm at that day.",
                                 MARGIN: "Nothing invoiced or delivered at that day."}.get(view, self.EMPTY)
        self._reload()

    @on(OptionList.OptionHighlighted, "#views")
    def _view_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and self.result is not None:
            if event.option.id != self.view:
                self._chosen = True
            self._show(event.option.id)

    @on(OptionList.OptionSelected, "#views")
    def _view_selected(self, event: OptionList.OptionSelected) -> None:
        self.table.focus()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        from bizsuite.screens.contacts import ContactDetailScreen

        self.app.push_screen(ContactDetailScreen(event.row.customer_id))

    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.dismiss()


__all__ = ["CustomersScreen"]
