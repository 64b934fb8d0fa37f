"""Ledger reports on screen: trial balance, profit and loss, balance sheet.

Each report is computed by the repository in a worker (one ``GROUP BY``), held as it came back,
shown in a :class:`PagedTable`, and exported to CSV exactly as shown: the same columns and the
same CSV rules as ``bizsuite ledger … --format csv`` (plain decimals, formula-neutralised text;
the tests hold the two to the same bytes).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Select, Static

from bizsuite.core import clock
from bizsuite.core.errors import Refused
from bizsuite.erp.ledger.reports import (
    TRIAL_BALANCE_COLUMNS,
    flatten_statement,
    statement_rows,
    trial_balance_rows,
)
from bizsuite.screens.ledger.common import LedgerSection, money, problems, text_or_none
from bizsuite.widgets.checkbox import Checkbox
from bizsuite.widgets.paged_table import Column, PagedTable
from bizsuite.widgets.keymap import bind

ZERO = Decimal("0.00")
AMOUNT_WIDTH = 13
MONTH_WIDTH = 11
LABEL_MIN = 16
DEPTHS = [("1 level", 1), ("2 levels", 2), ("3 levels", 3)]


# -- dates for the pickers ----------------------------------------------------------------------


def _month_end(day: dt.date) -> dt.date:
    nxt = day.replace(day=28) + dt.timedelta(days=4)
    return nxt - dt.timedelta(days=nxt.day)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def as_of_presets(today: dt.date) -> dict[str, tuple[str, dt.date]]:
    first = today.replace(day=1)
    return {
        "today": ("Today", today),
        "month": ("End of last month", first - dt.timedelta(days=1)),
        "quarter": ("End of last quarter", _quarter_start(today) - dt.timedelta(days=1)),
        "year": ("End of last year", dt.date(today.year - 1, 12, 31)),
    }


def period_presets(today: dt.date) -> dict[str, tuple[str, dt.date, dt.date]]:
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    q = _quarter_start(today)
    last_q_end = q - dt.timedelta(days=1)
    return {
        "this_month": ("This month", first, _month_end(today)),
        "last_month": ("Last month", last_month_end.replace(day=1), last_month_end),
        "this_quarter": ("This quarter", q, _month_end(dt.date(q.year, q.month + 2, 1))),
        "last_quarter": ("Last quarter", _quarter_start(last_q_end), last_q_end),
        "this_year": ("This year", dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
        "last_year": ("Last year", dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
    }


# -- rows on screen -----------------------------------------------------------------------------


@dataclass
class ReportLine:
    label: Text
    amounts: list[Decimal | None] = field(default_factory=list)
    kind: str = "account"  # section, account, parent, earnings, total, blank
    account_id: int | None = None
    type: str = ""

    @property
    def style(self) -> str:
        return {"section": "bold", "parent": "bold", "total": "bold", "earnings": "italic"}.get(self.kind, "")


def _label(line: ReportLine) -> Text:
    text = line.label.copy()
    if line.style:
        text.stylize(line.style)
    return text


def _amount(i: int):
    def render(line: ReportLine) -> Text:
        value = line.amounts[i] if i < len(line.amounts) else None
        return Text(money(value, blank_zero=line.kind in ("account", "parent")), style=line.style)

    return render


def amount_width(lines: list[ReportLine], minimum: int) -> int:
    """Wide enough for the widest figure (a 100k-entry company's totals run to 13 digits)."""
    widest = max((len(money(v)) for ln in lines for v in ln.amounts if v is not None), default=0)
    return max(minimum, widest)


def amount_columns(labels: list[str], width: int, indices: list[int] | None = None) -> list[Column]:
    """A right-aligned column per amount; ``indices`` picks which of the report's columns show
    (the months in view and the total, when a year of months is wider than the terminal)."""
    indices = list(range(len(labels))) if indices is None else indices
    return [Column(f"a{i}", labels[i], width=width, align="right", render=_amount(i)) for i in indices]


def statement_lines(st) -> list[ReportLine]:
    """A P&L or balance sheet as lines: each section's heading, its accounts indented (parents
    bold), then the totals."""
    out: list[ReportLine] = []
    flat = flatten_statement(st)
    for section, rows in st.sections:
        if not rows:
            out.append(ReportLine(Text(f"no {section}", style="dim"), kind="blank"))
        for ln in flat:
            if ln.section == section:
                out.append(ReportLine(Text(ln.indented), ln.amounts, kind=ln.kind, account_id=ln.account_id,
                                      type=ln.type))
        out.append(ReportLine(Text(""), kind="blank"))
    for ln in flat:
        if ln.kind == "total":
            out.append(ReportLine(Text(ln.label.capitalize()), ln.amounts, kind="total"))
    return out


def statement_csv(st) -> tuple[list[dict], list[str], list[str]]:
    """The CLI's CSV of a statement (``bizsuite ledger pnl|balance-sheet --format csv``)."""
    rows, columns = statement_rows(st)
    return rows, columns, list(st.columns)


def trial_balance_csv(tb) -> tuple[list[dict], list[str], list[str]]:
    """The CLI's CSV of a trial balance: exactly ``account,type,debit,credit,balance``."""
    return trial_balance_rows(tb), TRIAL_BALANCE_COLUMNS, ["debit", "credit", "balance"]


def _plain(value: Any) -> str:
    """A cell as the CLI's CSV writes it: plain decimals (``1234.50``), ISO dates, "" for None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def write_csv(out, rows: list[dict], columns: list[str], numeric: list[str]) -> int:
    """The CLI's CSV rules (``bizsuite.cli.common.emit`` with ``--format csv``, which the screens
    may not import: Typer stays in the CLI): a header, plain numbers, and text that a
    spreadsheet would run as a formula neutralised."""
    from bizsuite.core.importer import neutralise

    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_plain(r.get(c)) if c in numeric else neutralise(_plain(r.get(c))) for c in columns])
    return len(rows)


# -- the screens --------------------------------------------------------------------------------


REPORT_BINDINGS = [
    bind("ledger_reports.export", "export", "Export"),
    bind("ledger_reports.section_trial_balance", "section('trial_balance')", "Trial bal"),
    bind("ledger_reports.section_pnl", "section('pnl')", "P&L"),
    bind("ledger_reports.section_balance_sheet", "section('balance_sheet')", "Bal sheet"),
    bind("ledger_reports.section_journal", "section('journal')", "Journal", show=False),
    bind("ledger_reports.new_entry", "new_entry", "New entry", show=False),
    bind("ledger_reports.back", "back", "Back", show=False),
]


class ReportScreen(LedgerSection):
    """A report: controls on top, the report, a status line; x exports what is shown."""

    SECTION = ""
    BINDINGS = REPORT_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self._applied: Any = None
        self.report: Any = None  # what the repository returned, as shown
        self.params: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="controls"):
            yield from self.controls()
        yield PagedTable(self.columns(), id="report", page_size=500, empty_text="Nothing posted.")
        yield Static("", id="status")
        yield Footer()

    def controls(self) -> ComposeResult:
        raise NotImplementedError

    def columns(self, ncols: int = 1) -> list[Column]:
        raise NotImplementedError

    @property
    def table(self) -> PagedTable:
        return self.query_one("#report", PagedTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.reload()

    def reload_on_return(self) -> None:
        self.reload(force=True)

    # -- loading -------------------------------------------------------------------------------
    def wanted(self) -> dict[str, Any]:
        raise NotImplementedError

    def reload(self, *, force: bool = False) -> None:
        wanted = self.wanted()
        if wanted == self._applied and not force:
            return
        self._applied = wanted
        self.query_one("#status", Static).update("computing…")
        self.compute(wanted)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def compute(self, wanted: dict[str, Any]) -> None:
        try:
            with self.store.read(self.actor) as books:
                report = self.run(books.ledger, wanted)
        except Refused as exc:
            self.app.call_from_thread(self._failed, problems(exc))
            return
        self.app.call_from_thread(self._computed, wanted, report)

    def run(self, ledger, wanted: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _failed(self, message: str) -> None:
        self._applied = None
        self.report = None
        self.table.reload(lambda offset, limit: ([], 0))
        self.query_one("#status", Static).update(Text(message, style="bold red"))
        self.notify(message, severity="error", timeout=8)

    def _computed(self, wanted: dict[str, Any], report: Any) -> None:
        if wanted != self._applied:
            return  # asked for something else since
        self.report, self.params = report, wanted
        lines, columns = self.lines(report)
        self.table.columns = columns
        self.table.reload(lambda offset, limit: (lines[offset:offset + limit], len(lines)), keep_cursor=True)
        self.query_one("#status", Static).update(self.status(report))

    def lines(self, report: Any) -> tuple[list[ReportLine], list[Column]]:
        raise NotImplementedError

    def status(self, report: Any) -> Text | str:
        return ""

    # -- events --------------------------------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.reload()
        self.focus_next()

    @on(Input.Blurred)
    def _left(self) -> None:
        self.reload()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        line = event.row
        if line.account_id is not None:
            start, end = self.register_dates()
            self.open_register(line.account_id, start=start, end=end)

    def register_dates(self) -> tuple[str, str]:
        return "", self.params.get("as_of") or ""

    # -- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "section" and parameters[:1] == (self.SECTION,):
            return False  # this very report
        if action == "export":
            return True if self.report is not None else None
        return super().check_action(action, parameters)

    def export_rows(self) -> tuple[list[dict], list[str], list[str]]:
        raise NotImplementedError

    def export_name(self) -> str:
        raise NotImplementedError

    def action_export(self) -> None:
        from bizsuite.screens.export import ExportDialog

        if self.report is None:
            return
        rows, columns, numeric = self.export_rows()
        what = f"{self.report_title()}: {len(rows):,} rows, columns {','.join(columns)}"
        self.app.push_screen(ExportDialog(what, self.export_name(),
                                          lambda out: write_csv(out, rows, columns, numeric)))

    def report_title(self) -> str:
        return self.PLACE.split("›")[-1].strip()

    # -- shared controls -----------------------------------------------------------------------
    def as_of_controls(self) -> ComposeResult:
        presets = as_of_presets(clock.today())
        yield Static("As of", classes="label")
        yield Input(clock.today().isoformat(), id="as-of", compact=True, placeholder="YYYY-MM-DD", classes="date")
        yield Select([(label, key) for key, (label, _) in presets.items()], value="today", id="preset",
                     prompt="Custom date", compact=True)
        yield Select(DEPTHS, prompt="All levels", id="depth", compact=True)

    def _depth(self) -> int | None:
        value = self.query_one("#depth", Select).value
        return None if value is Select.NULL else int(value)

    @on(Select.Changed, "#depth")
    def _depth_changed(self) -> None:
        self.reload()


class _AsOfReport(ReportScreen):
    def controls(self) -> ComposeResult:
        yield from self.as_of_controls()

    def wanted(self) -> dict[str, Any]:
        return {"as_of": text_or_none(self.query_one("#as-of", Input).value), "depth": self._depth()}

    @on(Select.Changed, "#preset")
    def _preset_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:
            return
        day = as_of_presets(clock.today())[str(event.value)][1].isoformat()
        box = self.query_one("#as-of", Input)
        if box.value != day:
            with box.prevent(Input.Changed):
                box.value = day
        self.reload()

    @on(Input.Changed, "#as-of")
    def _as_of_typed(self, event: Input.Changed) -> None:
        preset = self.query_one("#preset", Select)
        match = next((k for k, (_, d) in as_of_presets(clock.today()).items() if d.isoformat() == event.value.strip()),
                     None)
        with preset.prevent(Select.Changed):
            preset.value = match if match is not None else Select.NULL


class TrialBalanceScreen(_AsOfReport):
    PLACE = "Ledger › Trial balance"
    SECTION = "trial_balance"
    HELP = (
        "Every account with postings up to the 'As of' date: its debits, its credits, and the "
        "balance (debits − credits). The totals at the bottom always agree: debits equal credits. "
        "Pick a date from the list or type one (Enter applies it); the depth list adds "
        "sub-accounts into their parent at that level. Enter opens an account's register.\n\n"
        "x exports the trial balance shown to a CSV file with the columns of `bizsuite ledger "
        "trial-balance --format csv`: account,type,debit,credit,balance. p and b open the profit "
        "and loss and the balance sheet."
    )

    def columns(self, ncols: int = 1, width: int = AMOUNT_WIDTH) -> list[Column]:
        return [Column("label", "Account", ratio=1, min_width=LABEL_MIN, render=_label),
                *amount_columns(["Debit", "Credit", "Balance"], width)]

    def run(self, ledger, wanted: dict[str, Any]) -> Any:
        return ledger.trial_balance(as_of=wanted["as_of"], depth=wanted["depth"])

    def lines(self, tb) -> tuple[list[ReportLine], list[Column]]:
        out = [ReportLine(Text(r["account"].capitalize() if r["account_id"] is None else r["account"]),
                          [r["debit"], r["credit"], r["balance"]], account_id=r["account_id"],
                          kind="account" if r["account_id"] is not None else "total",
                          type=r["type"])
               for r in trial_balance_rows(tb, with_total=True)]
        return out, self.columns(width=amount_width(out, AMOUNT_WIDTH))

    def status(self, tb) -> str:
        as_of = self.params.get("as_of")
        return f"{len(tb):,} accounts with postings · " + (f"as of {as_of}" if as_of else "all dates")

    def export_rows(self):
        return trial_balance_csv(self.report)

    def export_name(self) -> str:
        return f"trial-balance-{self.params.get('as_of') or 'all'}.csv"


class BalanceSheetScreen(_AsOfReport):
    PLACE = "Ledger › Balance sheet"
    SECTION = "balance_sheet"
    HELP = (
        "Assets, liabilities and equity as of the 'As of' date, each account with its "
        "sub-accounts (parents in bold). Income and expenses not yet closed into retained "
        "earnings show in equity as the year's earnings, so total assets equal total "
        "liabilities and equity. Pick a date from the list or type one (Enter applies it); the "
        "depth list rolls sub-accounts up. Enter opens an account's register.\n\n"
        "x exports what is shown to CSV with the columns of `bizsuite ledger balance-sheet "
        "--format csv`. t and p open the trial balance and the profit and loss."
    )

    def columns(self, ncols: int = 1, width: int = AMOUNT_WIDTH + 3) -> list[Column]:
        return [Column("label", "Account", ratio=1, min_width=LABEL_MIN, render=_label),
                *amount_columns(["Balance"], width)]

    def run(self, ledger, wanted: dict[str, Any]) -> Any:
        return ledger.balance_sheet(as_of=wanted["as_of"], depth=wanted["depth"])

    def lines(self, st) -> tuple[list[ReportLine], list[Column]]:
        lines = statement_lines(st)
        return lines, self.columns(width=amount_width(lines, AMOUNT_WIDTH + 3))

    def status(self, st) -> Text:
        totals = {r.label: r.amounts[0] for r in st.totals}
        assets = totals.get("total assets", ZERO)
        other = totals.get("total liabilities and equity", ZERO)
        text = Text(st.title + " · ")
        if assets == other:
            text.append("assets = liabilities + equity", style="green")
        else:
            text.append(f"assets and liabilities + equity differ by {money(assets - other)}", style="bold red")
        return text

    def export_rows(self):
        return statement_csv(self.report)

    def export_name(self) -> str:
        return f"balance-sheet-{self.report.title.rsplit(' ', 1)[-1]}.csv"


class ProfitLossScreen(ReportScreen):
    PLACE = "Ledger › Profit and loss"
    SECTION = "pnl"
    HELP = (
        "Income and expenses for the period from 'From' to 'To' (year-end closing entries left "
        "out), each account with its sub-accounts, and the net income. Pick a period from the "
        "list (this month, last quarter, this year, …) or type the dates (Enter applies them). "
        "m shows one column per month and a total; when the months are wider than the terminal "
        "(a year at 80 columns) the accounts and the total stay put and ← → scroll through the "
        "months. Enter opens an account's register for the period.\n\n"
        "x exports what is shown to CSV with the columns of `bizsuite ledger pnl --format csv` "
        "(with --monthly when months are shown). t and b open the trial balance and the balance "
        "sheet."
    )
    BINDINGS = [bind("profit_loss_screen.monthly", "monthly", "Monthly"), bind("profit_loss_screen.months_minus1", "months(-1)", "Earlier", show=False),
                bind("profit_loss_screen.months_1", "months(1)", "Later", show=False), *REPORT_BINDINGS]

    def __init__(self) -> None:
        super().__init__()
        self._first = 0  # the first month in view when not all of them fit
        self._window: tuple[int, int, int] | None = None  # (first, shown, months) of the table

    def controls(self) -> ComposeResult:
        presets = period_presets(clock.today())
        start, end = presets["this_year"][1:]
        yield Select([(label, key) for key, (label, _, _) in presets.items()], value="this_year", id="preset",
                     prompt="Custom period", compact=True)
        yield Static("From", classes="label short")
        yield Input(start.isoformat(), id="from", compact=True, placeholder="YYYY-MM-DD", classes="date")
        yield Static("To", classes="label short")
        yield Input(end.isoformat(), id="to", compact=True, placeholder="YYYY-MM-DD", classes="date")
        yield Checkbox("Monthly", False, id="monthly", compact=True)
        yield Select(DEPTHS, prompt="All levels", id="depth", compact=True)

    def columns(self, ncols: int = 1, labels: list[str] | None = None, width: int = 0) -> list[Column]:
        label = Column("label", "Account", ratio=1, min_width=LABEL_MIN, render=_label)
        if ncols == 1:
            return [label, *amount_columns(["Amount"], max(width, AMOUNT_WIDTH + 3))]
        return [label, *amount_columns(labels or [], max(width, MONTH_WIDTH))]

    def _months_that_fit(self, months: int, width: int) -> int:
        """How many month columns fit beside the accounts and the total (at least one)."""
        available = (self.table.size.width or self.size.width) - 3
        return max(1, min(months, (available - LABEL_MIN) // (width + 1) - 1))

    def action_months(self, step: int) -> None:
        """Scroll the months sideways (the accounts and the total stay)."""
        if self._window is None or self.report is None:
            return
        first, shown, months = self._window
        new = max(0, min(months - shown, first + step))
        if new != first:
            self._first = new
            self._computed(self._applied, self.report)

    def wanted(self) -> dict[str, Any]:
        return {"start": self.query_one("#from", Input).value.strip(), "end": self.query_one("#to", Input).value.strip(),
                "monthly": self.query_one("#monthly", Checkbox).value, "depth": self._depth()}

    def reload(self, *, force: bool = False) -> None:
        wanted = self.wanted()
        if wanted != self._applied:
            self._first = 0
        if wanted == self._applied and not force:
            self._show_status()
            return
        self._applied = wanted
        self.query_one("#status", Static).update("computing…")
        self.compute(wanted)

    def run(self, ledger, wanted: dict[str, Any]) -> Any:
        return ledger.profit_and_loss(start=wanted["start"], end=wanted["end"], monthly=wanted["monthly"],
                                      depth=wanted["depth"])

    def lines(self, st) -> tuple[list[ReportLine], list[Column]]:
        labels = [c if c != "total" else "Total" for c in st.columns]
        lines = statement_lines(st)
        self._window = None
        if len(st.columns) == 1:
            return lines, self.columns(1, labels, amount_width(lines, AMOUNT_WIDTH + 3))
        width = amount_width(lines, len("2026-01") + 1)  # as wide as the widest figure: more months in view
        months = len(st.columns) - 1
        shown = self._months_that_fit(months, width)
        first = max(0, min(self._first, months - shown))
        self._first = first
        if shown < months:
            self._window = (first, shown, months)
        label = Column("label", "Account", ratio=1, min_width=LABEL_MIN, render=_label)
        return lines, [label, *amount_columns(labels, width, [*range(first, first + shown), months])]

    def _show_status(self) -> None:
        if self.report is not None:
            self.query_one("#status", Static).update(self.status(self.report))

    def status(self, st) -> Text:
        net = next((r.amounts[-1] for r in st.totals if r.label == "net income"), ZERO)
        text = Text(f"{st.title} · net income ")
        text.append(money(net), style="bold")
        if self._window is not None:
            first, shown, months = self._window
            text.append(f"  ·  months {first + 1}–{first + shown} of {months}, ← → for more", style="yellow")
        return text

    def register_dates(self) -> tuple[str, str]:
        return self.params.get("start") or "", self.params.get("end") or ""

    @on(Select.Changed, "#preset")
    def _preset_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:
            return
        _, start, end = period_presets(clock.today())[str(event.value)]
        for widget_id, day in (("from", start), ("to", end)):
            box = self.query_one(f"#{widget_id}", Input)
            with box.prevent(Input.Changed):
                box.value = day.isoformat()
        self.reload()

    @on(Input.Changed, "#from, #to")
    def _dates_typed(self) -> None:
        start, end = self.query_one("#from", Input).value.strip(), self.query_one("#to", Input).value.strip()
        match = next((k for k, (_, s, e) in period_presets(clock.today()).items()
                      if (s.isoformat(), e.isoformat()) == (start, end)), None)
        preset = self.query_one("#preset", Select)
        with preset.prevent(Select.Changed):
            preset.value = match if match is not None else Select.NULL

    @on(Checkbox.Changed, "#monthly")
    def _monthly_changed(self) -> None:
        self.reload()

    def action_monthly(self) -> None:
        box = self.query_one("#monthly", Checkbox)
        box.value = not box.value

    def export_rows(self):
        return statement_csv(self.report)

    def export_name(self) -> str:
        p = self.params
        return f"profit-and-loss-{p.get('start')}-{p.get('end')}{'-monthly' if p.get('monthly') else ''}.csv"
