"""``bizsuite contacts …``: what a contact's page says (show) and what the changing commands print."""

from __future__ import annotations

import json


def test_show_marks_a_phone_kept_as_typed(cli, books_path, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("name,email,phone\nOdd One,odd@example.com,ask at desk 3\n"
                    "Ann Lee,ann@example.com,(415) 555-0101\n", encoding="utf-8")
    r = cli("contacts", "import", path, db=books_path)
    assert r.rc == 0, r
    assert f"warning: {path}:2: phone: 'ask at desk 3' is not a phone number we can read; kept as typed" \
        in r.err_lines
    r = cli("contacts", "show", "odd@example.com", db=books_path)
    assert r.rc == 0, r
    assert "ask at desk 3  (unverified: kept as typed, not a number we can read)" in r.stdout
    r = cli("contacts", "show", "odd@example.com", "--format", "json", db=books_path)
    data = json.loads(r.stdout)
    assert (data["phone"], data["phone_verified"]) == ("ask at desk 3", False)
    r = cli("contacts", "show", "ann@example.com", "--format", "json", db=books_path)
    data = json.loads(r.stdout)
    assert (data["phone"], data["phone_verified"]) == ("+14155550101", True)
    r = cli("contacts", "show", "ann@example.com", db=books_path)
    assert "unverified" not in r.stdout
    # typed by a person, the same number is refused, naming the field
    r = cli("contacts", "add", "Bo", "--phone", "ask at desk 3", db=books_path)
    assert r.rc == 1 and r.err_lines == [
        "phone: 'ask at desk 3' is not a phone number we can read as a number of US; give it with its +country code"], r
