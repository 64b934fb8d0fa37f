"""The journal entry form: a grid of lines, keyboard only.

Amounts are typed as text and read with :func:`~bizsuite.core.money.parse_decimal` (never
floats) to show the totals and the difference as you type; whether the entry may be posted
is the repository's decision, and its refusal (an unbalanced entry, a locked date, an unknown
or inactive account) shows under the grid, word for word, with nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from bizsuite.core import clock
from bizsuite.core.errors import FieldError, Refused, ValidationFailed
from bizsuite.core.money import MONEY_SCALE, format_plain, money_scale, parse_decimal, zero
from bizsuite.erp.ledger.models import LineIn
from bizsuite.screens.ledger.common import LedgerScreen, money, problems
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind

PICKER_HITS = 6


# -- a journal entry ------------------------------------------------------------------------------


class Matches(OptionList, can_focus=False):
    """The accounts matching what is typed in an account cell (never focused: the keys stay in
    the cell, Up/Down move the highlight, Enter takes it)."""


class Grid(VerticalScroll, can_focus=False):
    """The lines, scrolling when there are many (the cells take the focus, never the grid)."""


class LineRow(Horizontal):
    """One line of the grid: number, account, debit, credit, memo."""

    def __init__(self, n: int, account: str = "", debit: str = "", credit: str = "", memo: str = "") -> None:
        super().__init__(classes="line")
        self.n = n
        self.values = (account, debit, credit, memo)

    def compose(self) -> ComposeResult:
        account, debit, credit, memo = self.values
        yield Static(f"{self.n:>2}", classes="line-no")
        yield Input(account, classes="cell account", compact=True, placeholder="account or code")
        yield Input(debit, classes="cell debit", compact=True)
        yield Input(credit, classes="cell credit", compact=True)
        yield Input(memo, classes="cell memo", compact=True)

    def renumber(self, n: int) -> None:
        self.n = n
        self.query_one(".line-no", Static).update(f"{n:>2}")

    def cell(self, column: str) -> Input:
        return self.query_one(f".{column}", Input)

    def texts(self) -> tuple[str, str, str, str]:
        return tuple(self.cell(c).value.strip() for c in COLUMNS)  # type: ignore[return-value]

    @property
    def blank(self) -> bool:
        return not any(self.texts())


COLUMNS = ("account", "debit", "credit", "memo")


@dataclass
class Parsed:
    """What the grid says: the lines to send, the display row of each, and the typing problems."""

    lines: list[LineIn]
    rows: list[int]  # display row number of each line sent
    debits: Decimal
    credits: Decimal
    errors: dict[int, str]  # display row → what cannot be read


def parse_rows(rows: list[tuple[str, str, str, str]], scale: int = MONEY_SCALE) -> Parsed:
    """Read the grid's text: amounts with ``parse_decimal`` (at most ``scale`` decimals, the books'
    currency's); a debit is positive, a credit negative."""
    lines, sent, errors = [], [], {}
    debits = credits = zero(scale)
    for n, (account, debit_text, credit_text, memo) in enumerate(rows, 1):
        if not any((account, debit_text, credit_text, memo)):
            continue
        debit = credit = None
        problems_ = []
        for label, text in (("debit", debit_text), ("credit", credit_text)):
            if not text:
                continue
            try:
                value = parse_decimal(text, what=label, scale=scale)
            except ValueError as exc:
                problems_.append(str(exc))
                continue
            if label == "debit":
                debit = value
            else:
                credit = value
        if debit is not None and credit is not None:
            problems_.append("give a debit or a credit, not both")
        if problems_:
            errors[n] = "; ".join(problems_)
        debits += debit or zero(scale)
        credits += credit or zero(scale)
        amount = debit if debit is not None else (-credit if credit is not None else None)
        lines.append(LineIn(account, amount, memo or None))
        sent.append(n)
    return Parsed(lines, sent, debits, credits, errors)


@dataclass
class DraftView:
    id: int
    version: int
    date: str
    memo: str
    code: str
    lines: list[tuple[str, str, str, str]]


