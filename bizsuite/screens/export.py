"""Writing what a screen shows to a CSV file: the dialog (``x`` on every list and report) and the
one way cells are written (plain decimals, ISO dates, text a spreadsheet would run as a formula
quoted, as the command line's ``--format csv`` writes them)."""

from __future__ import annotations

import csv
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from bizsuite.core.errors import FieldError, Refused
from bizsuite.core.importer import neutralise
from bizsuite.screens.base import BizModal
from bizsuite.screens.contact_forms import DIALOG_CSS
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind



def plain(value: Any) -> str:
    """A cell as the CLI's CSV writes it: plain decimals (``1234.50``), ISO dates, lists joined
    with ``;``, "" for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ";".join(plain(v) for v in value)
    return str(value)


def cell(value: Any) -> str:
    """``plain`` for numbers; text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return plain(value)
    return neutralise(plain(value))


def write_rows(out, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """The header, then every row (values as they come: numbers, dates, text); returns the rows."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    n = 0
    for row in rows:
        w.writerow([cell(v) for v in row])
        n += 1
    return n


class ExportDialog(BizModal):
    """Ask where to write a CSV, and write it with ``write(out) -> rows``; dismisses with the path."""

    PLACE = "Export to CSV"
    HELP = (
        "Type the file to write (a path relative to the directory bizsuite was started in, or "
        "absolute; ~ is your home). The CSV has the columns the command line's --format csv "
        "gives: plain numbers, and text that a spreadsheet would run as a formula starts with '. "
        "A list writes every row that matches its search and filters, in the order shown, not "
        "only the rows on screen. An existing file is replaced. Enter or Ctrl+S writes it."
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
        super().on_mount()
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
            _unlink(tmp)
            reason = exc.strerror or str(exc)
            self.app.call_from_thread(self.query_one(Form).show_errors,
                                      [FieldError("path", f"cannot write {typed}: {reason}")])
            return
        except Refused as exc:
            _unlink(tmp)
            self.app.call_from_thread(self.query_one(Form).set_message, "; ".join(exc.problems))
            return
        self.app.call_from_thread(self.notify, f"Wrote {rows:,} rows to {path.resolve()}")
        self.app.call_from_thread(self.dismiss, str(path.resolve()))


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


__all__ = ["ExportDialog", "cell", "plain", "write_rows"]
