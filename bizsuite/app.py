"""The Textual app: one mode per module plus the home screen, global keys, the command palette.

``make_app`` is the one factory used by the CLI (through :func:`run_tui`) and by the tests.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

from textual import events
from textual.app import App
from textual.reactive import reactive

from bizsuite.core.auth import Actor
from bizsuite.core.db import Location
from bizsuite.core.store import Store
from bizsuite.screens import make_screen, module, screen_modules
from bizsuite.widgets.keymap import bind


def _commands_provider():
    from bizsuite.screens.commands import BizsuiteCommands

    return BizsuiteCommands


class BizsuiteApp(App[int]):
    """bizsuite in a terminal: the books of one company, seen by one user."""

    TITLE = "bizsuite"
    CSS = """
    * { scrollbar-size-vertical: 1; }
    Footer { background: $panel; }
    /* Without colour (NO_COLOR, or a terminal such as vt100 that has none) the cursor and the
       focus still show: in reverse video and underline, not in a colour nobody sees. */
    OptionList:nocolor > .option-list--option-highlighted { text-style: reverse; }
    Input:nocolor:focus, Select:nocolor:focus > SelectCurrent, TextArea:nocolor:focus { text-style: underline; }
    Button:nocolor:focus { text-style: reverse; }
    """
    COMMANDS = App.COMMANDS | {lambda: _commands_provider()}
    BINDINGS = [
        bind("app.help", "help", "Help", key_display="?"),
        bind("app.quit", "quit", "Quit", priority=True, show=False),
    ]

    company: reactive[str] = reactive("")

    def __init__(self, store: Store | None, actor: Actor | None, location: Location) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.location = location
        self.blink_cursor = True  # tests switch it off for stable snapshots
        from bizsuite.screens.home import HomeScreen

        self.add_mode("home", HomeScreen)
        from bizsuite.core.modules import installed, load

        for m in installed():  # import the domain parts here, not first inside a worker thread
            for target in (m.repository, m.summary, m.search):
                if target:
                    load(target)
        for m in screen_modules():
            self.add_mode(m.name, lambda m=m: make_screen(m))

    # -- start-up ------------------------------------------------------------------------------
    def on_mount(self) -> None:
        from bizsuite.widgets.keymap import user_keymap

        remapped, problems = user_keymap()  # ~/.config/bizsuite/keys.toml
        if remapped:
            self.set_keymap(remapped)
        for problem in problems:
            self.notify(problem, title="Keys", severity="warning", timeout=10)
        if self.store is None or self.actor is None:
            from bizsuite.screens.firstrun import FirstRunScreen

            self.push_screen(FirstRunScreen(self.location), self._books_created)
        else:
            self.switch_mode("home")

    def _books_created(self, result: Any) -> None:
        if result is None:
            self.exit(1)
            return
        self.store, self.actor = result
        self.switch_mode("home")

    # -- who and where -------------------------------------------------------------------------
    @property
    def who(self) -> str:
        a = self.actor
        if a is None:
            return ""
        return f"{a.name} · {a.role}" + (f" (as, by {a.via})" if a.via else "")

    def can(self, permission: str) -> bool:
        return self.actor is not None and self.actor.can(permission)

    # -- navigation ----------------------------------------------------------------------------
    def open_module(self, name: str) -> None:
        if name == "home":
            self.switch_mode("home")
            return
        m = module(name)
        if self.actor is None or not m.allowed(self.actor):
            self.notify(f"{m.title}: your role may not open it", severity="error")
            return
        self.switch_mode(name)

    def open_contact(self, contact_id: int) -> None:
        self.open_record("contact", contact_id)

    def open_record(self, kind: str, record_id: int) -> None:
        """Open a record found anywhere (the palette, a panel): the module that declares ``kind``
        in its ``records`` opens it, if the user's role may open that module."""
        from bizsuite.core.modules import installed, load

        for m in installed():
            if kind in m.records:
                if self.actor is None or not m.allowed(self.actor):
                    self.notify(f"{m.title}: your role may not open it", severity="error")
                    return
                load(m.records[kind])(self, record_id)
                return
        self.notify(f"No installed module opens {kind} records", severity="error")

    def action_help(self) -> None:
        from bizsuite.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    # -- cursor blink off for snapshots --------------------------------------------------------
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not self.blink_cursor and hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False


def make_app(store: Store | None, actor: Actor | None, location: Location) -> BizsuiteApp:
    """The app on these books for this user; with ``store=None`` it starts with the first-run form."""
    return BizsuiteApp(store, actor, location)


MONOCHROME_TERMS = {"vt52", "vt100", "vt102", "vt220", "vt320", "dumb", "xterm-mono", "linux-m"}


def _monochrome(term: str) -> bool:
    """Terminals that show no colour at all (terminfo's ``*-m``/``*-mono`` entries among them)."""
    return term in MONOCHROME_TERMS or term.endswith(("-m", "-mono"))


def has_terminal() -> bool:
    """Both standard input and output are a terminal (what Textual needs to draw and read keys)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_tui(location: Location, as_name: str | None) -> int:
    """Open the app (the CLI's ``bizsuite`` with no command). Returns the exit code."""
    from bizsuite.core.auth import os_login
    from bizsuite.core.db import sqlite_file_state
    from bizsuite.core.errors import Refused

    if not has_terminal():
        # Textual would wait for keys that never come, at full speed, for ever (a script, cron,
        # a pipe): say so and stop, as every command does with bad input.
        print(f"the app needs a terminal (standard input or output is not one); open it from a terminal with: "
              f"bizsuite --db {shlex.quote(location.display())}", file=sys.stderr)
        return 1
    if _monochrome(os.environ.get("TERM", "")):
        os.environ.setdefault("NO_COLOR", "1")  # Textual then draws in monochrome
    store: Store | None = None
    try:
        if location.is_sqlite and location.path is not None and sqlite_file_state(location.path) in ("missing", "empty"):
            app = make_app(None, None, location)
        else:
            store = Store.open(location)
            actor = store.actor_for(os_login(), as_name)
            app = make_app(store, actor, location)
    except Refused as exc:
        if store is not None:
            store.close()
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    try:
        app.run()
    finally:
        if app.store is not None:
            app.store.close()
    return 0


__all__ = ["BizsuiteApp", "make_app", "run_tui"]
