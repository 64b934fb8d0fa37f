"""--db names the books exactly: an empty value or an SQLite URL that is not an absolute file is
refused with one line (and the form that was probably meant), never the default books or books
made at a path relative to wherever the command ran."""

from __future__ import annotations

import pytest

from bizsuite.core.db import locate, to_url
from bizsuite.core.errors import BooksError


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("args", [("contacts", "list"), ("check",), ("init", "--company", "X", "--currency", "USD"),
                                  ("demo", "--no-open")])
def test_empty_db_is_refused_and_opens_nothing(cli, tmp_path, args, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = _files(tmp_path)
    r = cli(*args, db="")
    assert (r.rc, r.err_lines, r.stdout) == (2, ["--db: empty; give a file path or a database URL"], ""), r
    assert _files(tmp_path) == before


def test_relative_sqlite_url_is_refused_with_the_absolute_form(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("init", "--company", "X", "--currency", "USD", "--region", "US", db="sqlite:///tmp/x.db")
    assert (r.rc, r.err_lines) == (1, [
        "--db sqlite:///tmp/x.db: a relative path (tmp/x.db); for /tmp/x.db write sqlite:////tmp/x.db, "
        "or give the path itself: /tmp/x.db"]), r
    assert not (tmp_path / "tmp").exists()


def test_absolute_sqlite_url_and_plain_path_name_the_same_books(cli, tmp_path):
    path = tmp_path / "b.sqlite"
    r = cli("init", "--company", "X", "--currency", "USD", "--region", "US", db=f"sqlite:///{path}")
    assert r.rc == 0 and path.exists(), r
    assert cli("contacts", "list", db=path).rc == 0
    assert to_url(f"sqlite:///{path}") == to_url(str(path))


@pytest.mark.parametrize("url, line", [
    ("sqlite://", "--db sqlite://: names no file; give the books' path, or sqlite:////ABSOLUTE/PATH"),
    ("sqlite:///:memory:", "--db sqlite:///:memory:: names no file; give the books' path, or sqlite:////ABSOLUTE/PATH"),
    ("   ", "--db: empty; give a file path or a database URL"),
])
def test_urls_that_name_no_file_are_refused(url, line):
    with pytest.raises(BooksError) as exc:
        locate(url)
    assert exc.value.problems == [line]


def test_a_relative_url_in_the_environment_names_the_variable(monkeypatch):
    from bizsuite.core.settings import Settings

    with pytest.raises(BooksError) as exc:
        locate(None, Settings(db="sqlite:///books.db"))
    assert exc.value.problems[0].startswith("BIZSUITE_DB sqlite:///books.db: a relative path (books.db)")
