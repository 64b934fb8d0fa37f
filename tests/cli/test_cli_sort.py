"""Every list command sorts with --sort KEY[:asc|:desc], the keys its help names, the same
orders as the screens (the repository's one table of keys), and a wrong key is one line, exit 1."""

from __future__ import annotations

import csv
import io

import pytest


LISTS = {
    ("contacts", "list"): ["name", "company", "email", "phone", "roles", "city", "country", "updated", "created"],
    ("tickets", "list"): ["due", "id", "subject", "customer", "priority", "status", "assignee", "newest", "updated"],
    ("ledger", "journal"): ["date", "id", "memo", "code", "amount"],
    ("ledger", "accounts"): ["code", "name", "type", "balance"],
}


@pytest.mark.parametrize("command", list(LISTS), ids=" ".join)
def test_the_help_names_exactly_the_keys_the_repository_takes(cli, command):
    from bizsuite.crm.contacts.repository import SORTS as CONTACTS
    from bizsuite.crm.tickets.repository import SORTS as TICKETS
    from bizsuite.erp.ledger.reports import TREE_SORTS
    from bizsuite.erp.ledger.repository import journal_sorts

    real = {("contacts", "list"): CONTACTS, ("tickets", "list"): TICKETS, ("ledger", "journal"): journal_sorts(),
            ("ledger", "accounts"): TREE_SORTS}[command]
    assert list(real) == LISTS[command]
    said = cli(*command, "--help").stdout
    for key in real:
        assert key in said


def test_a_register_sorted_by_amount_keeps_the_running_balance(cli, books_path):
    for amount in ("100.00", "-30.00", "250.00"):
        r = cli("ledger", "post", "--date", "2025-03-01", "--memo", f"m {amount}",
                "--line", f"assets:bank:checking {amount}", "--line", "equity:owner capital", db=books_path)
        assert r.rc == 0, r
    by_date = cli("ledger", "register", "assets:bank:checking", "-f", "csv", db=books_path)
    by_amount = cli("ledger", "register", "assets:bank:checking", "--sort", "amount", "-f", "csv", db=books_path)
    assert by_date.rc == by_amount.rc == 0, (by_date, by_amount)
    dated = list(csv.DictReader(io.StringIO(by_date.stdout)))
    ranked = list(csv.DictReader(io.StringIO(by_amount.stdout)))
    assert [r["amount"] for r in ranked] == ["250.00", "100.00", "-30.00"]
    assert {r["amount"]: r["balance"] for r in ranked} == {r["amount"]: r["balance"] for r in dated}
    assert {r["balance"] for r in ranked} == {"100.00", "70.00", "320.00"}


def test_a_wrong_sort_key_is_one_line_naming_the_keys(cli, books_path):
    r = cli("contacts", "list", "--sort", "salary", db=books_path)
    assert r.rc == 1
    assert r.stderr.strip().splitlines() == [
        "sort: 'salary' is not one of: name, company, email, phone, roles, city, country, updated, created "
        "(add :asc or :desc to choose the direction)"]
    r = cli("ledger", "journal", "--sort", "amount:sideways", db=books_path)
    assert r.rc == 1 and r.stderr.strip() == "sort: 'sideways' is not asc or desc"
