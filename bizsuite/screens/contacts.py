"""Contacts: the paged list with search and filters, and one contact's detail and timeline.

Every query and change goes through ``books.contacts`` in a worker thread; the handlers that
receive the results are the only code that touches widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dataclasses import replace

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from bizsuite.core.errors import Refused
from bizsuite.crm.contacts.models import ROLES, ContactIn
from bizsuite.crm.contacts.normalise import format_phone, phone_verified
from bizsuite.crm.contacts.repository import SORTS as CONTACT_SORTS, describe_references
from bizsuite.screens.base import BizScreen, when
from bizsuite.screens.lists import ListScreen
from bizsuite.screens.panels import ContactPanel
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.paged_table import Column, PagedTable
from bizsuite.widgets.keymap import bind

ROLE_LETTERS = {"customer": "C", "supplier": "S", "lead": "L", "employee": "E"}
PAGE_SIZE = 100
PHONE_WIDTH = (15, 20)  # cells: "+1 415-555-0123" at least; at most what a long foreign number needs


def _name(row) -> Text:
    return Text(row.name, style="bold" if row.kind == "company" else "")


def _roles(row) -> str:
    return "".join(ROLE_LETTERS[r] for r in row.roles)


CONTACT_COLUMNS = [
    Column("name", "Name", ratio=4, min_width=10, render=_name, sort="name"),
    Column("company", "Company", ratio=3, min_width=6, sort="company"),
    Column("email", "Email", ratio=4, min_width=8, sort="email"),
    Column("phone", "Phone", width=PHONE_WIDTH[0], render=lambda r: format_phone(r.phone), sort="phone"),
    Column("roles", "Roles", width=5, render=_roles, sort="roles"),
]
EXPORT_COLUMNS = ("id", "kind", "name", "company", "email", "phone", "roles", "tags", "city", "country")  # `contacts list`'s


def fit_phones(columns: list[Column], rows) -> None:
    """Widen the phone column of ``columns`` (in place; never narrower: no jumping while
    scrolling) to the longest phone of ``rows`` in terminal cells, up to PHONE_WIDTH's most."""
    n = next(i for i, c in enumerate(columns) if c.key == "phone")
    widest = min(max((cell_len(format_phone(r.phone)) for r in rows if r.phone), default=0), PHONE_WIDTH[1])
    if widest > (columns[n].width or 0):
        columns[n] = replace(columns[n], width=widest)


class ContactsScreen(ListScreen):
    PLACE = "Contacts"
    HELP = (
        "Every company and person in the books, a page at a time. Type in the search box to "
        "narrow the list as you type (names, companies, emails, phones, tags, cities — any "
        "script, every word must match). Tab reaches the role, kind and tag filters. "
        "Enter opens the contact under the cursor; companies are in bold. Roles: C customer, "
        "S supplier, L lead, E employee.\n\n"
        "o sorts by the next column (then by recently changed, and newest), O turns the order "
        "around, a click on a heading sorts by it. x writes every contact that matches, in this "
        "order, to a CSV with the columns of `bizsuite contacts list --format csv`."
    )
    BINDINGS = [
        bind("contacts_screen.add", "add", "Add"),
        bind("contacts_screen.back", "back", "Home"),
    ]
    CSS_PATH = "contacts.tcss"
    TABLE_ID = "contacts"
    NOUNS = ("contact", "contacts")
    EMPTY = "No contacts match."
    EXPORT_NAME = "contacts"
    SORTS = CONTACT_SORTS
    PAGE_SIZE = PAGE_SIZE

    def __init__(self) -> None:
        super().__init__()
        self._tags: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Input(placeholder="Search names, companies, emails, phones, tags, cities…",
                    id="search", compact=True)
        with Horizontal(id="filters"):
            yield Select([(r, r) for r in ROLES], prompt="Any role", id="role", compact=True)
            yield Select([("companies", "company"), ("people", "person")], prompt="Any kind",
                         id="kind", compact=True)
            yield Select([], prompt="Any tag", id="tag", compact=True)
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return list(CONTACT_COLUMNS)

    # -- loading -------------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query_one("#search", Input).value}
        for name in ("role", "kind", "tag"):
            value = self.query_one(f"#{name}", Select).value
            out[name] = None if value is Select.NULL else value
        return out

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.contacts.page(offset=offset, limit=limit, sort=sort, with_total=False, **filters).rows

    def count_rows(self, books, filters) -> int:
        return books.contacts.count(**filters)

    def count_everything(self, books) -> int:
        tags = books.contacts.all_tags()
        self.app.call_from_thread(self._tags_loaded, tags)
        return books.contacts.count()

    def fit(self, rows) -> None:
        fit_phones(self.table.columns, rows)  # in the fetching thread, before the table draws the page

    def export_columns(self):
        return [(name, (lambda row, k=name: getattr(row, k))) for name in EXPORT_COLUMNS]

    def _tags_loaded(self, tags: list[tuple[str, int]]) -> None:
        if tags == self._tags:
            return
        self._tags = tags
        select = self.query_one("#tag", Select)
        current = select.value
        with select.prevent(Select.Changed):
            select.set_options([(f"{t} ({n:,})", t) for t, n in tags])
            if current is not Select.NULL and any(t == current for t, _ in tags):
                select.value = current
        if current is not Select.NULL and select.value is Select.NULL:
            self._reload()

    # -- events --------------------------------------------------------------------------------
    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(ContactDetailScreen(event.row.id))

    # -- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "add":
            return self.actor.can("contacts.write")
        return super().check_action(action, parameters)

    def action_add(self) -> None:
        from bizsuite.screens.contact_forms import ContactForm

        def added(contact_id: int | None) -> None:
            if contact_id is not None:
                self.app.push_screen(ContactDetailScreen(contact_id))

        self.app.push_screen(ContactForm(), added)


