"""The ledger's forms: an account; the journal entry form is in :mod:`.entry_form` (and
importable from here). The CSV export dialog is every screen's: :mod:`bizsuite.screens.export`."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Select

from bizsuite.core.errors import Refused
from bizsuite.erp.ledger.models import ACCOUNT_TYPES
from bizsuite.screens.base import BizModal
from bizsuite.screens.contact_forms import DIALOG_CSS
from bizsuite.screens.ledger.common import problems
from bizsuite.widgets.checkbox import Checkbox
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind


# -- an account -----------------------------------------------------------------------------------


class AccountForm(BizModal):
    """Add an account (``account_id=None``) or edit one; dismisses with the saved account's name."""

    PLACE = "Account"
    HELP = (
        "An account's full name is its place in the tree, parts separated by ':' "
        "(assets:bank:savings, 资产:银行存款:工行); missing parents are added. Without a type, a new "
        "account takes its parent's, or its top level's (assets → asset, 费用 → expense). The code "
        "is optional and unique. Renaming moves the sub-accounts too, and every entry shows the new "
        "name. The type changes only while nothing is posted to the account. An inactive account "
        "takes no new postings; its history and balances stay. Ctrl+S saves."
    )
    BINDINGS = [
        bind("account_form.save", "save", "Save"),
        bind("account_form.cancel", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = "AccountForm {" + DIALOG_CSS + "& #active { width: auto; } }"

    def __init__(self, account_id: int | None = None, *, prefix: str = "") -> None:
        super().__init__()
        self.account_id = account_id
        self.prefix = prefix
        self.version: int | None = None
        self.original: tuple[str, str, str, bool] | None = None  # name, code, type, active

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Add an account" if self.account_id is None else "Edit an account"
            with Form():
                yield FormField("Name", Input(self.prefix, id="name", compact=True, select_on_focus=False,
                                              placeholder="e.g. assets:bank:savings"), field="name")
                yield FormField("Type", Select([(t, t) for t in ACCOUNT_TYPES], id="type", compact=True,
                                               prompt="from the parent or the top level"), field="type")
                yield FormField("Code", Input(id="code", compact=True, placeholder="optional, e.g. 1020"),
                                field="code")
                if self.account_id is not None:
                    yield FormField("Active", Checkbox("takes new postings", True, id="active", compact=True),
                                    field="active")
        yield Footer()

    def on_mount(self) -> None:
        name = self.query_one("#name", Input)
        name.focus()
        name.cursor_position = len(name.value)
        if self.account_id is not None:
            self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                a = books.ledger.account(self.account_id)
                values = (a.name, a.code or "", a.type, a.active, a.version)
        except Refused as exc:
            self.app.call_from_thread(self.query_one(Form).set_message, problems(exc))
            return
        self.app.call_from_thread(self._loaded, *values)

    def _loaded(self, name: str, code: str, type_: str, active: bool, version: int) -> None:
        self.original = (name, code, type_, active)
        self.version = version
        self.query_one(".dialog").border_title = f"Edit {name}"
        self.query_one("#name", Input).value = name
        self.query_one("#code", Input).value = code
        self.query_one("#type", Select).value = type_
        self.query_one("#active", Checkbox).value = active
        self.call_after_refresh(self.mark_unchanged)  # the loaded account is what it opened with

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        self.leave()  # asks first if anything was typed

    def action_save(self) -> None:
        if self.account_id is not None and self.original is None:
            return  # not loaded yet
        selected = self.query_one("#type", Select).value
        type_ = None if selected is Select.NULL else str(selected)
        name, code = self.query_one("#name", Input).value, self.query_one("#code", Input).value
        if self.account_id is None:
            def work(books) -> str:
                return books.ledger.add_account(name, type=type_, code=code or None).name
        else:
            active = self.query_one("#active", Checkbox).value
            account_id, version = self.account_id, self.version

            def work(books) -> str:  # one step, the version checked once (the ledger's edit_account)
                return books.ledger.edit_account(account_id, name=name, code=code, type=type_, active=active,
                                                 expected_version=version).name
        self.submit(work, self.dismiss, group="save")


from bizsuite.screens.ledger.entry_form import EntryForm, Parsed, parse_rows  # noqa: E402,F401