class EntryForm(LedgerScreen):
    """Post a journal entry, or save it as a draft; ``draft_id`` edits (and may post) a draft.

    Dismisses with the entry's id once posted or saved, or None.
    """

    PLACE = "Ledger › New entry"
    HELP = (
        "A journal entry: its date, reference and memo, then one line per account. In an account "
        "cell, type part of a name or a code: the matching accounts show under the grid; Up and "
        "Down pick one, Enter takes it. Type each amount under Debit or Credit (1,234.50; no "
        "formulas). Enter moves to the next cell, Up and Down to the line above or below; a new "
        "line appears when the last one is used. Ctrl+B fills the line you are on with what "
        "balances the entry; Ctrl+R removes the line. A line with an account and no amount takes "
        "whatever balances the entry.\n\n"
        "The totals and the difference follow as you type. Ctrl+S posts the entry: it posts only "
        "when the debits equal the credits, on a date after the lock date, to active accounts — "
        "otherwise the reason shows under the grid and nothing is written. Ctrl+D saves it as a "
        "draft, balanced or not, to finish later (the journal's d lists the drafts)."
    )
    BINDINGS = [
        bind("entry_form.post", "post", "Post", priority=True),
        bind("entry_form.draft", "draft", "Draft", priority=True),
        bind("entry_form.balance_line", "balance_line", "Balance", priority=True),
        bind("entry_form.remove_line", "remove_line", "Remove", priority=True),
        bind("entry_form.cancel", "cancel", "Cancel"),
        # Priority: the app moves the focus as it reads each key, so keys typed ahead (or a
        # burst from a terminal multiplexer) land in the cell they were meant for.
        bind("entry_form.next_cell", "next_cell", "Next cell", show=False, priority=True),
        bind("entry_form.move_minus1", "move(-1)", "Line above", show=False, priority=True),
        bind("entry_form.move_1", "move(1)", "Line below", show=False, priority=True),
    ]

    def __init__(self, draft_id: int | None = None) -> None:
        super().__init__()
        self.draft_id = draft_id
        self.version: int | None = None
        self._dirty = False
        self._picking: Input | None = None  # the account cell the matches are for
        self._shown: tuple[Input, str] | None = None  # the cell and text the matches were found for
        self._names: set[str] = set()  # full account names seen: nothing to complete
        self._completing: dict[Input, str] = {}  # cells left while their lookup runs
        if draft_id is not None:
            self.PLACE = f"Ledger › Draft #{draft_id}"

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Vertical(id="entry-form"):
            with Form(id="header"):
                with Horizontal(id="date-ref"):
                    yield FormField("Date", Input(clock.today().isoformat(), id="date", compact=True,
                                                  placeholder="YYYY-MM-DD"), field="date")
                    yield FormField("Reference", Input(id="code", compact=True, placeholder="optional"),
                                    field="code")
                yield FormField("Memo", Input(id="memo", compact=True, placeholder="what the entry is for"),
                                field="memo")
            with Horizontal(id="grid-head"):
                yield Static(" #", classes="line-no")
                yield Static("Account", classes="head account")
                yield Static("Debit", classes="head debit")
                yield Static("Credit", classes="head credit")
                yield Static("Memo", classes="head memo")
            with Grid(id="grid"):
                yield LineRow(1)
                yield LineRow(2)
            yield Matches(id="matches")
            yield Static("", id="totals")
            yield Static("", id="problems")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        if self.draft_id is not None:
            self.load_draft()
        self.query_one("#date", Input).focus()
        self._show_totals()

    # -- a draft ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load_draft(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                d = books.ledger.entry(self.draft_id)
                e = d.entry
                if e.status != "draft":
                    raise Refused(f"entry #{e.id} is posted; posted entries never change — reverse it instead")
                view = DraftView(
                    id=e.id, version=e.version, date=e.date.isoformat(), memo=e.memo, code=e.code or "",
                    lines=[(ln.account, format_plain(ln.debit, None) if ln.debit is not None else "",
                            format_plain(ln.credit, None) if ln.credit is not None else "", ln.memo or "")
                           for ln in d.lines])
        except Refused as exc:
            self.app.call_from_thread(self._cannot_load, problems(exc))
            return
        self.app.call_from_thread(self._draft_loaded, view)

    def _cannot_load(self, message: str) -> None:
        self.notify(message, severity="error", timeout=10)
        self.dismiss(None)

    async def _draft_loaded(self, v: DraftView) -> None:
        self.version = v.version
        for widget_id, value in (("date", v.date), ("code", v.code), ("memo", v.memo)):
            self.query_one(f"#{widget_id}", Input).value = value
        grid = self.query_one("#grid", Grid)
        await grid.remove_children()
        rows = [LineRow(n, *values) for n, values in enumerate(v.lines, 1)]
        rows.append(LineRow(len(rows) + 1))
        await grid.mount_all(rows)
        self._dirty = False
        self._show_totals()

    # -- the grid --------------------------------------------------------------------------------
    @property
    def rows(self) -> list[LineRow]:
        return list(self.query(LineRow))

    def _row_of(self, widget) -> LineRow | None:
        node = widget
        while node is not None and not isinstance(node, LineRow):
            node = node.parent
        return node

    @staticmethod
    def _column_of(cell: Input) -> str:
        return next(c for c in COLUMNS if cell.has_class(c))

    def _grid_texts(self) -> list[tuple[str, str, str, str]]:
        return [row.texts() for row in self.rows]

    async def _ensure_blank_last(self) -> None:
        rows = self.rows
        if rows and not rows[-1].blank:
            await self.query_one("#grid", Grid).mount(LineRow(len(rows) + 1))

    @on(Input.Changed, ".cell")
    async def _cell_changed(self, event: Input.Changed) -> None:
        self._dirty = True
        row = self._row_of(event.input)
        if row is not None:
            row.remove_class("-invalid")
        if event.input.has_class("account") and event.input.has_focus:
            if event.value.strip():
                self.lookup(event.value)
            else:
                self._hide_matches()
        self._show_totals()
        await self._ensure_blank_last()

    @on(Input.Changed, "#header Input")
    def _header_changed(self, event: Input.Changed) -> None:
        self._dirty = True
        node = event.input.parent
        while node is not None and not isinstance(node, FormField):
            node = node.parent
        if node is not None and event.input.has_focus:  # typing in it: the error is being fixed
            node.set_error(None)

    def _show_totals(self) -> None:
        parsed = parse_rows(self._grid_texts(), money_scale(self.store.engine))
        diff = parsed.debits - parsed.credits
        text = Text()
        text.append("Debits ", style="dim")
        text.append(money(parsed.debits), style="bold")
        text.append("   Credits ", style="dim")
        text.append(money(parsed.credits), style="bold")
        text.append("   Difference ", style="dim")
        if diff:
            text.append(money(abs(diff)), style="bold red")
            text.append(" more in debits" if diff > 0 else " more in credits", style="red")
        elif parsed.debits:
            text.append("0.00 balanced", style="bold green")
        else:
            text.append("0.00", style="bold")
        self.query_one("#totals", Static).update(text)

    def on_descendant_focus(self, event) -> None:
        widget = event.widget
        if not (isinstance(widget, Input) and widget.has_class("account")):
            self._hide_matches()
        elif widget.value.strip() and widget.value.strip() not in self._names:
            self.lookup(widget.value)

    # -- the account picker ----------------------------------------------------------------------
    # What is typed in an account cell is completed to an account's full name when the cell is
    # left (Enter, Tab, Up, Down): to the highlighted match when the matches are on screen, else
    # to the first match once the lookup answers — so fast typing never outruns the picker.
    # Text that matches nothing stays as typed; the repository names it when posting.
    @work(thread=True, exclusive=True, exit_on_error=False, group="matches")
    def lookup(self, text: str) -> None:
        found = self._matching(text)
        if found is not None:
            self.app.call_from_thread(self._found, text, found)

    @work(thread=True, exit_on_error=False, group="complete")
    def complete(self, cell: Input, text: str) -> None:
        found = self._matching(text)
        if found:
            self.app.call_from_thread(self._completed, cell, text, [name for name, _, _ in found])

    def _matching(self, text: str) -> list[tuple[str, str | None, str]] | None:
        try:
            with self.store.read(self.actor) as books:
                return [(a.name, a.code, a.type) for a in books.ledger.accounts_matching(text, limit=PICKER_HITS)]
        except Refused:
            return None

    def _found(self, text: str, found: list[tuple[str, str | None, str]]) -> None:
        self._names.update(name for name, _, _ in found)
        cell = self.focused
        if not (isinstance(cell, Input) and cell.has_class("account")) or cell.value != text:
            return  # typed on, or moved on, since
        matches = self.query_one("#matches", Matches)
        matches.clear_options()
        for name, code, type_ in found:
            label = Text(f"{code or '':<6} ", style="dim")
            label.append(name, style="bold")
            label.append(f"  {type_}", style="dim")
            matches.add_option(Option(label, id=name))
        if found and not (len(found) == 1 and found[0][0] == text):
            matches.highlighted = 0
            matches.add_class("-shown")
            self._picking = cell
            self._shown = (cell, text)
        else:
            self._hide_matches()

    def _hide_matches(self) -> None:
        self._picking = None
        self.query_one("#matches", Matches).remove_class("-shown")

    @property
    def picking(self) -> bool:
        return self._picking is not None and self._picking is self.focused

    def _shown_choice(self, cell: Input) -> str | None:
        """The highlighted match, when the matches on screen are for what the cell holds."""
        matches = self.query_one("#matches", Matches)
        if self._shown != (cell, cell.value) or matches.highlighted is None or not matches.option_count:
            return None
        return matches.get_option_at_index(matches.highlighted).id

    def _leave_account(self, cell: Input) -> None:
        """The cell is being left: complete what it holds (now, or when the lookup answers)."""
        text = cell.value.strip()
        if not text or text in self._names:
            return
        name = self._shown_choice(cell)
        if name is not None:
            self._take(cell, name)
        elif self._completing.get(cell) != cell.value:
            self._completing[cell] = cell.value
            self.complete(cell, cell.value)

    def _completed(self, cell: Input, text: str, names: list[str]) -> None:
        if self._completing.get(cell) == text:
            del self._completing[cell]
        self._names.update(names)
        if cell.is_mounted and cell.value == text and not cell.has_focus:
            folded = text.strip().casefold()
            self._take(cell, next((n for n in names if n.casefold() == folded), names[0]))

    def _take(self, cell: Input, name: str) -> None:
        self._names.add(name)
        with cell.prevent(Input.Changed):
            cell.value = name
        cell.cursor_position = 0  # a long name shows from its start
        self._shown = None
        if cell is self._picking:
            self._hide_matches()
        self._show_totals()
        self.call_later(self._ensure_blank_last)

    @on(Input.Blurred, ".account")
    def _account_left(self, event: Input.Blurred) -> None:
        self._leave_account(event.input)

    # -- keys ------------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._next_cell(event.input)

    def action_next_cell(self) -> None:
        if isinstance(self.focused, Input):
            self._next_cell(self.focused)

    def _next_cell(self, cell: Input) -> None:
        row = self._row_of(cell)
        if row is not None and cell.has_class("account"):
            self._leave_account(cell)  # before the focus moves: the highlighted match is taken
            self.set_focus(row.cell("debit"))
            return
        if row is not None and cell.has_class("memo"):
            rows = self.rows
            index = rows.index(row)
            if index + 1 < len(rows):
                self.set_focus(rows[index + 1].cell("account"))
                return
        self.focus_next()  # synchronous, like every focus move here: typing ahead lands right

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "next_cell":
            return isinstance(self.focused, Input) and self.focused.screen is self
        if action in ("balance_line", "remove_line"):
            return self._row_of(self.focused) is not None if self.focused is not None else False
        if action == "move":
            return self.picking or (self.focused is not None and self._row_of(self.focused) is not None)
        return super().check_action(action, parameters)

    def action_move(self, step: int) -> None:
        if self.picking:
            matches = self.query_one("#matches", Matches)
            if matches.option_count:
                current = matches.highlighted or 0
                matches.highlighted = max(0, min(matches.option_count - 1, current + step))
            return
        cell = self.focused
        row = self._row_of(cell)
        if row is None or not isinstance(cell, Input):
            return
        rows = self.rows
        index = rows.index(row) + step
        if 0 <= index < len(rows):
            self.set_focus(rows[index].cell(self._column_of(cell)))
        elif index < 0:
            self.set_focus(self.query_one("#memo", Input))

    def action_balance_line(self) -> None:
        row = self._row_of(self.focused)
        if row is None:
            return
        texts = self._grid_texts()
        index = self.rows.index(row)
        others = parse_rows([t if i != index else ("", "", "", "") for i, t in enumerate(texts)],
                            money_scale(self.store.engine))
        if others.errors:
            self.notify("Fix the amounts that cannot be read first", severity="warning")
            return
        diff = others.debits - others.credits
        debit, credit = ("", format_plain(diff, None)) if diff > 0 else (format_plain(-diff, None), "") if diff < 0 else ("", "")
        row.cell("debit").value = debit
        row.cell("credit").value = credit
        self.set_focus(row.cell("credit" if credit else "debit"))

    async def action_remove_line(self) -> None:
        row = self._row_of(self.focused)
        if row is None:
            return
        rows = self.rows
        index = rows.index(row)
        await row.remove()
        self._dirty = True
        rows = self.rows
        if len(rows) < 2:
            await self.query_one("#grid", Grid).mount(LineRow(len(rows) + 1))
            rows = self.rows
        for n, r in enumerate(rows, 1):
            r.renumber(n)
        await self._ensure_blank_last()
        rows = self.rows
        self.set_focus(rows[min(index, len(rows) - 1)].cell("account"))
        self._show_totals()

    def action_cancel(self) -> None:
        if self.picking:
            self._hide_matches()
            return
        if not self._dirty:
            self.dismiss(None)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(Confirm("Leave without saving?", "What you typed in this entry is dropped; "
                                     "nothing is posted or saved.", yes="leave"), confirmed)

    # -- posting and saving ----------------------------------------------------------------------
    def action_post(self) -> None:
        self._submit(post=True)

    def action_draft(self) -> None:
        self._submit(post=False)

    def _submit(self, *, post: bool) -> None:
        self._hide_matches()
        parsed = parse_rows(self._grid_texts(), money_scale(self.store.engine))
        self._clear_problems()
        if parsed.errors:
            self._show_problems([f"line {n}: {message}" for n, message in parsed.errors.items()],
                                parsed.errors.keys())
            return
        self.save(post, self.query_one("#date", Input).value, self.query_one("#memo", Input).value,
                  self.query_one("#code", Input).value, parsed.lines, parsed.rows)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def save(self, post: bool, day: str, memo: str, code: str, lines: list[LineIn], rows: list[int]) -> None:
        try:
            with self.store.transaction(self.actor) as books:
                ledger = books.ledger
                if self.draft_id is None:
                    if post:
                        e = ledger.post_entry(day, memo, lines, code=code or None)
                    else:
                        e = ledger.save_draft(day, memo, lines, code=code or None)
                else:
                    e = ledger.save_draft(day, memo, lines, code=code or None, entry_id=self.draft_id,
                                          expected_version=self.version)
                    if post:
                        e = ledger.post_draft(e.id)
                saved_id, saved_day = e.id, e.date
                total = ledger.entry(e.id).total
        except ValidationFailed as exc:
            self.app.call_from_thread(self._invalid, exc.errors, rows)
            return
        except Refused as exc:
            self.app.call_from_thread(self._show_problems, list(exc.problems), ())
            return
        self.app.call_from_thread(self._saved, post, saved_id, saved_day, total)

    def _saved(self, post: bool, entry_id: int, day, total: Decimal) -> None:
        self._dirty = False
        what = "Posted" if post else "Saved draft"
        self.notify(f"{what} #{entry_id} · {day} · {money(total)}")
        self.dismiss(entry_id)

    def _invalid(self, errors: list[FieldError], rows: list[int]) -> None:
        header = self.query_one("#header", Form)
        fields = header.fields
        mine = [e for e in errors if e.field in fields]
        header.show_errors(mine)
        lines, marked = [], []
        for e in errors:
            if e.field in fields:
                continue
            where = e.field
            if where.startswith("line ") and where[5:].isdigit():
                n = int(where[5:])
                shown = rows[n - 1] if 0 < n <= len(rows) else n
                marked.append(shown)
                lines.append(f"line {shown}: {e.message}")
            else:
                lines.append(e.message)
        self._show_problems(lines, marked, focus=not mine)

    def _clear_problems(self) -> None:
        self.query_one("#header", Form).clear_errors()
        for row in self.rows:
            row.remove_class("-invalid")
        problems_ = self.query_one("#problems", Static)
        problems_.update("")
        problems_.remove_class("-shown")

    def _show_problems(self, lines: list[str], rows, *, focus: bool = True) -> None:
        problems_ = self.query_one("#problems", Static)
        problems_.update(Text("\n".join(lines)))
        problems_.set_class(bool(lines), "-shown")
        grid_rows = self.rows
        marked = sorted(set(rows))
        for n in marked:
            if 0 < n <= len(grid_rows):
                grid_rows[n - 1].add_class("-invalid")
        if focus and marked and 0 < marked[0] <= len(grid_rows):
            self.set_focus(grid_rows[marked[0] - 1].cell("account"))
