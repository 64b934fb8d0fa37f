"""``bizsuite contacts …`` on the command line: what scripts see (exit codes, stdout, stderr)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest

from bizsuite.crm.contacts.models import ContactIn

IMPORT_ROW = ("name,kind,company,email,phone,roles,tags,address,city,country,notes\n")


def add(cli, db, *contacts: "ContactIn") -> list[int]:
    """Set-up without a subprocess per contact: straight through the repository, as the OS user."""
    with cli.direct(db) as b:
        return [b.contacts.add(c).id for c in contacts]


def people_and_companies(cli, db) -> dict[str, str]:
    """{person or company name: its company's name ('' for none)}, read with raw sqlite3."""
    return dict(cli.sql(db, "SELECT p.name, coalesce(c.name, '') FROM contacts p "
                            "LEFT JOIN contacts c ON c.id = p.company_id"))


def list_csv(cli, db, *args) -> list[dict]:
    r = cli("contacts", "list", "--format", "csv", "--limit", "0", *args, db=db)
    assert r.rc == 0, r
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_add_list_show(cli, books_path):
    r = cli("contacts", "add", "Ann Lee", "--company", "Acme Inc", "--email", "Ann@Example.COM",
            "--phone", "(415) 555-0123", "--role", "customer;lead", "--tag", "vip", "--tag", "west",
            "--city", "Boston", db=books_path)
    assert r.rc == 0, r
    assert r.stdout.startswith("added #") and "Ann Lee" in r.stdout
    ann_id = int(r.stdout.split("#")[1].split()[0])
    rows = {row["name"]: row for row in list_csv(cli, books_path)}
    assert set(rows) == {"Ann Lee", "Acme Inc"}
    ann = rows["Ann Lee"]
    assert (ann["id"], ann["company"], ann["email"], ann["phone"], ann["roles"], ann["tags"], ann["city"]) == (
        str(ann_id), "Acme Inc", "ann@example.com", "'+14155550123", "customer;lead", "vip;west", "Boston")
    assert rows["Acme Inc"]["kind"] == "company"
    r = cli("contacts", "show", "ann@example.com", "--format", "json", db=books_path)
    assert r.rc == 0, r
    shown = json.loads(r.stdout)
    assert (shown["id"], shown["company"], shown["phone"], shown["version"]) == (ann_id, "Acme Inc", "+14155550123", 1)
    assert shown["company_id"] == int(rows["Acme Inc"]["id"])
    r = cli("contacts", "show", "Acme Inc", "--format", "json", db=books_path)
    assert [p["name"] for p in json.loads(r.stdout)["people"]] == ["Ann Lee"]
    # the table view is for people: it shows the name and the formatted phone
    r = cli("contacts", "show", f"#{ann_id}", db=books_path)
    assert r.rc == 0 and "Ann Lee" in r.stdout and "+1 415-555-0123" in r.stdout


def test_add_refused_one_line_per_problem_nothing_written(cli, books_path):
    before = (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log"))
    r = cli("contacts", "add", "Ann", "--email", "not-an-email", "--phone", "12", "--role", "boss",
            "--company", "New Co", db=books_path)
    assert r.rc == 1, r
    assert r.stdout == ""
    assert len(r.err_lines) == 3
    assert sorted(line.split(":")[0] for line in r.err_lines) == ["email", "phone", "roles"]
    assert "Traceback" not in r.stderr
    assert (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log")) == before  # not even New Co


def test_search_from_the_command_line_is_literal(cli, books_path):
    add(cli, books_path, *[ContactIn(name=n, kind="company") for n in ['100% Cotton_Co "Best"', "1000 Widgets",
                                                                       "AB_C", "ABXC"]])
    assert [r["name"] for r in list_csv(cli, books_path, "--search", "100%")] == ['100% Cotton_Co "Best"']
    assert [r["name"] for r in list_csv(cli, books_path, "--search", "b_c")] == ["AB_C"]
    r = cli("contacts", "list", "--search", "100", "--format", "json", db=books_path)
    assert sorted(x["name"] for x in json.loads(r.stdout)) == ['100% Cotton_Co "Best"', "1000 Widgets"]


def test_edit_with_expected_version(cli, books_path):
    (ann,) = add(cli, books_path, ContactIn(name="Ann", city="Paris"))
    r = cli("contacts", "edit", "Ann", "--expect-version", "1", "--city", "Lyon", "--add-tag", "moved",
            db=books_path)
    assert r.rc == 0, r
    assert "(version 2)" in r.stdout
    r = cli("contacts", "edit", "Ann", "--expect-version", "1", "--city", "Nice", db=books_path)
    assert r.rc == 1, r
    assert len(r.err_lines) == 1 and "was changed by" in r.stderr and "nothing was saved" in r.stderr
    assert cli.sql(books_path, "SELECT city, version FROM contacts WHERE name='Ann'") == [("Lyon", 2)]
    assert cli.sql(books_path, "SELECT tag FROM contact_tags WHERE contact_id = ?", ann) == [("moved",)]


def test_delete_and_merge(cli, books_path):
    add(cli, books_path, ContactIn(name="Ann", company="Acme"),
        ContactIn(name="Acme Corporation", kind="company", email="hi@acme.example"))
    r = cli("contacts", "delete", "Acme", "--yes", db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1 and re.search(r"\b1 (person|people)\b", r.stderr), r
    r = cli("contacts", "merge", "Acme", "Acme Corporation", db=books_path)
    assert r.rc == 0 and "merged #" in r.stdout, r
    assert cli.sql(books_path, "SELECT name, email FROM contacts ORDER BY name") == [
        ("Acme", "hi@acme.example"), ("Ann", None)]
    r = cli("contacts", "merge", "Acme", "Ann", db=books_path)
    assert r.rc == 1 and "cannot merge a person" in r.stderr, r
    r = cli("contacts", "delete", "Ann", "--yes", db=books_path)
    assert r.rc == 0, r
    assert cli.sql(books_path, "SELECT name FROM contacts") == [("Acme",)]


def test_roles_on_the_command_line(cli, books_path):
    with cli.direct(books_path) as b:
        b.admin.add_user("wendy", "warehouse")
    add(cli, books_path, ContactIn(name="Ann"))
    r = cli("--as", "wendy", "contacts", "add", "Nope", db=books_path)
    assert r.rc == 1 and r.err_lines == ["wendy (warehouse) may not change contacts; ask the owner for a role that may"], r
    r = cli("--as", "wendy", "contacts", "list", "--format", "csv", db=books_path)
    assert r.rc == 0 and "Ann" in r.stdout
    assert cli.sql(books_path, "SELECT name FROM contacts") == [("Ann",)]


# -- import ------------------------------------------------------------------------------------


def test_import_our_format(cli, books_path, data_dir):
    r = cli("contacts", "import", data_dir / "contacts_ours.csv", db=books_path)
    assert r.rc == 0, r
    assert "4 rows read, imported 4, 1 companies created" in r.stdout
    rows = {row["name"]: row for row in list_csv(cli, books_path)}
    assert rows["王小明"]["company"] == "北京科技有限公司"
    assert rows["Ann Lee"]["tags"] == "vip;west"


@pytest.mark.parametrize(
    "file, fmt, expected",
    [
        ("google_contacts.csv", "google", {"Ann Lee": "Acme Corp", "王小明": "北京科技有限公司", "Globex GmbH": ""}),
        ("google_contacts_legacy.csv", "google", {"Carol Diaz": "Initech", "Dan Wu": ""}),
        ("outlook_contacts.csv", "outlook", {"Dave Miller": "Umbrella Corp", "Erin J. Walsh": ""}),
    ],
)
def test_import_recognises_google_and_outlook(cli, books_path, data_dir, file, fmt, expected):
    r = cli("contacts", "import", data_dir / file, db=books_path)
    assert r.rc == 0, r
    assert f"(format: {fmt})" in r.stdout
    rows = people_and_companies(cli, books_path)
    assert {k: rows.get(k) for k in expected} == expected


def test_import_with_map(cli, books_path, data_dir):
    r = cli("contacts", "import", data_dir / "contacts_mapped.csv", "--map", "Nombre=name", "--map", "Correo=email",
            "--map", "Teléfono=phone", "--map", "Empresa=company", "--map", "Ciudad=city", db=books_path)
    assert r.rc == 0, r
    assert cli.sql(books_path, "SELECT p.email, p.phone, c.name FROM contacts p JOIN contacts c "
                               "ON c.id = p.company_id WHERE p.name = 'Lucía Pérez'") == [
        ("lucia@ejemplo.es", "+34912345678", "Ejemplo SL")]
    r = cli("contacts", "import", data_dir / "contacts_mapped.csv", db=books_path)  # without --map
    assert r.rc == 1 and len(r.err_lines) == 1 and "use --map SOURCE=FIELD" in r.stderr, r


@pytest.fixture
def mistakes(tmp_path, data_dir):
    shutil.copyfile(data_dir / "contacts_mistakes.csv", tmp_path / "mistakes.csv")
    return "mistakes.csv"  # as the user types it, relative to the working directory


def test_import_with_bad_rows_refused_whole_with_file_line_field(cli, books_path, tmp_path, mistakes):
    before = (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log"))
    r = cli("contacts", "import", mistakes, db=books_path, cwd=tmp_path)
    assert r.rc == 1, r
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    # one line per problem, FILE:LINE: [field:] what — line numbers count the newline inside line 5's notes
    assert [line.split(": ")[0] for line in r.err_lines] == [
        "mistakes.csv:3", "mistakes.csv:4", "mistakes.csv:7", "mistakes.csv:8"]  # 10: a phone kept as typed
    assert r.err_lines[0] == "mistakes.csv:3: name: is required"
    assert r.err_lines[1].startswith("mistakes.csv:4: email: 'not-an-email' is not a valid address")
    assert r.err_lines[2] == "mistakes.csv:7: has 5 cells but the header has 4"
    assert r.err_lines[3] == "mistakes.csv:8: not valid UTF-8 text (save the file as UTF-8)"
    assert (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log")) == before


def test_import_skip_invalid_with_rejects(cli, books_path, tmp_path, mistakes):
    r = cli("contacts", "import", mistakes, "--skip-invalid", "--rejects", "rejects.csv", db=books_path, cwd=tmp_path)
    assert r.rc == 0, r
    assert "imported 4" in r.stdout and "4 rejected" in r.stdout
    assert len([line for line in r.err_lines if line.startswith("mistakes.csv:")]) == 4
    assert "warning: mistakes.csv:10: phone: '12' is not a phone number we can read; kept as typed" in r.err_lines
    assert sorted(n for (n,) in cli.sql(books_path, "SELECT name FROM contacts")) == [
        "Bad Phone", "Good One", "Good Two", "Multi Line"]
    with (tmp_path / "rejects.csv").open(newline="", encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [(row["line"], row["error"].split(":")[0]) for row in rejected] == [
        ("3", "name"), ("4", "email"), ("7", "has 5 cells but the header has 4"),
        ("8", "not valid UTF-8 text (save the file as UTF-8)")]
    assert rejected[1]["email"] == "not-an-email"


def test_rejects_without_skip_invalid_is_a_usage_error(cli, books_path, tmp_path, mistakes):
    r = cli("contacts", "import", mistakes, "--rejects", "r.csv", db=books_path, cwd=tmp_path)
    assert r.rc == 2, r
    assert not (tmp_path / "r.csv").exists()


def test_import_dry_run_writes_nothing(cli, books_path, data_dir, tmp_path, mistakes):
    before = (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log"))
    r = cli("contacts", "import", data_dir / "contacts_ours.csv", "--dry-run", db=books_path)
    assert r.rc == 0, r
    assert "would import 4" in r.stdout
    r = cli("contacts", "import", mistakes, "--dry-run", db=books_path, cwd=tmp_path)
    assert r.rc == 1, r
    assert "would import 4" in r.stdout and len(r.err_lines) == 5  # 4 rejected rows, 1 warning
    assert (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log")) == before


def test_import_twice_adds_nothing_the_second_time(cli, books_path, data_dir):
    first = cli("contacts", "import", data_dir / "google_contacts.csv", db=books_path)
    assert first.rc == 0 and "imported 3" in first.stdout, first
    before = (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log"))
    again = cli("contacts", "import", data_dir / "google_contacts.csv", db=books_path)
    assert again.rc == 0, again
    assert "imported 0" in again.stdout and "3 already present" in again.stdout
    assert (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log")) == before


def test_import_warns_about_likely_duplicates(cli, books_path, tmp_path):
    (ann,) = add(cli, books_path, ContactIn(name="Ann Lee", email="ann@acme.example", phone="415 555 0101"))
    (tmp_path / "more.csv").write_text(
        IMPORT_ROW + "Ann Lee,person,,ann.lee@home.example,(415) 555-0101,,,,,,\n", encoding="utf-8")
    r = cli("contacts", "import", "more.csv", db=books_path, cwd=tmp_path)
    assert r.rc == 0, r
    assert r.err_lines == [f"warning: more.csv:2: likely duplicate of #{ann} (same phone)"]
    assert "imported 1" in r.stdout and "1 warnings" in r.stdout


# -- export ------------------------------------------------------------------------------------


def test_export_csv_neutralises_and_round_trips_through_fresh_books(cli, books_path, data_dir, tmp_path,
                                                                   _template_books):
    assert cli("contacts", "import", data_dir / "contacts_ours.csv", db=books_path).rc == 0
    add(cli, books_path, ContactIn(name='=HYPERLINK("http://x")', notes="@SUM(1+1)", tags=["-x"]))
    r = cli("contacts", "export", db=books_path)
    assert r.rc == 0, r
    exported = r.stdout
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0])[:11] == ["name", "kind", "company", "email", "phone", "roles", "tags", "address", "city",
                                  "country", "notes"]
    evil = next(row for row in rows if "HYPERLINK" in row["name"])
    assert evil["name"].startswith("'=") and evil["notes"] == "'@SUM(1+1)" and evil["tags"] == "'-x"
    assert all(not v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())
    # to a file, then into new books
    out = tmp_path / "out.csv"
    r = cli("contacts", "export", "-o", out, db=books_path)
    assert r.rc == 0 and out.read_text(encoding="utf-8") == exported, r
    assert not (tmp_path / "out.csv.partial").exists()
    fresh = tmp_path / "fresh.sqlite"
    shutil.copyfile(_template_books, fresh)
    r = cli("contacts", "import", out, db=fresh)
    assert r.rc == 0 and "imported 6" in r.stdout, r
    assert snapshot(cli, fresh) == snapshot(cli, books_path)


def snapshot(cli, db) -> list[tuple]:
    with cli.direct(db, write=False) as b:
        return sorted((r.name, r.kind, r.company, r.email, r.phone, tuple(r.roles), tuple(r.tags), r.address,
                       r.city, r.country, r.notes) for r in b.contacts.iter_all())


def test_export_json_and_bad_format(cli, books_path, data_dir):
    from bizsuite.crm.contacts.importer import import_contacts

    with cli.direct(books_path) as b:
        import_contacts(b, data_dir / "contacts_ours.csv")
    r = cli("contacts", "export", "--format", "json", "--kind", "person", db=books_path)
    assert r.rc == 0, r
    items = json.loads(r.stdout)
    assert sorted(i["name"] for i in items) == ["Ann Lee", "Bob Stone", "王小明"]
    assert {"id", "name", "kind", "company", "email", "phone", "roles", "tags", "notes"} <= set(items[0])
    r = cli("contacts", "export", "--format", "table", db=books_path)
    assert r.rc == 2 and r.stdout == "", r


def test_export_to_a_path_that_cannot_be_written_is_one_line(cli, books_path, tmp_path):
    add(cli, books_path, ContactIn(name="Ann"))
    for target in (tmp_path / "no-such-folder" / "out.csv", tmp_path):
        r = cli("contacts", "export", "-o", target, db=books_path)
        assert r.rc == 1 and len(r.err_lines) == 1 and str(target) in r.stderr, r
        assert "Traceback" not in r.stderr
    assert not list(tmp_path.glob("*.partial")) and not (tmp_path / "no-such-folder").exists()


def test_import_whose_rejects_cannot_be_written_writes_nothing(cli, books_path, tmp_path, mistakes):
    before = (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log"))
    for target in ("no-such-folder/rejects.csv", ".", "x" * 300 + ".csv"):  # the last: name too long
        r = cli("contacts", "import", mistakes, "--skip-invalid", "--rejects", target, db=books_path, cwd=tmp_path)
        assert r.rc == 1, r
        assert "Traceback" not in r.stderr and "cannot write" in r.stderr, r
        assert len([line for line in r.err_lines if "cannot write" in line]) == 1
    assert (cli.count(books_path, "contacts"), cli.count(books_path, "audit_log")) == before


def test_list_sorts_and_pages_also_without_a_limit(cli, books_path):
    add(cli, books_path, *[ContactIn(name=n) for n in ("bravo", "Charlie", "alpha")])  # ids 1, 2, 3

    def names(*args):
        r = cli("contacts", "list", "--format", "json", *args, db=books_path)
        assert r.rc == 0, r
        return [x["name"] for x in json.loads(r.stdout)]

    assert names("--limit", "0") == ["alpha", "bravo", "Charlie"]
    assert names("--limit", "0", "--sort", "created") == ["alpha", "Charlie", "bravo"]  # newest first
    assert names("--sort", "created", "--limit", "2", "--offset", "1") == ["Charlie", "bravo"]
    r = cli("contacts", "list", "--limit", "0", "--offset", "5", db=books_path)
    assert r.rc == 0 and "of 3" in r.stdout, r
