"""One command line for the three imports and the exports: the same report, the same options."""

from __future__ import annotations

import json

import pytest
import typer

from bizsuite.cli.common import WARNINGS_SHOWN

HEADER = "name,kind,company,email,phone,roles,tags,address,city,country,notes\n"


@pytest.fixture
def ledger_data(data_dir):
    return data_dir / "ledger"


def test_contacts_import_reports_in_its_own_words(cli, books_path, data_dir):
    r = cli("contacts", "import", data_dir / "contacts_ours.csv", "--dry-run", db=books_path)
    assert (r.rc, r.stdout, r.err_lines) == (
        0, f"{data_dir / 'contacts_ours.csv'}: 4 rows read, would import 4, 1 companies to create\n", []), r
    r = cli("contacts", "import", data_dir / "contacts_ours.csv", db=books_path)
    assert (r.rc, r.stdout) == (0, f"{data_dir / 'contacts_ours.csv'}: 4 rows read, imported 4, 1 companies created\n")
    r = cli("contacts", "import", data_dir / "google_contacts.csv", db=books_path)
    assert r.rc == 0 and r.stdout.rstrip().endswith("(format: google)"), r


def test_ledger_import_reports_entries_and_accounts(cli, books_path, tmp_path):
    (tmp_path / "odd.journal").write_text(
        "2025-01-02 Odd job\n    assets:bank:checking  $10\n    income:odd jobs\n\n"
        "2025-01-03 Another\n    assets:bank:checking  $5\n    income:odd jobs\n", encoding="utf-8")
    r = cli("ledger", "import", "odd.journal", "--dry-run", db=books_path, cwd=tmp_path)
    assert (r.rc, r.stdout, r.err_lines) == (
        0, "odd.journal: 2 entries read, would import 2, 1 accounts to create\n", []), r
    r = cli("ledger", "import", "odd.journal", "-f", "journal", db=books_path, cwd=tmp_path)
    assert (r.rc, r.stdout) == (0, "odd.journal: 2 entries read, imported 2, 1 accounts created\n"), r
    r = cli("ledger", "import", "odd.journal", db=books_path, cwd=tmp_path)
    assert (r.rc, r.stdout) == (0, "odd.journal: 2 entries read, imported 0, 2 already present\n"), r


def test_tickets_import_reports_contacts_created(cli, books_path, data_dir):
    tickets = data_dir / "tickets" / "tickets.csv"
    with cli.direct(books_path) as b:
        b.admin.add_user("tom", "support")
    r = cli("tickets", "import", tickets, "--create-contacts", "--dry-run", db=books_path)
    assert r.rc == 0 and r.stdout.startswith(f"{tickets}: 4 rows read, would import 4, "), r
    assert "contacts to create" in r.stdout and "companies" not in r.stdout, r
    r = cli("tickets", "import", tickets, "--create-contacts", db=books_path)
    assert r.rc == 0 and "imported 4, " in r.stdout and "contacts created" in r.stdout, r


def test_many_warnings_print_the_first_ones_then_how_many_more(cli, books_path, tmp_path):
    extra = WARNINGS_SHOWN + 7
    rows = "".join(f"Person {i},person,,same@example.com,,,,,,,\n" for i in range(extra + 1))
    (tmp_path / "same.csv").write_text(HEADER + rows, encoding="utf-8")
    r = cli("contacts", "import", "same.csv", db=books_path, cwd=tmp_path)
    assert r.rc == 0, r
    assert len(r.err_lines) == WARNINGS_SHOWN + 1
    assert all(line.startswith("warning: same.csv:") for line in r.err_lines[:-1])
    assert r.err_lines[-1] == "warning: … and 7 more warnings"
    assert f"imported 1, {extra} already present" in r.stdout and f"{extra} warnings" in r.stdout, r


@pytest.mark.parametrize("module, file", [("contacts", "contacts_mistakes.csv"), ("ledger", "ledger/mistakes.journal"),
                                          ("tickets", "tickets/tickets_mistakes.csv")])
