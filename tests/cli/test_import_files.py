"""Imports and the files they touch: --rejects never names a file the import reads, and CSV
files written by Outlook and Excel (CRLF rows, CRLF inside quoted cells) import as they look."""

from __future__ import annotations

import os

import pytest



@pytest.mark.parametrize("module, file", [("contacts", "contacts_mistakes.csv"), ("ledger", "ledger/mistakes.journal"),
                                          ("tickets", "tickets/tickets_mistakes.csv")])
def test_rejects_naming_the_input_is_refused_before_anything_is_written(cli, books_path, data_dir, tmp_path,
                                                                        module, file):
    src = tmp_path / os.path.basename(file)
    src.write_bytes((data_dir / file).read_bytes())
    original = src.read_bytes()
    os.link(src, tmp_path / "hardlink")
    (tmp_path / "sub").mkdir()
    before = cli.count(books_path, "audit_log")
    for rejects in (src, tmp_path / "sub" / ".." / src.name, tmp_path / "hardlink"):
        for mode in ("--skip-invalid", "--dry-run"):
            r = cli(module, "import", src, mode, "--rejects", rejects, db=books_path)
            assert (r.rc, r.err_lines) == (
                1, [f"--rejects {rejects}: is the file being imported; give another file name"]), r
            assert r.stdout == ""
            assert src.read_bytes() == original
    assert cli.count(books_path, "audit_log") == before


def test_rejects_naming_the_books_is_refused(cli, books_path, data_dir):
    books = books_path.read_bytes()
    for rejects in (books_path, f"{books_path}-wal"):
        r = cli("contacts", "import", data_dir / "contacts_mistakes.csv", "--skip-invalid", "--rejects", rejects,
                db=books_path)
        assert (r.rc, r.err_lines) == (1, [f"--rejects {rejects}: is the books; give another file name"]), r
    assert books_path.read_bytes() == books


def test_rejects_elsewhere_still_works(cli, books_path, data_dir, tmp_path):
    r = cli("contacts", "import", data_dir / "contacts_mistakes.csv", "--skip-invalid", "--rejects",
            tmp_path / "r.csv", db=books_path)
    assert r.rc == 0 and (tmp_path / "r.csv").read_text().startswith("name,"), r


def test_outlook_crlf_file_imports_line_breaks_in_cells(cli, books_path, data_dir, tmp_path):
    # Outlook's own export: CRLF after every row, and CRLF inside the quoted Notes / address cells
    text = (data_dir / "outlook_contacts.csv").read_text(encoding="utf-8")
    header, first, *rest = text.splitlines()
    cols = header.split(",")
    cells = first.split(",")
    cells[cols.index("Notes")] = '"Met at CES\r\nfollow up in May"'
    cells[cols.index("Business Street")] = '"500 Fifth Ave\r\nFloor 12"'
    src = tmp_path / "outlook.csv"
    src.write_bytes(("\r\n".join([header, ",".join(cells), *rest]) + "\r\n").encode("utf-8"))
    r = cli("contacts", "import", src, db=books_path)
    assert r.rc == 0 and r.err_lines == [], r
    assert cli.sql(books_path, "SELECT notes, address FROM contacts WHERE name = 'Dave Miller'") == [
        ("Met at CES\nfollow up in May", "500 Fifth Ave\nFloor 12")]
    assert "\r" not in repr(cli.sql(books_path, "SELECT group_concat(notes || address) FROM contacts"))


def test_crlf_ticket_description_imports_as_line_breaks(cli, books_path, tmp_path):
    src = tmp_path / "tickets.csv"
    src.write_bytes(b"subject,contact,description,priority,status\r\n"
                    b'Mugs broken,Alice Martin,"Two of six mugs broken.\r\nPhotos attached.",high,open\r\n'
                    b"Second,Bob Stone,plain,normal,new\r\n")
    r = cli("tickets", "import", src, "--create-contacts", db=books_path)
    assert r.rc == 0 and r.err_lines == [], r
    assert cli.sql(books_path, "SELECT subject, description FROM tickets ORDER BY id") == [
        ("Mugs broken", "Two of six mugs broken.\nPhotos attached."), ("Second", "plain")]


def test_lines_of_crlf_records_are_counted_as_before(tmp_path):
    from bizsuite.core.importer import read_csv

    p = tmp_path / "x.csv"
    p.write_bytes(b'a,b\r\n1,"x\r\ny"\r\n2,z\r\n3,"\rw"\r\n')
    f = read_csv(p)
    assert [(r.line, r.cells) for r in f.rows] == [(2, ["1", "x\ny"]), (4, ["2", "z"]), (5, ["3", "\nw"])]