# -- one contact ---------------------------------------------------------------------------------


@dataclass
class ActivityView:
    kind: str
    subject: str
    body: str | None
    author: str
    occurred_at: datetime


@dataclass
class ContactView:
    """Everything the detail screen shows, copied out of the transaction."""

    id: int
    version: int
    kind: str
    name: str
    company_id: int | None
    company: str | None
    email: str | None
    phone: str | None
    roles: list[str]
    tags: list[str]
    address: str | None
    city: str | None
    country: str | None
    notes: str | None
    updated_at: datetime
    updated_by: str
    people: list[tuple[int, str, str | None]]
    activities: list[ActivityView]
    references: dict[str, int]
    phone_verified: bool = True  # False: an import kept the number as typed (we could not read it)
    form: ContactIn = field(default_factory=ContactIn)

    @classmethod
    def load(cls, books, contact_id: int) -> "ContactView":
        d = books.contacts.detail(contact_id)
        c = d.contact
        return cls(
            id=c.id, version=c.version, kind=c.kind, name=c.name, company_id=c.company_id,
            company=d.company.name if d.company else None, email=c.email, phone=c.phone,
            roles=c.roles, tags=d.tags, address=c.address, city=c.city, country=c.country,
            notes=c.notes, updated_at=c.updated_at, updated_by=c.updated_by,
            people=[(p.id, p.name, p.email) for p in d.people],
            activities=[ActivityView(a.kind, a.subject, a.body, a.author, a.occurred_at) for a in d.activities],
            references=dict(d.references),
            phone_verified=phone_verified(c.phone) if c.phone else True,
            form=books.contacts.as_input(c),
        )


TIMELINE_COLUMNS = [
    Column("occurred_at", "When", width=15, render=lambda a: when(a.occurred_at)),
    Column("kind", "Kind", width=7),
    Column("subject", "Subject", ratio=1),
    Column("author", "By", width=10),
]


