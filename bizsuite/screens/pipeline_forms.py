"""The pipeline's dialogs: a new deal, won or lost (with a reason from the lists), an activity
logged on a deal, a stage to move to, a deal found by number or words. Each form calls one
repository method in a worker; what is refused appears under its field (the reason, the
customer, the amount…) and nothing is written then. Esc asks before dropping what was typed."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import Suggester
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from bizsuite.core import clock
from bizsuite.core.errors import Refused
from bizsuite.crm.pipeline.models import ACTIVITY_KINDS, WON
from bizsuite.screens.base import BizModal
from bizsuite.screens.contact_forms import DIALOG_CSS
from bizsuite.screens.pipeline import money, pct
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind

FORM_CSS = DIALOG_CSS + """
    & > .dialog { width: 70; }
    & #deal { height: auto; margin-bottom: 1; }
    & Select:focus > SelectCurrent { background: $accent 35%; text-style: bold; }
"""
HITS = 8  # deals the find dialog shows


def deal_line(d, extra: str = "") -> Static:
    """The deal a dialog acts on: number, title, customer, amount."""
    text = Text()
    text.append(d.number, style="bold")
    text.append(f"  {d.title}")
    text.append(f"\n{d.customer} · {d.stage} · {money(d.amount)}", style="dim")
    if extra:
        text.append(f"\n{extra}", style="dim")
    return Static(text, id="deal")


class _PipelineForm(BizModal):
    BINDINGS = [bind("deal_form.save", "save", "Save"), bind("deal_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = ""

    FIRST: str | None = None  # the field focused first (default: the first one)

    def on_mount(self) -> None:
        super().on_mount()
        for form in self.query(Form):
            form.can_focus = False
        first = (self.query_one(f"#{self.FIRST}") if self.FIRST else
                 next((w for w in self.query("Input, Select") if w.focusable), None))
        if first is not None:
            first.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field (Ctrl+S saves)."""
        event.stop()
        self.focus_next()

    def action_cancel(self) -> None:
        self.leave()

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def chosen(self, name: str) -> str | None:
        select = self.query_one(f"#{name}", Select)
        return None if select.is_blank() else select.value


class CloseForm(_PipelineForm):
    """Won or lost: a reason from the list (a lost deal needs one); dismisses with what was done."""

    PLACE = "Pipeline › Won or lost"
    HELP = (
        "Close the deal as won or lost, with the reason from the books' list (bizsuite pipeline "
        "reasons lists them, add-reason adds one). A won deal may be closed without a reason; a "
        "lost deal needs one. Its probability becomes 100 % (won) or 0 % (lost); r on the deal's "
        "page reopens it. Ctrl+S saves; Esc leaves."
    )
    DEFAULT_CSS = "CloseForm {" + FORM_CSS + "}"

    def __init__(self, kind: str, deal, version: int | None, reasons: list[str]) -> None:
        super().__init__()
        self.kind, self.deal, self.version, self.reasons = kind, deal, version, reasons

    def compose(self) -> ComposeResult:
        won = self.kind == WON
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"{self.deal.number} {'won' if won else 'lost'}"
            yield deal_line(self.deal, "why it was won (optional)" if won else "why it was lost (needed)")
            with Form():
                yield FormField("Reason", Select([(r, r) for r in self.reasons], allow_blank=True,
                                                 prompt="(no reason)" if won else "pick a reason",
                                                 id="reason", compact=True), field="reason")
        yield Footer()

    def action_save(self) -> None:
        deal_id, version, reason = self.deal.id, self.version, self.chosen("reason")

        if self.kind == WON:
            def save(books) -> str:
                v = books.pipeline.won(deal_id, reason=reason, expect_version=version)
                return f"{v.number} won: {money(v.amount)}" + (f" ({v.reason})" if v.reason else "")
        else:
            def save(books) -> str:
                v = books.pipeline.lost(deal_id, reason=reason, expect_version=version)
                return f"{v.number} lost: {v.reason}"

        self.submit(save, self.dismiss)


