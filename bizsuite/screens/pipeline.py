"""Pipeline: the kanban board of open deals by stage, one deal's page (its facts, its stage
history, its activities), the open follow-ups, and the won and lost deals. The dialogs (new deal,
won, lost, log an activity, pick a stage, find a deal) are in :mod:`pipeline_forms`.

The board never loads a whole stage: each column is its first page of deals
(``books.pipeline.list(stage=…, limit=…)``, more as the cursor goes past the last one), and the
column headers come from one grouped query (``stage_totals``), so a book of 100k deals opens as
fast as one of ten. Every query and change goes through ``books.pipeline`` in a worker; the
handlers that receive the results are the only code that touches widgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, OptionList, Select, Static
from textual.widgets.option_list import Option

from bizsuite.core import clock
from bizsuite.core.money import format_human
from bizsuite.crm.pipeline.models import (
    LOST,
    OPEN,
    WON,
    ActivityView,
    DealRow,
    DealView,
    ForecastRow,
)
from bizsuite.crm.pipeline.repository import deal_documents
from bizsuite.screens.base import BizScreen, when
from bizsuite.screens.lists import ListScreen
from bizsuite.widgets.kanban import Kanban, fit
from bizsuite.widgets.keymap import bind
from bizsuite.widgets.paged_table import Column, PagedTable

PAGE = 50  # cards fetched per column at a time
COLUMN_WIDTH = 38  # a column is at least this wide: 80 cells show two stages, 120 three
FOLLOW_UPS = 1000  # the follow-ups list shows the most overdue this many (the CLI lists them all)


def money(value: Decimal) -> str:
    return format_human(value, None)


def pct(p: Decimal) -> str:
    return f"{p.normalize():f} %"


def late_days(day: dt.date | None, today: dt.date) -> int:
    """Days an open follow-up's day is past (0: none, or not yet due)."""
    return (today - day).days if day is not None and day < today else 0


def late_text(days: int) -> str:
    return f"! {days}d overdue" if days else ""


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# -- from anywhere (the palette, records, a contact's page) ---------------------------------------


def open_board(app) -> None:
    if app.can("pipeline.read") and app.current_mode != "pipeline":
        app.switch_mode("pipeline")


def open_deal(app, deal_id: int) -> None:
    """Show a deal from anywhere (the command palette, a contact's page): in the pipeline mode,
    over the board."""
    if not app.can("pipeline.read"):
        return
    open_board(app)
    app.push_screen(DealScreen(deal_id))


def open_follow_ups(app, show: str = "open") -> None:
    if not app.can("pipeline.read"):
        return
    open_board(app)
    app.push_screen(FollowUpsScreen(show))


QUOTE_RECORD = "deal_quotation"  # the record kind a module that writes quotations opens as a new one for a deal


def quoting() -> bool:
    """Whether an installed module writes quotations for deals (sales declares the record kind)."""
    from bizsuite.core.modules import installed

    return any(QUOTE_RECORD in m.records for m in installed())


def quote(app, deal_id: int) -> None:
    """q on a deal: the quotation form of the module that writes them (it opens over this screen)."""
    app.open_record(QUOTE_RECORD, deal_id)


def palette_sections(app) -> list[tuple[str, Callable[[], None], str]]:
    if getattr(app, "actor", None) is None or not app.can("pipeline.read"):
        return []
    return [
        ("Pipeline: board", lambda: open_board(app), "open deals by stage, with totals and weighted totals"),
        ("Pipeline: overdue follow-ups", lambda: open_follow_ups(app, "overdue"),
         "follow-ups past their day, the most overdue first"),
        ("Pipeline: won and lost deals", lambda: (open_board(app), app.push_screen(DealsScreen())),
         "closed deals, with their stage"),
    ]


# -- the one line under a board or a deal ----------------------------------------------------------


