"""``?``: what the current screen is for, and every key it answers to right now."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from bizsuite.widgets.keymap import bind

GLOBAL_KEYS = [
    ("ctrl+p", "command palette: jump to a module or a contact by name"),
    ("tab / shift+tab", "move between fields and lists"),
    ("?  or  f1", "this help"),
    ("ctrl+q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > Vertical {
            width: 76; max-width: 100%; height: auto; max-height: 100%;
            border: round $accent; background: $surface; padding: 0 1;
        }
        & #help-title { text-style: bold; height: 1; }
        & #help-body { height: auto; max-height: 1fr; }
        & #help-text { margin-bottom: 1; }
    }
    """
    BINDINGS = [bind("help_screen.close", "close", "Close")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        screen = self.for_screen
        title = getattr(screen, "PLACE", "") or type(screen).__name__
        with Vertical():
            yield Static(f"Help — {title}", id="help-title", markup=False)
            with VerticalScroll(id="help-body"):
                text = getattr(screen, "HELP", "")
                if text:
                    yield Static(text, id="help-text", markup=False)
                yield Static(self._keys(screen), id="help-keys")
        yield Footer()

    def _keys(self, screen: Screen) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, what, enabled in key_rows(screen):
            table.add_row(key, Text(what, style="" if enabled else "dim"))
        return table

    def action_close(self) -> None:
        self.dismiss()


def key_rows(screen: Screen) -> list[tuple[str, str, bool]]:
    """(key, what it does, enabled now) for the screen's keys, its focused widget's, then the app's."""
    rows: list[tuple[str, str, bool]] = []
    seen = set()
    bindings = sorted(screen.active_bindings.items(), key=lambda kv: kv[1].node is not screen)
    for key, active in bindings:
        b = active.binding
        ours = type(active.node).__module__.startswith("bizsuite.")
        if not ours or not b.description or b.action in ("help", "quit") or b.system:
            continue
        if not b.show and (b.id is None or b.action == "to_table"):
            continue  # Textual's own hidden keys (Tab, copy); Down from a search box
        label = screen.app.get_key_display(b)
        if (label, b.description) in seen:
            continue
        seen.add((label, b.description))
        rows.append((label, b.description, active.enabled))
    rows.extend((key, what, True) for key, what in GLOBAL_KEYS)
    return rows