def test_every_import_checks_rejects_the_same_way(cli, books_path, data_dir, tmp_path, module, file):
    before = cli.count(books_path, "audit_log")
    r = cli(module, "import", data_dir / file, "--rejects", tmp_path / "r.csv", db=books_path)
    assert (r.rc, r.err_lines) == (2, ["--rejects goes with --skip-invalid (or --dry-run)"]), r
    r = cli(module, "import", data_dir / file, "--skip-invalid", "--rejects", tmp_path, db=books_path)
    assert (r.rc, r.err_lines) == (1, [f"--rejects {tmp_path}: cannot write a file there"]), r
    r = cli(module, "import", data_dir / file, "--dry-run", "--rejects", tmp_path / "r.csv", db=books_path)
    assert r.rc == 1 and "would import" in r.stdout and " rejected" in r.stdout, r
    assert r.err_lines and all(line.removeprefix("warning: ").startswith(f"{data_dir / file}:")
                               for line in r.err_lines), r
    assert (tmp_path / "r.csv").exists()
    assert cli.count(books_path, "audit_log") == before


def test_ledger_export_takes_o_and_f_like_the_others(cli, books_path, ledger_data, tmp_path):
    assert cli("ledger", "import", ledger_data / "sample.journal", db=books_path).rc == 0
    r = cli("ledger", "export", "-o", tmp_path / "a.csv", "-f", "csv", db=books_path)
    assert (r.rc, r.err_lines) == (0, [f"exported 9 entries to {tmp_path / 'a.csv'}"]), r
    assert (tmp_path / "a.csv").read_text().startswith("date,entry,account")
    r = cli("ledger", "export", tmp_path / "b.journal", db=books_path)  # the positional FILE still works
    assert r.rc == 0 and (tmp_path / "b.journal").read_text() == cli("ledger", "export", db=books_path).stdout
    r = cli("ledger", "export", tmp_path / "c", "-o", tmp_path / "d", db=books_path)
    assert r.rc == 2 and not (tmp_path / "c").exists() and not (tmp_path / "d").exists(), r
    r = cli("ledger", "export", "-o", tmp_path, db=books_path)
    assert (r.rc, r.err_lines) == (1, [f"{tmp_path}: is a folder; give a file name"]), r
    r = cli("ledger", "export", "-o", tmp_path / "no" / "x.journal", db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1 and "cannot write" in r.stderr, r
    left = {p.name for p in tmp_path.iterdir()}
    assert {"a.csv", "b.journal"} <= left and not left & {"c", "d", "no"}, left
    assert not [n for n in left if n.endswith(".partial")], left


@pytest.mark.parametrize("module, what", [("contacts", "contacts"), ("tickets", "tickets")])
def test_exports_write_to_o_and_leave_nothing_when_they_cannot(cli, books_path, tmp_path, module, what):
    r = cli(module, "export", "-f", "json", "-o", tmp_path / "x.json", db=books_path)
    assert (r.rc, r.err_lines) == (0, [f"exported 0 {what} to {tmp_path / 'x.json'}"]), r
    assert json.loads((tmp_path / "x.json").read_text()) == []
    r = cli(module, "export", "-o", tmp_path / "no" / "x.csv", db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1 and "cannot write" in r.stderr, r


def _commands():
    from bizsuite.cli import app

    def walk(cmd, path):
        if hasattr(cmd, "list_commands"):  # a group (modules' sub-apps load when asked for)
            ctx = cmd.context_class(cmd)
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*path, name))
        else:
            yield " ".join(path), cmd

    return list(walk(typer.main.get_command(app), ()))


def test_format_and_output_are_spelled_the_same_in_every_command():
    commands = _commands()
    assert len(commands) > 30
    for name, cmd in commands:
        for param in cmd.params:
            if "--format" in param.opts:
                assert param.opts + param.secondary_opts == ["--format", "-f"] or set(param.opts) == {"--format", "-f"}, name
            if "--output" in param.opts:
                assert set(param.opts) == {"--output", "-o"}, name
        if name.endswith(" export"):
            assert any("--output" in p.opts for p in cmd.params), f"{name} has no -o/--output"
