"""``bizsuite init``: its options (a contract: --company --currency --region --chart) are
answered by the module that declares each; a refusal names the option, in one line."""

from __future__ import annotations

import pytest

from bizsuite.core import modules


@pytest.mark.parametrize(("args", "line"), [
    (["--region", "ZZ"], "--region: 'ZZ' is not a country code such as US, GB, CN"),
    (["--chart", "martian"], "--chart: 'martian' is not one of: standard, cn-small, none"),
    (["--currency", "dollars"], "--currency: 'DOLLARS' is not an ISO 4217 code such as USD, EUR, CNY"),
])
def test_a_bad_answer_is_one_line_naming_the_option_and_writes_no_file(cli, tmp_path, args, line):
    db = tmp_path / "books.sqlite"
    r = cli("init", *args, db=db)
    assert r.rc == 1 and r.err_lines == [line], r
    assert not db.exists()


def test_the_defaults_come_from_the_modules(cli, tmp_path):
    db = tmp_path / "books.sqlite"
    assert cli("init", db=db).rc == 0
    settings = dict(cli.sql(db, "SELECT key, value FROM settings"))
    assert settings["contacts.phone_region"] == "US"  # the contacts module's default
    assert cli.sql(db, "SELECT count(*) FROM ledger_accounts") == [(44,)]  # the ledger's: standard


def test_without_the_ledger_chart_none_is_accepted_and_any_other_chart_refused(cli, tmp_path):
    with modules.use(["bizsuite.crm.contacts"]):
        r = cli("init", "--chart", "standard", db=tmp_path / "a.sqlite")
        assert r.rc == 1 and r.err_lines == ["--chart: the ledger is not installed"], r
        assert not (tmp_path / "a.sqlite").exists()
        for args in (["--chart", "none"], []):
            db = tmp_path / f"b{len(args)}.sqlite"
            r = cli("init", *args, db=db)
            assert r.rc == 0, r
            tables = {t for (t,) in cli.sql(db, "SELECT name FROM sqlite_master")}
            assert "ledger_accounts" not in tables or cli.sql(db, "SELECT count(*) FROM ledger_accounts") == [(0,)]
