"""The home screen: whose books, who you are, and the modules your role may open."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from bizsuite.core.auth import ROLES
from bizsuite.core.errors import Refused
from bizsuite.core.modules import load
from bizsuite.screens import allowed_modules, screen_modules
from bizsuite.screens.base import BizScreen


class HomeScreen(BizScreen):
    PLACE = "Home"
    HELP = (
        "The home screen shows whose books these are, who you are, and the modules your role "
        "may open. Press a module's key, or pick it with the arrows and Enter. Ctrl+P opens the "
        "command palette: type a module or a contact's name to jump straight to it."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for m in screen_modules():  # one key per installed module, from its declaration
            if m.key:
                self._bindings.bind(m.key, f"open('{m.name}')", m.title)

    DEFAULT_CSS = """
    HomeScreen {
        & #home { padding: 1 2; height: 1fr; }
        & #company { text-style: bold; color: $accent; height: auto; }
        & #user { height: auto; margin-top: 1; }
        & #modules-title { margin-top: 1; text-style: bold; height: 1; }
        & #modules { height: auto; max-height: 1fr; border: none; padding: 0; background: $surface; }
        & #modules:focus { background-tint: $foreground 5%; }
        & #hint { color: $text-muted; margin-top: 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Vertical(id="home"):
            yield Static("", id="company", markup=False)
            yield Static(self._user_text(), id="user")
            yield Static("Modules", id="modules-title")
            yield OptionList(*self._options({}), id="modules")
            yield Static("Press a module's key, or ctrl+p to jump to a module or a contact by name.",
                         id="hint")
        yield Footer()


    def on_mount(self) -> None:
        self.query_one("#modules").focus()
        self.load()

    def reload_on_return(self) -> None:  # back from a module: its figures may have changed
        self.load()

    def _user_text(self) -> Text:
        a = self.actor
        text = Text()
        text.append(a.name, style="bold")
        text.append(f" · {a.role}", style="bold")
        text.append(f" — {ROLES.get(a.role, '')}")
        if a.via:
            text.append(f"\nActing as {a.name}, by {a.via} (audited under both names)", style="italic")
        return text

    def _options(self, summaries: dict[str, str]) -> list[Option]:
        options = []
        shown = allowed_modules(self.actor)
        widest = max((len(m.title) for m in shown), default=0)
        for m in shown:
            # the gaps are in the cells: an OptionList prompt loses a grid's padding
            grid = Table.grid(expand=True)
            grid.add_column(width=2, no_wrap=True)
            grid.add_column(width=widest + 1, no_wrap=True)
            grid.add_column(ratio=1, overflow="ellipsis", no_wrap=True)
            grid.add_column(justify="right", no_wrap=True)
            summary = summaries.get(m.name, "")
            grid.add_row(Text(m.key or "", style="bold"), Text(m.title, style="bold"),
                         Text(m.description), Text(f" {summary}" if summary else "", style="dim"))
            options.append(Option(grid, id=m.name))
        if not options:
            options.append(Option("Your role may not open any module; ask the owner.", disabled=True))
        return options

    @work(thread=True, exclusive=True, exit_on_error=False, group="home")
    def load(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                company = books.company
                summaries = {m.name: load(m.summary)(books) for m in allowed_modules(self.actor) if m.summary}
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error")
            return
        self.app.call_from_thread(self._loaded, company, summaries)

    def _loaded(self, company: str, summaries: dict[str, str]) -> None:
        self.bizapp.company = company
        self.query_one("#company", Static).update(company or "(no company name)")
        modules = self.query_one("#modules", OptionList)
        highlighted = modules.highlighted
        modules.clear_options()
        modules.add_options(self._options(summaries))
        modules.highlighted = highlighted if highlighted is not None else 0
        self._update_title_bar()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "open" and parameters:
            return any(m.name == parameters[0] for m in allowed_modules(self.actor))
        return True

    def action_open(self, name: str) -> None:
        self.bizapp.open_module(name)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.bizapp.open_module(event.option.id)
