"""First run: no books here yet, so ask for the company, its currency and phone region."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from bizsuite.core.db import Location
from bizsuite.core.errors import Refused, ValidationFailed
from bizsuite.screens.base import BizScreen
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind


class FirstRunScreen(BizScreen):
    PLACE = "New books"
    HELP = (
        "There are no books at this location yet. Give the company's name, the currency its "
        "books are kept in (a three-letter code such as USD, EUR, CNY) and the country whose "
        "phone numbers are written without a +country code (a two-letter code such as US, GB, "
        "CN). You become the owner of the new books, and the ledger starts with the standard "
        "chart of accounts (add, rename or deactivate accounts later)."
    )
    BINDINGS = [
        bind("first_run_screen.create", "create", "Create the books"),
        bind("first_run_screen.cancel", "cancel", "Quit"),
    ]
    DEFAULT_CSS = """
    FirstRunScreen {
        align: center middle;
        & #firstrun { width: 70; max-width: 100%; height: auto; border: round $accent; padding: 1 2; }
        & #intro { margin-bottom: 1; }
        & Form { height: auto; }
        & Input { width: 1fr; }
    }
    """

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Vertical(id="firstrun"):
            yield Static(
                f"Welcome to bizsuite. There are no books at {self.location.display()} yet; "
                "these three answers create them, with you as the owner.",
                id="intro", markup=False,
            )
            with Form():
                yield FormField("Company", Input(placeholder="Your company's name", id="company", compact=True), field="company")
                yield FormField("Currency", Input("USD", placeholder="USD, EUR, CNY…", id="currency", max_length=3, compact=True), field="currency")
                yield FormField("Phones", Input("US", placeholder="US, GB, CN… (numbers without +code)", id="region", max_length=2, compact=True), field="region")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#company", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_create()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_create(self) -> None:
        form = self.query_one(Form)
        form.clear_errors()
        self.create(self.query_one("#company", Input).value, self.query_one("#currency", Input).value,
                    self.query_one("#region", Input).value)

    @staticmethod
    def answers(region: str) -> dict[str, str | None]:
        """What the form answers for the modules: the phone region it asks (the contacts
        module's), and each other answer's default, as ``bizsuite init`` gives them (the
        ledger's chart: standard), so both make the same books."""
        from bizsuite.core import modules

        declared = modules.creation_answers()
        answers = {name: default for name, (_, default) in declared.items()}
        if "region" in declared:
            answers["region"] = region
        return answers

    @work(thread=True, exclusive=True, exit_on_error=False, group="create")
    def create(self, company: str, currency: str, region: str) -> None:
        """Store.initialise checks the answers (the core's and each module's, the same rules as
        ``bizsuite init``) before it creates anything; what it refuses is shown beside its field.
        The phone region is the contacts module's answer (``Module.create``), the rest are the
        modules' defaults (:meth:`answers`)."""
        from bizsuite.core.auth import os_login
        from bizsuite.core.store import Store

        store = None
        try:
            store = Store.open_or_create_empty(self.location)
            store.initialise(company=company, currency=currency, owner=os_login(), answers=self.answers(region))
            actor = store.actor_for(os_login())
        except ValidationFailed as exc:
            store.close()
            self.app.call_from_thread(self.query_one(Form).show_errors, exc.errors)
            return
        except Refused as exc:
            if store is not None:
                store.close()
            self.app.call_from_thread(self.query_one(Form).set_message, "\n".join(exc.problems))
            return
        self.app.call_from_thread(self.dismiss, (store, actor))
