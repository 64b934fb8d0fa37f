"""Driving the tickets screens with the keyboard, and checking the books afterwards.

The clock is frozen at Monday 16 March 2026, 09:30 UTC; the SLA calendar counts in the local
zone, which the screens' conftest makes UTC: business hours are 09:00–17:00 UTC here.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from screen_helpers import SIZE, settle
from textual.widgets import Input, OptionList, Static, TextArea

from bizsuite.core import clock
from bizsuite.core.auth import Actor
from bizsuite.crm.tickets.models import TicketIn
from bizsuite.screens.contacts import ContactDetailScreen
from bizsuite.screens.help import key_rows
from bizsuite.screens.home import HomeScreen
from bizsuite.screens.ticket_forms import NewTicketForm
from bizsuite.screens.tickets import ChoiceDialog, QueueScreen, TicketScreen
from bizsuite.widgets.form import FormField
from bizsuite.widgets.paged_table import PagedTable

H = timedelta(hours=1)


def fill_tickets(store, owner: Actor, ids: dict[str, int], now) -> dict[str, int]:
    """Tickets in every state the queue shows, as of ``now`` (Monday 09:30). Returns ids by key."""
    fri = now - timedelta(days=3)  # Friday 13 March, 09:30
    with store.transaction(owner) as b:
        b.admin.add_user("tom", "support")
    tom = Actor(name="tom", role="support")
    t: dict[str, int] = {}

    @contextmanager
    def at(moment, actor=owner):
        with clock.freeze(moment), store.transaction(actor) as b:
            yield b

    with at(fri - 8 * H) as b:  # a week-old question, resolved and closed
        t["closed"] = b.tickets.add(TicketIn(subject="Spring price list", contact_id=ids["王小明"], priority="low",
                                             description="请发春季价目表。")).id
        b.tickets.reply(t["closed"], "Attached — valid until May.", status="closed")
    with at(fri - 2 * 24 * H) as b:
        t["resolved"] = b.tickets.add(TicketIn(subject="Login to the trade portal", contact_id=ids["王小明"],
                                               priority="normal", channel="phone")).id
        b.tickets.reply(t["resolved"], "Password reset sent.", status="resolved")
    with at(fri - 0.5 * H) as b:  # Friday 09:00, high: first reply due 13:00 — never came
        t["late"] = b.tickets.add(TicketIn(subject="Order 1042 arrived damaged", contact_id=ids["Carla Weber"],
                                           priority="high", channel="email", tags=["damage"],
                                           description="Two of six mugs were broken.")).id
    with at(fri + 5.5 * H) as b:  # Friday 15:00, urgent
        t["checkout"] = b.tickets.add(TicketIn(
            subject="Checkout fails on the trade portal", contact_id=ids["王小明"], priority="urgent",
            assignee="tom", description="付款时页面报错，无法下单。\nError 502 after the payment step.")).id
    with at(fri + 7 * H, tom) as b:  # 16:30: half an hour late
        b.tickets.reply(t["checkout"], "Sorry for the wait! Which browser do you use?", status="pending")
    with at(now - 25 * timedelta(minutes=1)) as b:  # Monday 09:05
        b.tickets.reply(t["checkout"], "Chrome on Windows. 谢谢！", kind="customer")
    with at(now - 10 * timedelta(minutes=1)) as b:
        b.tickets.reply(t["checkout"], "Payment gateway logs show timeouts; asked the provider.", kind="note")
    with at(fri + 0.5 * H) as b:  # Friday 10:00: asked for photos, now waiting on the customer
        t["paused"] = b.tickets.add(TicketIn(subject="Photos of the damaged carton", contact_id=ids["Bob Stone"],
                                             priority="high")).id
        b.tickets.reply(t["paused"], "Could you send photos of the carton?", status="pending")
    with at(now - 0.5 * H) as b:  # Monday 09:00, urgent: first reply due 10:00 — within the hour
        t["soon"] = b.tickets.add(TicketIn(subject="Invoice 2211 shows the wrong VAT number",
                                           contact_id=ids["Alice Martin"], priority="urgent")).id
    with at(now - 20 * timedelta(minutes=1)) as b:
        t["normal"] = b.tickets.add(TicketIn(subject="Catalogue request for spring", contact_id=ids["Emma Johnson"],
                                             priority="normal", assignee="alice", channel="walk-in")).id
    return t


@pytest.fixture
def tickets(books, frozen_clock) -> dict[str, int]:
    store, owner, ids = books
    return fill_tickets(store, owner, ids, frozen_clock)


async def open_queue(pilot) -> QueueScreen:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    assert isinstance(pilot.app.screen, QueueScreen)
    return pilot.app.screen


async def open_ticket(pilot, ticket_id: int) -> TicketScreen:
    await settle(pilot)
    from bizsuite.screens.tickets import open_ticket as jump

    jump(pilot.app, ticket_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TicketScreen)
    return pilot.app.screen


def rows(table: PagedTable) -> list[int]:
    return [r.id for r in table.loaded_rows()]


def text_of(screen, selector: str) -> str:
    """What a Static shows, as plain text (tables included)."""
    import io

    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=78, color_system=None).print(screen.query_one(selector, Static).content)
    return out.getvalue().rstrip()


# -- the queue -----------------------------------------------------------------------------------


async def test_the_queue_is_sorted_by_due_time_and_marks_breached_and_due_soon(app, tickets, frozen_clock):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one("#queue", PagedTable)
        assert rows(table) == [tickets[k] for k in ("late", "soon", "checkout", "normal", "paused")]
        marks = {r.id: r.marker(frozen_clock) for r in table.loaded_rows()}
        assert marks[tickets["late"]] == "!!" and marks[tickets["checkout"]] == "!!"
        assert marks[tickets["soon"]] == "!" and marks[tickets["normal"]] == ""
        status = text_of(screen, "#status-line")
        assert "5 tickets shown" in status and "2 breached (!!), 1 due within the hour (!)" in status


async def test_queue_filters_by_key(app, tickets):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one("#queue", PagedTable)
        await pilot.press("m")  # mine (alice)
        await settle(pilot)
        assert rows(table) == [tickets["normal"]]
        await pilot.press("m", "b")  # anyone's, breached
        await settle(pilot)
        assert rows(table) == [tickets["late"], tickets["checkout"]]
        await pilot.press("b", "u")  # unassigned
        await settle(pilot)
        assert rows(table) == [tickets["late"], tickets["soon"], tickets["paused"]]
        await pilot.press("u", "f", "f", "f")  # status: new → open → pending
        await settle(pilot)
        assert screen.query_one("#status-filter").value == "pending"
        assert rows(table) == [tickets["paused"]]  # the checkout one is open again: the customer answered
        screen.query_one("#status-filter").value = "all"
        await pilot.press("slash", *"#", *str(tickets["closed"]))
        await settle(pilot)
        assert rows(table) == [tickets["closed"]]


def choice_ids(dialog) -> list[str]:
    options = dialog.query_one("#choices", OptionList)
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def test_assign_to_any_agent_from_the_ticket_and_the_queue(app, books, tickets):
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.admin.add_user("raj", "support")
        b.admin.add_user("sam", "sales")  # may not work tickets: not offered
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, tickets["soon"])
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        from bizsuite.screens.tickets import NOBODY

        assert choice_ids(app.screen) == ["alice", "raj", "tom", NOBODY]  # you first, nobody last
        await pilot.press("down", "down", "enter")  # tom
        await settle(pilot)
        assert text_of(screen, "#ticket-heading").rstrip().endswith("new · urgent · tom")
        await pilot.press("escape")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.query_one("#queue", PagedTable)
        table.move_cursor(rows(table).index(tickets["checkout"]))
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("end", "enter")  # nobody
        await settle(pilot)
    with store.read(owner) as b:
        assert b.tickets.get(tickets["soon"]).assignee == "tom"
        assert b.tickets.get(tickets["checkout"]).assignee is None


async def test_the_queue_filters_by_agent_priority_and_customer(app, books, tickets):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one("#queue", PagedTable)
        who = screen.query_one("#who-filter")
        assert [v for _, v in who._options] == ["anyone", "mine", "unassigned", "agent:tom"]
        who.value = "agent:tom"
        await settle(pilot)
        assert rows(table) == [tickets["checkout"]]
        who.value = "anyone"
        screen.query_one("#priority-filter").value = "high"
        await settle(pilot)
        assert rows(table) == [tickets["late"], tickets["paused"]]
        screen.query_one("#priority-filter").value = "any"
        await settle(pilot)
        table.move_cursor(rows(table).index(tickets["checkout"]))  # 王小明's
        await pilot.press("c")
        await settle(pilot)
        assert rows(table) == [tickets["checkout"]]  # the other two are resolved and closed
        assert text_of(screen, "#status-line").startswith("王小明's (c: everyone's) · 1 ticket shown")
        screen.query_one("#status-filter").value = "all"
        await settle(pilot)
        assert set(rows(table)) == {tickets["checkout"], tickets["resolved"], tickets["closed"]}
        await pilot.press("c")
        await settle(pilot)
        assert len(rows(table)) == len(tickets)


async def test_a_number_search_finds_the_ticket_whatever_the_filters(app, tickets):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one("#queue", PagedTable)
        await pilot.press("m", "b")  # mine, breached: the closed one is neither, nor active
        await pilot.press("slash", *"#", *str(tickets["closed"]))
        await settle(pilot)
        assert rows(table) == [tickets["closed"]]
        assert text_of(screen, "#status-line").startswith(f"#{tickets['closed']}, whatever the filters")
        await pilot.press("9", "9")
        await settle(pilot)
        assert rows(table) == []
        assert text_of(screen, "#status-line").startswith(f"no ticket #{tickets['closed']}99")


async def test_take_change_status_and_priority_from_the_queue(app, books, tickets):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one("#queue", PagedTable)
        await pilot.press("down")  # the due-soon one
        assert table.cursor_row.id == tickets["soon"]
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # you are offered first
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # urgent → high
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        # a later due time moved it down the queue: follow it
        assert rows(table) == [tickets[k] for k in ("late", "checkout", "soon", "normal", "paused")]
        table.move_cursor(2)
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        options = app.screen.query_one("#choices", OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            "open", "pending", "on_hold", "resolved", "closed"]
        await pilot.press("down", "down", "down", "enter")  # resolved
        await settle(pilot)
    with store.read(owner) as b:
        t = b.tickets.get(tickets["soon"])
        assert (t.assignee, t.priority, t.status, t.version) == ("alice", "high", "resolved", 4)


async def test_a_closed_ticket_offers_no_status_change(app, books, tickets):
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, tickets["closed"])
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)  # no picker: nothing is allowed
        assert any("closed tickets stay closed" in n.message for n in app._notifications)


# -- create, reply, pause, reopen ------------------------------------------------------------------


async def test_create_then_reply_meets_the_first_response(app, books, tickets, frozen_clock):
    store, owner, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewTicketForm)
        await pilot.press(*"Mugs arrived chipped", "tab", *"acme")
        await settle(pilot)
        results = form.query_one("#contact-results", OptionList)
        assert results.option_count == 3  # Acme Trading Ltd, Alice Martin, Bob Stone
        await pilot.press("down", "down", "enter")  # to the matches, the second: Alice Martin
        await settle(pilot)
        assert form.contact_id == ids["Alice Martin"]
        assert form.query_one("#contact", Input).value == "Alice Martin"
        form.query_one("#priority").value = "urgent"
        form.query_one("#tags", Input).value = "damage, mugs"
        form.query_one("#description", TextArea).text = "Three of twelve mugs chipped."
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        new_id = screen.ticket_id
        assert "First reply: in 1h (today 10:30)" in text_of(screen, "#ticket-clocks")
        await pilot.press("r", *"Sorry! A replacement ships today.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.query_one("#reply", TextArea).text == ""
        assert "First reply: met, today 09:30" in text_of(screen, "#ticket-clocks")
        assert "open · urgent" in text_of(screen, "#ticket-heading")
    with store.read(owner) as b:
        t = b.tickets.get(new_id)
        assert (t.subject, t.contact_id, t.priority, t.status) == ("Mugs arrived chipped", ids["Alice Martin"],
                                                                    "urgent", "open")
        assert t.first_response_at == frozen_clock and t.description == "Three of twelve mugs chipped."
        assert b.tickets.tags_of(new_id) == ["damage", "mugs"]
        [m] = b.tickets.detail(new_id).messages
        assert (m.kind, m.author, m.body) == ("reply", "alice", "Sorry! A replacement ships today.")


async def test_the_new_ticket_form_says_what_is_missing_and_saves_nothing(app, books, tickets):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert form.query_one("#field-subject", FormField).error == "is required"
        assert form.query_one("#field-contact", FormField).error == "is required: the customer who asked"
        await pilot.press(*"Hello", "tab", *"zzzz")
        await settle(pilot)
        assert form.query_one("#field-contact", FormField).error == "no contact matches “zzzz”"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.query_one("#field-contact", FormField).error == "pick the customer from the matches under the field"
        await pilot.press("escape")  # what was typed is not dropped without asking
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with store.read(owner) as b:
        assert b.tickets.count(status="all") == len(tickets)


async def test_pending_pauses_the_clock(app, books, tickets):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, tickets["soon"])
        assert "First reply: ! in 30m (today 10:00)" in text_of(screen, "#ticket-clocks")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down", "enter")  # open → pending
        await settle(pilot)
        clocks = text_of(screen, "#ticket-clocks")
        assert "First reply: paused, 30m left" in clocks and "Resolution: paused, 3h 30m left" in clocks
        await pilot.press("escape")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        row = next(r for r in queue.query_one("#queue", PagedTable).loaded_rows() if r.id == tickets["soon"])
        assert (row.status, row.sla_due) == ("pending", None)
    with store.read(owner) as b:
        t = b.tickets.get(tickets["soon"])
        assert (t.status, t.response_due, t.sla_due) == ("pending", None, None)


async def test_a_customer_reply_reopens_a_resolved_ticket(app, books, tickets):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, tickets["resolved"])
        assert text_of(screen, "#ticket-heading").rstrip().endswith("resolved · normal · unassigned")
        await pilot.press("r", "ctrl+t", "ctrl+t")  # public reply → internal note → the customer's words
        assert "The customer's words" in text_of(screen, "#reply-mode")
        await pilot.press(*"Still cannot log in.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "open · normal" in text_of(screen, "#ticket-heading")
        assert "Resolution: in" in text_of(screen, "#ticket-clocks")
    with store.read(owner) as b:
        t = b.tickets.get(tickets["resolved"])
        assert (t.status, t.resolved_at) == ("open", None)
        assert b.tickets.detail(t.id).messages[-1].author == "王小明"


async def test_an_empty_reply_is_not_sent(app, books, tickets):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, tickets["late"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("empty" in n.message for n in app._notifications)
    with store.read(owner) as b:
        assert b.tickets.detail(tickets["late"]).messages == []


async def test_leaving_with_an_unsent_reply_asks_first(app, books, tickets):
    from bizsuite.widgets.confirm import Confirm

    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, tickets["late"])
        await pilot.press("r", *"We are sending new mugs.", "escape")  # out of the box: the text stays
        assert screen.focused.id == "thread" and screen.query_one("#reply", TextArea).text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # stay
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#reply", TextArea).text == "We are sending new mugs."
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")  # leave
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("enter")  # another ticket, nothing typed: Esc leaves at once
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with store.read(owner) as b:
        assert b.tickets.detail(tickets["late"]).messages == []


# -- how it reads at 80x24 ------------------------------------------------------------------------


def lines_of(widget) -> list[str]:
    """What a widget shows on screen, line by line."""
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


async def test_the_queue_columns_fit_their_content(app, tickets, frozen_clock):
    from bizsuite.crm.tickets.models import STATUS_LABELS
    from bizsuite.screens.tickets import QUEUE_COLUMNS, due_text

    widths = {c.key: c.width for c in QUEUE_COLUMNS}
    assert widths["status"] >= max(len(label) for label in STATUS_LABELS.values())  # "resolved", "on hold"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one("#queue", PagedTable)
        late = next(r for r in table.loaded_rows() if r.id == tickets["checkout"])
        late.sla_due = frozen_clock - timedelta(hours=9, minutes=59)
        assert due_text(late, frozen_clock) == "9h 59m late" and len("9h 59m late") <= widths["due"]
        who = next(c for c in table.columns if c.key == "assignee")
        assert who.width == len("alice")  # the longest agent's login (alice, tom)
        screen.query_one("#status-filter").value = "all"
        await settle(pilot)
        shown = "\n".join(lines_of(table))
        assert " resolved " in shown and " closed " in shown and " pending " in shown


async def test_the_side_panel_keeps_an_email_address_whole(app, books, tickets):
    store, owner, ids = books
    from bizsuite.crm.contacts.models import ContactIn

    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Stefan Schneider", email="stefan.schneider@silverline.de")).id
        tid = b.tickets.add(TicketIn(subject="Carton crushed", contact_id=cid)).id
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, tid)
        shown = lines_of(screen.query_one("#customer"))
        assert not any(line.startswith(("ne.de", "e.de", ".de")) for line in shown)  # no broken-off tail
        [email] = [line for line in shown if line.startswith("stefan")]
        assert "stefan.schneider@silverline.de".startswith(email.rstrip("…"))


async def test_enter_in_the_tags_field_moves_on_and_does_not_open_the_ticket(app, books, tickets):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await pilot.press(*"Mugs chipped", "enter")
        assert form.focused.id == "contact"  # Enter in the subject moves on too
        form.query_one("#tags", Input).focus()
        await pilot.press(*"damage", "enter")
        await settle(pilot)
        assert app.screen is form and form.focused.id == "description"
    with store.read(owner) as b:
        assert b.tickets.count(status="all") == len(tickets)


async def test_the_thread_shows_the_newest_message_after_sending(app, books, tickets):
    store, owner, _ = books
    with store.transaction(owner) as b:
        for n in range(8):
            b.tickets.reply(tickets["checkout"], f"Update {n}: still looking into it.", kind="note")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, tickets["checkout"])
        thread = screen.query_one("#thread")
        assert thread.max_scroll_y > 0 and thread.scroll_y == thread.max_scroll_y  # opened at the end
        thread.scroll_home(animate=False)
        await settle(pilot)
        await pilot.press("r", *"Fixed: the gateway is back.", "ctrl+s")
        await settle(pilot)
        await pilot.pause(0.1)
        assert thread.scroll_y == thread.max_scroll_y > 0


async def test_detail_screens_name_their_module_in_the_title_bar(app, tickets):
    from bizsuite.widgets.titlebar import TitleBar

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, tickets["checkout"])
        assert screen.query_one(TitleBar).place == "Test Co › Tickets › #4 Checkout fails on the trade portal"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.PLACE == "Tickets › New ticket"


def painted(screen, widget) -> list:
    """The cells the screen paints where ``widget`` is: text and style, as the terminal gets them."""

    region = widget.region
    strips = screen._compositor.render_full_update().strips
    out = []
    for y in range(region.y, region.bottom):
        line = [seg for strip in strips[y] for seg in strip]
        cells = [(ch, seg.style) for seg in line for ch in seg.text]
        out.append(cells[region.x:region.right])
    return out


@pytest.mark.parametrize("where", ["queue", "ticket", "form"])
async def test_every_tab_stop_shows_its_focus(app, tickets, where):
    """Focus a widget, and where it is looks different from when nothing there is focused."""
    async with app.run_test(size=SIZE) as pilot:
        if where == "ticket":
            screen = await open_ticket(pilot, tickets["checkout"])
        else:
            screen = await open_queue(pilot)
            if where == "form":
                await pilot.press("n")
                await settle(pilot)
                screen = app.screen
        chain = list(screen.focus_chain)
        assert chain and all(w.id for w in chain)  # no anonymous container among the Tab stops
        for widget in chain:
            screen.set_focus(widget)
            await settle(pilot)
            focused = painted(screen, widget)
            screen.set_focus(None)
            await settle(pilot)
            assert plainly_different(painted(screen, widget), focused), \
                f"#{widget.id} does not show that it has the focus"


def plainly_different(a: list, b: list) -> bool:
    """Other characters, other text attributes, or colours that differ by more than a faint tint
    (a 5% tint moves a channel by about ten of 255: nobody sees it at a glance)."""

    def rgb(color):
        return color.get_truecolor() if color is not None else None

    for row_a, row_b in zip(a, b):
        for (ch_a, st_a), (ch_b, st_b) in zip(row_a, row_b):
            if ch_a != ch_b or (st_a.bold, st_a.reverse, st_a.underline) != (st_b.bold, st_b.reverse, st_b.underline):
                return True
            for x, y in ((rgb(st_a.bgcolor), rgb(st_b.bgcolor)), (rgb(st_a.color), rgb(st_b.color))):
                if (x is None) != (y is None) or (x and max(abs(i - j) for i, j in zip(x, y)) > 24):
                    return True
    return False


def painted_text(screen, widget) -> str:
    return "\n".join("".join(ch for ch, _ in row).rstrip() for row in painted(screen, widget))


async def test_messages_are_not_cut_off(app, books, tickets):
    from textual.widgets import Footer

    async with app.run_test(size=SIZE) as pilot:
        queue = await open_queue(pilot)
        table = queue.query_one("#queue", PagedTable)
        table.move_cursor(rows(table).index(tickets["checkout"]))
        await pilot.press("c")  # 王小明's: a longer status line
        await settle(pilot)
        status = " ".join(painted_text(queue, queue.query_one("#status-line")).split())
        assert status == "王小明's (c: everyone's) · 1 ticket shown · 5 active: 2 breached (!!), 1 due within the hour (!)"
        assert "x Export ? Help " in painted_text(queue, queue.query_one(Footer))  # the last key whole
        screen = await open_ticket(pilot, tickets["late"])
        await pilot.press("r", "ctrl+t", "ctrl+t")  # the longest mode label
        assert painted_text(screen, screen.query_one("#reply-mode")).endswith("(ctrl+t switches)")
        clocks = " ".join(painted_text(screen, screen.query_one("#ticket-clocks")).split())
        assert clocks == " ".join(f"{label}: {text}" for label, text, _ in screen.view.clocks)
        await pilot.press("ctrl+s")  # nothing typed
        await settle(pilot)
        [said] = [n.message for n in app._notifications if "empty" in n.message]
        assert said == "reply: is empty — type it in the box first"  # the field, never a CLI flag


# -- around the module -----------------------------------------------------------------------------


async def test_a_contacts_detail_lists_their_tickets_and_opens_them(app, books, tickets):
    _, _, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_contact(ids["王小明"])
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, ContactDetailScreen)
        listed = detail.query_one("#panel-tickets-0 OptionList", OptionList)  # the tickets module's panel
        assert [listed.get_option_at_index(i).id for i in range(listed.option_count)] == [
            str(tickets["checkout"]), str(tickets["resolved"]), str(tickets["closed"])]
        assert text_of(detail, "#panel-tickets-0 .panel-title") == "Tickets (3)"
        listed.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == tickets["checkout"]
        await pilot.press("c")  # and on to the customer again
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)


async def test_the_palette_jumps_to_a_ticket_by_number_or_subject(app, tickets):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"vat number")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == tickets["soon"]
        assert app.current_mode == "tickets"


async def test_help_lists_the_queue_keys(app, tickets):
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        described = [what for _, what, _ in key_rows(app.screen.for_screen)]
        assert described[:6] == ["New", "Assign", "Status", "Prio", "Mine", "Breached"]
        assert {"Unassigned only", "Only this customer", "Next status filter", "Sort", "Export"} <= set(described)
        text = str(app.screen.query_one("#help-text", Static).content)
        assert "u only unassigned" in text and "f the next status" in text and "!! and red" in text
        assert "m only mine" in text  # not in the footer (it would push Help off the line), but listed here


@pytest.mark.parametrize("role", ["sales", "warehouse"])
async def test_roles_without_tickets_do_not_see_the_module(books, sqlite_location, tickets, role):
    from bizsuite.app import make_app

    store, owner, ids = books
    with store.transaction(owner) as b:
        b.admin.add_user("sam", role)
    app = make_app(store, Actor(name="sam", role=role), sqlite_location)
    app.blink_cursor = False
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        app.open_module("tickets")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert any("Tickets: your role may not open it" in n.message for n in app._notifications)
        app.open_contact(ids["王小明"])
        await settle(pilot)
        assert not app.screen.query("#panel-tickets-0")  # and a contact's page has no tickets panel


async def test_a_viewer_reads_but_has_no_reply_box(books, sqlite_location, tickets):
    from bizsuite.app import make_app

    store, owner, _ = books
    with store.transaction(owner) as b:
        b.admin.add_user("vera", "viewer")
    app = make_app(store, Actor(name="vera", role="viewer"), sqlite_location)
    app.blink_cursor = False
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(pilot, tickets["checkout"])
        assert not screen.query_one("#reply").display
        actions = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        assert not actions & {"send", "take", "status", "priority"}
