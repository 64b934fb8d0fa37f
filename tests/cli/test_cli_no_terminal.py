"""The app needs a terminal: from a script, cron or a pipe, `bizsuite` (and `demo` without
--no-open) says so in one line and stops, instead of waiting for keys that never come."""

from __future__ import annotations


def test_the_app_without_a_terminal_says_so_and_stops(cli, books_path):
    r = cli.process(db=books_path, timeout=30)  # stdin and stdout are pipes here
    assert r.rc == 1, r
    assert r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"the app needs a terminal (standard input or output is not one); open it from a terminal with: "
        f"bizsuite --db {books_path}"]


def test_demo_without_a_terminal_fills_the_books_and_says_how_to_open_them(cli, tmp_path):
    books = tmp_path / "demo books.sqlite"
    r = cli.process("demo", db=books, timeout=120)
    assert r.rc == 1, r
    assert r.stderr.strip().splitlines()[-1].endswith(f"bizsuite --db '{books}'")  # quoted: a space
    assert cli.sql(books, "SELECT count(*) FROM contacts")[0][0] > 100  # the books were filled first