class MessageLine(Static):
    """One line: what the screen shows, or why the last change was refused. It takes a refusal as
    a form does (``show_errors``, ``set_message``), so ``submit(…, form=line)`` puts it here."""

    DEFAULT_CSS = """
    MessageLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    MessageLine.-error { color: $text-error; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.info: Text | str = ""
        self.message: str | None = None

    def show_info(self, info: Text | str) -> None:
        self.info = info
        self._draw()

    def say(self, message: str | None, *, error: bool = False) -> None:
        self.message = message
        self.set_class(bool(message) and error, "-error")
        self._draw()

    def _draw(self) -> None:
        text = Text(self.message, no_wrap=True, overflow="ellipsis") if self.message else self.info
        self.update(text)

    # what submit() calls on a form
    def show_errors(self, errors) -> list:
        self.say("; ".join(e.message if getattr(e, "field", "") in ("", None) else f"{e.field}: {e.message}"
                           for e in errors), error=True)
        return []

    def clear_errors(self) -> None:
        self.say(None)

    def set_message(self, text: str | None) -> None:
        self.say(text, error=True)


# -- the board ------------------------------------------------------------------------------------


@dataclass
class BoardColumn:
    """One open stage: its header's figures (all its deals) and the cards loaded so far."""

    stage: str
    probability: Decimal
    totals: ForecastRow
    rows: list[DealRow] = field(default_factory=list)

    @property
    def count(self) -> int:  # the board's: cards in all, loaded or not
        return self.totals.deals


def board_header(board: Kanban, c: BoardColumn, w: int, current: bool) -> list[Text]:
    """A column's head: the stage and how many deals, their amount and weighted amount."""
    head = board.style("header-current" if current else "header")
    return [fit(Text(" " + c.stage, style=head), Text(f"{plural(c.totals.deals, 'deal')} ", style=head), w),
            fit(f" {money(c.totals.amount)}", Text(f"weighted {money(c.totals.weighted)} ", style=board.style("muted")),
                w)]


def deal_card(board: Kanban, r: DealRow, w: int) -> list[Text]:
    """Number (and '! 3d overdue' when its next follow-up is past), amount; title; customer, close."""
    late = late_days(r.follow_up, clock.today())
    first = Text(" ")
    first.append(r.number, style="bold")
    if late:
        first.append(f" {late_text(late)}", style=board.style("alert"))
    close = f"close {r.close.isoformat()} " if r.close else "no close date "
    return [fit(first, Text(f"{money(r.amount)} ", style="bold"), w),
            fit(" " + r.title, "", w),
            fit(Text(" " + r.customer, style=board.style("muted")), close, w)]


