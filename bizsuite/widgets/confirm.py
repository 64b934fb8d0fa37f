"""A yes/no question as a modal screen: ``push_screen(Confirm(...), callback)`` gets True/False."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from bizsuite.widgets.keymap import bind


class Confirm(ModalScreen[bool]):
    """Ask once, plainly; ``y``/enter says yes, ``n``/escape says no."""

    DEFAULT_CSS = """
    Confirm {
        align: center middle;
        & > Vertical {
            width: 64;
            max-width: 100%;
            height: auto;
            border: thick $error 60%;
            background: $surface;
            padding: 1 2;
        }
        & .confirm--title { text-style: bold; margin-bottom: 1; }
        & .confirm--hint { color: $text-muted; margin-top: 1; }
    }
    """

    BINDINGS = [
        bind("confirm.answer_true", "answer(True)", "Yes"),
        bind("confirm.answer_false", "answer(False)", "No"),
    ]

    def __init__(self, title: str, message: str, *, yes: str = "yes") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="confirm--title", markup=False)
            yield Static(self.message, markup=False)
            yield Static(f"y  {self.yes}     n  cancel", classes="confirm--hint", markup=False)
        yield Footer()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
