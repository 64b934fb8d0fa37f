"""Ledger fixtures: books with a chart (SQLite, and PostgreSQL when configured), a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger_helpers import DOCUMENT_MODULES, LEDGER_DATA, Cli

from bizsuite.core import modules


@pytest.fixture(autouse=True)
def _document_modules():
    """Install the stand-in for the modules that will post documents (ledger_helpers)."""
    with modules.use([*modules.installed(), DOCUMENT_MODULES]):
        yield


@pytest.fixture
def data() -> Path:
    return LEDGER_DATA


@pytest.fixture
def books_store(store, owner):
    """Books with the standard chart (``assets:bank:checking``, ``income:sales``, …)."""
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
    return store


@pytest.fixture
def cli(tmp_path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture(scope="session")
def _template(tmp_path_factory) -> dict[str, Path]:
    """Books made once per worker by a real ``bizsuite init`` with each chart."""
    root = tmp_path_factory.mktemp("ledger-template")
    run = Cli(root)
    out = {}
    for chart, currency in (("standard", "USD"), ("cn-small", "CNY"), ("none", "USD")):
        path = root / f"{chart}.sqlite"
        r = run("init", "--company", "Test Co", "--currency", currency, "--chart", chart, db=path)
        assert r.rc == 0, r
        out[chart] = path
    return out


@pytest.fixture
def books_path(tmp_path, _template) -> Path:
    """Fresh SQLite books with the standard chart (USD)."""
    path = tmp_path / "books.sqlite"
    shutil.copyfile(_template["standard"], path)
    return path


@pytest.fixture
def cn_books_path(tmp_path, _template) -> Path:
    """Fresh SQLite books with the 小企业会计准则 chart (CNY)."""
    path = tmp_path / "cn.sqlite"
    shutil.copyfile(_template["cn-small"], path)
    return path


@pytest.fixture
def empty_books_path(tmp_path, _template) -> Path:
    path = tmp_path / "empty.sqlite"
    shutil.copyfile(_template["none"], path)
    return path
