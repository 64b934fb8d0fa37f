"""Creating books: each module answers for its part (``Module.create``). Every answer is checked
before anything is written, and the books, the owner and every module's part land in one unit
of work — a chart that fails half-way leaves no books."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bizsuite.core import modules
from bizsuite.core.db import sqlite_file_state
from bizsuite.core.errors import BooksError, ValidationFailed
from bizsuite.core.modules import CreatePart, Module, resolve
from bizsuite.core.store import Store
from bizsuite.erp.ledger.repository import LedgerRepository


def rows(store: Store, query: str) -> list:
    with store.engine.connect() as conn:
        return list(conn.execute(text(query)))


def test_every_modules_errors_are_refused_together_before_anything_is_written(sqlite_location, owner_name):
    store = Store.open_or_create_empty(sqlite_location)
    try:
        with pytest.raises(ValidationFailed) as refused:
            store.initialise(company=" ", currency="USD", owner=owner_name,
                             answers={"region": "zz", "chart": "martian"})
    finally:
        store.close()
    assert [str(e) for e in refused.value.errors] == [
        "company: is required",
        "region: 'ZZ' is not a country code such as US, GB, CN",
        "chart: 'martian' is not one of: standard, cn-small, none",
    ]
    assert sqlite_file_state(sqlite_location.path) in ("missing", "empty")


def test_an_answer_no_installed_module_takes_is_refused(sqlite_location, owner_name):
    store = Store.open_or_create_empty(sqlite_location)
    try:
        with pytest.raises(ValidationFailed) as refused:
            store.initialise(company="Co", currency="USD", owner=owner_name, answers={"colour": "blue"})
    finally:
        store.close()
    assert [str(e) for e in refused.value.errors] == ["colour: no installed module takes it"]


def test_each_module_writes_its_answer_with_the_books(location, owner_name):
    store = Store.open_or_create_empty(location)
    try:
        assert store.initialise(company="Lee & Co", currency="eur", owner=owner_name,
                                answers={"region": " gb ", "chart": "Standard"}) is True
        settings = dict(rows(store, "SELECT key, value FROM settings"))
        assert (settings["company.currency"], settings["contacts.phone_region"]) == ("EUR", "GB")
        assert rows(store, "SELECT count(*) FROM ledger_accounts")[0][0] == 44
        # books that exist are left alone: no second chart, no new region
        assert store.initialise(company="Lee & Co", currency="EUR", owner=owner_name,
                                answers={"region": "DE", "chart": "cn-small"}) is False
        assert rows(store, "SELECT count(*) FROM ledger_accounts")[0][0] == 44
        assert dict(rows(store, "SELECT key, value FROM settings"))["contacts.phone_region"] == "GB"
    finally:
        store.close()


def test_a_chart_that_fails_half_way_leaves_no_books(location, owner_name, monkeypatch):
    loaded = LedgerRepository.load_chart

    def load_then_fail(self, chart):
        loaded(self, chart)  # every account is added in the session…
        raise RuntimeError("the disk went away")  # …and then the unit of work fails

    monkeypatch.setattr(LedgerRepository, "load_chart", load_then_fail)
    store = Store.open_or_create_empty(location)
    try:
        with pytest.raises(RuntimeError, match="disk went away"):
            store.initialise(company="Half Co", currency="USD", owner=owner_name,
                             answers={"region": "GB", "chart": "standard"})
        assert store.state() != "bizsuite"
        assert rows(store, "SELECT count(*) FROM settings")[0][0] == 0  # no company, no region
        assert rows(store, "SELECT count(*) FROM users")[0][0] == 0  # no owner
        assert rows(store, "SELECT count(*) FROM ledger_accounts")[0][0] == 0  # no chart
    finally:
        store.close()
    monkeypatch.setattr(LedgerRepository, "load_chart", loaded)
    with pytest.raises(BooksError, match="no books here yet; create them with `bizsuite init`"):
        Store.open(location)
    store = Store.open_or_create_empty(location)  # and creating them again works
    try:
        assert store.initialise(company="Half Co", currency="USD", owner=owner_name,
                                answers={"region": "GB", "chart": "standard"}) is True
        assert store.state() == "bizsuite"
        assert rows(store, "SELECT count(*) FROM ledger_accounts")[0][0] == 44
    finally:
        store.close()


def test_books_without_the_ledger_take_no_chart(sqlite_location, owner_name):
    with modules.use(["bizsuite.crm.contacts"]):
        assert set(modules.creation_answers()) == {"region"}
        store = Store.open_or_create_empty(sqlite_location)
        try:
            with pytest.raises(ValidationFailed, match="chart: no installed module takes it"):
                store.initialise(company="Co", currency="USD", owner=owner_name, answers={"chart": "standard"})
            assert store.initialise(company="Co", currency="USD", owner=owner_name, answers={"region": "FR"})
        finally:
            store.close()


def test_an_answer_declared_twice_is_refused_at_once():
    twin = Module(name="twin", title="Twin", create=CreatePart("twin.setup", answers={"chart": None}))
    with pytest.raises(LookupError, match="creation answer 'chart' is already ledger's"):
        resolve([*modules.installed(), twin])
    own = Module(name="own", title="Own", create=CreatePart("own.setup", answers={"currency": None}))
    with pytest.raises(LookupError, match="'currency' is already the core's"):
        resolve([own])


def test_a_company_name_with_control_characters_is_refused_and_nothing_is_made(location, owner_name):
    from bizsuite.core.errors import ValidationFailed
    from bizsuite.core.store import Store

    store = Store.open_or_create_empty(location)
    try:
        with pytest.raises(ValidationFailed, match="company: contains a control character"):
            store.initialise(company="Ev\x1b[2Jil", currency="USD", owner=owner_name)
        assert store.state() == "empty"
    finally:
        store.close()
