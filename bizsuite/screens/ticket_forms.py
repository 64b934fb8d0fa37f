"""The tickets module's forms: a new ticket, with a customer picker that searches as you type; a
link to a record of another module (an order, a product), with matches as you type."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from bizsuite.core.errors import FieldError, Refused, ValidationFailed
from bizsuite.crm.contacts.normalise import split_multi
from bizsuite.crm.tickets.models import CHANNEL_LABELS, CHANNELS, PRIORITIES, TicketIn
from bizsuite.screens.base import BizModal
from bizsuite.screens.contact_forms import DIALOG_CSS
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind

PICKER_HITS = 10


class NewTicketForm(BizModal):
    """Open a ticket; dismisses with the new ticket's id (or None)."""

    PLACE = "Tickets › New ticket"
    HELP = (
        "Give the subject, then find the customer: type part of a name, company, email or phone "
        "and the matches appear under the field — Down or Enter moves to them, Enter picks one. "
        "Priority sets the SLA targets (urgent: first reply within 1 business hour). Tags are "
        "separated by commas. Enter moves to the next field; Ctrl+S opens the ticket; what is "
        "wrong appears under its field."
    )
    BINDINGS = [
        bind("new_ticket_form.save", "save", "Open ticket"),
        bind("new_ticket_form.cancel", "cancel", "Cancel"),
        bind("new_ticket_form.to_results", "to_results", "To the matches", show=False),
    ]
    DEFAULT_CSS = "NewTicketForm {" + DIALOG_CSS + """
    & #contact-results { height: auto; max-height: 5; border: none; padding: 0; margin-left: 10;
                         background: $boost; display: none; }
    & #contact-results.-shown { display: block; }
    & #contact-results:focus { background-tint: $foreground 8%; }
    & TextArea { height: 4; }
    & Select:focus > SelectCurrent { background: $accent 35%; text-style: bold; }
    }"""

    def __init__(self, contact_id: int | None = None, contact_name: str = "") -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "New ticket"
            with Form():
                yield FormField("Subject", Input(id="subject", compact=True,
                                                 placeholder="what it is about, in a line"), field="subject")
                yield FormField("Customer", Input(self.contact_name, id="contact", compact=True,
                                                  placeholder="type a name, company, email or phone…"),
                                field="contact")
                yield OptionList(id="contact-results")
                yield FormField("Priority", Select([(p, p) for p in PRIORITIES], value="normal", allow_blank=False,
                                                   id="priority", compact=True), field="priority")
                yield FormField("Channel", Select([(CHANNEL_LABELS[c], c) for c in CHANNELS], value="email",
                                                  allow_blank=False, id="channel", compact=True), field="channel")
                yield FormField("Assignee", Select([], prompt="nobody yet", id="assignee", compact=True),
                                field="assignee")
                yield FormField("Tags", Input(id="tags", compact=True, placeholder="comma separated"), field="tags")
                yield FormField("Request", TextArea(id="description", soft_wrap=True, show_line_numbers=False),
                                field="description")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Form).can_focus = False  # not a Tab stop of its own: the fields are
        self.query_one("#subject", Input).focus()
        self.load_workers()

    @work(thread=True, exclusive=True, exit_on_error=False, group="workers")
    def load_workers(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                workers = books.tickets.workers()
        except Refused:
            return
        self.app.call_from_thread(self._workers_loaded, workers)

    def _workers_loaded(self, workers: list[tuple[str, str]]) -> None:
        select = self.query_one("#assignee", Select)
        with select.prevent(Select.Changed):
            select.set_options([(f"{name} ({role})", name) for name, role in workers])

    @on(Input.Changed, "#subject")
    def _subject_typed(self) -> None:
        self.query_one("#field-subject", FormField).set_error(None)

    # -- the customer picker -------------------------------------------------------------------
    @on(Input.Changed, "#contact")
    def _contact_typed(self, event: Input.Changed) -> None:
        if self.contact_id is not None and event.value == self.contact_name:
            return
        self.contact_id = None
        if event.value.strip():
            self.search(event.value)
        else:
            self.workers.cancel_group(self, "contacts")
            self._results([])

    @work(thread=True, exclusive=True, exit_on_error=False, group="contacts")
    def search(self, query: str) -> None:
        try:
            with self.store.read(self.actor) as books:
                rows = books.contacts.page(query=query, limit=PICKER_HITS, with_total=False).rows
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error")
            return
        found = [(r.id, r.name, " · ".join(p for p in (r.company, r.email, r.city) if p)) for r in rows]
        self.app.call_from_thread(self._searched, query, found)

    def _searched(self, query: str, found: list[tuple[int, str, str]]) -> None:
        if query != self.query_one("#contact", Input).value or self.contact_id is not None:
            return  # typed on (or picked) since
        self._results(found)
        if not found:
            self.query_one("#field-contact", FormField).set_error(f"no contact matches “{query}”")
        else:
            self.query_one("#field-contact", FormField).set_error(None)

    def _results(self, found: list[tuple[int, str, str]]) -> None:
        results = self.query_one("#contact-results", OptionList)
        results.clear_options()
        for cid, name, detail in found:
            label = Text(name, style="bold", no_wrap=True, overflow="ellipsis")
            if detail:
                label.append(f"  {detail}", style="dim")
            results.add_option(Option(label, id=f"{cid}|{name}"))
        results.set_class(bool(found), "-shown")
        if found:
            results.highlighted = 0

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "to_results":
            results = self.query_one("#contact-results", OptionList)
            return self.focused is self.query_one("#contact") and results.option_count > 0
        return True

    def action_to_results(self) -> None:
        self.query_one("#contact-results", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if not event.option.id:
            return
        cid, _, name = event.option.id.partition("|")
        self.contact_id, self.contact_name = int(cid), name
        box = self.query_one("#contact", Input)
        with box.prevent(Input.Changed):
            box.value = name
        self._results([])
        self.query_one("#field-contact", FormField).set_error(None)
        self.query_one("#priority", Select).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field (Ctrl+S opens the ticket): a half-filled form is
        never sent by a habit."""
        event.stop()
        if event.input.id == "contact" and self.contact_id is None:
            results = self.query_one("#contact-results", OptionList)
            if results.option_count:
                results.focus()
            return
        self.focus_next()

    # -- saving --------------------------------------------------------------------------------
    def action_cancel(self) -> None:
        self.leave()  # asks first if anything was typed

    def form_input(self) -> TicketIn:
        assignee = self.query_one("#assignee", Select).value
        return TicketIn(
            subject=self.query_one("#subject", Input).value,
            contact_id=self.contact_id,
            description=self.query_one("#description", TextArea).text or None,
            priority=str(self.query_one("#priority", Select).value),
            channel=str(self.query_one("#channel", Select).value),
            assignee=None if assignee is Select.NULL else str(assignee),
            tags=split_multi(self.query_one("#tags", Input).value),
        )

    def action_save(self) -> None:
        typed = self.query_one("#contact", Input).value.strip()
        data = self.form_input()

        def save(books) -> int:
            try:
                return books.tickets.add(data).id
            except ValidationFailed as exc:  # a name typed but no match picked: say what to do
                raise ValidationFailed([
                    FieldError("contact", "pick the customer from the matches under the field")
                    if e.field == "contact" and typed and data.contact_id is None else e for e in exc.errors
                ]) from None

        self.submit(save, self.dismiss)


class LinkForm(BizModal):
    """Link a ticket to a record of another module (an order, a product); dismisses with the line
    saying what it did, or None."""

    PLACE = "Tickets › Link"
    HELP = (
        "Link the ticket to the record it is about. Choose the kind (an order, a product, a deal "
        "— what the installed modules offer), then type its number, SKU or a word of its title: the "
        "matches appear under the field (for orders and deals, the customer's own, newest first). Down moves to them and Enter "
        "links the one under the cursor; Enter in the field (or Ctrl+S) links what is typed. "
        "What does not exist is said under the field and nothing is linked."
    )
    BINDINGS = [
        bind("link_form.save", "save", "Link"),
        bind("link_form.cancel", "cancel", "Cancel"),
        bind("link_form.to_results", "to_results", "To the matches", show=False),
    ]
    DEFAULT_CSS = "LinkForm {" + DIALOG_CSS + """
    & > .dialog { width: 64; }
    & #ref-results { height: auto; max-height: 8; border: none; padding: 0; margin-left: 10;
                     background: $boost; display: none; }
    & #ref-results.-shown { display: block; }
    & #ref-results:focus { background-tint: $foreground 8%; }
    & #ref-hint { color: $text-muted; padding-left: 10; display: none; }
    & Select:focus > SelectCurrent { background: $accent 35%; text-style: bold; }
    }"""

    def __init__(self, ticket_id: int, kinds: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.kinds = {kind: (title, hint) for kind, title, hint in kinds}

    def compose(self) -> ComposeResult:
        first = next(iter(self.kinds))
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Link #{self.ticket_id} to"
            with Form():
                yield FormField("Kind", Select([(title, kind) for kind, (title, _) in self.kinds.items()], value=first,
                                               allow_blank=False, id="kind", compact=True), field="kind")
                yield FormField("Which", Input(id="ref", compact=True, placeholder=self.kinds[first][1]), field="ref")
                yield Static("", id="ref-hint", markup=False)
                yield OptionList(id="ref-results")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Form).can_focus = False
        self.query_one("#ref", Input).focus()
        self.search(self.kind, "")

    @property
    def kind(self) -> str:
        return str(self.query_one("#kind", Select).value)

    @on(Select.Changed, "#kind")
    def _kind_changed(self) -> None:
        box = self.query_one("#ref", Input)
        box.placeholder = self.kinds[self.kind][1]
        self.query_one("#field-ref", FormField).set_error(None)
        box.focus()  # the kind chosen, what to type is next
        self.search(self.kind, box.value)

    @on(Input.Changed, "#ref")
    def _ref_typed(self, event: Input.Changed) -> None:
        self.search(self.kind, event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="matches")
    def search(self, kind: str, text: str) -> None:
        try:
            with self.store.read(self.actor) as books:
                found = books.tickets.search_linkable(self.ticket_id, kind, text)
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error")
            return
        self.app.call_from_thread(self._searched, kind, text, found)

    def _searched(self, kind: str, text: str, found: list) -> None:
        if kind != self.kind or text != self.query_one("#ref", Input).value:
            return  # typed on (or changed the kind) since
        results = self.query_one("#ref-results", OptionList)
        results.clear_options()
        for x in found:
            row = Table.grid(expand=True, padding=(0, 1))
            row.add_column(no_wrap=True)
            row.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
            row.add_row(Text(x.label, style="bold"), Text(x.detail, style="dim"))
            results.add_option(Option(row, id=str(x.id)))
        results.set_class(bool(found), "-shown")
        if found:
            results.highlighted = 0
        elif self.focused is results:  # hidden now: typing goes back to the field
            self.query_one("#ref", Input).focus()
        title = self.kinds[kind][0]
        hint = "" if found else (f"no {title} matches “{text.strip()}”" if text.strip() else "")
        self.query_one("#ref-hint", Static).update(hint)
        self.query_one("#ref-hint", Static).display = bool(hint)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "to_results":
            results = self.query_one("#ref-results", OptionList)
            return self.focused is self.query_one("#ref") and results.option_count > 0
        return True

    def action_to_results(self) -> None:
        self.query_one("#ref-results", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self._link(f"#{event.option.id}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        typed = self.query_one("#ref", Input).value
        if not typed.strip():
            results = self.query_one("#ref-results", OptionList)
            if results.option_count and results.highlighted is not None and self.focused is results:
                self._link(f"#{results.get_option_at_index(results.highlighted).id}")
                return
        self._link(typed)

    def _link(self, ref: str) -> None:
        kind, ticket_id = self.kind, self.ticket_id

        def link(books):
            try:
                return books.tickets.link(ticket_id, kind, ref)
            except ValidationFailed as exc:  # "order: no sales order …" belongs under the field
                raise ValidationFailed([FieldError("ref", e.message) if e.field == kind else e
                                        for e in exc.errors]) from None

        def refused() -> None:  # the line under the field says it: not the hint as well
            self.query_one("#ref-hint", Static).display = False

        self.submit(link, lambda v: self.dismiss(f"#{ticket_id} is linked to {v.title} {v.label}"), refused=refused)

    def action_cancel(self) -> None:
        self.leave()
