"""What every bizsuite screen shares: the title bar, the store and the acting user, help text."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable, TypeVar

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from bizsuite.core import clock
from bizsuite.widgets.titlebar import TitleBar
from bizsuite.widgets.keymap import bind

if TYPE_CHECKING:
    from bizsuite.app import BizsuiteApp
    from bizsuite.core.auth import Actor
    from bizsuite.core.store import Books, Store

T = TypeVar("T")


class _Shared:
    PLACE = ""  # shown in the title bar after the company's name
    HELP = ""  # what the help screen says about this screen, above its keys

    @property
    def bizapp(self) -> "BizsuiteApp":
        return self.app  # type: ignore[attr-defined,return-value]

    @property
    def store(self) -> "Store":
        return self.bizapp.store  # type: ignore[return-value]

    @property
    def actor(self) -> "Actor":
        return self.bizapp.actor  # type: ignore[return-value]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that died of anything but a refusal (those are handled where they happen)
        is a bug: say so on screen instead of leaving the screen silently half-loaded."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.app.notify(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
                            title="Something went wrong", severity="error", timeout=15)

    def submit(self, work: "Callable[[Books], T]", done: "Callable[[T], None]", *, form=None,
               group: str = "submit", title: str | None = None,
               refused: "Callable[[], None] | None" = None) -> None:
        """Every write of a screen: ``work(books)`` in a worker thread, in one unit of work as the
        user (all of it lands or none of it), then ``done(result)`` on the app's thread. A refusal
        is shown where it belongs: a ``ValidationFailed``'s errors under their fields of ``form``
        (by default the screen's first :class:`Form`), anything else in the form's message line,
        or, with no form, as a notification (headed ``title``: "Not deleted"); ``refused()`` then
        runs on the app's thread (to reload what the refusal left as it was). Screens never open
        transactions themselves."""
        from bizsuite.core.errors import Refused
        from bizsuite.widgets.form import Form

        def run() -> None:
            try:
                with self.store.transaction(self.actor) as books:
                    result = work(books)
            except Refused as exc:
                self.app.call_from_thread(self._refused, exc, form, title)
                if refused is not None:
                    self.app.call_from_thread(refused)
                return
            self.app.call_from_thread(done, result)

        self._submit_form = form if form is not None else next(iter(self.query(Form)), None)  # type: ignore[attr-defined]
        self.run_worker(run, thread=True, exclusive=True, group=group, exit_on_error=False)  # type: ignore[attr-defined]

    def _refused(self, exc, form, title: str | None = None) -> None:
        from bizsuite.core.errors import ValidationFailed

        form = form if form is not None else getattr(self, "_submit_form", None)
        if form is None:
            self.app.notify("; ".join(exc.problems), title=title or "", severity="error", timeout=10)
            return
        if isinstance(exc, ValidationFailed):
            form.show_errors(exc.errors)
        else:
            form.clear_errors()
            form.set_message("; ".join(exc.problems))

    def _compact_footer(self) -> None:
        """Footers in Textual's compact style: one space between keys, so that every key a screen
        shows fits in 80 columns."""
        from textual.widgets import Footer

        for footer in self.query(Footer):  # type: ignore[attr-defined]
            footer.compact = True

    def title_bar(self) -> TitleBar:
        return TitleBar(id="titlebar")

    def _update_title_bar(self, company: str = "") -> None:
        bar = self.query(TitleBar)  # type: ignore[attr-defined]
        if bar:
            company = self.bizapp.company
            bar.first().place = f"{company} › {self.PLACE}" if company and self.PLACE else (company or self.PLACE)
            bar.first().who = self.bizapp.who


class BizScreen(_Shared, Screen):
    """A full screen of the app."""

    _suspended = False  # another screen is on top of this one

    def on_mount(self) -> None:
        self.watch(self.app, "company", self._update_title_bar)
        self._compact_footer()

    def on_screen_suspend(self) -> None:
        self._suspended = True

    def on_screen_resume(self) -> None:
        if self._suspended:
            self._suspended = False
            self.reload_on_return()

    def reload_on_return(self) -> None:
        """Back on top after another screen: what was done there may change what this one shows,
        so screens that show data load it again here."""

    def fetch_and_show(self, fetch: "Callable[[Books], T]", show: "Callable[[T], None]") -> None:
        """From a worker thread: ``fetch`` through a read unit of work, then ``show`` it on the
        app's thread. A record that is gone closes the screen with a warning; a refusal is said."""
        from bizsuite.core.errors import NotFound, Refused

        try:
            with self.store.read(self.actor) as books:
                value = fetch(books)
        except NotFound as exc:
            self.app.call_from_thread(self._gone, "; ".join(exc.problems))
            return
        except Refused as exc:
            self.app.call_from_thread(self.notify, "; ".join(exc.problems), severity="error")
            return
        self.app.call_from_thread(show, value)

    def _gone(self, message: str) -> None:
        self.notify(message, severity="warning")
        self.dismiss()


class BizModal(_Shared, ModalScreen):
    """A modal form or dialog of the app. F1 opens its help (the app's own ? and F1 do not reach
    a modal screen, and ? is text in a form's fields)."""

    BINDINGS = [bind("biz_modal.help", "app.help", "Help", key_display="F1")]

    _as_opened: tuple | None = None

    def _typed(self) -> tuple:
        """What the form's fields hold now (inputs, text areas, selects, checkboxes)."""
        from textual.widgets import Checkbox, Input, Select, TextArea

        out = []
        for w in self.query("*"):
            if isinstance(w, TextArea):
                out.append((w.id, w.text))
            elif isinstance(w, (Input, Select, Checkbox)):
                out.append((w.id, w.value))
        return tuple(out)

    def on_mount(self) -> None:
        self._compact_footer()
        self.call_after_refresh(self.mark_unchanged)

    def mark_unchanged(self) -> None:
        """What the form holds now is what it opened with (call it after loading a record)."""
        self._as_opened = self._typed()

    def leave(self) -> None:
        """Esc in a form: close it, asking first if anything was typed since it opened (typing
        and then undoing counts as nothing)."""
        if self._as_opened is None or self._typed() == self._as_opened:
            self.dismiss(None)
            return
        from bizsuite.widgets.confirm import Confirm

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(Confirm("Leave without saving?", "What you typed here has not been saved.",
                                     yes="leave, dropping it"), answered)


def when(moment: datetime | None) -> str:
    """A time for people: 'today 09:30', 'yesterday 17:05', '14 Mar 10:00', '2025-11-02'."""
    if moment is None:
        return ""
    local = moment.astimezone()
    today = clock.now().astimezone().date()
    days = (today - local.date()).days
    if days == 0:
        return f"today {local:%H:%M}"
    if days == 1:
        return f"yesterday {local:%H:%M}"
    if local.year == today.year and days > 0:
        return f"{local:%d %b %H:%M}"
    return f"{local:%Y-%m-%d}"
