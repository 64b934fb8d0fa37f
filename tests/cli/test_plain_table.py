"""The tables a command writes to a pipe without Rich are the bytes Rich would have written."""

from __future__ import annotations

import io
import os
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from bizsuite.cli import plain_table
from bizsuite.cli.common import Fmt, emit


def rich_text(title, headers, rows, right, width, color_system=None):
    """What ``emit`` drew with Rich before (and still does when ``render`` declines); with a
    ``color_system``, on a terminal."""
    table = Table(title=title, show_lines=False, header_style="bold", box=None)
    for h, r in zip(headers, right):
        table.add_column(h, justify="right" if r else "left", overflow="fold", no_wrap=h in ("id", "kind"))
    for row in rows:
        table.add_row(*row)
    out = io.StringIO()
    if color_system:
        Console(file=out, width=width, emoji=False, markup=False, force_terminal=True,
                color_system=color_system).print(table)
    else:
        Console(file=out, width=width, emoji=False, markup=False).print(table)
    return out.getvalue()


def quiet_env():
    env = mock.patch.dict(os.environ)
    env.start()
    for v in (*plain_table._FORCING, *plain_table._ON_A_TERMINAL, "COLUMNS"):
        os.environ.pop(v, None)
    os.environ["TERM"] = "xterm-256color"
    return env


# ordinary text, and what must make render() decline: CJK, tabs, line breaks, a soft hyphen,
# a no-break space, runs of spaces
PLAIN = st.lists(st.text(alphabet=st.sampled_from(list("abAZ09.:-–é…€")), min_size=1, max_size=5),
                 max_size=3).map(" ".join)
ODD = st.text(alphabet=st.sampled_from(list("ab ") + ["中", "\t", "\n", "\xad", "\xa0", "\u0301"]), max_size=6)
TEXT = st.integers(0, 40).flatmap(lambda i: ODD if i == 0 else PLAIN)  # a table is mostly plain


@settings(max_examples=400, deadline=None)
@given(
    title=st.one_of(st.none(), TEXT),
    ncols=st.integers(1, 5),
    data=st.data(),
    width=st.sampled_from([200, 40, 12]),
)
def test_render_writes_what_rich_writes_or_declines(title, ncols, data, width):
    headers = data.draw(st.lists(TEXT, min_size=ncols, max_size=ncols))
    rows = data.draw(st.lists(st.lists(TEXT, min_size=ncols, max_size=ncols), max_size=4))
    right = data.draw(st.lists(st.booleans(), min_size=ncols, max_size=ncols))
    env = quiet_env()
    try:
        ours = plain_table.render(title, headers, rows, right, width=width)
        if ours is not None:
            assert ours == rich_text(title, headers, rows, right, width)
    finally:
        env.stop()


@settings(max_examples=300, deadline=None)
@given(
    title=st.one_of(st.none(), TEXT),
    ncols=st.integers(1, 5),
    data=st.data(),
    width=st.sampled_from([200, 80, 24]),
    color_system=st.sampled_from(["standard", "256", "truecolor"]),
)
def test_on_a_terminal_render_writes_what_rich_writes_or_declines(title, ncols, data, width, color_system):
    headers = data.draw(st.lists(TEXT, min_size=ncols, max_size=ncols))
    rows = data.draw(st.lists(st.lists(TEXT, min_size=ncols, max_size=ncols), max_size=4))
    right = data.draw(st.lists(st.booleans(), min_size=ncols, max_size=ncols))
    env = quiet_env()
    try:
        ours = plain_table.render(title, headers, rows, right, width=width, terminal=True)
        if ours is not None:
            assert ours == rich_text(title, headers, rows, right, width, color_system)
    finally:
        env.stop()


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_emit_on_a_terminal_writes_what_rich_writes():
    rows = [{"id": 1, "name": "Ada Lovelace", "amount": "10.00"}, {"id": 2, "name": "Grace Hopper", "amount": "2.50"}]
    env = quiet_env()
    try:
        os.environ["COLUMNS"] = "100"
        assert plain_table.terminal_width() == 100
        ours = FakeTerminal()
        emit(rows, ["id", "name", "amount"], Fmt.table, title="People", numeric=["amount"], out=ours)
        with mock.patch.object(plain_table, "render", return_value=None):
            theirs = FakeTerminal()
            emit(rows, ["id", "name", "amount"], Fmt.table, title="People", numeric=["amount"], out=theirs)
        os.environ["TERM"] = "dumb"  # Rich writes no styles there, and 80 columns: it draws
        assert plain_table.terminal_width() is None
    finally:
        env.stop()
    assert ours.getvalue() == theirs.getvalue()
    assert "\x1b[1m" in ours.getvalue() and "Grace Hopper" in ours.getvalue()


def test_the_usual_tables_take_the_plain_path_and_match_rich():
    env = quiet_env()
    try:
        cases = [
            ("Contacts 1–2 of 2", ["id", "kind", "name", "email"],
             [["1", "person", "Ada Lovelace", "ada@example.org"], ["2", "company", "Société Générale", ""]],
             [False, False, False, False]),
            ("Trial balance", ["account", "debit", "credit"],
             [["assets:bank:checking", "1000.00", "0.00"], ["total", "1000.00", "1000.00"]],
             [False, True, True]),
            (None, ["id", "name"], [], [False, False]),
        ]
        for title, headers, rows, right in cases:
            ours = plain_table.render(title, headers, rows, right, width=200)
            assert ours is not None, title
            assert ours == rich_text(title, headers, rows, right, 200)
            on_terminal = plain_table.render(title, headers, rows, right, width=80, terminal=True)
            assert on_terminal is not None, title
            assert on_terminal == rich_text(title, headers, rows, right, 80, "256")
    finally:
        env.stop()


def test_it_declines_what_it_cannot_promise():
    env = quiet_env()
    try:
        assert plain_table.render(None, ["name"], [["王小明"]], [False], width=200) is None  # two cells wide
        assert plain_table.render(None, ["name"], [["a\tb"]], [False], width=200) is None
        assert plain_table.render(None, ["name"], [["x" * 300]], [False], width=200) is None  # wider than the page
        assert plain_table.render("a title wider than the table", ["n"], [["1"]], [False], width=200) is None
        os.environ["FORCE_COLOR"] = "1"  # Rich would write colours to the pipe
        assert plain_table.render(None, ["name"], [["Ada"]], [False], width=200) is None
    finally:
        env.stop()


def test_every_character_it_counts_as_one_cell_is_one_cell_to_rich():
    one = [chr(c) for c in range(0x20, 0x2100) if plain_table._plain(chr(c))]
    assert len(one) > 500
    assert [c for c in one if cell_len(c) != 1] == []


def test_emit_writes_the_same_table_through_either_path():
    rows = [{"id": 1, "name": "Ada Lovelace", "amount": "10.00"}, {"id": 2, "name": "Grace Hopper", "amount": "2.50"}]
    env = quiet_env()
    try:
        plain_out = io.StringIO()
        emit(rows, ["id", "name", "amount"], Fmt.table, title="People", numeric=["amount"], out=plain_out)
        os.environ["FORCE_COLOR"] = ""  # set but empty: Rich draws, and writes no colours
        with mock.patch.object(plain_table, "render", return_value=None):
            rich_out = io.StringIO()
            emit(rows, ["id", "name", "amount"], Fmt.table, title="People", numeric=["amount"], out=rich_out)
    finally:
        env.stop()
    assert plain_out.getvalue() == rich_out.getvalue()
    assert "Grace Hopper" in plain_out.getvalue() and "\x1b" not in plain_out.getvalue()
