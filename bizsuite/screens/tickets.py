"""Tickets: the queue (nearest SLA due time first) and one ticket with its thread and clocks.

Every query and change goes through ``books.tickets`` in a worker thread; the handlers that
receive the results are the only code that touches widgets. Breached and due-soon tickets stand
out by colour *and* by a marker (``!!`` breached, ``!`` due within the hour), so the queue reads
the same on a monochrome terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from bizsuite.core import clock
from bizsuite.core.errors import Refused, ValidationFailed
from bizsuite.crm.contacts.normalise import format_phone
from bizsuite.crm.tickets.models import (
    CHANNEL_LABELS,
    PRIORITIES,
    STATUS_LABELS,
    TRANSITIONS,
    TicketRow,
)
from bizsuite.crm.tickets.repository import SORTS as TICKET_SORTS, ticket_number
from bizsuite.crm.tickets.sla import format_duration
from bizsuite.screens.base import BizModal, BizScreen, when
from bizsuite.screens.lists import ListScreen
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.paged_table import Column, PagedTable
from bizsuite.widgets.keymap import bind

PAGE_SIZE = 100
STATUS_FILTERS = [("Active", "active"), ("New", "new"), ("Open", "open"), ("Pending", "pending"),
                  ("On hold", "on_hold"), ("Resolved", "resolved"), ("Closed", "closed"), ("All", "all")]
WHO_FILTERS = [("Anyone's", "anyone"), ("Mine", "mine"), ("Unassigned", "unassigned")]
AGENT = "agent:"  # the who-filter's value for one agent's tickets: "agent:tom"
PRIORITY_FILTERS = [("Any priority", "any"), *[(p.capitalize(), p) for p in reversed(PRIORITIES)]]
NOBODY = " nobody"  # the assign dialog's "nobody" (no login has a space)
SLA_FILTERS = [("Any SLA", "any"), ("Breached", "breached"), ("Due within 1h", "soon")]
BREACHED_STYLE = "bold red"
SOON_STYLE = "yellow"
PRIORITY_STYLE = {"urgent": "bold", "high": "bold", "normal": "", "low": "dim"}


# -- how a row reads --------------------------------------------------------------------------


def due_when(moment: datetime, now: datetime) -> str:
    """A due time for people: 'today 14:00', 'tomorrow 09:30', 'Mon 17:00', '12 Mar 10:00'."""
    local, today = moment.astimezone(), now.astimezone().date()
    days = (local.date() - today).days
    if days == 0:
        return f"today {local:%H:%M}"
    if days == 1:
        return f"tomorrow {local:%H:%M}"
    if 1 < days < 7:
        return f"{local:%a %H:%M}"
    return when(moment) if days < 0 else f"{local:%d %b %H:%M}"


def _short(amount: timedelta) -> str:
    """At most six characters: ``45m``, ``2h 10m``, ``13h``, ``3d``."""
    minutes = int(amount.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 10 * 60:
        h, m = divmod(minutes, 60)
        return f"{h}h {m}m" if m else f"{h}h"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


def row_style(row: TicketRow, now: datetime) -> str:
    flag = row.flag(now)
    return BREACHED_STYLE if flag == "breached" else SOON_STYLE if flag == "due soon" else ""


def due_text(row: TicketRow, now: datetime) -> str:
    """The queue's Due column: how late, how soon, when — or why no clock runs."""
    due = row.sla_due
    if due is None:
        if row.status in ("pending", "on_hold"):
            return "paused"
        return "missed" if row.sla_missed else "—"
    if due < now:
        return f"{_short(now - due)} late"
    if due - now < timedelta(days=1):
        return f"in {_short(due - now)}"
    local = due.astimezone()
    return f"{local:%a %H:%M}" if due - now < timedelta(days=6) else f"{local:%d %b}"


def _cell(render):
    """A column renderer that paints the whole row red (breached) or yellow (due soon)."""

    def go(row: TicketRow) -> Text:
        text = render(row)
        text = text if isinstance(text, Text) else Text(str(text or ""))
        style = row_style(row, clock.now())
        if style:
            text.stylize(style)
        return text

    return go


DUE_WIDTH = len("10h 59m late")  # the widest due_text: _short() is at most six characters
QUEUE_COLUMNS = [
    Column("marker", "", width=2, render=_cell(lambda r: r.marker(clock.now()))),
    Column("id", "#", width=5, align="right", render=_cell(lambda r: str(r.id)), sort="id"),
    Column("subject", "Subject", ratio=3, min_width=10, render=_cell(lambda r: r.subject), sort="subject"),
    Column("contact", "Customer", ratio=2, min_width=6, render=_cell(lambda r: r.contact), sort="customer"),
    Column("priority", "Prio", width=max(map(len, PRIORITIES)),
           render=_cell(lambda r: Text(r.priority, style=PRIORITY_STYLE[r.priority])), sort="priority"),
    Column("status", "Status", width=max(map(len, STATUS_LABELS.values())),
           render=_cell(lambda r: STATUS_LABELS[r.status]), sort="status"),
    Column("assignee", "Who", width=6, render=_cell(lambda r: r.assignee or ""), sort="assignee"),  # then: who_width()
    Column("due", "Due", width=DUE_WIDTH, render=_cell(lambda r: due_text(r, clock.now())), sort="due"),
]
# x writes the columns of `bizsuite tickets list --format csv`
QUEUE_EXPORT = ("id", "subject", "contact_id", "contact", "priority", "status", "channel", "assignee",
                "created_at", "updated_at", "sla_due", "sla_missed", "first_response_at", "resolved_at")