class ContactDetailScreen(BizScreen):
    PLACE = "Contact"
    HELP = (
        "One contact: its fields, the people of a company or the company of a person (Enter "
        "opens them), and the timeline of notes, calls, meetings and emails (Enter shows one). "
        "Merging folds a duplicate into this contact: its activities, tags and everything that "
        "refers to it move here, and the duplicate is deleted. A contact that other records "
        "refer to cannot be deleted; merge it instead."
    )
    BINDINGS = [
        bind("contact_detail_screen.edit", "edit", "Edit"),
        bind("contact_detail_screen.note", "note", "Note"),
        bind("contact_detail_screen.merge", "merge", "Merge"),
        bind("contact_detail_screen.delete", "delete", "Delete"),
        bind("contact_detail_screen.back", "back", "Back"),
    ]
    CSS_PATH = "contacts.tcss"

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.view: ContactView | None = None

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Vertical(id="detail"):
            yield Static("", id="heading")
            yield Static("", id="fields")
            yield Static("", id="links-title", classes="section")
            yield OptionList(id="links")
            yield from self._panels()  # what other modules show of this contact
            yield Static("Timeline", id="timeline-title", classes="section")
            yield PagedTable(TIMELINE_COLUMNS, id="timeline", page_size=50,
                             empty_text="No notes or activities yet — press n to add one.")
        yield Footer()

    def _panels(self):
        from bizsuite.core.modules import installed, load

        for m in installed():
            if m.contact_panels and m.allowed(self.actor):
                for n, target in enumerate(m.contact_panels):
                    yield load(target)(self.contact_id, id=f"panel-{m.name}-{n}")

    def on_mount(self) -> None:
        self.query_one("#links").display = False
        self.query_one("#links-title").display = False
        self.query_one("#timeline", PagedTable).focus()
        self.load()

    def reload_on_return(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def load(self) -> None:
        self.fetch_and_show(lambda books: ContactView.load(books, self.contact_id), self._show)

    def _show(self, v: ContactView) -> None:
        self.view = v
        self.PLACE = v.name
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text(v.name, style="bold")
        left.append(f"  {v.kind}", style="dim")
        if v.roles:
            left.append(" · " + ", ".join(v.roles), style="dim")
        heading.add_row(left, Text(f"#{v.id}", style="dim"))
        self.query_one("#heading", Static).update(heading)
        self.query_one("#fields", Static).update(self._fields(v))

        links = self.query_one("#links", OptionList)
        title = self.query_one("#links-title", Static)
        links.clear_options()
        heading_text = ""
        if v.kind == "company":
            heading_text = f"People ({len(v.people)})" if v.people else "People: none yet"
            # the emails in one column: names padded to the widest in terminal cells (a CJK
            # character takes two), long ones cut with an ellipsis
            names_width = min(max((cell_len(name) for _, name, _ in v.people), default=0), 30)
            for pid, name, email in v.people:
                label = Text(name)
                if email:
                    label.truncate(names_width, overflow="ellipsis", pad=True)
                    label.append(f"  {email}", style="dim")
                links.add_option(Option(label, id=str(pid)))
        elif v.company_id:
            heading_text = "Company"
            links.add_option(Option(Text(v.company or f"#{v.company_id}"), id=str(v.company_id)))
        title.update(heading_text)
        title.display = bool(heading_text)
        links.display = links.option_count > 0
        if links.display:
            links.highlighted = 0
        for panel in self.query(ContactPanel):
            panel.reload()

        self.query_one("#timeline-title", Static).update(
            f"Timeline ({len(v.activities)})" if v.activities else "Timeline")
        activities = list(v.activities)
        self.query_one("#timeline", PagedTable).reload(
            lambda offset, limit: (activities[offset:offset + limit], len(activities)), keep_cursor=True)

    def _fields(self, v: ContactView) -> Group:
        """The filled-in fields, two to a line; the notes get a line of their own."""
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True, width=8)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_column(style="dim", no_wrap=True, width=8)
        grid.add_column(ratio=1, overflow="fold")
        refs = describe_references(v.references)
        phone = Text(format_phone(v.phone))
        if v.phone and not v.phone_verified:
            phone.append(" (unverified)", style="bold yellow")
        items = [(label, value) for label, value in (
            ("Company", v.company or ""),
            ("Email", v.email or ""),
            ("Phone", phone),
            ("Tags", ", ".join(v.tags)),
            ("Address", v.address or ""),
            ("City", ", ".join(p for p in (v.city, v.country) if p)),
            ("Used by", refs),
            ("Changed", f"{when(v.updated_at)} by {v.updated_by}"),
        ) if value]
        for n in range(0, len(items), 2):
            (a, b), (c, d) = items[n], items[n + 1] if n + 1 < len(items) else ("", "")
            grid.add_row(a, b if isinstance(b, Text) else Text(b), c, d if isinstance(d, Text) else Text(d))
        if not v.notes:
            return Group(grid)
        notes = Table.grid(expand=True, padding=(0, 1))
        notes.add_column(style="dim", no_wrap=True, width=8)
        notes.add_column(ratio=1, overflow="fold")
        text = v.notes if len(v.notes) <= 300 else v.notes[:299] + "…"
        notes.add_row("Notes", Text(text.replace("\n", " ")))
        return Group(grid, notes)

    # -- navigation ----------------------------------------------------------------------------
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.push_screen(ContactDetailScreen(int(event.option.id)))

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        from bizsuite.screens.contact_forms import ActivityScreen

        self.app.push_screen(ActivityScreen(event.row))

    def action_back(self) -> None:
        self.dismiss()

    # -- changes -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("edit", "note", "merge", "delete"):
            if not self.actor.can("contacts.write"):
                return False  # hidden: this role may not change contacts
            return True if self.view is not None else None  # dimmed until loaded
        return True

    def action_edit(self) -> None:
        from bizsuite.screens.contact_forms import ContactForm

        v = self.view
        if v is None:
            return
        self.app.push_screen(
            ContactForm(contact_id=v.id, data=v.form, version=v.version, company_name=v.company),
            self._changed("Saved"),
        )

    def action_note(self) -> None:
        from bizsuite.screens.contact_forms import ActivityForm

        if self.view is not None:
            self.app.push_screen(ActivityForm(self.view.id, self.view.name), self._changed("Added to the timeline"))

    def _changed(self, message: str):
        def done(result: Any) -> None:
            if result:
                self.notify(message)
                self.load()

        return done

    def action_merge(self) -> None:
        from bizsuite.screens.contact_forms import MergeDialog

        v = self.view
        if v is None:
            return

        def picked(dup: tuple[int, str] | None) -> None:
            if dup is None:
                return
            dup_id, dup_name = dup

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.merge(dup_id)

            self.app.push_screen(Confirm(
                f"Merge #{dup_id} {dup_name} into #{v.id} {v.name}?",
                f"{dup_name} (#{dup_id}) is deleted; its notes, activities, tags, missing "
                f"fields and every record that refers to it move to {v.name} (#{v.id}).",
                yes="merge",
            ), confirmed)

        self.app.push_screen(MergeDialog(v.id, v.name, v.kind), picked)

    def merge(self, dup_id: int) -> None:
        contact_id = self.contact_id

        def merged(_: object) -> None:
            self.notify(f"Merged #{dup_id} into this contact")
            self.load()

        self.submit(lambda books: books.contacts.merge(contact_id, dup_id), merged, title="Not merged")

    def action_delete(self) -> None:
        if self.view is not None:
            self.check_delete(self.view)

    @work(thread=True, exclusive=True, exit_on_error=False, group="change")
    def check_delete(self, v: ContactView) -> None:
        """Ask the books first: a contact other records refer to is not offered for deletion
        (a confirmation that would be refused anyway); the reason is shown at once."""
        try:
            with self.store.read(self.actor) as books:
                why = books.contacts.why_not_delete(v.id)
        except Refused as exc:
            why = "; ".join(exc.problems)
        if why:
            self.app.call_from_thread(self.notify, why, title="Cannot delete", severity="error", timeout=10)
            return
        self.app.call_from_thread(self._ask_delete, v)

    def _ask_delete(self, v: ContactView) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete(v.version)

        self.app.push_screen(Confirm(
            f"Delete #{v.id} {v.name}?",
            "The contact, its tags and its timeline are deleted for good.",
            yes="delete",
        ), confirmed)

    def delete(self, version: int) -> None:
        contact_id = self.contact_id
        self.submit(lambda books: books.contacts.delete(contact_id, expected_version=version),
                    lambda _: self._deleted(), title="Not deleted")

    def _deleted(self) -> None:
        name = self.view.name if self.view else f"#{self.contact_id}"
        self.notify(f"Deleted {name}")
        self.dismiss()


def open_contact(app, contact_id: int) -> None:
    """A contact's page from anywhere (the palette, another module's screen)."""
    if app.current_mode != "contacts":
        app.switch_mode("contacts")
    app.push_screen(ContactDetailScreen(contact_id))
