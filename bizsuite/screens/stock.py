"""Stock: the products list (paged, search as you type, low stock marked) and one product's page
(on hand by location, and its moves with the running quantity and value).

Every query and change goes through ``books.stock`` in a worker thread; the handlers that
receive the results are the only code that touches widgets. A product at or below its reorder
point (counting what is on order) is marked ``!`` and shown in yellow, so the list reads the
same on a monochrome terminal. The adjust and transfer forms are in :mod:`stock_forms`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Callable

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Select, Static

from bizsuite.core.errors import Refused
from bizsuite.core.money import format_human
from bizsuite.erp.stock.models import HistoryRow, OnHandRow, ProductRow
from bizsuite.erp.stock.repository import shown
from bizsuite.screens.lists import ListScreen
from bizsuite.widgets.keymap import bind
from bizsuite.widgets.paged_table import Column, PagedTable

PAGE_SIZE = 100
LOW_STYLE = "bold yellow"
SHOW_FILTERS = [("Active products", "active"), ("Low stock only", "low"), ("Including inactive", "all")]
SKU_WIDTH = (6, 16)  # cells: at least, at most (a longer SKU is cut with …)
# The moves table's kinds in at most ten cells (the product page's help says what they mean).
KIND_SHORT = {"receipt": "receipt", "opening": "opening", "return": "return in", "delivery": "delivery",
              "return_out": "return out", "adjustment": "adjustment", "transfer": "transfer"}


# -- how figures read ---------------------------------------------------------------------------


def qty(q: Decimal, unit: str, *, signed: bool = False) -> str:
    """``1,250`` pcs, ``2.500`` kg: as many decimals as the unit has, thousands separated."""
    return f"{shown(q, unit):{'+' if signed and q else ''},f}"


def money(value: Decimal, *, signed: bool = False) -> str:
    text = format_human(value, None)
    return f"+{text}" if signed and value > 0 else text


def price(value: Decimal) -> str:
    """A unit price without the six decimals it is kept to, but never fewer than two (12.50, 0.0125)."""
    two = value.quantize(Decimal("0.01"))
    return format_human(two if two == value else value.normalize(), None)


def _low(render: Callable[[ProductRow], str]):
    """A column renderer that paints a low product's cell yellow."""

    def go(row: ProductRow) -> Text:
        return Text(render(row), style=LOW_STYLE if row.low else "")

    return go


def product_columns(sku_width: int = 10) -> list[Column]:
    return [
        Column("low", "", width=1, render=lambda r: Text("!", style=LOW_STYLE) if r.low else ""),
        Column("sku", "SKU", width=sku_width, render=lambda r: Text(r.sku, style="" if r.active else "dim")),
        Column("name", "Name", ratio=1, min_width=10,
               render=lambda r: Text(r.name + ("" if r.active else " (inactive)"), style="" if r.active else "dim")),
        Column("unit", "Unit", width=6),
        Column("on_hand", "On hand", width=9, align="right", render=_low(lambda r: qty(r.on_hand, r.unit))),
        Column("available", "Available", width=9, align="right", render=lambda r: qty(r.available, r.unit)),
        Column("on_order", "On order", width=8, align="right",
               render=lambda r: qty(r.on_order, r.unit) if r.on_order else Text("—", style="dim")),
    ]


# `bizsuite stock products --format csv`'s columns, then what else the list knows
EXPORT_COLUMNS = ("sku", "name", "unit", "price", "on_hand", "available", "on_order", "reorder_point",
                  "reserved", "value", "supplier", "active")


def open_products(app, *, low: bool = False) -> None:
    """The products list (``low``: only the products at or below their reorder point)."""
    if not app.can("stock.read"):
        return
    if app.current_mode != "stock":
        app.switch_mode("stock")
    while len(app.screen_stack) > 1 and not isinstance(app.screen, ProductsScreen):
        app.pop_screen()
    if low and isinstance(app.screen, ProductsScreen):
        app.screen.query_one("#search", Input).value = ""  # every low product, whatever was searched
        app.screen.query_one("#show", Select).value = "low"


def open_product(app, product_id: int) -> None:
    """Show a product from anywhere (the command palette): in the stock mode, over the list."""
    if not app.can("stock.read"):
        return
    if app.current_mode != "stock":
        app.switch_mode("stock")
    app.push_screen(ProductScreen(product_id))


def palette_sections(app) -> list[tuple[str, Callable[[], None], str]]:
    if getattr(app, "actor", None) is None or not app.can("stock.read"):
        return []
    return [("Stock: low stock", lambda: open_products(app, low=True),
             "products at or below their reorder point, counting what is on order")]


# -- the products list ---------------------------------------------------------------------------


