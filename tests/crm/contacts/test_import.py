"""``import_contacts``: our columns, Google and Outlook exports, --map, bad files, re-runs.

The files are in tests/data/. The command line around it is tested in tests/cli/test_cli_contacts.py.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bizsuite.core.errors import PermissionDenied, Refused
from bizsuite.core.importer import ImportFailed
from bizsuite.core.models import AuditEntry
from bizsuite.crm.contacts.importer import import_contacts
from bizsuite.crm.contacts.models import Contact, ContactIn

DATA = Path(__file__).resolve().parents[2] / "data"


def counts(store, owner) -> tuple[int, int]:
    """(contacts, audit rows) — what a refused import must leave exactly as it was."""
    with store.read(owner) as b:
        return (b.session.scalar(select(func.count()).select_from(Contact)),
                b.session.scalar(select(func.count()).select_from(AuditEntry)))


def run_import(store, owner, path, **kw):
    with store.transaction(owner) as b:
        return import_contacts(b, path, **kw)


def contact(store, owner, ref: str) -> dict:
    """A saved contact as plain values, with its company's name and its tags."""
    with store.read(owner) as b:
        c = b.contacts.resolve(ref)
        company = b.contacts.get(c.company_id).name if c.company_id else None
        return dict(kind=c.kind, name=c.name, company=company, email=c.email, phone=c.phone, roles=c.roles,
                    tags=b.contacts.tags_of(c.id), address=c.address, city=c.city, country=c.country,
                    notes=c.notes)


def test_our_columns(store, owner):
    report = run_import(store, owner, DATA / "contacts_ours.csv")
    assert (report.format, report.read, report.imported, report.created_related, report.rejected) == (
        "bizsuite", 4, 4, 1, [])
    assert contact(store, owner, "Acme Inc") == dict(
        kind="company", name="Acme Inc", company=None, email="info@acme.example", phone="+14155550100",
        roles=["customer"], tags=["wholesale"], address="1 Market St, Suite 5", city="San Francisco",
        country="US", notes=None)
    assert contact(store, owner, "Ann Lee") == dict(
        kind="person", name="Ann Lee", company="Acme Inc", email="ann.lee@acme.example", phone="+14155550101",
        roles=["customer", "lead"], tags=["vip", "west"], address=None, city="San Francisco", country="US",
        notes="Prefers email, not calls")
    wang = contact(store, owner, "王小明")
    assert (wang["company"], wang["phone"], wang["roles"], wang["city"]) == (
        "北京科技有限公司", "+861065529988", ["supplier"], "北京")
    assert wang["notes"] == "Met at the fair.\nFollow up in May, ask about prices."
    assert contact(store, owner, "北京科技有限公司")["kind"] == "company"  # created for 王小明
    assert contact(store, owner, "Bob Stone")["company"] is None
    with store.read(owner) as b:
        assert b.contacts.count() == 5
        # the people point at the company rows of the same file, not at copies of them
        assert b.contacts.count(kind="company") == 2
        assert not [r for r in b.admin.check() if not r.ok]  # search text and links are consistent


def test_google_contacts_export(store, owner):
    report = run_import(store, owner, DATA / "google_contacts.csv")  # UTF-8 with BOM, CRLF, newer header
    assert (report.format, report.read, report.imported, report.rejected) == ("google", 3, 3, [])
    ann = contact(store, owner, "Ann Lee")
    assert (ann["company"], ann["email"], ann["phone"], ann["tags"], ann["address"], ann["city"]) == (
        "Acme Corp", "ann.lee@acme.example", "+14155550142", ["clients"], "1 Market St", "San Francisco")
    wang = contact(store, owner, "王小明")  # 小明 (given) + 王 (family), in Chinese order
    assert (wang["company"], wang["email"], wang["phone"], wang["tags"]) == (
        "北京科技有限公司", "xm@bjtech.example", "+861065529988", ["suppliers"])  # first e-mail; no "starred"
    assert wang["notes"] == "Speaks English.\nPrefers WeChat."
    globex = contact(store, owner, "Globex GmbH")  # no person's name: the row is the organisation
    assert (globex["kind"], globex["email"], globex["city"]) == ("company", "info@globex.example", "Berlin")


def test_google_contacts_legacy_export(store, owner):
    report = run_import(store, owner, DATA / "google_contacts_legacy.csv")
    assert (report.format, report.imported, report.created_related) == ("google", 2, 1)
    carol = contact(store, owner, "Carol Diaz")
    assert (carol["company"], carol["phone"], carol["tags"], carol["city"], carol["country"]) == (
        "Initech", "+442079460958", ["friends"], "London", "United Kingdom")
    assert contact(store, owner, "Dan Wu")["tags"] == ["friends", "golf"]