def who_width(names) -> int:
    """The Who column: as wide as the longest agent's login (at most 12; a longer one gets …)."""
    from rich.cells import cell_len

    return min(12, max([len("Who"), *(cell_len(n) for n in names)]))


def open_ticket(app, ticket_id: int) -> None:
    """Show a ticket from anywhere (the command palette): in the tickets mode, over the queue."""
    if not app.can("tickets.read"):
        return
    if app.current_mode != "tickets":
        app.switch_mode("tickets")
    app.push_screen(TicketScreen(ticket_id))


class ContactTickets(OptionList):
    """A contact's tickets, for the contact detail screen (Enter opens one)."""

    DEFAULT_CSS = """
    ContactTickets { height: auto; max-height: 4; border: none; padding: 0; background: $surface; }
    ContactTickets:focus { background-tint: $foreground 5%; }
    """

    @staticmethod
    def option(row: TicketRow, now: datetime, *, narrow: bool = False) -> Option:
        """One line (subject, then status and date on the right), or two when ``narrow``."""
        subject = Text(f"#{row.id} ", style="dim")
        marker = row.marker(now)
        if marker:
            subject.append(marker + " ", style=row_style(row, now))
        subject.append(row.subject)
        detail = Text(f"{STATUS_LABELS[row.status]} · {when(row.created_at)}", style="dim")
        grid = Table.grid(expand=True, padding=(0, 1))
        if narrow:
            grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
            grid.add_row(subject)
            grid.add_row(Text("  ") + detail)
        else:
            grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
            grid.add_column(no_wrap=True, justify="right")
            grid.add_row(subject, detail)
        return Option(grid, id=str(row.id))


# -- pickers -------------------------------------------------------------------------------------


