"""Driving the pipeline screens with the keyboard, and checking the books afterwards.

The clock is frozen at Monday 16 March 2026, 09:30 UTC; the deals are those of
``pipeline_data.fill_pipeline``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from pipeline_data import fill_pipeline
from screen_helpers import SIZE, settle
from textual.widgets import Input, OptionList, Select

from bizsuite.core.auth import Actor
from bizsuite.screens.pipeline import (
    BoardScreen,
    DealScreen,
    DealsScreen,
    FollowUpsScreen,
)
from bizsuite.screens.pipeline_forms import CloseForm, FindDialog, LogForm, NewDealForm
from bizsuite.widgets.form import FormField
from bizsuite.widgets.kanban import Kanban
from bizsuite.widgets.paged_table import PagedTable


@pytest.fixture
def deals(books) -> dict[str, int]:
    store, owner, ids = books
    return fill_pipeline(store, owner, ids)


def text_of(widget) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(getattr(widget, "content", widget))
    return console.export_text()


def board_text(screen) -> str:
    """What the board draws, as plain text."""
    return screen.query_one(Kanban).render().plain


def in_column(board: Kanban) -> dict[str, list[str]]:
    return {c.stage: [r.number for r in c.rows] for c in board.columns}


def deal_in_books(store, actor, deal_id: int):
    with store.read(actor) as b:
        return b.pipeline.deal(deal_id)


def error_of(screen, field: str) -> str:
    return next(f for f in screen.query(FormField) if f.field == field).error or ""


async def _board(pilot) -> BoardScreen:
    await settle(pilot)
    await pilot.press("d")  # the home screen's key
    await settle(pilot)
    assert isinstance(pilot.app.screen, BoardScreen)
    return pilot.app.screen


async def _cursor_to(pilot, board: Kanban, number: str) -> None:
    """Arrows only: to the deal's column, then down to its card."""
    column = next(i for i, c in enumerate(board.columns) if any(r.number == number for r in c.rows))
    while board.col != column:
        await pilot.press("right" if board.col < column else "left")
    while board.current_row.number != number:
        await pilot.press("down")
    await settle(pilot)


async def test_the_board_shows_open_stages_with_totals_and_pages_its_columns(app, books, deals):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        board = screen.board
        assert in_column(board) == {"lead": ["D-00001", "D-00002"], "qualified": ["D-00003", "D-00004"],
                                    "proposal": ["D-00005"], "negotiation": ["D-00006"]}
        # the headers agree with the forecast by stage, to the cent
        with store.read(owner) as b:
            forecast = {r.key: (r.deals, r.amount, r.weighted) for r in b.pipeline.forecast(by="stage")}
        assert {c.stage: (c.totals.deals, c.totals.amount, c.totals.weighted) for c in board.columns} == forecast
        assert forecast["negotiation"] == (1, Decimal("22000.00"), Decimal("17600.00"))  # 80 % set by hand
        shown = board_text(screen)
        assert board.visible == 2  # 80 cells: two stages at a time
        assert "lead" in shown and "qualified" in shown and "proposal" not in shown
        assert "2 deals" in shown and "14,340.00" in shown and "weighted 1,434.00" in shown
        # the overdue follow-up is said in words, not only in colour
        assert "D-00002 ! 4d overdue" in shown and "D-00001 !" not in shown
        assert "Spring restock" in shown and "close 2026-03-31" in shown and "北京科技有限公司" in shown
        line = text_of(screen.line)
        assert "stages 1–2 of 4" in line and "→ proposal, negotiation" in line and "6 open deals" in line
        await pilot.press("right", "right")  # past the right edge: the next stages
        await settle(pilot)
        assert (board.left, board.col) == (2, 2)
        shown = board_text(screen)
        assert "proposal" in shown and "negotiation" in shown and "lead" not in shown
        assert "stages 3–4 of 4 · ← lead, qualified ·" in text_of(screen.line)
        await pilot.press("left_square_bracket")  # [ : the stages before
        await settle(pilot)
        assert board.left == 0 and "lead" in board_text(screen)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert board.left == 2


