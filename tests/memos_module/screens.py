"""The memos module's screens: its list, and its section on a contact's page."""

from textual import work
from textual.widgets import Footer, Static
from textual.widgets.option_list import Option

from bizsuite.screens.base import BizScreen
from bizsuite.screens.panels import ContactPanel


class MemosScreen(BizScreen):
    PLACE = "Memos"
    HELP = "Every memo."

    def __init__(self, focus_id: int | None = None) -> None:
        super().__init__()
        self.focus_id = focus_id

    def compose(self):
        yield self.title_bar()
        yield Static("", id="memos")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        self.fetch_and_show(lambda b: b.memos.all(), self._show)

    def _show(self, rows) -> None:
        self.query_one("#memos", Static).update(
            "\n".join(("> " if i == self.focus_id else "  ") + f"M{i} {t}" for i, t in rows) or "no memos")


def open_memo(app, memo_id: int) -> None:
    app.switch_mode("memos")
    app.push_screen(MemosScreen(memo_id))


class ContactMemosPanel(ContactPanel):
    title = "Memos"

    def fetch(self, books, contact_id: int) -> list:
        return books.memos.all(contact_id=contact_id)

    def option(self, row) -> Option:
        return Option(f"M{row[0]} {row[1]}", id=str(row[0]))

    def opened(self, option_id: str) -> None:
        open_memo(self.app, int(option_id))