class BoardScreen(BizScreen):
    PLACE = "Pipeline"
    HELP = (
        "The open deals as a board, one column per open stage: its name, how many deals, their "
        "amount and their weighted amount (each deal's amount × probability, as the forecast "
        "counts it). A card shows the deal's number, amount, title, customer and expected close; "
        "'! 3d overdue' marks a deal whose next follow-up is past its day. Columns are first "
        "ordered by expected close; going down past the last card loads more.\n\n"
        "The arrows move between cards and columns; ← and → past the edge, or [ and ], show the "
        "other stages (the line at the bottom says which are shown). Shift+→ moves the deal to "
        "the next stage, Shift+← to the one before. Enter opens the deal. w marks it won (a reason "
        "from the list, if you like), l lost (a reason is needed). n adds a deal, / finds one by "
        "number, title or customer, f lists the open follow-ups, c the won and lost deals, m shows "
        "only your deals (and again: everyone's). q writes a quotation for the deal (its customer, "
        "products picked with what is on hand and available), when sales is installed."
    )
    BINDINGS = [
        bind("board_screen.move_next", "move(1)", "Move", key_display="⇧←→"),
        bind("board_screen.move_prev", "move(-1)", "Move back", show=False),
        bind("board_screen.won", "won", "Won"),
        bind("board_screen.lost", "lost", "Lost"),
        bind("board_screen.new", "new", "New"),
        bind("board_screen.find", "find", "Find", key_display="/"),
        bind("board_screen.follow_ups", "follow_ups", "Follow-ups"),
        bind("board_screen.closed", "closed", "Won/lost", show=False),  # 80 cells hold no more: ? lists them
        bind("board_screen.mine", "mine", "Mine", show=False),
        bind("board_screen.quote", "quote", "Quote", show=False),
        bind("board_screen.back", "back", "Home"),
    ]
    CSS_PATH = "pipeline.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.mine = False
        self.versions: dict[int, int] = {}
        self.reasons: dict[str, list[str]] = {WON: [], LOST: []}
        self.stage_names: list[str] = []
        self._loads = 0
        self._keep: int | None = None

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Kanban(board_header, deal_card, min_width=COLUMN_WIDTH, empty="No deals here.", id="board")
        yield MessageLine(id="message")
        yield Footer()

    @property
    def board(self) -> Kanban:
        return self.query_one("#board", Kanban)

    @property
    def line(self) -> MessageLine:
        return self.query_one("#message", MessageLine)

    def on_mount(self) -> None:
        super().on_mount()
        self.board.focus()
        self.load_board()

    def reload_on_return(self) -> None:
        row = self.board.current_row
        self.load_board(self._keep if self._keep is not None else (row.id if row else None))

    # -- loading ---------------------------------------------------------------------------------
    def load_board(self, keep: int | None = None) -> None:
        """Read the board again; only the latest of several loads under way is shown (coming back
        from a dialog reloads, and so does what the dialog did)."""
        self._loads += 1
        if keep is None:
            keep = self._keep  # a load under way was to keep the cursor on a deal: so is this one
        self._keep = keep
        self._load_board(keep, self._loads)

    @work(thread=True, exclusive=True, exit_on_error=False, group="board")
    def _load_board(self, keep: int | None, load: int) -> None:
        owner = self.actor.name if self.mine else None

        def fetch(books):
            stages = [s for s in books.pipeline.stages() if s.kind == OPEN]
            totals = {t.key: t for t in books.pipeline.stage_totals(owner=owner)}
            columns = [BoardColumn(s.name, s.probability, totals[s.name],
                                   books.pipeline.list(stage=s.name, owner=owner, limit=PAGE)) for s in stages]
            versions = books.pipeline.versions(r.id for c in columns for r in c.rows)
            return columns, versions, {WON: books.pipeline.reasons(WON), LOST: books.pipeline.reasons(LOST)}

        self.fetch_and_show(fetch, lambda got: self._show(*got, keep=keep, load=load))

    def _show(self, columns, versions, reasons, *, keep: int | None, load: int) -> None:
        if load != self._loads:
            return  # a later load is under way
        self._keep = None
        self.versions, self.reasons = versions, reasons
        self.stage_names = [c.stage for c in columns]
        self.board.empty = "None of yours here." if self.mine else "No deals here."
        self.board.set_columns(columns, keep=keep)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="more")
    def load_more(self, column: int) -> None:
        owner = self.actor.name if self.mine else None
        c = self.board.columns[column]
        offset = len(c.rows)

        def fetch(books):
            rows = books.pipeline.list(stage=c.stage, owner=owner, limit=PAGE, offset=offset)
            return rows, books.pipeline.versions(r.id for r in rows)

        def show(got) -> None:
            rows, versions = got
            self.versions.update(versions)
            self.board.extend(column, rows)

        self.fetch_and_show(fetch, show)

    def on_kanban_want_more(self, event: Kanban.WantMore) -> None:
        self.load_more(event.column)

    def on_kanban_moved(self, event: Kanban.Moved) -> None:
        if event.by_key:
            self.line.say(None)
        self._info()
        self.refresh_bindings()

    def _info(self) -> None:
        b = self.board
        if not b.columns:
            return
        n = b.visible
        text = Text(no_wrap=True, overflow="ellipsis")
        first, last = b.left + 1, min(b.left + n, len(b.columns))
        text.append(f"stages {first}–{last} of {len(b.columns)}" if first != last else
                    f"stage {first} of {len(b.columns)}", style="bold")
        before = [c.stage for c in b.columns[:b.left]]
        after = [c.stage for c in b.columns[b.left + n:]]
        if before:
            text.append(" · ← " + ", ".join(before))
        if after:
            text.append(" · → " + ", ".join(after))
        deals = sum(c.totals.deals for c in b.columns)
        text.append(f" · {plural(deals, 'open deal')}" + (" of yours" if self.mine else ""))
        self.line.show_info(text)

    def on_kanban_selected(self, event: Kanban.Selected) -> None:
        self.line.say(None)  # what was said here is old news once back
        self.app.push_screen(DealScreen(event.row.id))

    # -- keys ------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "quote":  # who may write a quotation is the quoting module's to say
            return quoting() and self.board.current_row is not None
        if action in ("move", "won", "lost", "new"):
            if not self.actor.can("pipeline.write"):
                return False
            if action == "new":
                return True
            return True if self.board.current_row is not None else None
        return super().check_action(action, parameters)

    def action_quote(self) -> None:
        row = self.board.current_row
        if row is not None:
            self.line.say(None)
            quote(self.app, row.id)

    def action_back(self) -> None:
        self.bizapp.open_module("home")

    def _changed(self, message: str, keep: int | None) -> None:
        self.line.say(message)
        self.load_board(keep)

    def action_move(self, step: int) -> None:
        row = self.board.current_row
        if row is None or not self.actor.can("pipeline.write"):
            return
        names = self.stage_names
        at = names.index(row.stage) if row.stage in names else -1
        to = at + step
        if at < 0 or not 0 <= to < len(names):
            edge = "first" if step < 0 else "last"
            self.line.say(f"{row.number} is at {row.stage}, the {edge} open stage"
                          + (": w marks it won, l lost" if step > 0 else ""), error=True)
            return
        deal_id, target, version = row.id, names[to], self.versions.get(row.id)
        self.submit(lambda books: books.pipeline.move(deal_id, target, expect_version=version),
                    lambda v: self._changed(f"{v.number} moved to {v.stage}: {pct(v.probability)}, "
                                            f"weighted {money(v.weighted)}", v.id),
                    form=self.line, refused=lambda: self.load_board(deal_id))

    def _dialog(self, form, deal_id: int | None) -> None:
        def done(message: str | None) -> None:
            if message:
                self._changed(message, deal_id)

        self.app.push_screen(form, done)

    def action_won(self) -> None:
        from bizsuite.screens.pipeline_forms import CloseForm

        row = self.board.current_row
        if row is not None and self.actor.can("pipeline.write"):
            self._dialog(CloseForm(WON, row, self.versions.get(row.id), self.reasons[WON]), None)

    def action_lost(self) -> None:
        from bizsuite.screens.pipeline_forms import CloseForm

        row = self.board.current_row
        if row is not None and self.actor.can("pipeline.write"):
            self._dialog(CloseForm(LOST, row, self.versions.get(row.id), self.reasons[LOST]), None)

    def action_new(self) -> None:
        from bizsuite.screens.pipeline_forms import NewDealForm

        if not self.actor.can("pipeline.write") or not self.stage_names:
            return
        stage = self.board.columns[self.board.col].stage if self.board.columns else None

        def done(made) -> None:
            if made:
                deal_id, message = made
                self._changed(message, deal_id)

        self.app.push_screen(NewDealForm(self.stage_names, stage), done)

    def action_find(self) -> None:
        from bizsuite.screens.pipeline_forms import FindDialog

        def picked(deal_id: int | None) -> None:
            if deal_id is not None:
                self.app.push_screen(DealScreen(deal_id))

        self.line.say(None)
        self.app.push_screen(FindDialog(), picked)

    def action_follow_ups(self) -> None:
        self.line.say(None)
        self.app.push_screen(FollowUpsScreen())

    def action_closed(self) -> None:
        self.line.say(None)
        self.app.push_screen(DealsScreen())

    def action_mine(self) -> None:
        self.mine = not self.mine
        self.line.say(None)  # the line says "of yours" while only they are shown
        row = self.board.current_row
        self.load_board(row.id if row else None)