async def test_shift_right_moves_the_deal_to_the_next_stage_on_screen_and_in_the_books(app, books, deals):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        board = screen.board
        await _cursor_to(pilot, board, "D-00002")
        version = deal_in_books(store, owner, deals["D-00002"]).version
        await pilot.press("shift+right")
        await settle(pilot)
        v = deal_in_books(store, owner, deals["D-00002"])
        assert (v.stage, v.version, v.probability) == ("qualified", version + 1, Decimal("25"))
        assert "D-00002" in in_column(board)["qualified"] and "D-00002" not in in_column(board)["lead"]
        assert board.current_row.number == "D-00002" and board.col == 1  # the cursor went with it
        assert "D-00002 moved to qualified" in text_of(screen.line)
        await pilot.press("shift+left", "shift+left")  # back to lead, then: nowhere before it
        await settle(pilot)
        assert deal_in_books(store, owner, deals["D-00002"]).stage == "lead"
        assert "the first open stage" in text_of(screen.line)


async def test_a_stale_board_is_refused_in_one_line_and_nothing_is_written(app, books, deals):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        await _cursor_to(pilot, screen.board, "D-00001")
        with store.transaction(Actor(name=owner.name, role="owner")) as b:  # someone else moves it meanwhile
            b.pipeline.move(deals["D-00001"], "proposal")
        await pilot.press("shift+right")
        await settle(pilot)
        assert deal_in_books(store, owner, deals["D-00001"]).stage == "proposal"  # not to qualified
        line = text_of(screen.line)
        assert "D-00001" in line and "changed" in line and len(line.strip().splitlines()) == 1
        assert "D-00001" in in_column(screen.board)["proposal"]  # the board read it again


async def test_won_with_a_reason_from_the_list(app, books, deals):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        await _cursor_to(pilot, screen.board, "D-00001")
        await pilot.press("w")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CloseForm)
        select = form.query_one("#reason", Select)
        assert [v for _, v in select._options if v is not Select.NULL] == ["price", "product fit", "relationship",
                                                                            "service", "timing"]
        await pilot.press("enter", "down", "down", "enter")  # open the list, "price", "product fit"
        await settle(pilot)
        assert select.value == "product fit"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        v = deal_in_books(store, owner, deals["D-00001"])
        assert (v.status, v.reason, v.probability) == ("won", "product fit", Decimal("100"))
        assert "D-00001" not in sum(in_column(screen.board).values(), [])
        assert "D-00001 won: 12,500.00 (product fit)" in text_of(screen.line)


async def test_lost_without_a_reason_is_refused_under_the_field(app, books, deals):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        await _cursor_to(pilot, screen.board, "D-00003")
        await pilot.press("l")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CloseForm) and form.kind == "lost"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "a lost deal needs a reason" in error_of(form, "reason")
        assert deal_in_books(store, owner, deals["D-00003"]).status == "open"
        await pilot.press("enter", "down", "down", "enter", "ctrl+s")  # "competitor"
        await settle(pilot)
        assert app.screen is screen
        v = deal_in_books(store, owner, deals["D-00003"])
        assert (v.status, v.reason) == ("lost", "competitor")


