"""The contacts module's modal forms: add/edit a contact, add an activity, pick a duplicate."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import Suggester
from textual.widgets import Footer, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from bizsuite.core.errors import Refused
from bizsuite.crm.contacts.models import ACTIVITY_KINDS, ROLES, ContactIn
from bizsuite.crm.contacts.normalise import format_phone, split_multi
from bizsuite.screens.base import BizModal, when
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.checkbox import Checkbox
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind

DIALOG_CSS = """
    align: center middle;
    & > .dialog {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; border-title-style: bold; background: $surface; padding: 0 1;
    }
    & Form { height: auto; max-height: 100%; }
    & Input { width: 1fr; }
    & Select { width: 1fr; }
    & TextArea { height: 3; width: 1fr; border: none; padding: 0; background: $boost; }
    & TextArea:focus { border: none; background-tint: $foreground 8%; }
    & #roles { height: 1; width: 1fr; }
    & #roles Checkbox { margin-right: 1; }
"""


class CompanySuggester(Suggester):
    """Completes a company's name from the books (a read in a thread, off the UI loop)."""

    def __init__(self, store, actor) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self.store, self.actor = store, actor

    async def get_suggestion(self, value: str) -> str | None:
        if len(value.strip()) < 2:
            return None
        return await asyncio.to_thread(self._lookup, value)

    def _lookup(self, value: str) -> str | None:
        try:
            with self.store.read(self.actor) as books:
                names = [c.name for c in books.contacts.companies_matching(value, limit=10)]
        except Refused:
            return None
        return next((n for n in names if n.casefold().startswith(value.casefold())), None)