def test_outlook_export(store, owner):
    report = run_import(store, owner, DATA / "outlook_contacts.csv")
    assert (report.format, report.imported, report.created_related) == ("outlook", 2, 1)
    dave = contact(store, owner, "Dave Miller")
    assert (dave["company"], dave["email"], dave["phone"], dave["tags"], dave["address"], dave["city"],
            dave["notes"]) == ("Umbrella Corp", "dave@umbrella.example", "+12125550199",
                               ["key account", "partners"], "500 Fifth Ave", "New York", "Met at CES")
    erin = contact(store, owner, "Erin J. Walsh")
    assert (erin["phone"], erin["city"], erin["company"]) == ("+12125550177", "Brooklyn", None)


def test_map_reads_any_layout(store, owner):
    maps = ["Nombre=name", "Correo=email", "Teléfono=phone", "empresa=company", "CIUDAD=city"]
    report = run_import(store, owner, DATA / "contacts_mapped.csv", maps=maps)
    assert (report.imported, report.created_related) == (2, 1)
    lucia = contact(store, owner, "Lucía Pérez")
    assert (lucia["email"], lucia["phone"], lucia["company"], lucia["city"]) == (
        "lucia@ejemplo.es", "+34912345678", "Ejemplo SL", "Madrid")
    assert contact(store, owner, "Jorge Ruiz")["company"] == "Ejemplo SL"


@pytest.mark.parametrize(
    "maps, message",
    [
        ([], "no column for name"),
        (["Nombre"], "write it as SOURCE=FIELD"),
        (["Nombre=nombre"], "'nombre' is not a field"),
        (["Apellido=name"], "does not have: apellido"),
    ],
)
def test_bad_or_missing_map_is_refused(store, owner, maps, message):
    before = counts(store, owner)
    with pytest.raises(Refused, match=message):
        run_import(store, owner, DATA / "contacts_mapped.csv", maps=maps)
    assert counts(store, owner) == before


def test_bom_is_not_part_of_the_first_column(store, owner, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfname,email\r\nZo\xc3\xab Kravitz,zoe@example.com\r\n")
    report = run_import(store, owner, path)
    assert report.imported == 1
    assert contact(store, owner, "Zoë Kravitz")["email"] == "zoe@example.com"


MISTAKES = DATA / "contacts_mistakes.csv"
# line: (field or None, what the message says) — line 5–6 is one record with a newline inside quotes
EXPECTED_PROBLEMS = {
    3: ("name", "is required"),
    4: ("email", "'not-an-email' is not a valid address"),
    7: (None, "has 5 cells but the header has 4"),
    8: (None, "not valid UTF-8"),
}
# line 10's phone, '12', cannot be read: the row is imported with the number as typed, and a warning
PHONE_WARNING = "mistakes.csv:10: phone: '12' is not a phone number we can read; kept as typed"


def test_bad_rows_refuse_the_whole_import_with_file_line_field(store, owner):
    before = counts(store, owner)
    with pytest.raises(ImportFailed) as exc:
        run_import(store, owner, MISTAKES, display="mistakes.csv")
    problems = exc.value.items
    assert sorted(p.line for p in problems) == sorted(EXPECTED_PROBLEMS)
    for p in problems:
        field, fragment = EXPECTED_PROBLEMS[p.line]
        assert p.field == field and fragment in p.message
        line = str(p)
        prefix = f"mistakes.csv:{p.line}: " + (f"{field}: " if field else "")
        assert line.startswith(prefix), line
    assert len(exc.value.problems) == 4  # one line per problem
    assert counts(store, owner) == before  # nothing written: no contacts, no audit rows


def test_skip_invalid_lands_good_rows_and_writes_rejects(store, owner, tmp_path):
    rejects = tmp_path / "rejects.csv"
    report = run_import(store, owner, MISTAKES, skip_invalid=True, rejects=rejects, display="mistakes.csv")
    assert report.imported == 4 and len(report.rejected) == 4
    assert report.warnings == [PHONE_WARNING]
    with store.read(owner) as b:
        assert sorted(r.name for r in b.contacts.page().rows) == ["Bad Phone", "Good One", "Good Two", "Multi Line"]
    assert contact(store, owner, "Bad Phone")["phone"] == "12"  # kept as typed
    assert contact(store, owner, "Multi Line")["notes"] == "first line\nsecond line, with a comma"
    assert contact(store, owner, "Good Two")["phone"] == "+14155550111"
    with rejects.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["line"]) for r in rows] == sorted(EXPECTED_PROBLEMS)
    for r in rows:
        field, fragment = EXPECTED_PROBLEMS[int(r["line"])]
        assert fragment in r["error"] and (field is None or r["error"].startswith(f"{field}: "))
    assert rows[0]["email"] == "noname@example.com" and rows[1]["name"] == "Bad Mail"
    assert rows[3]["name"].startswith("Caf") and rows[3]["email"] == "cafe@example.com"