async def test_a_new_deal_says_what_is_wrong_next_to_the_field_then_lands_in_its_column(app, books, deals):
    store, owner, ids = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        await pilot.press("right")  # the qualified column: the new deal starts there
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewDealForm)
        assert form.query_one("#stage", Select).value == "qualified"
        await pilot.press(*"Solar panels", "enter", *"Globex GmbH", "enter", *"12x", "ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "neither a customer nor a lead" in error_of(form, "customer")
        assert error_of(form, "amount")
        with store.read(owner) as b:
            assert b.pipeline.counts()["deals"] == 8
        form.query_one("#customer", Input).value = "Acme Trading Ltd"
        form.query_one("#amount", Input).value = "4800"
        form.query_one("#close", Input).value = "2026-04-30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "D-00009 added at qualified: 4,800.00 for Acme Trading Ltd" in text_of(screen.line)
        assert "D-00009" in in_column(screen.board)["qualified"]
        assert screen.board.current_row.number == "D-00009"
        with store.read(owner) as b:
            v = b.pipeline.deal("D-00009")
        assert (v.customer, v.amount, v.close.isoformat(), v.owner) == ("Acme Trading Ltd", Decimal("4800.00"),
                                                                        "2026-04-30", owner.name)


async def test_enter_opens_the_deal_then_log_a_follow_up_and_mark_it_done(app, books, deals):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        await _cursor_to(pilot, screen.board, "D-00002")
        await pilot.press("enter")
        await settle(pilot)
        page = app.screen
        assert isinstance(page, DealScreen) and page.deal_id == deals["D-00002"]
        facts = text_of(page.query_one("#facts"))
        assert "Acme Trading Ltd" in facts and "1,840.00" in facts and "10 %" in facts and "spring" in facts
        assert "2026-04-15" in facts and "referral" in facts or "web" in facts
        assert "added at lead" in text_of(page.query_one("#history"))
        listed = page.query_one("#activities", OptionList)
        first = text_of(listed.get_option_at_index(0).prompt)
        assert "Send the mug samples" in first and "! 4d overdue" in first
        assert "1 overdue" in text_of(page.query_one("#activities-title"))

        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, LogForm)
        await pilot.press(*"Confirm the logo proof", "enter")  # the text, then Enter: the due date
        await pilot.press(*"2026-03-20", "ctrl+s")
        await settle(pilot)
        assert app.screen is page, [(f.field, f.error, getattr(f.control, "value", None)) for f in form.query(FormField)]
        v = deal_in_books(store, owner, deals["D-00002"])
        logged = [a for a in v.activities if a.text == "Confirm the logo proof"]
        assert len(logged) == 1 and logged[0].due.isoformat() == "2026-03-20" and logged[0].kind == "call"
        assert "follow-up logged" in text_of(page.line)

        # the open follow-ups come first, the most due first: the overdue one is selected
        assert page.selected().text == "Send the mug samples"
        await pilot.press("d")
        await settle(pilot)
        v = deal_in_books(store, owner, deals["D-00002"])
        done = next(a for a in v.activities if a.text == "Send the mug samples")
        assert done.done_at is not None and done.done_by == owner.name
        assert "overdue" not in text_of(page.query_one("#activities-title"))
        # a call with no due date is no follow-up: d is not offered on it
        listed = page.query_one("#activities", OptionList)
        at = next(i for i in range(listed.option_count) if "Asked for 400 mugs" in text_of(listed.get_option_at_index(i).prompt))
        listed.highlighted = at
        await settle(pilot)
        assert page.check_action("done", ()) is False