class ProductsScreen(ListScreen):
    PLACE = "Stock"
    HELP = (
        "Every product, by SKU, a page at a time, with what is on hand today (every location "
        "together), what of it is available (not reserved for an order) and what is on order. "
        "Type in the search box to narrow the list as you type: words of the SKU or the name, "
        "any case, any script (part of a Chinese name finds it). ! and yellow: at or below the "
        "reorder point, counting what is already on order. l shows only those (again: all); Tab "
        "reaches the filter, which also shows inactive products.\n\n"
        "Enter opens the product: its moves and on hand by location. a adjusts the stock of the "
        "product under the cursor (a count, breakage, a correction), t moves it between locations. "
        "x writes every product that matches to a CSV with the columns of `bizsuite stock products "
        "--format csv`."
    )
    BINDINGS = [
        bind("products_screen.adjust", "adjust", "Adjust"),
        bind("products_screen.transfer", "transfer", "Transfer"),
        bind("products_screen.low", "low", "Low stock"),
        bind("products_screen.back", "back", "Home"),
    ]
    CSS_PATH = "stock.tcss"
    TABLE_ID = "products"
    PAGE_SIZE = PAGE_SIZE
    NOUNS = ("product", "products")
    EMPTY = "No products match."
    EXPORT_NAME = "products"

    def __init__(self) -> None:
        super().__init__()
        self._sku_width = 10

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="filters"):
            yield Input(placeholder="Search SKUs and names…", id="search", compact=True)
            yield Select(SHOW_FILTERS, allow_blank=False, value="active", id="show", compact=True)
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return product_columns(self._sku_width)

    # -- loading -------------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        show = self.query_one("#show", Select).value
        return {"search": self.query_one("#search", Input).value, "low": show == "low",
                "include_inactive": show == "all"}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return bool(filters["search"].strip()) or filters["low"]

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.stock.products(offset=offset, limit=limit, with_total=False, **filters).rows

    def count_rows(self, books, filters) -> int:
        return books.stock.products(limit=0, **filters).total

    def count_everything(self, books) -> int:
        return books.stock.products(limit=0).total

    def fit(self, rows) -> None:
        """The SKU column as wide as the longest SKU seen (never narrower: no jumping)."""
        widest = min(max([SKU_WIDTH[0], *(cell_len(r.sku) for r in rows)]), SKU_WIDTH[1])
        if widest > self._sku_width:
            self._sku_width = widest
            self.app.call_from_thread(self._refit)

    def _refit(self) -> None:
        columns = self.table.columns
        i = next(n for n, c in enumerate(columns) if c.key == "sku")
        columns[i] = replace(columns[i], width=self._sku_width)
        self.table.refresh()

    def export_columns(self):
        def value(row, k):
            v = getattr(row, k)
            return shown(v, row.unit) if k in ("on_hand", "available", "on_order", "reorder_point", "reserved") else v

        return [(name, (lambda row, k=name: value(row, k))) for name in EXPORT_COLUMNS]

    def status_parts(self) -> list[str]:
        parts = super().status_parts()
        return parts + ["! at or below the reorder point"]

    # -- events and actions --------------------------------------------------------------------
    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(ProductScreen(event.row.id))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("adjust", "transfer"):
            return self.actor.can("stock.write")
        return super().check_action(action, parameters)

    def action_low(self) -> None:
        select = self.query_one("#show", Select)
        select.value = "active" if select.value == "low" else "low"

    def _cursor_product(self) -> ProductRow | None:
        row = self.table.cursor_row
        if row is None:
            self.notify("No product under the cursor", severity="warning")
        return row

    def action_adjust(self) -> None:
        row = self._cursor_product()
        if row is not None:
            self._open_form("adjust", row.id)

    def action_transfer(self) -> None:
        row = self._cursor_product()
        if row is not None:
            self._open_form("transfer", row.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="form")
    def _open_form(self, which: str, product_id: int) -> None:
        """What the form needs (the product, the locations and what each holds), then the form."""
        try:
            with self.store.read(self.actor) as books:
                view = ProductView.load(books, product_id)
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error")
            return
        self.app.call_from_thread(open_form, self, which, view, lambda _: self.refresh_list(keep_cursor=True))


# -- one product ---------------------------------------------------------------------------------


@dataclass
class ProductView:
    """What the product page and its forms show, copied out of the transaction."""

    row: ProductRow
    locations: list[tuple[int, str, bool]]  # (id, name, is default), active ones
    onhand: list[OnHandRow]

    @classmethod
    def load(cls, books, product_id: int) -> "ProductView":
        p = books.stock.product(product_id)
        row = books.stock.product_row(p.id)
        locations = [(loc.id, loc.name, loc.is_default) for loc in books.stock.locations()]
        return cls(row=row, locations=locations, onhand=books.stock.onhand(p.id))

    def at(self, location_id: int) -> Decimal:
        """What the location holds of the product today."""
        return next((r.on_hand for r in self.onhand if r.location_id == location_id), Decimal(0))