def test_rejects_file_can_be_fixed_and_imported(store, owner, tmp_path):
    rejects = tmp_path / "rejects.csv"
    run_import(store, owner, MISTAKES, skip_invalid=True, rejects=rejects)
    with rejects.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["name", "email", "phone", "notes"], extrasaction="ignore")
        w.writeheader()
        for r in rows:
            if r["line"] == "3":
                r["name"] = "No Name Fixed"
            if r["line"] == "4":
                r["email"] = "bad.mail@example.com"
            if r["line"] in ("3", "4"):
                w.writerow(r)
    report = run_import(store, owner, fixed)
    assert report.imported == 2 and not report.rejected
    with store.read(owner) as b:
        assert b.contacts.count() == 6


def test_dry_run_validates_but_writes_nothing(store, owner, tmp_path):
    before = counts(store, owner)
    report = run_import(store, owner, DATA / "contacts_ours.csv", dry_run=True)
    assert (report.dry_run, report.imported, report.created_related) == (True, 4, 1)
    assert "would import 4" in report.summary()
    assert counts(store, owner) == before
    rejects = tmp_path / "r.csv"
    report = run_import(store, owner, MISTAKES, dry_run=True, skip_invalid=True, rejects=rejects)
    assert (report.imported, len(report.rejected)) == (4, 4)
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 1 + 4  # the header, 4 rows
    assert counts(store, owner) == before


def test_same_file_twice_adds_nothing(store, owner):
    for f in ("contacts_ours.csv", "google_contacts.csv", "outlook_contacts.csv", "google_contacts_legacy.csv"):
        run_import(store, owner, DATA / f)
    after_first = counts(store, owner)
    for f in ("contacts_ours.csv", "google_contacts.csv", "outlook_contacts.csv", "google_contacts_legacy.csv"):
        report = run_import(store, owner, DATA / f)
        assert (report.imported, report.created_related, report.unchanged) == (0, 0, report.read), f
        assert "already present" in report.summary()
    assert counts(store, owner) == after_first


