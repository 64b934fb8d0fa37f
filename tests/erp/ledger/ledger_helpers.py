"""Helpers for the ledger tests (imported by name: this directory is on sys.path under pytest)."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bizsuite.core.modules import Module

from cli_runner import Bizsuite, Result  # noqa: F401  (the one CLI runner, tests/cli_runner.py)

LEDGER_DATA = Path(__file__).resolve().parents[2] / "data" / "ledger"


def D(x) -> Decimal:
    return Decimal(str(x))


def counts(books) -> dict[str, int]:
    """Rows in every ledger table and the audit log: "nothing written" means these stay equal."""
    s = books.session
    return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("ledger_accounts", "ledger_entries", "ledger_lines", "ledger_draft_lines", "audit_log")}


def snapshot(store, actor) -> dict[str, int]:
    with store.read(actor) as b:
        out = counts(b)
        out["settings"] = b.session.execute(text("SELECT count(*) FROM settings")).scalar()
        return out


def tb_map(books, **kw) -> dict[str, Decimal]:
    return {r.account: r.balance for r in books.ledger.trial_balance(**kw)}


# -- the real program ---------------------------------------------------------------------------


# one runner for every CLI test (tests/cli_runner.py); ``Cli(root)(*args, db=…)`` → Result
Cli = Bizsuite


def sql(path: Path, query: str, *params):
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def file_counts(path: Path) -> dict[str, int]:
    return {t: sql(path, f"SELECT count(*) FROM {t}")[0][0]
            for t in ("ledger_accounts", "ledger_entries", "ledger_lines", "audit_log", "settings")}


def parse_amount(text_: str) -> Decimal:
    """hledger/ledger output amounts: ``¥-1,234.56``, ``$1,000.00``, ``-$5``, ``12``."""
    t = text_.strip().replace(",", "")
    neg = "-" in t
    digits = "".join(ch for ch in t if ch.isdigit() or ch == ".")
    return -Decimal(digits) if neg else Decimal(digits)


def hledger_balances(path: Path) -> dict[str, Decimal]:
    """Each account's own balance as hledger 1.25 reads the journal (zero balances left out)."""
    exe = shutil.which("hledger")
    if not exe:
        pytest.skip("hledger is not installed (CI installs it)")
    p = subprocess.run([exe, "-f", str(path), "balance", "--flat", "-N", "-O", "csv", "--no-elide"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    import csv
    import io

    out = {}
    for row in list(csv.reader(io.StringIO(p.stdout)))[1:]:
        value = parse_amount(row[1]) if row[1].strip() not in ("", "0") else Decimal(0)
        if value:
            out[row[0]] = value
    return out


def ledger_cli_balances(path: Path) -> dict[str, Decimal]:
    """Each account's balance *with its sub-accounts*, as ledger-cli 3.3 reads the journal."""
    exe = shutil.which("ledger")
    if not exe:
        pytest.skip("ledger-cli is not installed (CI installs it)")
    p = subprocess.run([exe, "-f", str(path), "balance", "--flat", "--no-total",
                        "--format", "%(account)\t%(quantity(scrub(display_total)))\n"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    out = {}
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        account, _, amount = line.rpartition("\t")
        value = Decimal(amount.strip() or "0")
        if value:
            out[account] = value
    return out


def inclusive(own: dict[str, Decimal]) -> dict[str, Decimal]:
    """Own balances → balances that include sub-accounts (how ledger-cli shows them)."""
    out: dict[str, Decimal] = {}
    for name, value in own.items():
        parts = name.split(":")
        for i in range(1, len(parts) + 1):
            key = ":".join(parts[:i])
            out[key] = out.get(key, Decimal(0)) + value
    return {k: v for k, v in out.items() if v}


def audit_count(books, entity: str) -> int:
    from bizsuite.core.models import AuditEntry

    return books.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == entity))


# The module that will post its documents here (payroll) is not built yet
# (stock, purchasing and sales are, and declare their own); this stand-in
# declares the permission and the kind of entry it will, so the ledger's rules
# about who may post what are tested as they will be used.
DOCUMENT_MODULES = Module(
    name="documents_standin",
    title="Documents (stand-in)",
    depends=("ledger",),
    permissions={"payroll.write": ("owner", "hr")},
    posts={"payroll_run": "payroll.write"},
)