class ContactForm(BizModal):
    """Add a contact (``contact_id=None``) or edit one; dismisses with the saved contact's id."""

    PLACE = "Contact form"
    HELP = (
        "Type the contact's details; Tab moves between fields, Space ticks a role. Ctrl+S (or "
        "Enter in a one-line field) saves; what is wrong appears under its field, and goes as "
        "soon as it is put right. Esc leaves (it asks first when you typed something). The company "
        "of a person is found by name, and created when no company has that name (→ accepts "
        "a suggested name). Tags are separated by commas. A phone without +country code is "
        "read as a number of the contact's country (a code or a name: CN, China, 中国), else of "
        "the books' phone region."
    )
    BINDINGS = [
        bind("contact_form.save", "save", "Save"),
        bind("contact_form.cancel", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = "ContactForm {" + DIALOG_CSS + "}"

    def __init__(self, contact_id: int | None = None, data: ContactIn | None = None, *,
                 version: int | None = None, company_name: str | None = None) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.data = data or ContactIn()
        self.version = version
        self.company_name = company_name or self.data.company or ""
        self._initial: ContactIn | None = None  # what the form said when it opened

    def compose(self) -> ComposeResult:
        d = self.data
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = (f"Edit {d.name} (#{self.contact_id})" if self.contact_id
                                   else "Add a contact")
            with Form():
                yield FormField("Name", Input(d.name, id="name", compact=True), field="name")
                yield FormField("Kind", Select([("person", "person"), ("company", "company")],
                                               value=d.kind or "person", allow_blank=False,
                                               id="kind", compact=True), field="kind")
                yield FormField("Company", Input(self.company_name, id="company", compact=True,
                                                 placeholder="the company this person works for",
                                                 suggester=CompanySuggester(self.store, self.actor)),
                                field="company")
                yield FormField("Email", Input(d.email or "", id="email", compact=True), field="email")
                yield FormField("Phone", Input(format_phone(d.phone), id="phone", compact=True,
                                               placeholder="+country code, or a local number"),
                                field="phone")
                yield FormField("Roles", Horizontal(
                    *[Checkbox(r, r in d.roles, id=f"role-{r}", compact=True) for r in ROLES],
                    id="roles"), field="roles")
                yield FormField("Tags", Input(", ".join(d.tags), id="tags", compact=True,
                                              placeholder="comma separated"), field="tags")
                yield FormField("Address", Input(d.address or "", id="address", compact=True), field="address")
                yield FormField("City", Input(d.city or "", id="city", compact=True), field="city")
                yield FormField("Country", Input(d.country or "", id="country", compact=True), field="country")
                yield FormField("Notes", TextArea(d.notes or "", id="notes", soft_wrap=True,
                                                  show_line_numbers=False), field="notes")
        yield Footer()

    def on_mount(self) -> None:
        self._kind_changed()
        self._initial = self.form_input()
        self.query_one("#name", Input).focus()

    @on(Select.Changed, "#kind")
    def _kind_changed(self) -> None:
        company = self.query_one("#company", Input)
        company.disabled = self.query_one("#kind", Select).value == "company"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @property
    def changed(self) -> bool:
        """Whether the form says something else than when it opened (typed, then undone: no)."""
        return self._initial is not None and self.form_input() != self._initial

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        what = "this contact" if self.contact_id else "the new contact"
        self.app.push_screen(Confirm("Leave without saving?", f"What you typed for {what} is dropped; "
                                     "nothing is saved.", yes="leave"), confirmed)

    # -- errors go as soon as they are put right ---------------------------------------------------
    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(TextArea.Changed)
    def _edited(self) -> None:
        if self._initial is not None and any(f.error for f in self.query(FormField)):
            self.recheck(self.form_input())

    @work(thread=True, exclusive=True, exit_on_error=False, group="recheck")
    def recheck(self, data: ContactIn) -> None:
        errors: list = []
        kept = frozenset({self.data.phone} if self.contact_id and self.data.phone else ())
        try:
            with self.store.read(self.actor) as books:
                books.contacts.clean(data, errors=errors, kept_phones=kept)
        except Refused:
            return
        self.app.call_from_thread(self._rechecked, data, errors)

    def _rechecked(self, data: ContactIn, errors: list) -> None:
        """Each field that shows an error shows what the rules say of it now (nothing: gone)."""
        if not self.is_attached or data != self.form_input():
            return  # closed, or typed on since: a newer check follows
        now: dict[str, list[str]] = {}
        for e in errors:
            now.setdefault(e.field, []).append(e.message)
        for f in self.query(FormField):
            if f.error is not None:
                f.set_error("; ".join(now[f.field]) if f.field in now else None)

    def form_input(self) -> ContactIn:
        """What the form says, as the repository's input (no validation here)."""

        def text(widget_id: str) -> str | None:
            return self.query_one(f"#{widget_id}", Input).value or None

        kind = self.query_one("#kind", Select).value
        company = (text("company") or "").strip()
        company_id = None
        if kind != "company" and self.data.company_id and company == self.company_name:
            company_id = self.data.company_id  # unchanged: keep the very company it had
        return ContactIn(
            name=self.query_one("#name", Input).value,
            kind=str(kind),
            company=None if kind == "company" or company_id else (company or None),
            company_id=company_id,
            email=text("email"),
            phone=text("phone"),
            roles=[r for r in ROLES if self.query_one(f"#role-{r}", Checkbox).value],
            tags=split_multi(text("tags")),
            address=text("address"),
            city=text("city"),
            country=text("country"),
            notes=self.query_one("#notes", TextArea).text or None,
        )

    def action_save(self) -> None:
        data, contact_id, version = self.form_input(), self.contact_id, self.version

        def save(books) -> tuple[int, list]:
            if contact_id is None:
                contact = books.contacts.add(data)
                return contact.id, books.contacts.duplicates_of(contact.id)
            return books.contacts.update(contact_id, data, expected_version=version).id, []

        self.submit(save, self._saved)

    def _saved(self, result: tuple[int, list]) -> None:
        saved, duplicates = result
        if duplicates:
            names = ", ".join(f"#{d.contact_id} {d.name} ({d.reason})" for d in duplicates[:3])
            self.notify(f"Looks like {names}; press m on the new contact to merge.",
                        title="Possible duplicate", severity="warning", timeout=10)
        self.dismiss(saved)

class ActivityForm(BizModal):
    """A note, call, meeting or email on a contact's timeline; dismisses with True when saved."""

    PLACE = "New activity"
    HELP = "Pick the kind, give a subject and, if you like, the details. Ctrl+S saves."
    BINDINGS = [
        bind("activity_form.save", "save", "Save"),
        bind("activity_form.cancel", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = "ActivityForm {" + DIALOG_CSS + "& TextArea { height: 8; } }"

    def __init__(self, contact_id: int, contact_name: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Add to the timeline of {self.contact_name}"
            with Form():
                yield FormField("Kind", Select([(k, k) for k in ACTIVITY_KINDS], value="note",
                                               allow_blank=False, id="kind", compact=True), field="kind")
                yield FormField("Subject", Input(id="subject", compact=True), field="subject")
                yield FormField("Details", TextArea(id="body", soft_wrap=True), field="body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#subject", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#body", TextArea).focus()

    def action_cancel(self) -> None:
        self.leave()  # asks first if anything was typed

    def action_save(self) -> None:
        self.save(str(self.query_one("#kind", Select).value), self.query_one("#subject", Input).value,
                  self.query_one("#body", TextArea).text or None)

    def save(self, kind: str, subject: str, body: str | None) -> None:
        self.submit(lambda books: books.contacts.add_activity(self.contact_id, kind=kind, subject=subject, body=body),
                    lambda _: self.dismiss(True))


class ActivityScreen(BizModal):
    """One timeline entry in full."""

    PLACE = "Activity"
    HELP = "One note, call, meeting or email of the contact's timeline, in full. Esc, Enter or q closes it."
    BINDINGS = [bind("activity_screen.close", "close", "Close")]
    DEFAULT_CSS = """
    ActivityScreen {
        align: center middle;
        & > .dialog { width: 78; max-width: 100%; height: auto; max-height: 100%;
                      border: round $accent; background: $surface; padding: 0 1; }
        & #meta { color: $text-muted; margin-bottom: 1; }
        & VerticalScroll { height: auto; max-height: 100%; }
    }
    """

    def __init__(self, activity: Any) -> None:
        super().__init__()
        self.activity = activity

    def compose(self) -> ComposeResult:
        a = self.activity
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = a.subject
            yield Static(f"{a.kind} · {when(a.occurred_at)} · {a.author}", id="meta", markup=False)
            with VerticalScroll():
                yield Static(a.body or "(no details)", markup=False)
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


class MergeDialog(BizModal):
    """Pick the duplicate to fold into a contact: likely duplicates first, then by search.

    Dismisses with ``(id, name)`` of the chosen duplicate, or None.
    """

    PLACE = "Merge"
    HELP = (
        "Choose the contact that duplicates this one. Likely duplicates (same email, same "
        "phone, a near-identical name) are listed first; type to search for any other. Enter "
        "picks it; you confirm before anything changes."
    )
    BINDINGS = [
        bind("merge_dialog.pick", "pick", "Pick"),
        bind("merge_dialog.cancel", "cancel", "Cancel"),
        bind("merge_dialog.to_list", "to_list", "To the list", show=False),
    ]
    DEFAULT_CSS = """
    MergeDialog {
        align: center middle;
        & > .dialog { width: 78; max-width: 100%; height: 16; max-height: 100%;
                      border: round $accent; border-title-style: bold; background: $surface;
                      padding: 0 1; }
        & #merge-intro { color: $text-muted; margin-bottom: 1; }
        & #merge-search { margin-bottom: 1; background: $boost; }
        & #candidates-title { text-style: bold; height: 1; }
        & #candidates { height: 1fr; border: none; padding: 0; background: $surface; }
        & #candidates:focus { background-tint: $foreground 5%; }
    }
    """

    def __init__(self, keep_id: int, keep_name: str, kind: str) -> None:
        super().__init__()
        self.keep_id, self.keep_name, self.kind = keep_id, keep_name, kind
        self._suggested: list[Option] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Merge a duplicate into {self.keep_name} (#{self.keep_id})"
            yield Static(f"The {self.kind} you pick is folded into this one and then deleted.",
                         id="merge-intro", markup=False)
            yield Input(placeholder=f"Search for the duplicate {self.kind}…", id="merge-search",
                        compact=True)
            yield Static("Likely duplicates", id="candidates-title")
            yield OptionList(id="candidates")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#merge-search", Input).focus()
        self.suggest()

    @work(thread=True, exclusive=True, exit_on_error=False, group="candidates")
    def suggest(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                found = [(d.contact_id, d.name, d.reason) for d in books.contacts.duplicates_of(self.keep_id)]
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error")
            return
        self.app.call_from_thread(self._suggested_loaded, found)

    def _suggested_loaded(self, found: list[tuple[int, str, str]]) -> None:
        self._suggested = [self._option(i, name, reason) for i, name, reason in found]
        if not self.query_one("#merge-search", Input).value.strip():
            self._show("Likely duplicates" if found else "No likely duplicates — type to search",
                       self._suggested)

    def _option(self, contact_id: int, name: str, detail: str) -> Option:
        label = Text(f"#{contact_id} ", style="dim")
        label.append(name, style="bold")
        if detail:
            label.append(f"  {detail}", style="dim")
        return Option(label, id=f"{contact_id}|{name}")

    def _show(self, title: str, options: list[Option]) -> None:
        self.query_one("#candidates-title", Static).update(title)
        candidates = self.query_one("#candidates", OptionList)
        candidates.clear_options()
        candidates.add_options(options)
        if options:
            candidates.highlighted = 0

    @on(Input.Changed, "#merge-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.search(event.value)
        else:
            self.workers.cancel_group(self, "candidates")
            self._show("Likely duplicates" if self._suggested else "No likely duplicates — type to search",
                       self._suggested)

    @on(Input.Submitted, "#merge-search")
    def _search_submitted(self) -> None:
        self.action_to_list()

    @work(thread=True, exclusive=True, exit_on_error=False, group="candidates")
    def search(self, query: str) -> None:
        try:
            with self.store.read(self.actor) as books:
                rows = books.contacts.page(query=query, kind=self.kind, limit=21, with_total=False).rows
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error")
            return
        found = [(r.id, r.name, " · ".join(p for p in (r.company, r.email, r.city) if p))
                 for r in rows if r.id != self.keep_id][:20]
        self.app.call_from_thread(self._searched, query, found)

    def _searched(self, query: str, found: list[tuple[int, str, str]]) -> None:
        if query != self.query_one("#merge-search", Input).value:
            return  # typed on since
        self._show(f"Matching “{query}”" if found else f"Nothing matches “{query}”",
                   [self._option(*f) for f in found])

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "to_list":
            return self.query_one("#candidates", OptionList).option_count > 0
        return True

    def action_pick(self) -> None:
        candidates = self.query_one("#candidates", OptionList)
        if candidates.highlighted is not None:
            candidates.action_select()

    def action_to_list(self) -> None:
        candidates = self.query_one("#candidates", OptionList)
        if candidates.option_count:
            candidates.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            contact_id, _, name = event.option.id.partition("|")
            self.dismiss((int(contact_id), name))

    def action_cancel(self) -> None:
        self.dismiss(None)
