"""The ledger's forms: an account, a CSV export; the journal entry form is in
:mod:`.entry_form` (and importable from here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Select, Static

from bizsuite.core.errors import FieldError, Refused
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


# -- a CSV export ---------------------------------------------------------------------------------


class ExportDialog(BizModal):
    """Ask where to write a CSV, and write it with ``write(path) -> rows``; dismisses with the path."""

    PLACE = "Export to CSV"
    HELP = (
        "Type the file to write (a path relative to the directory bizsuite was started in, or "
        "absolute; ~ is your home). The CSV has the columns the command line's --format csv "
        "gives: plain numbers, and text that a spreadsheet would run as a formula starts with '. "
        "An existing file is replaced. Enter or Ctrl+S writes it."
    )
    BINDINGS = [
        bind("export_dialog.save", "save", "Write"),
        bind("export_dialog.cancel", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = "ExportDialog {" + DIALOG_CSS + "& #export-what { color: $text-muted; margin-bottom: 1; } }"

    def __init__(self, what: str, filename: str, write: Callable[[object], int]) -> None:
        super().__init__()
        self.what, self.filename, self.write = what, filename, write

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Export to CSV"
            yield Static(self.what, id="export-what", markup=False)
            with Form():
                yield FormField("File", Input(self.filename, id="path", compact=True), field="path")
        yield Footer()

    def on_mount(self) -> None:
        path = self.query_one("#path", Input)
        path.focus()
        path.cursor_position = len(path.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        typed = self.query_one("#path", Input).value.strip()
        if not typed:
            self.query_one(Form).show_errors([FieldError("path", "give the file to write")])
            return
        self.export(typed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(self, typed: str) -> None:
        path = Path(typed).expanduser()
        tmp = path.with_name(path.name + ".partial")
        try:
            with open(tmp, "w", newline="", encoding="utf-8") as out:
                rows = self.write(out)
            os.replace(tmp, path)
        except OSError as exc:
            try:
                tmp.unlink()
            except OSError:
                pass
            reason = exc.strerror or str(exc)
            self.app.call_from_thread(self.query_one(Form).show_errors,
                                      [FieldError("path", f"cannot write {typed}: {reason}")])
            return
        except Refused as exc:
            try:
                tmp.unlink()
            except OSError:
                pass
            self.app.call_from_thread(self.query_one(Form).set_message, problems(exc))
            return
        self.app.call_from_thread(self.notify, f"Wrote {rows:,} rows to {path.resolve()}")
        self.app.call_from_thread(self.dismiss, str(path.resolve()))


from bizsuite.screens.ledger.entry_form import EntryForm, Parsed, parse_rows  # noqa: E402,F401