class CustomerSuggester(Suggester):
    """Completes a customer's or a lead's name from the books (a read in a thread)."""

    def __init__(self, store, actor) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self.store, self.actor = store, actor

    async def get_suggestion(self, value: str) -> str | None:
        if len(value.strip()) < 2 or value.startswith("#"):
            return None
        return await asyncio.to_thread(self._lookup, value)

    def _lookup(self, value: str) -> str | None:
        try:
            with self.store.read(self.actor) as books:
                rows = books.contacts.page(query=value, limit=10, with_total=False).rows
        except Refused:
            return None
        return next((r.name for r in rows if ("customer" in r.roles or "lead" in r.roles)
                     and r.name.casefold().startswith(value.casefold())), None)


class NewDealForm(_PipelineForm):
    """A new deal; dismisses with (its id, what was done) or None."""

    PLACE = "Pipeline › New deal"
    HELP = (
        "A new deal: its title, the customer (a contact with the customer or lead role: type the "
        "name — → accepts the suggestion — an email or #id), the amount, the open stage it "
        "starts in, the expected close date, the probability (empty: the stage's) and where it "
        "came from. It is yours. Enter moves to the next field; Ctrl+S adds it; what is wrong "
        "appears under its field."
    )
    DEFAULT_CSS = "NewDealForm {" + FORM_CSS + "}"

    def __init__(self, stages: list[str], stage: str | None = None) -> None:
        super().__init__()
        self.stages, self.stage = stages, stage if stage in stages else stages[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "New deal"
            with Form():
                yield FormField("Title", Input(id="title", compact=True), field="title")
                yield FormField("Customer", Input(id="customer", compact=True, placeholder="name, email or #id",
                                                  suggester=CustomerSuggester(self.store, self.actor)),
                                field="customer")
                yield FormField("Amount", Input(id="amount", compact=True, placeholder="12500.00"), field="amount")
                yield FormField("Stage", Select([(s, s) for s in self.stages], value=self.stage, allow_blank=False,
                                                id="stage", compact=True), field="stage")
                yield FormField("Close", Input(id="close", compact=True, placeholder="expected close, YYYY-MM-DD"),
                                field="close")
                yield FormField("Prob. %", Input(id="probability", compact=True, placeholder="the stage's"),
                                field="probability")
                yield FormField("Source", Input(id="source", compact=True, placeholder="web, referral, fair…"),
                                field="source")
        yield Footer()

    def action_save(self) -> None:
        title, customer, amount = self.value("title"), self.value("customer"), self.value("amount")
        close, probability, source = self.value("close"), self.value("probability"), self.value("source")
        stage = self.chosen("stage")

        def save(books) -> tuple[int, str]:
            v = books.pipeline.add(title, customer=customer or None, amount=amount or None, stage=stage,
                                   close=close or None, probability=probability or None, source=source or None)
            return v.id, f"{v.number} added at {v.stage}: {money(v.amount)} for {v.customer}"

        self.submit(save, self.dismiss)


class LogForm(_PipelineForm):
    """Something done or to do about a deal; dismisses with what was done."""

    PLACE = "Pipeline › Log activity"
    HELP = (
        "Log what was done about the deal (a call, a meeting, an email, a task, a note), or, with "
        "a due date, a follow-up: something to do on that day, for the deal's owner, listed as "
        "overdue once its day has passed until it is marked done (d). The text never changes "
        "afterwards. Ctrl+S saves."
    )
    DEFAULT_CSS = "LogForm {" + FORM_CSS + "}"
    FIRST = "text"

    def __init__(self, deal) -> None:
        super().__init__()
        self.deal = deal

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Log on {self.deal.number}"
            yield deal_line(self.deal)
            with Form():
                yield FormField("Kind", Select([(k, k) for k in ACTIVITY_KINDS], value="call", allow_blank=False,
                                               id="kind", compact=True), field="kind")
                yield FormField("Text", Input(id="text", compact=True, placeholder="what was done or is to do"),
                                field="text")
                yield FormField("Due", Input(id="due", compact=True,
                                             placeholder=f"a follow-up's day (e.g. {clock.today().isoformat()})"),
                                field="due")
        yield Footer()

    def action_save(self) -> None:
        deal_id, number = self.deal.id, self.deal.number
        kind, text, due = self.chosen("kind"), self.value("text"), self.value("due")

        def save(books) -> str:
            a = books.pipeline.log(deal_id, text, kind=kind, due=due or None)
            if a.due is not None:
                return f"{number}: follow-up logged, {a.kind} due {a.due.isoformat()} for {a.owner}"
            return f"{number}: {a.kind} logged"

        self.submit(save, self.dismiss)


class StagePicker(BizModal):
    """The open stage to move a deal to; dismisses with its name, or None."""

    PLACE = "Pipeline › Move"
    HELP = "Pick the open stage to move the deal to with the arrows and Enter; Esc leaves it where it is."
    BINDINGS = [bind("deal_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = """
    StagePicker {
        align: center middle;
        & > Vertical { width: 50; max-width: 100%; height: auto; border: round $accent;
                       border-title-style: bold; background: $surface; padding: 0 1; }
        & #stages { height: auto; max-height: 10; border: none; padding: 0; background: $surface; }
    }
    """

    def __init__(self, deal, stages: list[str]) -> None:
        super().__init__()
        self.deal, self.stages = deal, stages

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Move {self.deal.number} from {self.deal.stage} to"
            yield OptionList(*[Option(s, id=s) for s in self.stages], id="stages")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#stages").focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FindDialog(BizModal):
    """A deal by number (d-12), words of its title or its customer's name, as you type;
    dismisses with its id, or None."""

    PLACE = "Pipeline › Find a deal"
    HELP = (
        "Type a deal's number (d-12 is D-00012), words of its title or part of its customer's "
        "name: the matches show below, open deals first. Enter opens the first, or Down and Enter "
        "another. Esc leaves."
    )
    BINDINGS = [bind("deal_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = """
    FindDialog {
        align: center top;
        & > Vertical { width: 76; max-width: 100%; height: auto; margin-top: 2; border: round $accent;
                       border-title-style: bold; background: $surface; padding: 0 1; }
        & Input { width: 1fr; }
        & #hits { height: auto; max-height: 10; border: none; padding: 0; background: $surface; }
        & #hits.-empty { display: none; }
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Find a deal"
            yield Input(id="find", compact=True, placeholder="D-00012, words of the title, the customer")
            yield OptionList(id="hits", classes="-empty")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#find", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.find(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="find")
    def find(self, text: str) -> None:
        rows = []
        if text.strip():
            try:
                with self.store.read(self.actor) as books:
                    rows = books.pipeline.search(text, limit=HITS)
            except Refused:
                rows = []
        self.app.call_from_thread(self._show, text, rows)

    def _show(self, text: str, rows) -> None:
        if self.query_one("#find", Input).value != text:
            return  # typed on since: a newer search is coming
        hits = self.query_one("#hits", OptionList)
        hits.clear_options()
        for r in rows:
            label = Text(r.number, style="bold", no_wrap=True, overflow="ellipsis")
            label.append(f"  {r.title}")
            label.append(f"  {r.customer} · {r.stage} · {money(r.amount)}", style="dim")
            hits.add_option(Option(label, id=str(r.id)))
        hits.set_class(not rows, "-empty")
        if rows:
            hits.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        hits = self.query_one("#hits", OptionList)
        if hits.option_count:
            self.dismiss(int(hits.get_option_at_index(hits.highlighted or 0).id))

    def on_key(self, event) -> None:
        if event.key == "down" and isinstance(self.focused, Input):
            hits = self.query_one("#hits", OptionList)
            if hits.option_count:
                event.stop()
                hits.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))


__all__ = ["CloseForm", "FindDialog", "LogForm", "NewDealForm", "StagePicker", "pct"]