# -- one deal -------------------------------------------------------------------------------------


def facts_table(v: DealView, today: dt.date) -> Table:
    t = Table.grid(expand=True, padding=(0, 1))
    t.add_column(style="dim", no_wrap=True, width=8)
    t.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    t.add_column(style="dim", no_wrap=True, width=8)
    t.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    prob = Text(pct(v.probability))
    if v.status == OPEN:
        prob.append(" (set by hand)" if v.probability_set else " (the stage's)", style="dim")
    t.add_row("Customer", Text(v.customer, style="bold"), "Stage",
              Text(v.stage + (f" on {v.closed_on}" if v.status != OPEN and v.closed_on else "")))
    t.add_row("Amount", Text(money(v.amount), style="bold"), "Prob.", prob)
    t.add_row("Weighted", money(v.weighted), "Close", v.close.isoformat() if v.close else Text("—", style="dim"))
    t.add_row("Owner", v.owner, "Source", v.source or Text("—", style="dim"))
    reason = Text(v.reason) if v.reason else Text("—", style="dim")
    t.add_row("Tags", ", ".join(v.tags) if v.tags else Text("—", style="dim"), "Reason", reason)
    return t


def history_table(v: DealView, rows: int = 4) -> Table:
    t = Table.grid(expand=True, padding=(0, 1))
    t.add_column(no_wrap=True, width=12)
    t.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    t.add_column(no_wrap=True, justify="right", style="dim")
    changes = v.history[-rows:]
    for h in reversed(changes):  # the latest first
        what = Text(f"{h.from_stage} → {h.to_stage}" if h.from_stage else f"added at {h.to_stage}")
        if h.reason:
            what.append(f" ({h.reason})", style="dim")
        t.add_row(Text(when(h.at), style="dim"), what, f"by {h.by}")
    return t