class ChoiceDialog(BizModal):
    """Pick one value from a short list; dismisses with the value, or None."""

    PLACE = "Tickets › Choose"
    HELP = ("Pick one with the arrows and Enter (a status, a priority, an agent, a customer); "
            "Esc leaves everything as it was.")
    BINDINGS = [bind("choice_dialog.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ChoiceDialog {
        align: center middle;
        & > Vertical { width: 44; max-width: 100%; height: auto; border: round $accent;
                       border-title-style: bold; background: $surface; padding: 0 1; }
        & #choices { height: auto; max-height: 10; border: none; padding: 0; background: $surface; }
        & #choice-hint { color: $text-muted; }
    }
    """

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None,
                 hint: str = "") -> None:
        super().__init__()
        self.title_text, self.choices, self.current, self.hint = title, choices, current, hint

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield OptionList(*[Option(label, id=value) for value, label in self.choices], id="choices")
            if self.hint:
                yield Static(self.hint, id="choice-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        values = [v for v, _ in self.choices]
        options.highlighted = values.index(self.current) if self.current in values else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class _TicketActions:
    """Assign to me, change status, change priority: shared by the queue and the ticket view."""

    def _target(self) -> TicketRow | None:  # the ticket the keys act on
        raise NotImplementedError

    def _after_change(self, message: str) -> None:
        raise NotImplementedError

    def action_assign(self) -> None:
        row = self._target()
        if row is not None:
            self._pick_assignee(row)

    @work(thread=True, exclusive=True, exit_on_error=False, group="workers")
    def _pick_assignee(self, row: TicketRow) -> None:
        try:
            with self.store.read(self.actor) as books:
                workers = books.tickets.workers()
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error", timeout=10)
            return
        self.app.call_from_thread(self._assignee_dialog, row, workers)

    def _assignee_dialog(self, row: TicketRow, workers: list[tuple[str, str]]) -> None:
        """Any agent (an active user whose role may work tickets): you first, nobody last."""
        me = self.actor.name
        ordered = sorted(workers, key=lambda w: (w[0] != me, w[0].lower()))
        choices = [(name, f"{name} ({role})" + (" · you" if name == me else "")
                    + (" · now" if name == row.assignee else "")) for name, role in ordered]
        choices.append((NOBODY, "nobody" + (" · now" if row.assignee is None else "")))
        names = [name for name, _ in ordered]

        def picked(value: str | None) -> None:
            if value is None:
                return
            name = None if value == NOBODY else value
            if name == row.assignee:
                return
            done = (f"#{row.id} is yours" if name == me else f"#{row.id} is assigned to {name}" if name
                    else f"#{row.id} is assigned to nobody")
            self.change(row.id, row.version, "assign", name, done)

        self.app.push_screen(ChoiceDialog(f"Assign #{row.id} to", choices, me if me in names else row.assignee,
                                          hint="support users and the owner work tickets"), picked)

    def action_status(self) -> None:
        row = self._target()
        if row is None:
            return
        allowed = TRANSITIONS[row.status]
        if not allowed:
            self.notify(f"#{row.id} is closed: closed tickets stay closed; open a new ticket that refers to it",
                        severity="warning")
            return

        def picked(value: str | None) -> None:
            if value:
                self.change(row.id, row.version, "status", value, f"#{row.id} is {STATUS_LABELS[value]}")

        self.app.push_screen(ChoiceDialog(
            f"#{row.id}: {STATUS_LABELS[row.status]} →", [(s, STATUS_LABELS[s]) for s in allowed],
            hint="pending and on hold pause the SLA clocks"), picked)

    def action_priority(self) -> None:
        row = self._target()
        if row is None:
            return

        def picked(value: str | None) -> None:
            if value and value != row.priority:
                self.change(row.id, row.version, "priority", value, f"#{row.id} is {value}")

        self.app.push_screen(ChoiceDialog(f"Priority of #{row.id}", [(p, p) for p in reversed(PRIORITIES)],
                                          row.priority, hint="targets ahead move; a breach stays"), picked)

    def change(self, ticket_id: int, version: int, what: str, value: str | None, done: str) -> None:
        def change(books) -> None:
            if what == "assign":
                books.tickets.assign(ticket_id, value, expected_version=version)
            elif what == "status":
                books.tickets.set_status(ticket_id, value, expected_version=version)
            else:
                books.tickets.set_priority(ticket_id, value, expected_version=version)

        self.submit(change, lambda _: self._after_change(done), title="Not changed",  # type: ignore[attr-defined]
                    refused=lambda: self._after_change(""))


# -- the queue -----------------------------------------------------------------------------------


class QueueScreen(_TicketActions, ListScreen):
    PLACE = "Tickets"
    HELP = (
        "The ticket queue: by default every active ticket (new, open, pending, on hold), the one "
        "whose SLA is due soonest first. !! and red: an SLA target is breached; ! and yellow: due "
        "within the hour; 'paused': pending or on hold, so the clocks stand still. Due times count "
        "business hours only (see `bizsuite tickets sla`).\n\n"
        "Filters: m only mine, u only unassigned, b only breached, c only the customer of the "
        "ticket under the cursor (each again to undo), f the next status filter (active, new, "
        "open, …, all), / search subjects; Tab reaches the filters by status, agent, priority and "
        "SLA as selects. A search for #12 shows ticket 12 whatever the filters. On the ticket under "
        "the cursor: a assigns it (to you, another agent or nobody), s changes its status, p its "
        "priority, Enter opens it; n opens a new ticket.\n\n"
        "o sorts by the next column (priority and status by rank, urgent and new first), O turns "
        "the order around, a click on a heading sorts by it. x writes every ticket that matches, "
        "in this order, to a CSV with the columns of `bizsuite tickets list --format csv`."
    )
    BINDINGS = [
        bind("queue_screen.new", "new", "New"),
        bind("queue_screen.assign", "assign", "Assign"),
        bind("queue_screen.status", "status", "Status"),
        bind("queue_screen.priority", "priority", "Prio"),
        bind("queue_screen.filter_who_mine", "filter_who('mine')", "Mine", show=False),
        bind("queue_screen.filter_sla", "filter_sla", "Breached"),
        bind("queue_screen.filter_who_unassigned", "filter_who('unassigned')", "Unassigned only", show=False),
        bind("queue_screen.filter_customer", "filter_customer", "Only this customer", show=False),
        bind("queue_screen.filter_status", "filter_status", "Next status filter", show=False),
        bind("queue_screen.back", "back", "Home", show=False),
    ]
    CSS_PATH = "tickets.tcss"
    TABLE_ID = "queue"
    STATUS_ID = "status-line"
    SORTS = TICKET_SORTS
    PAGE_SIZE = PAGE_SIZE
    NOUNS = ("ticket", "tickets")
    EMPTY = "No tickets match."
    EXPORT_NAME = "tickets"

    def __init__(self) -> None:
        super().__init__()
        self._summary: dict[str, int] | None = None
        self._customer: tuple[int, str] | None = None  # c: only this contact's tickets

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Input(placeholder="Search subjects, or #number…", id="search", compact=True)
        with Horizontal(id="filters"):
            yield Select(STATUS_FILTERS, allow_blank=False, value="active", id="status-filter", compact=True)
            yield Select(WHO_FILTERS, allow_blank=False, value="anyone", id="who-filter", compact=True)
            yield Select(PRIORITY_FILTERS, allow_blank=False, value="any", id="priority-filter", compact=True)
            yield Select(SLA_FILTERS, allow_blank=False, value="any", id="sla-filter", compact=True)
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return list(QUEUE_COLUMNS)

    def export_columns(self):
        return [(name, (lambda row, k=name: getattr(row, k))) for name in QUEUE_EXPORT]

    def on_mount(self) -> None:
        super().on_mount()
        self.load_agents()
        self.set_interval(60, self._tick)  # time passes: rows turn due-soon, then breached

    @work(thread=True, exclusive=True, exit_on_error=False, group="agents")
    def load_agents(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                workers = books.tickets.workers()
        except Refused:
            return  # the filter keeps anyone's / mine / unassigned
        self.app.call_from_thread(self._agents_loaded, workers)

    def _agents_loaded(self, workers: list[tuple[str, str]]) -> None:
        select = self.query_one("#who-filter", Select)
        value = select.value
        options = WHO_FILTERS + [(f"{name}'s", AGENT + name) for name, _ in sorted(workers)
                                 if name != self.actor.name]
        with select.prevent(Select.Changed):
            select.set_options(options)
            select.value = value if value in [v for _, v in options] else "anyone"
        columns = self.table.columns
        i = next(n for n, c in enumerate(columns) if c.key == "assignee")
        columns[i] = replace(columns[i], width=who_width(name for name, _ in workers))
        self.table.refresh()

    def _tick(self) -> None:
        if not self._suspended:
            self.table.refresh()
            self.load_summary()

    # -- loading -------------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        who = str(self.query_one("#who-filter", Select).value)
        sla_ = self.query_one("#sla-filter", Select).value
        priority = self.query_one("#priority-filter", Select).value
        return {
            "query": self.query_one("#search", Input).value,
            "status": self.query_one("#status-filter", Select).value,
            "mine": who == "mine",
            "unassigned": who == "unassigned",
            "assignee": who[len(AGENT):] if who.startswith(AGENT) else None,
            "priority": None if priority == "any" else priority,
            "contact_id": self._customer[0] if self._customer else None,
            "breached": sla_ == "breached",
            "due_soon": sla_ == "soon",
        }

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.tickets.page(offset=offset, limit=limit, sort=sort, with_total=False, **filters).rows

    def count_rows(self, books, filters) -> int:
        return books.tickets.count(**filters)

    def refresh_list(self, *, keep_cursor: bool) -> None:
        super().refresh_list(keep_cursor=keep_cursor)
        self.load_summary()

    @work(thread=True, exclusive=True, exit_on_error=False, group="summary")
    def load_summary(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                summary = books.tickets.summary()
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error")
            return
        self.app.call_from_thread(self._summary_loaded, summary)

    def _summary_loaded(self, summary: dict[str, int]) -> None:
        self._summary = summary
        self.show_status()

    def status_parts(self) -> list[str]:
        parts = []
        number = ticket_number(self.query_one("#search", Input).value)
        if number is not None:  # the filters do not apply: say so, or that there is no such ticket
            parts.append(f"no ticket #{number}" if self._total == 0 else f"#{number}, whatever the filters")
        elif self._total is not None:
            parts.append(f"{self._total:,} ticket{'' if self._total == 1 else 's'} shown")
        elif self.table.is_loading:
            parts.append("counting…")
        if self._customer is not None and number is None:
            parts.insert(0, f"{self._customer[1]}'s (c: everyone's)")
        if number is None and self.sort_words():
            parts.append(self.sort_words())
        s = self._summary
        if s is not None:
            parts.append(f"{s['active']:,} active: {s['breached']:,} breached (!!), {s['due_soon']:,} due within the hour (!)")
        return parts

    # -- events --------------------------------------------------------------------------------
    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(TicketScreen(event.row.id))

    # -- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("new", "assign", "status", "priority"):
            return self.actor.can("tickets.write")
        return super().check_action(action, parameters)

    def _target(self) -> TicketRow | None:
        row = self.table.cursor_row
        if row is None:
            self.notify("No ticket under the cursor", severity="warning")
        return row

    def _after_change(self, message: str) -> None:
        if message:
            self.notify(message)
        self.refresh_list(keep_cursor=True)

    def action_filter_who(self, who: str) -> None:
        select = self.query_one("#who-filter", Select)
        select.value = "anyone" if select.value == who else who

    def action_filter_customer(self) -> None:
        if self._customer is not None:
            self._customer = None
        else:
            row = self._target()
            if row is None:
                return
            self._customer = (row.contact_id, row.contact)
        self._reload()

    def action_filter_sla(self) -> None:
        select = self.query_one("#sla-filter", Select)
        select.value = "any" if select.value == "breached" else "breached"

    def action_filter_status(self) -> None:
        select = self.query_one("#status-filter", Select)
        keys = [v for _, v in STATUS_FILTERS]
        select.value = keys[(keys.index(select.value) + 1) % len(keys)]

    def action_new(self) -> None:
        from bizsuite.screens.ticket_forms import NewTicketForm

        def added(ticket_id: int | None) -> None:
            if ticket_id is not None:
                self.app.push_screen(TicketScreen(ticket_id))

        self.app.push_screen(NewTicketForm(), added)


# -- one ticket ----------------------------------------------------------------------------------


@dataclass
class ThreadItem:
    at: datetime
    kind: str  # request, reply, note, customer, event
    who: str
    text: str


@dataclass
class TicketView:
    """Everything the ticket screen shows, copied out of the transaction."""

    row: TicketRow
    description: str | None
    channel: str
    tags: list[str]
    contact_name: str
    contact_lines: list[str]
    thread: list[ThreadItem]
    clocks: list[tuple[str, str, str]]  # (label, text, style)
    others: list[TicketRow]
    related: TicketRow | None
    workers: list[str] = field(default_factory=list)
    facts: list[tuple[str, list]] = field(default_factory=list)  # [(whose, [core.facts.Fact])]
    links: list = field(default_factory=list)  # [LinkView]
    link_kinds: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, title, hint) offered

    @classmethod
    def load(cls, books, ticket_id: int) -> "TicketView":
        d = books.tickets.detail(ticket_id)
        t, c = d.ticket, d.contact
        now = clock.now()
        row = books.tickets.page(ids=[t.id], status="all", limit=1, with_total=False).rows[0]
        thread = [ThreadItem(m.created_at, m.kind, m.author, m.body) for m in d.messages]
        for e in d.events:
            if e.kind == "status" and e.old is None:
                continue
            if e.kind == "status":
                text = f"{STATUS_LABELS.get(e.old, e.old)} → {STATUS_LABELS.get(e.new, e.new)}"
            elif e.kind == "assignee":
                text = f"assigned to {e.new}" if e.new else "unassigned"
            else:
                text = f"priority {e.old} → {e.new}"
            thread.append(ThreadItem(e.at, "event", e.actor, text))
        thread.sort(key=lambda i: (i.at, i.kind == "event"))  # a reply, then the changes it made
        thread.insert(0, ThreadItem(t.created_at, "request", c.name, t.description or "(no description)"))
        lines = [x for x in (
            d.company.name if d.company else "",
            c.email or "",
            format_phone(c.phone),
            ", ".join(p for p in (c.city, c.country) if p),
        ) if x]
        day = books.tickets.policy.calendar.day
        kinds = [(k.kind, k.title, k.hint) for k in books.tickets.link_kinds().values()]  # by rank
        return cls(
            row=row, description=t.description, channel=t.channel, tags=d.tags, contact_name=c.name,
            contact_lines=lines, thread=thread, clocks=clock_texts(d.sla, now, day), others=d.others,
            related=d.related, facts=d.facts, links=d.links, link_kinds=kinds,
        )


def clock_texts(state, now: datetime, day: timedelta) -> list[tuple[str, str, str]]:
    """The header's two SLA clocks as (label, text, style)."""
    out = []
    for c in state.clocks:
        label = "First reply" if c.metric == "first_response" else "Resolution"
        st = c.state(now)
        if st == "met":
            text, style = f"met, {when(c.done_at)}", "green"
        elif st == "missed":
            text, style = f"missed (due {when(c.due)})", BREACHED_STYLE
        elif st == "overdue":
            text, style = f"!! {_short(now - c.due)} late (due {when(c.due)})", BREACHED_STYLE
        elif st == "not needed":
            text, style = "not needed", "dim"
        elif st == "paused":
            text, style = f"paused, {format_duration(c.left, day)} left", "dim"
        elif st == "due soon":
            text, style = f"! in {_short(c.due - now)} ({due_when(c.due, now)})", SOON_STYLE
        else:
            text, style = f"in {_short(c.due - now)} ({due_when(c.due, now)})", ""
        out.append((label, text, style))
    return out


class ThreadText(Static):
    """The thread; after new messages it scrolls its container to the end once it has been laid
    out again (its new size is known only then)."""

    _follow = False

    def follow(self) -> None:
        self._follow = True
        self.call_after_refresh(self._to_end)  # in case the size does not change

    def on_resize(self) -> None:
        if self._follow:
            self._follow = False
            self._to_end()

    def _to_end(self) -> None:
        self.parent.scroll_end(animate=False, immediate=True)


class SideList(OptionList):
    """A list in the ticket's side column, as tall as its options: the column scrolls, so the
    highlighted option is brought into the column's view as well as the list's."""

    def scroll_to_highlight(self, top: bool = False) -> None:
        super().scroll_to_highlight(top)
        side = self.parent
        if self.highlighted is None or not self.is_mounted or not isinstance(side, VerticalScroll):
            return
        try:
            y = self._index_to_line[self.highlighted]
        except KeyError:
            return
        region = self.virtual_region
        side.scroll_to_region(region.__class__(region.x, region.y + y, region.width, self._heights[self.highlighted]),
                              animate=False, immediate=True)


def fact_options(facts: list[tuple[str, list]], contact: str) -> list[Option]:
    """The customer panel's facts: one line each (label, a word or two, the figure), under the
    name of whose they are when they are not only the ticket's contact's. One that opens a
    record has its kind and id as the option's id."""
    out: list[Option] = []
    titled = len(facts) > 1 or any(whose != contact for whose, _ in facts)
    for n, (whose, found) in enumerate(facts):
        if titled:
            out.append(Option(Text(whose, style="bold", no_wrap=True, overflow="ellipsis"), disabled=True,
                              id=f"head:{n}"))
        for m, f in enumerate(found):
            grid = Table.grid(expand=True)  # label, detail (cut first), figure; one column of space
            grid.add_column(no_wrap=True)  # between each (a cut cell would lose its padding)
            grid.add_column(width=1)
            grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
            grid.add_column(width=1)
            grid.add_column(no_wrap=True, justify="right")
            value = Text(("!! " if f.alert else "") + f.value, style=BREACHED_STYLE if f.alert else "")
            grid.add_row(Text(f.label, style="bold" if f.opens else ""), "", Text(f.detail, style="dim"), "", value)
            opens = f"open:{f.opens[0]}:{f.opens[1]}" if f.opens else f"fact:{n}:{m}"
            out.append(Option(grid, id=opens))
    return out


def link_option(n: int, v) -> Option:
    """One line: what the record is called, then a few words about it (cut to fit)."""
    line = Table.grid(expand=True)
    line.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
    text = Text()
    if v.missing:
        text.append(v.label, style="dim strike")
        text.append(f" {v.detail}", style="dim italic")
    else:
        text.append(v.label, style="bold")
        if v.detail:
            text.append(f" {v.detail}", style="dim")
    line.add_row(text)
    return Option(line, id=str(n))


MODES = ("reply", "note", "customer")
MODE_LABELS = {
    "reply": "Public reply — the customer sees it",
    "note": "Internal note — staff only",
    "customer": "The customer's words — what they said by phone or mail",
}


class TicketScreen(_TicketActions, BizScreen):
    PLACE = "Tickets"
    HELP = (
        "One ticket: its SLA clocks at the top, the thread on the left (the request, public "
        "replies, internal notes in yellow, what the customer said, and every change), the "
        "customer on the right: the records the ticket is linked to, then what the other modules "
        "know of the customer (and of their company) — the open balance, what is overdue (!!), "
        "their last orders, their open deals — and their other tickets. Tab reaches each "
        "list; Enter opens the order, deal, product or ticket under the cursor (as your role "
        "allows). l links the ticket to an order or a product (type its number or SKU, or pick "
        "one of the matches: the customer's orders come first); Delete on a link removes it. "
        "What your role may not see is simply not there.\n\n"
        "r writes in the reply box; Ctrl+T switches it between a public reply (the first one is "
        "the first response), an internal note (staff only) and the customer's own words, logged "
        "from a call or a mail (they reopen a resolved ticket); Ctrl+S sends; Esc leaves the box "
        "(what you typed stays; leaving the ticket with it unsent asks first). "
        "a assigns the ticket (to you, another agent or nobody), s changes its status, p its "
        "priority, c opens the customer."
    )
    BINDINGS = [
        bind("ticket_screen.send", "send", "Send", priority=True),
        bind("ticket_screen.mode", "mode", "Reply / note / customer", priority=True, show=False),
        bind("ticket_screen.write", "write", "Write a reply", show=False),
        bind("ticket_screen.assign", "assign", "Assign"),
        bind("ticket_screen.status", "status", "Status"),
        bind("ticket_screen.priority", "priority", "Prio"),
        bind("ticket_screen.contact", "contact", "Customer"),
        bind("ticket_screen.link", "link", "Link"),
        bind("ticket_screen.unlink", "unlink", "Unlink"),
        bind("ticket_screen.back", "back", "Back"),
    ]
    CSS_PATH = "tickets.tcss"

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.PLACE = f"Tickets › #{ticket_id}"
        self.view: TicketView | None = None
        self.mode = "reply"
        self._thread_length = -1

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Static("", id="ticket-heading")
        yield Static("", id="ticket-clocks")
        with Horizontal(id="ticket-body"):
            with VerticalScroll(id="thread"):
                yield ThreadText("", id="thread-text")
            with VerticalScroll(id="side", can_focus=False):
                yield Static("", id="customer")
                yield Static("", id="links-title", classes="section")
                yield SideList(id="links")
                yield SideList(id="facts")
                yield Static("", id="others-title", classes="section")
                yield SideList(id="others")
        yield Static("", id="reply-mode")
        yield TextArea(id="reply", soft_wrap=True, show_line_numbers=False)
        yield Footer()

    def on_mount(self) -> None:
        writer = self.actor.can("tickets.write")
        self.query_one("#reply-mode").display = writer
        self.query_one("#reply").display = writer
        self.query_one("#thread").focus()
        self._show_mode()
        self.load()
        self.set_interval(60, self._tick)

    def _tick(self) -> None:
        if not self._suspended:
            self.load()  # the clocks' "in 25m" and "late" move on

    def reload_on_return(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def load(self) -> None:
        self.fetch_and_show(lambda books: TicketView.load(books, self.ticket_id), self._show)

    def _show(self, v: TicketView) -> None:
        self.view = v
        r = v.row
        self.PLACE = f"Tickets › #{r.id} {r.subject}"
        self._update_title_bar()
        now = clock.now()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text(f"#{r.id} ", style="dim")
        marker = r.marker(now)
        if marker:
            left.append(marker + " ", style=row_style(r, now))
        left.append(r.subject, style="bold")
        right = Text(f"{STATUS_LABELS[r.status]} · ", style="bold")
        right.append(r.priority, style=PRIORITY_STYLE[r.priority] or "")
        right.append(f" · {r.assignee or 'unassigned'}", style="dim")
        heading.add_row(left, right)
        self.query_one("#ticket-heading", Static).update(heading)
        clocks = Text()
        width = self.query_one("#ticket-clocks", Static).content_size.width or self.size.width - 2
        one_line = sum(len(f"{label}: {text}") for label, text, _ in v.clocks) + 3 * (len(v.clocks) - 1)
        for n, (label, text, style) in enumerate(v.clocks):
            if n:  # side by side when they fit, else one under the other: never cut off
                clocks.append("   " if one_line <= width else "\n")
            clocks.append(f"{label}: ", style="dim")
            clocks.append(text, style=style)
        self.query_one("#ticket-clocks", Static).update(clocks)
        self.query_one("#thread-text", Static).update(self._thread(v))
        if len(v.thread) != self._thread_length:  # new messages: show the latest
            self._thread_length = len(v.thread)
            self.query_one("#thread-text", ThreadText).follow()
        customer = Text(no_wrap=True, overflow="ellipsis")
        customer.append(v.contact_name, style="bold")
        for line in v.contact_lines:
            customer.append("\n" + line)
        extra = [f"via {CHANNEL_LABELS[v.channel]}"]
        if v.tags:
            extra.append("tags " + ", ".join(v.tags))
        if v.related:
            extra.append(f"follows #{v.related.id} ({STATUS_LABELS[v.related.status]})")
        customer.append("\n" + "\n".join(extra), style="dim")
        self.query_one("#customer", Static).update(customer)
        self._fill(self.query_one("#facts", OptionList), fact_options(v.facts, v.contact_name))
        self._fill(self.query_one("#links", OptionList), [link_option(n, x) for n, x in enumerate(v.links)])
        self.query_one("#links-title", Static).update(f"Linked to ({len(v.links)})")
        self.query_one("#links-title").display = bool(v.links)  # none: l (in the footer) links one
        others = self.query_one("#others", OptionList)
        others.clear_options()
        for o in v.others:
            others.add_option(ContactTickets.option(o, now, narrow=True))
        self.query_one("#others-title", Static).update(
            f"Other tickets ({len(v.others)})" if v.others else "No other tickets")
        others.display = bool(v.others)
        self._show_mode()
        self.refresh_bindings()

    @staticmethod
    def _fill(options: OptionList, items: list[Option]) -> None:
        """New options, the highlight kept on the same place (a reload every minute moves nothing)."""
        at = options.highlighted
        options.clear_options()
        options.add_options(items)
        options.display = bool(items)
        if items and at is not None:
            options.highlighted = min(at, len(items) - 1)

    def _thread(self, v: TicketView) -> Group:
        parts = []
        labels = {"request": "asked", "reply": "replied", "note": "internal note", "customer": "wrote"}
        for item in v.thread:
            if item.kind == "event":
                parts.append(Text(f"· {when(item.at)} {item.who}: {item.text}", style="dim italic"))
                continue
            head = Text()
            style = {"note": "bold yellow", "customer": "bold cyan", "request": "bold cyan"}.get(item.kind, "bold")
            head.append(item.who, style=style)
            head.append(f" {labels[item.kind]}", style="yellow" if item.kind == "note" else "dim")
            head.append(f" · {when(item.at)}", style="dim")
            body = Text(item.text, style="yellow" if item.kind == "note" else "")
            parts.append(head)
            parts.append(Padding(body, (0, 0, 0, 2)))
        return Group(*parts)

    def _show_mode(self) -> None:
        box = self.query_one("#reply", TextArea)
        label = self.query_one("#reply-mode", Static)
        closed = self.view is not None and self.view.row.status == "closed"
        box.disabled = closed
        if closed:
            label.update(Text("Closed: no more replies — a new ticket can refer to this one", style="dim"))
            return
        for m in MODES:
            box.set_class(m == self.mode, f"-{m}")
        text = Text(MODE_LABELS[self.mode], style={"note": "bold yellow", "customer": "bold cyan"}.get(self.mode, "bold"))
        text.append("  (ctrl+t switches)", style="dim")
        label.update(text)

    # -- keys ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("send", "mode", "write", "assign", "status", "priority"):
            if not self.actor.can("tickets.write"):
                return False
            if self.view is None or (self.view.row.status == "closed" and action != "status"):
                return None  # dimmed: not loaded yet, or closed for good
            return True
        if action == "contact":
            return self.actor.can("contacts.read") and (True if self.view is not None else None)
        if action == "link":
            if not self.actor.can("tickets.write"):
                return False
            if self.view is None or self.view.row.status == "closed" or not self.view.link_kinds:
                return None
            return True
        if action == "unlink":  # while the links have the focus
            links = self.query("#links").first(OptionList) if self.query("#links") else None
            return (links is not None and self.actor.can("tickets.write") and self.focused is links
                    and links.highlighted is not None and self.view is not None and self.view.row.status != "closed")
        return True

    def _target(self) -> TicketRow | None:
        return self.view.row if self.view else None

    def _after_change(self, message: str) -> None:
        if message:
            self.notify(message)
        self.load()

    def action_write(self) -> None:
        self.query_one("#reply", TextArea).focus()

    def action_mode(self) -> None:
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)]
        self._show_mode()

    def action_back(self) -> None:
        box = self.query_one("#reply", TextArea)
        if self.focused is box:
            self.query_one("#thread").focus()  # leaves the box; what is typed stays there
            return
        if not box.text.strip():
            self.dismiss()
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss()

        what = {"reply": "reply", "note": "internal note", "customer": "customer's words"}[self.mode]
        self.app.push_screen(Confirm("Leave without sending?", f"The {what} you typed is dropped; nothing is "
                                     "sent or saved.", yes="leave"), confirmed)

    def action_contact(self) -> None:
        from bizsuite.screens.contacts import ContactDetailScreen

        if self.view is not None:
            self.app.push_screen(ContactDetailScreen(self.view.row.contact_id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        ident = event.option.id or ""
        if event.option_list.id == "others" and ident:
            self.app.push_screen(TicketScreen(int(ident)))
        elif event.option_list.id == "facts" and ident.startswith("open:"):
            _, kind, record = ident.split(":")
            self.app.open_record(kind, int(record))
        elif event.option_list.id == "links" and ident and self.view is not None:
            v = self.view.links[int(ident)]
            if v.missing:
                self.notify(f"{v.label}: {v.detail}", severity="warning")
            elif v.opens:
                self.app.open_record(v.opens, v.ref_id)
            else:
                self.notify(f"No installed module opens {v.title} records", severity="warning")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "links":
            self.refresh_bindings()

    def on_descendant_focus(self, event) -> None:
        self.refresh_bindings()  # Unlink is shown while the links have the focus

    def action_link(self) -> None:
        from bizsuite.screens.ticket_forms import LinkForm

        if self.view is None:
            return

        def linked(done: str | None) -> None:
            if done:
                self._after_change(done)

        self.app.push_screen(LinkForm(self.view.row.id, self.view.link_kinds), linked)

    def action_unlink(self) -> None:
        links = self.query_one("#links", OptionList)
        if self.view is None or links.highlighted is None:
            return
        v = self.view.links[links.highlighted]
        ticket_id = self.view.row.id
        self.submit(lambda books: books.tickets.unlink(ticket_id, v.kind, f"#{v.ref_id}"),
                    lambda _: self._after_change(f"#{ticket_id} is no longer linked to {v.title} {v.label}"),
                    title="Not unlinked", refused=self.load)

    def action_send(self) -> None:
        if self.view is None:
            return
        text = self.query_one("#reply", TextArea).text
        self.send(self.view.row.id, self.mode, text)

    def send(self, ticket_id: int, mode: str, text: str) -> None:
        def send(books) -> None:
            try:
                books.tickets.reply(ticket_id, text, kind=mode)
            except ValidationFailed as exc:  # an empty message: say where to type it
                raise Refused("; ".join(str(e) for e in exc.errors) + " — type it in the box first") from None

        self.submit(send, lambda _: self._sent(mode), title="Not sent")

    def _sent(self, mode: str) -> None:
        self.query_one("#reply", TextArea).clear()
        self.notify({"reply": "Reply sent", "note": "Note added", "customer": "The customer's words recorded"}[mode])
        self.load()