def test_people_without_email_or_phone_are_matched_by_name_and_company(store, owner, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name,company\nAnn,Acme\nAnn,Globex\nBob,\n", encoding="utf-8")
    assert run_import(store, owner, path).imported == 3
    path.write_text("name,company\nAnn,ACME\nAnn,Initech\nBob,\nbob,Acme\n", encoding="utf-8")
    report = run_import(store, owner, path)
    assert (report.imported, report.unchanged) == (2, 2)  # Ann at Initech and Bob at Acme are new
    with store.read(owner) as b:
        assert b.contacts.count(query="ann", kind="person") == 3


def test_likely_duplicates_are_warnings(store, owner, tmp_path):
    with store.transaction(owner) as b:
        acme = b.contacts.add(ContactIn(name="Acme Inc", kind="company")).id
        ann = b.contacts.add(ContactIn(name="Ann Lee", email="ann@acme.example", phone="(415) 555-0101")).id
    path = tmp_path / "dups.csv"
    path.write_text(
        "name,kind,email,phone\n"
        "\"ACME, Inc.\",company,,\n"  # line 2: the same company written differently
        "Ann Lee,person,ann.lee@home.example,415-555-0101\n"  # line 3: new email, known phone
        "Zed,person,zed@example.com,\n"  # line 4: new
        "Zed Again,person,ZED@example.com,\n",  # line 5: same email as line 4
        encoding="utf-8",
    )
    report = run_import(store, owner, path, display="dups.csv")
    assert report.imported == 3 and report.unchanged == 1
    assert f"dups.csv:2: likely duplicate of #{acme} (same name)" in report.warnings
    assert f"dups.csv:3: likely duplicate of #{ann} (same phone)" in report.warnings
    assert "dups.csv:5: same email as line 4; skipped as a duplicate" in report.warnings


def test_imported_rows_are_audited_with_the_source(store, owner):
    run_import(store, owner, DATA / "contacts_ours.csv", display="ours.csv")
    with store.read(owner) as b:
        entries = {e.entity_id: json.loads(e.changes)
                   for e in b.admin.audit(entity="contacts") if e.action == "insert"}
        ann = b.contacts.resolve("Ann Lee")
        assert len(entries) == 5  # 4 rows + the company created for 王小明
        assert entries[str(ann.id)]["source"] == [None, "import ours.csv"]
        assert entries[str(ann.id)]["email"] == [None, "ann.lee@acme.example"]
        assert all(e.actor == owner.name for e in b.admin.audit(entity="contacts"))


def test_a_large_import_is_audited_as_one_load_that_each_contact_s_history_finds(store, owner, tmp_path, monkeypatch):
    """Above audit.EACH_UP_TO rows, one audit row for the load (who, when, file, counts, id
    range), as ledger imports do; asking for any one contact's history finds it."""
    from bizsuite.core import audit

    monkeypatch.setattr(audit, "EACH_UP_TO", 10)
    path = tmp_path / "many.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "email", "company"])
        for i in range(30):
            w.writerow([f"Person {i}", f"p{i}@example.com", "New Firm" if i % 2 else ""])
    run_import(store, owner, path, display="many.csv")
    with store.transaction(owner) as b:
        loads = [e for e in b.admin.audit(entity="contacts") if e.action == "insert"]
        assert len(loads) == 1
        load = loads[0]
        # every contact the load made: the 30 rows and the company named by people (also counted apart)
        assert json.loads(load.changes) == {"contacts": [None, 31], "companies created": [None, 1],
                                            "source": [None, "import many.csv"]}
        ids = sorted(b.session.scalars(select(Contact.id)))
        assert load.entity_id == f"{ids[0]}-{ids[-1]}" and len(ids) == 31
        one = b.contacts.resolve("Person 7")
        b.contacts.update(one.id, ContactIn(name="Person Seven", email="p7@example.com"),
                          expected_version=one.version)
    with store.read(owner) as b:
        history = b.admin.audit(entity="contacts", entity_id=str(one.id))
        assert [e.action for e in history] == ["update", "insert"]  # the load, then the edit
        assert history[1].id == load.id
        assert b.admin.audit(entity="contacts", entity_id=str(ids[-1] + 1)) == []
        assert b.admin.audit(entity="ledger_entries", entity_id=str(one.id)) == []


def test_audit_ids_and_load_ranges():
    from bizsuite.core.audit import covers

    assert covers("42", "42") and not covers("42", "4")
    assert covers("6-100005", "6") and covers("6-100005", "500") and covers("6-100005", "100005")
    assert not covers("6-100005", "5") and not covers("6-100005", "100006")
    assert not covers("mary-jane", "3") and not covers("6-100005", "abc")


def test_import_needs_write_permission(store, owner, owner_name):
    with store.transaction(owner) as b:
        b.admin.add_user("wendy", "warehouse")
    wendy = store.actor_for(owner_name, "wendy")
    before = counts(store, owner)
    with pytest.raises(PermissionDenied):
        run_import(store, wendy, DATA / "contacts_ours.csv")
    assert counts(store, owner) == before


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (b'name,notes\nAnn,"never closed\n', "not valid CSV"),
        (b"na\xffme,email\nAnn,a@example.com\n", "the header is not valid UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_the_file_name(store, owner, tmp_path, content, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    before = counts(store, owner)
    with pytest.raises(Refused) as exc:
        run_import(store, owner, path, display="broken.csv")
    (line,) = exc.value.problems
    assert line.startswith("broken.csv") and message in line
    assert counts(store, owner) == before


def test_missing_file(store, owner, tmp_path):
    with pytest.raises(Refused, match="no such file"):
        run_import(store, owner, tmp_path / "nope.csv")


# -- phones read with the country of their own row ------------------------------------------------


def test_phones_are_read_with_the_country_of_their_own_row(store, owner):
    """Books of the US, rows of other countries: the row's country (a code or a name as people
    write it) says how to read a number without +country code."""
    report = run_import(store, owner, DATA / "contacts_countries.csv")
    assert (report.imported, report.rejected) == (5, [])
    phones = {n: contact(store, owner, n)["phone"] for n in ("陈静", "Lena Braun", "Tom Hill", "Bo Li", "Mia Wong")}
    assert phones == {"陈静": "+862162881234",  # CN: Shanghai
                      "Lena Braun": "+494012345678",  # DE: Hamburg
                      "Tom Hill": "+442079460018",  # UK: London
                      "Bo Li": "+12125550143",  # USA
                      "Mia Wong": "+85223456789"}  # Hong Kong


def test_google_export_phones_use_the_address_country(store, owner):
    report = run_import(store, owner, DATA / "google_contacts_countries.csv")
    assert (report.format, report.imported, report.rejected) == ("google", 5, [])
    assert contact(store, owner, "李娜")["phone"] == "+8675588886666"  # Shenzhen, "China"
    yuki = contact(store, owner, "Yuki Sato")  # only the country code column filled
    assert (yuki["phone"], yuki["country"]) == ("+81312345678", "JP")
    assert contact(store, owner, "张伟")["phone"] == "+862162881234"  # Shanghai, "中国"
    assert contact(store, owner, "Hans Becker")["phone"] == "+493012345678"  # Berlin, "Deutschland"
    assert contact(store, owner, "Ann Ortiz")["phone"] == "+14155550160"  # no country: the books' US


def test_outlook_export_phones_use_the_business_or_home_country(store, owner):
    report = run_import(store, owner, DATA / "outlook_contacts_countries.csv")
    assert (report.format, report.imported, report.rejected) == ("outlook", 2, [])
    assert contact(store, owner, "Klaus Meyer")["phone"] == "+49891234567"  # "Germany"
    assert contact(store, owner, "Sarah Jones")["phone"] == "+447700900123"  # "United Kingdom"


# -- a phone number we cannot read: kept as typed, with a warning ----------------------------------


def test_an_unreadable_phone_does_not_refuse_the_row(store, owner, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("name,email,phone,country\n"
                    "Ann Lee,ann@example.com,(415) 555-0101,\n"
                    "Odd One,odd@example.com,ext. 42 ask for Bo,\n"
                    "Xu Ming,xu@example.cn,6288,CN\n", encoding="utf-8")
    report = run_import(store, owner, path, display="odd.csv")
    assert (report.imported, report.rejected) == (3, [])
    assert report.warnings == [
        "odd.csv:3: phone: 'ext. 42 ask for Bo' is not a phone number we can read; kept as typed",
        "odd.csv:4: phone: '6288' is not a phone number we can read; kept as typed",
    ]
    assert contact(store, owner, "Odd One")["phone"] == "ext. 42 ask for Bo"
    assert contact(store, owner, "Xu Ming")["phone"] == "6288"
    assert contact(store, owner, "Ann Lee")["phone"] == "+14155550101"
    from bizsuite.crm.contacts.normalise import phone_verified

    assert not phone_verified("6288") and not phone_verified("+999") and phone_verified("+14155550101")
    with store.read(owner) as b:
        assert not [r for r in b.admin.check() if not r.ok]  # search text made the same way
        assert [r.name for r in b.contacts.page(query="6288").rows] == ["Xu Ming"]
    # exported as typed, and a second run finds the same contacts (nothing new)
    from bizsuite.crm.contacts.importer import export_csv

    out = io.StringIO()
    with store.read(owner) as b:
        export_csv(b, out)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["Xu Ming"]["phone"] == "6288" and rows["Odd One"]["phone"] == "ext. 42 ask for Bo"
    again = run_import(store, owner, path)
    assert (again.imported, again.unchanged) == (0, 3)


def test_an_unreadable_phone_longer_than_the_column_still_refuses_the_row(store, owner, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("name,phone\nLong Phone," + "1-" * 20 + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="phone: longer than 32 characters"):
        run_import(store, owner, path)


def test_typing_an_unreadable_phone_is_still_refused(store, owner):
    from bizsuite.core.errors import ValidationFailed

    with store.transaction(owner) as b:
        with pytest.raises(ValidationFailed) as exc:
            b.contacts.add(ContactIn(name="Xu Ming", phone="6288", country="CN"))
    assert exc.value.problems == [
        "phone: '6288' is not a phone number we can read as a number of CN or US; give it with its +country code"]


def test_a_number_kept_as_typed_does_not_block_edits_or_merges(store, owner, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("name,email,phone\nOdd One,odd@example.com,ask at desk 3\nOdd Two,odd2@example.com,\n",
                    encoding="utf-8")
    run_import(store, owner, path)
    with store.transaction(owner) as b:
        one, two = b.contacts.resolve("Odd One"), b.contacts.resolve("Odd Two")
        data = b.contacts.as_input(one)
        data.city = "Leeds"
        assert b.contacts.update(one.id, data).phone == "ask at desk 3"  # untouched: kept
        kept = b.contacts.merge(two.id, one.id)  # Odd Two has no phone: takes Odd One's, as typed
        assert kept.phone == "ask at desk 3"
        data = b.contacts.as_input(kept)
        data.phone = "ask at desk 4"  # a newly typed number must be one we can read
        with pytest.raises(Refused, match="phone: 'ask at desk 4' is not a phone number we can read"):
            b.contacts.update(kept.id, data)