def open_form(screen, which: str, view: ProductView, after: Callable[[str], None]) -> None:
    """Open the adjust or transfer form for ``view``'s product; ``after(message)`` once it is saved."""
    from bizsuite.screens.stock_forms import AdjustForm, TransferForm

    if which == "transfer" and len(view.locations) < 2:
        screen.notify("There is only one location, so nothing to transfer between; add one with: "
                      "bizsuite stock add-location NAME", severity="warning", timeout=10)
        return

    def saved(message: str | None) -> None:
        if message:
            screen.notify(message)
            after(message)

    screen.app.push_screen(AdjustForm(view) if which == "adjust" else TransferForm(view), saved)


class ProductScreen(ListScreen):
    PLACE = "Stock"
    HELP = (
        "One product: what it is (price, tax, reorder point and quantity, supplier), what each "
        "location holds (on hand, reserved for orders, available), and every move of it, oldest "
        "first, the newest under the cursor when the page opens. A move's quantity and value say "
        "what it did to the stock (+ in, − out; a transfer keeps value); On hand and Worth are "
        "the stock and its value after it, every location together. The line under the moves "
        "tells the move under the cursor in full: the document, who made it, the unit cost and "
        "any revaluation (a move dated before it changed the average).\n\n"
        "Kinds: receipt (from a supplier), opening (stock the books start with), return in (a "
        "customer's), delivery (to a customer), return out (to a supplier), adjustment (a count "
        "or a correction), transfer (between locations).\n\n"
        "a adjusts the stock (a count, breakage, a correction), t moves it between locations. "
        "x writes every move to a CSV with the columns of `bizsuite stock history --format csv`."
    )
    BINDINGS = [
        bind("product_screen.adjust", "adjust", "Adjust"),
        bind("product_screen.transfer", "transfer", "Transfer"),
        bind("product_screen.back", "back", "Back"),
    ]
    CSS_PATH = "stock.tcss"
    TABLE_ID = "moves"
    PAGE_SIZE = PAGE_SIZE
    NOUNS = ("move", "moves")
    EMPTY = "No moves yet: stock comes in by a receipt, opening stock or an adjustment."
    EXPORT_NAME = "history"

    def __init__(self, product_id: int) -> None:
        super().__init__()
        self.product_id = product_id
        self.view: ProductView | None = None
        self._fit: dict[str, int] = {}
        self._to_newest = True  # the first count moves the cursor to the newest move

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Static("", id="heading")
        yield Static("", id="facts")
        yield Static("", id="where")
        yield self.list_table()
        yield Static("", id="move-detail")
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return self._columns()

    def _unit(self) -> str:
        return self.view.row.unit if self.view else "pcs"

    def _columns(self) -> list[Column]:
        fit = self._fit
        return [
            Column("date", "Date", width=10, render=lambda r: r.date.isoformat()),
            Column("kind", "Kind", width=10, render=lambda r: KIND_SHORT.get(r.kind, r.kind)),
            Column("location", "Location", ratio=1, min_width=6),
            Column("quantity", "Qty", width=fit.get("quantity", 6), align="right",
                   render=lambda r: qty(r.quantity, self._unit(), signed=r.kind != "transfer")),
            Column("value", "Value", width=fit.get("value", 9), align="right",
                   render=lambda r: Text("—", style="dim") if r.kind == "transfer" else money(r.value, signed=True)),
            Column("on_hand_after", "On hand", width=fit.get("on_hand_after", 7), align="right",
                   render=lambda r: Text(qty(r.on_hand_after, self._unit()), style="bold")),
            Column("value_after", "Worth", width=fit.get("value_after", 9), align="right",
                   render=lambda r: money(r.value_after)),
        ]

    def _fit_page(self, rows: list[HistoryRow]) -> None:
        """The figures' columns as wide as the widest figure seen (kept: no jumping)."""
        if not rows or self.view is None:
            return
        unit = self._unit()
        seen = {
            "quantity": max(len("Qty"), *(len(qty(r.quantity, unit, signed=True)) for r in rows)),
            "value": max(len("Value"), *(len(money(r.value, signed=True)) for r in rows)),
            "on_hand_after": max(len("On hand"), *(len(qty(r.on_hand_after, unit)) for r in rows)),
            "value_after": max(len("Worth"), *(len(money(r.value_after)) for r in rows)),
        }
        fit = {k: max(v, self._fit.get(k, 0)) for k, v in seen.items()}
        if fit != self._fit:
            self._fit = fit
            self.table.columns = self._columns()
            self.table.refresh()

    # -- loading -------------------------------------------------------------------------------
    def refresh_list(self, *, keep_cursor: bool) -> None:
        self.load_product()  # first: the moves' figures need the product's unit

    @work(thread=True, exclusive=True, exit_on_error=False, group="product")
    def load_product(self) -> None:
        self.fetch_and_show(lambda books: ProductView.load(books, self.product_id), self._show)

    def _show(self, v: ProductView) -> None:
        first = self.view is None
        self.view = v
        r = v.row
        self.PLACE = f"Stock › {r.sku}"
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text()
        if r.low:
            left.append("! ", style=LOW_STYLE)
        left.append(r.sku, style="bold")
        left.append(f"  {r.name}")
        if not r.active:
            left.append("  inactive", style="dim")
        right = Text("on hand ", style="dim")
        right.append(f"{qty(r.on_hand, r.unit)} {r.unit}", style=LOW_STYLE if r.low else "bold")
        right.append(" · worth ", style="dim")
        right.append(money(r.value), style="bold")
        right.append(f" · at {price(r.unit_cost)}", style="dim")
        heading.add_row(left, right)
        self.query_one("#heading", Static).update(heading)
        facts = Text(style="dim", no_wrap=True, overflow="ellipsis")
        facts.append(f"price {price(r.price)} · tax {r.tax_rate.normalize():f}%")
        if r.reorder_point:
            facts.append(f" · reorder at {qty(r.reorder_point, r.unit)}, order {qty(r.reorder_qty, r.unit)}")
        if r.on_order:
            facts.append(f" · on order {qty(r.on_order, r.unit)}")
        if r.supplier:
            facts.append(f" · supplier {r.supplier}")
        self.query_one("#facts", Static).update(facts)
        self.query_one("#where", Static).update(self._where(v))
        self.refresh_bindings()
        self._reload(keep_cursor=not first, force=True)
        self.count_all()

    def _where(self, v: ProductView) -> Table | Text:
        unit = v.row.unit
        rows = [(r.location, r.on_hand, r.reserved, r.available) for r in v.onhand]
        if not rows:
            return Text("Nothing on hand at any location.", style="dim")
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=False)
        table.add_column("Location", no_wrap=True, overflow="ellipsis", max_width=30)
        for name in ("On hand", "Reserved", "Available"):
            table.add_column(name, justify="right", no_wrap=True)
        for name, on_hand, reserved, available in rows:
            table.add_row(name, qty(on_hand, unit), qty(reserved, unit) if reserved else "—", qty(available, unit))
        return table

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.stock.history(self.product_id, offset=offset, limit=limit).rows

    def fit(self, rows) -> None:
        self.app.call_from_thread(self._fit_page, list(rows))

    def count_rows(self, books, filters) -> int:
        return books.stock.history(self.product_id, limit=0).total

    def export_columns(self):  # `bizsuite stock history --format csv`
        unit = self._unit()
        return [("date", lambda r: r.date), ("kind", lambda r: r.kind), ("location", lambda r: r.location),
                ("quantity", lambda r: shown(r.quantity, unit)), ("unit_cost", lambda r: r.unit_cost),
                ("value", lambda r: r.value), ("on_hand_after", lambda r: shown(r.on_hand_after, unit)),
                ("value_after", lambda r: r.value_after), ("document", lambda r: r.document)]

    def export_what(self) -> str:
        return f"the moves of {self.view.row.sku if self.view else 'the product'}"

    def on_paged_table_counted(self, event: PagedTable.Counted) -> None:
        super().on_paged_table_counted(event)
        if self._to_newest and event.total:
            self._to_newest = False
            self.table.action_last()

    def on_paged_table_row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        self.query_one("#move-detail", Static).update(self._detail(event.row))

    def _detail(self, r: HistoryRow) -> Text:
        unit = self._unit()
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(r.document)
        if f"#{r.move_id}" not in r.document:
            text.append(f" · move #{r.move_id}", style="dim")
        text.append(f" · by {r.by}" if r.by else "", style="dim")
        if r.kind != "transfer":
            text.append(f" · {qty(abs(r.quantity), unit)} {unit} at {price(r.unit_cost)}", style="dim")
        if r.revalued:
            text.append(f" · revalued {money(r.revalued, signed=True)}", style="yellow")
        return text

    # -- keys ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("adjust", "transfer"):
            if not self.actor.can("stock.write"):
                return False
            return True if self.view is not None else None
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss()

    def _saved(self, _message: str) -> None:
        self._to_newest = True  # the cursor on the move just made
        self.load_product()

    def action_adjust(self) -> None:
        if self.view is not None:
            open_form(self, "adjust", self.view, self._saved)

    def action_transfer(self) -> None:
        if self.view is not None:
            open_form(self, "transfer", self.view, self._saved)


__all__ = ["ProductScreen", "ProductsScreen", "open_product", "palette_sections"]
