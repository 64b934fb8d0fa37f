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


def show_json(cli, db, ref: str) -> dict:
    r = cli("contacts", "show", ref, "--format", "json", db=db)
    assert r.rc == 0, r
    return json.loads(r.stdout)


def test_changing_commands_print_the_record_as_show_does(cli, books_path):
    r = cli("contacts", "add", "Ann Lee", "--company", "Acme Inc", "--email", "ann@example.com",
            "--phone", "(415) 555-0123", "--role", "customer", "--format", "json", db=books_path)
    assert r.rc == 0, r
    added = json.loads(r.stdout)
    assert added == show_json(cli, books_path, "ann@example.com")
    assert (added["name"], added["company"], added["phone"], added["version"]) == (
        "Ann Lee", "Acme Inc", "+14155550123", 1)
    ann = str(added["id"])

    r = cli("contacts", "edit", ann, "--city", "Boston", "-f", "json", db=books_path)
    assert r.rc == 0, r
    edited = json.loads(r.stdout)
    assert edited == show_json(cli, books_path, ann) and (edited["city"], edited["version"]) == ("Boston", 2)

    r = cli("contacts", "note", ann, "Called about prices", "--kind", "call", "--format", "json", db=books_path)
    assert r.rc == 0, r
    noted = json.loads(r.stdout)
    assert noted == show_json(cli, books_path, ann)
    assert [(a["kind"], a["subject"]) for a in noted["timeline"]] == [("call", "Called about prices")]

    r = cli("contacts", "add", "Ann  Lee", "--company", "Acme Inc", "--city", "Salem", db=books_path)
    assert r.rc == 0 and r.stdout.startswith("added #"), r  # prose without --format, as before
    dup = r.stdout.split("#")[1].split()[0]
    r = cli("contacts", "merge", ann, dup, "--format", "json", db=books_path)
    assert r.rc == 0, r
    merged = json.loads(r.stdout)
    assert merged == show_json(cli, books_path, ann) and merged["id"] == int(ann)

    r = cli("contacts", "delete", ann, "--yes", "--format", "json", db=books_path)
    assert r.rc == 0, r
    assert json.loads(r.stdout) == {"id": int(ann), "status": "deleted"}
    r = cli("contacts", "show", ann, db=books_path)
    assert r.rc == 1


def test_changing_commands_without_format_print_one_line(cli, books_path):
    r = cli("contacts", "add", "Bo", db=books_path)
    assert r.rc == 0 and r.stdout.count("\n") == 1 and r.stdout.startswith("added #"), r
    bo = r.stdout.split("#")[1].split()[0]
    r = cli("contacts", "edit", bo, "--city", "Oslo", db=books_path)
    assert r.rc == 0 and r.stdout == f"saved #{bo} Bo (version 2)\n", r
    r = cli("contacts", "note", bo, "Hi", db=books_path)
    assert r.rc == 0 and r.stdout == f"added a note to #{bo}\n", r
    r = cli("contacts", "delete", bo, "--yes", "-f", "csv", db=books_path)
    assert r.rc == 2 and "--format" in r.stderr, r  # nothing deleted: refused before the books
    r = cli("contacts", "delete", bo, "--yes", db=books_path)
    assert r.rc == 0 and r.stdout == f"deleted #{bo} Bo\n", r


def test_delete_says_why_at_once_when_others_refer_to_the_contact(cli, books_path):
    r = cli("contacts", "add", "Cy", "--company", "Acme Inc", "-f", "json", db=books_path)
    company_id = json.loads(r.stdout)["company_id"]
    r = cli("contacts", "delete", str(company_id), "-f", "json", db=books_path)
    assert r.rc == 1 and r.stdout == "", r
    assert r.err_lines == [f"contact #{company_id} Acme Inc is still referred to by 1 person; "
                           "merge it into another contact instead"]