async def test_a_viewer_sees_the_board_but_cannot_move_or_close_a_deal(books, deals, sqlite_location):
    from bizsuite.app import make_app

    store, owner, _ = books
    with store.transaction(owner) as b:
        b.admin.add_user("vera", "viewer")
    app = make_app(store, Actor(name="vera", role="viewer"), sqlite_location)
    app.blink_cursor = False
    before = deal_in_books(store, owner, deals["D-00001"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        assert screen.board.current_row.number == "D-00001"
        for action in ("move", "won", "lost", "new"):
            assert screen.check_action(action, ()) is False  # not in the footer, the key does nothing
        await pilot.press("shift+right", "w", "l", "n")
        await settle(pilot)
        assert app.screen is screen
        assert deal_in_books(store, owner, deals["D-00001"]) == before
        assert "D-00001" in in_column(screen.board)["lead"]
        await pilot.press("enter")
        await settle(pilot)
        page = app.screen
        assert isinstance(page, DealScreen)
        for action in ("log", "done", "move", "won", "lost", "reopen"):
            assert page.check_action(action, ()) is False
        await pilot.press("a", "w", "m")
        await settle(pilot)
        assert app.screen is page
    with store.transaction(Actor(name="vera", role="viewer")) as b:  # and the rule itself is the repository's
        with pytest.raises(Exception, match="may not change pipeline"):
            b.pipeline.move(deals["D-00001"], "qualified")


async def test_the_follow_ups_list_puts_the_most_overdue_first_and_opens_the_deal(app, deals):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        await pilot.press("f")
        await settle(pilot)
        listed = app.screen
        assert isinstance(listed, FollowUpsScreen)
        table = listed.query_one(PagedTable)
        assert [(r.deal, r.due.isoformat()) for r in table.loaded_rows()] == [("D-00002", "2026-03-12"),
                                                                             ("D-00005", "2026-03-18")]
        assert "Overdue" in table.render_line(0).text
        shown = table.render_line(1).text
        assert "! 4d " in shown and "D-00002" in shown
        assert "!" not in table.render_line(2).text
        listed.query_one("#show", Select).value = "overdue"
        await settle(pilot)
        assert [r.deal for r in table.loaded_rows()] == ["D-00002"]
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == deals["D-00002"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is listed
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_the_closed_deals_list_and_reopening_a_won_deal(app, books, deals):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        await pilot.press("c")
        await settle(pilot)
        listed = app.screen
        assert isinstance(listed, DealsScreen)
        table = listed.query_one(PagedTable)
        assert [r.number for r in table.loaded_rows()] == ["D-00007"]
        listed.query_one("#show", Select).value = "lost"
        await settle(pilot)
        assert [r.number for r in table.loaded_rows()] == ["D-00008"]
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        page = app.screen
        assert isinstance(page, DealScreen)
        assert "no budget" in text_of(page.query_one("#facts"))
        assert page.check_action("won", ()) is False and page.check_action("reopen", ()) is True
        await pilot.press("r")
        await settle(pilot)
        v = deal_in_books(store, owner, deals["D-00008"])
        assert (v.status, v.stage, v.reason) == ("open", "qualified", None)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is screen
        assert "D-00008" in in_column(screen.board)["qualified"]  # the board read it again


async def test_find_a_deal_by_number_or_words(app, deals):
    async with app.run_test(size=SIZE) as pilot:
        await _board(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, FindDialog)
        await pilot.press(*"d-6")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == deals["D-00006"]
        await pilot.press("escape", "slash", *"mugs")
        await settle(pilot)
        hits = app.screen.query_one("#hits", OptionList)
        assert hits.option_count == 1 and "D-00002" in str(hits.get_option_at_index(0).prompt)


async def test_m_shows_only_my_deals(app, books, deals):
    store, owner, ids = books
    with store.transaction(owner) as b:
        b.admin.add_user("sam", "sales")
    with store.transaction(Actor(name="sam", role="sales")) as b:
        b.pipeline.add("Sam's lead", customer=f"#{ids['Bob Stone']}", amount="100")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        assert "D-00009" in in_column(screen.board)["lead"]
        await pilot.press("m")
        await settle(pilot)
        assert in_column(screen.board)["lead"] == ["D-00001", "D-00002"]
        assert "of yours" in text_of(screen.line)
        assert screen.board.columns[0].totals.deals == 2


async def test_a_long_column_loads_its_next_page_as_the_cursor_goes_down(app, books, deals, monkeypatch):
    from bizsuite.screens import pipeline as screens

    store, owner, ids = books
    with store.transaction(owner) as b:
        for n in range(5):
            b.pipeline.add(f"Extra {n}", customer=f"#{ids['Bob Stone']}", amount="10", close=f"2026-06-0{n + 1}")
    monkeypatch.setattr(screens, "PAGE", 3)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _board(pilot)
        board = screen.board
        assert len(board.columns[0].rows) == 3 and board.columns[0].totals.deals == 7
        assert "↓ " in board_text(screen)
        for _ in range(6):
            await pilot.press("down")
            await settle(pilot)
        assert len(board.columns[0].rows) == 7 and board.current_row.title == "Extra 4"
        assert "↑ " in board_text(screen)


async def test_palette_sections_and_the_searcher(app, books, deals):
    from bizsuite.crm.pipeline.overview import home_summary, search
    from bizsuite.screens.pipeline import palette_sections

    store, owner, _ = books
    with store.read(owner) as b:
        assert home_summary(b) == "6 open · weighted 36,196.50 · 1 overdue follow-up"
        assert [h.number for h in search(b, "d-3")][0] == "D-00003"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sections = dict((text, fn) for text, fn, _ in palette_sections(app))
        assert set(sections) == {"Pipeline: board", "Pipeline: overdue follow-ups", "Pipeline: won and lost deals"}
        sections["Pipeline: overdue follow-ups"]()
        await settle(pilot)
        assert app.current_mode == "pipeline" and isinstance(app.screen, FollowUpsScreen)
        assert [r.deal for r in app.screen.query_one(PagedTable).loaded_rows()] == ["D-00002"]
        app.open_record("deal", deals["D-00006"])
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == deals["D-00006"]
        heading = text_of(app.screen.query_one("#heading"))
        assert "D-00006" in heading and "环氧树脂胶 年度采购" in heading
    app.actor = Actor(name="hank", role="hr")  # no pipeline.read: nothing offered
    assert palette_sections(app) == []


async def test_a_customers_contact_page_lists_their_deals_open_first(app, books, deals):
    from bizsuite.screens.contacts import ContactDetailScreen

    store, owner, ids = books
    with store.transaction(owner) as b:
        b.pipeline.won(deals["D-00001"], reason="price")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_contact(ids["北京科技有限公司"])
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, ContactDetailScreen)
        title = str(detail.query_one("#panel-pipeline-0 .panel-title").render())
        assert title == "Deals (2) · 1 open, 22,000.00"
        listed = detail.query_one("#panel-pipeline-0 OptionList", OptionList)
        shown = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert shown[0].startswith("D-00006") and "negotiation" in shown[0]
        assert shown[1].startswith("D-00001") and "won" in shown[1]
        listed.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen) and app.screen.deal_id == deals["D-00006"]


def test_stage_totals_round_each_deal_as_the_forecast_does(store, owner):
    """Three deals of 0.05 at 10 % weigh 0.00 each (half-even: 0.005 → 0.00) and one of 0.15
    weighs 0.02: the column says 0.02 as the forecast does, not the 0.03 that 10 % of their
    summed amount would give. On SQLite and PostgreSQL."""
    from bizsuite.crm.contacts.models import ContactIn

    with store.transaction(owner) as b:
        customer = b.contacts.add(ContactIn(name="Bob Stone", kind="person", roles=["customer"])).id
        made = [b.pipeline.add(f"Tiny {n}", customer=f"#{customer}", amount="0.05").id for n in range(3)]
        made.append(b.pipeline.add("Other", customer=f"#{customer}", amount="0.15").id)
        b.pipeline.add("Later", customer=f"#{customer}", amount="10", stage="proposal")
        b.pipeline.move(made[0], "qualified")
        b.pipeline.move(made[0], "lead")
    with store.read(owner) as b:
        totals = {t.key: (t.deals, t.amount, t.weighted) for t in b.pipeline.stage_totals()}
        forecast = {r.key: (r.deals, r.amount, r.weighted) for r in b.pipeline.forecast(by="stage")}
        assert totals["lead"] == forecast["lead"] == (4, Decimal("0.30"), Decimal("0.02"))
        assert totals["proposal"] == forecast["proposal"] == (1, Decimal("10.00"), Decimal("5.00"))
        assert list(totals) == ["lead", "qualified", "proposal", "negotiation"]  # the empty ones too
        assert totals["qualified"] == (0, Decimal(0), Decimal(0))
        assert b.pipeline.stage_totals(owner="nobody")[0].deals == 0
        assert b.pipeline.versions([*made, 99999]) == {made[0]: 3, made[1]: 1, made[2]: 1, made[3]: 1}