def activity_order(activities: list[ActivityView]) -> list[ActivityView]:
    """Open follow-ups first, the soonest due first; then the rest, the latest first."""
    open_ = sorted((a for a in activities if a.due is not None and a.done_at is None), key=lambda a: (a.due, a.id))
    rest = sorted((a for a in activities if not (a.due is not None and a.done_at is None)), key=lambda a: -a.id)
    return open_ + rest


def activity_option(a: ActivityView, today: dt.date) -> Option:
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(no_wrap=True, width=7)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    late = a.overdue_days(today)
    if a.due is not None and a.done_at is None:
        right = Text(f"due {a.due.isoformat()}", style="bold" if late else "")
        if late:
            right.append(f" {late_text(late)}", style="bold red")
        right.append(f" · {a.owner}", style="dim")
    elif a.due is not None:
        right = Text(f"done {when(a.done_at)} by {a.done_by}", style="dim")
    else:
        right = Text(f"{when(a.created_at)} · {a.created_by}", style="dim")
    grid.add_row(Text(a.kind, style="bold"), Text(" ".join(a.text.split())), right)
    return Option(grid, id=str(a.id))


class DealScreen(BizScreen):
    PLACE = "Pipeline › Deal"
    HELP = (
        "One deal: its customer, stage, amount, probability and weighted amount, expected close, "
        "owner, source, tags and, once won or lost, the reason. Then how it went through the "
        "stages (the latest first) and its activities: open follow-ups first, soonest due first "
        "('! 3d overdue' once their day has passed), then what was done, the latest first.\n\n"
        "a logs an activity (a call, meeting, email, task or note; with a due date it is a "
        "follow-up). d marks the selected follow-up done. m moves the deal to another open stage, "
        "w marks it won, l lost (with a reason from the list), r reopens a won or lost deal "
        "(back to the stage it closed from). q writes a quotation for it, when sales is installed "
        "(confirming the quotation marks the deal won).\n\n"
        "With sales installed, and for a role that may read it, the deal's quotations and orders "
        "are listed under its stages — each one's status, day, total, how much is delivered and "
        "paid — with what of them is invoiced and paid in all. Tab moves between the documents "
        "and the activities; Enter on a document opens it."
    )
    BINDINGS = [
        bind("deal_screen.log", "log", "Log activity"),
        bind("deal_screen.done", "done", "Done"),
        bind("deal_screen.move", "move", "Move"),
        bind("deal_screen.won", "won", "Won"),
        bind("deal_screen.lost", "lost", "Lost"),
        bind("deal_screen.reopen", "reopen", "Reopen"),
        bind("deal_screen.quote", "quote", "Quote", show=False),
        bind("deal_screen.back", "back", "Back"),
    ]
    CSS_PATH = "pipeline.tcss"

    def __init__(self, deal_id: int) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.view: DealView | None = None
        self.stage_names: list[str] = []
        self.reasons: dict[str, list[str]] = {WON: [], LOST: []}
        self.activities: dict[str, ActivityView] = {}
        self.documents: dict[str, tuple[str, int]] = {}  # option id → (record kind, id)

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Static("", id="heading")
        yield Static("", id="facts")
        yield Static("", id="history-title", classes="section")
        yield Static("", id="history")
        yield Static("", id="documents-title", classes="section")
        yield OptionList(id="documents")
        yield Static("", id="activities-title", classes="section")
        yield OptionList(id="activities")
        yield MessageLine(id="message")
        yield Footer()

    @property
    def line(self) -> MessageLine:
        return self.query_one("#message", MessageLine)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#activities").focus()
        self.load_deal()

    def reload_on_return(self) -> None:
        self.load_deal()

    @work(thread=True, exclusive=True, exit_on_error=False, group="deal")
    def load_deal(self) -> None:
        def fetch(books):
            v = books.pipeline.deal(self.deal_id)
            stages = [s.name for s in books.pipeline.stages() if s.kind == OPEN]
            reasons = {WON: books.pipeline.reasons(WON), LOST: books.pipeline.reasons(LOST)}
            return v, stages, reasons, deal_documents(books, v.id)

        self.fetch_and_show(fetch, lambda got: self._show(*got))

    def _show(self, v: DealView, stages: list[str], reasons: dict[str, list[str]], documents: list[dict]) -> None:
        self.view, self.stage_names, self.reasons = v, stages, reasons
        today = clock.today()
        self.PLACE = f"Pipeline › {v.number}"
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text()
        left.append(v.number, style="bold")
        left.append(f"  {v.title}")
        status = {OPEN: "open", WON: "WON", LOST: "LOST"}[v.status]
        heading.add_row(left, Text(status, style="bold"))
        self.query_one("#heading", Static).update(heading)
        self.query_one("#facts", Static).update(facts_table(v, today))
        shown = min(len(v.history), 3)
        more = f" · the latest {shown}" if len(v.history) > shown else ""
        self.query_one("#history-title", Static).update(Text(f"Stages ({len(v.history)}){more}", style="bold"))
        self.query_one("#history", Static).update(history_table(v, shown))
        self._show_documents(v, documents)
        ordered = activity_order(v.activities)
        self.activities = {str(a.id): a for a in ordered}
        open_ = [a for a in ordered if a.due is not None and a.done_at is None]
        late = sum(1 for a in open_ if a.overdue_days(today))
        title = Text(f"Activities ({len(ordered)})", style="bold")
        if open_:
            title.append(f" · {plural(len(open_), 'open follow-up')}")
        if late:
            title.append(f" · ! {late:,} overdue", style="bold")
        self.query_one("#activities-title", Static).update(title)
        notes = " ".join((v.notes or "").split())
        self.line.show_info(Text(f"Notes: {notes}", no_wrap=True, overflow="ellipsis") if notes else "")
        options = self.query_one("#activities", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if ordered:
            options.add_options([activity_option(a, today) for a in ordered])
            options.highlighted = min(highlighted or 0, len(ordered) - 1)
        else:
            options.add_option(Option(Text("Nothing logged yet: a logs a call, a meeting, a note or a follow-up.",
                                           style="dim"), disabled=True))
        self.refresh_bindings()

    def _show_documents(self, v: DealView, documents: list[dict]) -> None:
        """The deal's quotations and orders (what the ``pipeline.deal_documents`` hook gives); the
        section is not there when no module keeps documents the user may read."""
        title = self.query_one("#documents-title", Static)
        options = self.query_one("#documents", OptionList)
        title.display = options.display = bool(documents)
        if not documents:
            return
        orders = [(doc["opens"], o) for doc in documents for o in doc["orders"]]
        self.documents = {f"{kind}:{o.id}": (kind, o.id) for kind, o in orders}
        head = Text(f"Quotations and orders ({len(orders)})", style="bold")
        if orders:
            invoiced = sum((doc["invoiced"] for doc in documents[1:]), documents[0]["invoiced"])
            paid = sum((doc["paid"] for doc in documents[1:]), documents[0]["paid"])
            head.append(f" · invoiced {money(invoiced)} · paid {money(paid)}")
        elif quoting() and v.status != LOST:
            head.append(" · none yet: q writes a quotation", style="dim")
        title.update(head)
        options.display = bool(orders)
        highlighted = options.highlighted
        options.clear_options()
        for kind, o in orders:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{o.number:<9} ", style="bold")
            line.append(f"{o.status.replace('_', ' '):<10} {o.date:%d %b %Y} ")
            line.append(f"{money(o.total):>12}")
            line.append(f"  delivered {o.delivered} · paid {money(o.paid)}", style="dim")
            options.add_option(Option(line, id=f"{kind}:{o.id}"))
        if orders:
            options.highlighted = min(highlighted or 0, len(orders) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "documents" and event.option.id in self.documents:
            event.stop()
            self.app.open_record(*self.documents[event.option.id])

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()

    # -- keys ------------------------------------------------------------------------------------
    def selected(self) -> ActivityView | None:
        options = self.query_one("#activities", OptionList)
        if options.highlighted is None or not self.activities:
            return None
        return self.activities.get(options.get_option_at_index(options.highlighted).id or "")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "quote":
            return quoting() and self.view is not None and self.view.status != LOST
        if action in ("log", "done", "move", "won", "lost", "reopen"):
            if not self.actor.can("pipeline.write"):
                return False
            v = self.view
            if v is None:
                return None
            if action in ("move", "won", "lost"):
                return v.status == OPEN
            if action == "reopen":
                return v.status != OPEN
            if action == "done":
                a = self.selected()
                return a is not None and a.due is not None and a.done_at is None
            return True
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss()

    def _after(self, message: str) -> None:
        self.line.say(message)
        self.load_deal()

    def _write(self, work, message: Callable[[Any], str]) -> None:
        self.submit(work, lambda result: self._after(message(result)), form=self.line, refused=self.load_deal)

    def _dialog(self, form) -> None:
        def done(message: str | None) -> None:
            if message:
                self._after(message)

        self.app.push_screen(form, done)

    def action_log(self) -> None:
        from bizsuite.screens.pipeline_forms import LogForm

        if self.view is not None and self.actor.can("pipeline.write"):
            self._dialog(LogForm(self.view))

    def action_done(self) -> None:
        a = self.selected()
        if a is None or not self.actor.can("pipeline.write"):
            return
        activity_id = a.id
        self._write(lambda books: books.pipeline.done(activity_id),
                    lambda done: f"done: {done.kind} {' '.join(done.text.split())!r}")

    def action_move(self) -> None:
        from bizsuite.screens.pipeline_forms import StagePicker

        v = self.view
        if v is None or v.status != OPEN or not self.actor.can("pipeline.write"):
            return
        deal_id, version = v.id, v.version

        def picked(stage: str | None) -> None:
            if stage:
                self._write(lambda books: books.pipeline.move(deal_id, stage, expect_version=version),
                            lambda d: f"{d.number} moved to {d.stage}: {pct(d.probability)}, "
                                      f"weighted {money(d.weighted)}")

        self.app.push_screen(StagePicker(v, [s for s in self.stage_names if s != v.stage]), picked)

    def _close(self, kind: str) -> None:
        from bizsuite.screens.pipeline_forms import CloseForm

        v = self.view
        if v is not None and v.status == OPEN and self.actor.can("pipeline.write"):
            self._dialog(CloseForm(kind, v, v.version, self.reasons[kind]))

    def action_won(self) -> None:
        self._close(WON)

    def action_lost(self) -> None:
        self._close(LOST)

    def action_quote(self) -> None:
        if self.view is not None and self.view.status != LOST:
            quote(self.app, self.view.id)

    def action_reopen(self) -> None:
        v = self.view
        if v is None or v.status == OPEN or not self.actor.can("pipeline.write"):
            return
        deal_id, version = v.id, v.version
        self._write(lambda books: books.pipeline.reopen(deal_id, expect_version=version),
                    lambda d: f"{d.number} reopened at {d.stage}")


# -- the follow-ups and the closed deals ----------------------------------------------------------


FOLLOW_UP_FILTERS = [("All open follow-ups", "open"), ("Overdue", "overdue"), ("Mine", "mine"),
                     ("Mine, overdue", "mine-overdue")]


class FollowUpsScreen(ListScreen):
    PLACE = "Pipeline › Follow-ups"
    HELP = (
        "The open follow-ups of every deal, the most overdue first: the day each is due, how many "
        "days it is past its day (Overdue: '! 3d'), the deal, its customer, what is to be done and "
        "for whom. The filter (Tab) shows only the overdue ones, or only yours. Enter opens the "
        "deal; d marks the selected follow-up done. The list shows the first "
        f"{FOLLOW_UPS:,}; bizsuite pipeline follow-ups lists them all."
    )
    BINDINGS = [
        bind("follow_ups_screen.done", "done", "Done"),
        bind("follow_ups_screen.back", "back", "Board"),
    ]
    CSS_PATH = "pipeline.tcss"
    TABLE_ID = "follow-ups"
    NOUNS = ("follow-up", "follow-ups")
    EMPTY = "No open follow-ups match: log one on a deal (a, with a due date)."
    EXPORT_NAME = "follow-ups"

    def __init__(self, show: str = "open") -> None:
        super().__init__()
        self.show = show

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="filters"):
            yield Select(FOLLOW_UP_FILTERS, allow_blank=False, value=self.show, id="show", compact=True)
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        today = clock.today()

        def late(r) -> Text:
            days = r.overdue_days(today)
            return Text(f"! {days:,}d", style="bold red") if days else Text("")

        return [
            Column("due", "Due", width=10, render=lambda r: r.due.isoformat()),
            Column("late", "Overdue", width=8, render=late),
            Column("deal", "Deal", width=8),
            Column("customer", "Customer", ratio=2, min_width=8),
            Column("text", "To do", ratio=3, min_width=10, render=lambda r: f"{r.kind}: {' '.join(r.text.split())}"),
            Column("owner", "For", width=8),
        ]

    def filters(self) -> dict[str, Any]:
        return {"show": self.query_one("#show", Select).value}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return filters["show"] != "open"

    def _query(self, filters) -> dict[str, Any]:
        show = filters["show"]
        return {"owner": self.actor.name if show.startswith("mine") else None, "overdue": show.endswith("overdue")}

    def fetch_page(self, books, filters, sort, offset, limit):
        if offset >= FOLLOW_UPS:
            return []
        return books.pipeline.follow_ups(**self._query(filters), limit=min(offset + limit, FOLLOW_UPS))[offset:]

    def count_rows(self, books, filters) -> int:
        return len(books.pipeline.follow_ups(**self._query(filters), limit=FOLLOW_UPS))

    def status_parts(self) -> list[str]:
        parts = super().status_parts()
        if self._total is not None and self._total >= FOLLOW_UPS:
            parts.append(f"the first {FOLLOW_UPS:,} (bizsuite pipeline follow-ups: all)")
        return parts

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(DealScreen(event.row.deal_id))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "done":
            return self.actor.can("pipeline.write")
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.dismiss()

    def action_done(self) -> None:
        row = self.table.cursor_row
        if row is None or not self.actor.can("pipeline.write"):
            return
        activity_id = row.id

        def done(a) -> None:
            self.notify(f"{row.deal}: done, {a.kind} {' '.join(a.text.split())!r}")
            self.refresh_list(keep_cursor=True)

        self.submit(lambda books: books.pipeline.done(activity_id), done, title="Not done")


DEAL_FILTERS = [("Won", WON), ("Lost", LOST), ("All deals", "all"), ("Open", OPEN)]


class DealsScreen(ListScreen):
    PLACE = "Pipeline › Deals"
    HELP = (
        "Deals as a list, by stage then expected close: the won ones (the filter, Tab: the lost "
        "ones, all deals, the open ones), with their customer, stage, amount and expected close. "
        "Enter opens the deal; there r reopens a won or lost deal."
    )
    BINDINGS = [bind("deals_screen.back", "back", "Board")]
    CSS_PATH = "pipeline.tcss"
    TABLE_ID = "deals"
    NOUNS = ("deal", "deals")
    EMPTY = "No deals match."
    EXPORT_NAME = "deals"

    def __init__(self, status: str = WON) -> None:
        super().__init__()
        self.status = status

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="filters"):
            yield Select(DEAL_FILTERS, allow_blank=False, value=self.status, id="show", compact=True)
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return [
            Column("number", "Deal", width=7),
            Column("title", "Title", ratio=3, min_width=10),
            Column("customer", "Customer", ratio=2, min_width=8),
            Column("stage", "Stage", width=11),
            Column("amount", "Amount", width=11, align="right", render=lambda r: money(r.amount)),
            Column("close", "Close", width=10, render=lambda r: r.close.isoformat() if r.close else ""),
        ]

    def filters(self) -> dict[str, Any]:
        return {"status": self.query_one("#show", Select).value}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return filters["status"] != "all"

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.pipeline.list(status=filters["status"], limit=limit, offset=offset)

    def count_rows(self, books, filters) -> int:
        counts = books.pipeline.counts()
        return counts["deals"] if filters["status"] == "all" else counts[filters["status"]]

    def count_everything(self, books) -> int:
        return books.pipeline.counts()["deals"]

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(DealScreen(event.row.id))

    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.dismiss()


__all__ = ["BoardColumn", "BoardScreen", "DealScreen", "DealsScreen", "FollowUpsScreen", "open_deal",
           "palette_sections"]
