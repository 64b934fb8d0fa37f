"""The general ledger: chart of accounts, journal entries, reports, journal import and export.

Every other module posts here through ``books.ledger.post_entry(...)`` in its own unit of work.
"""

from bizsuite.core.modules import CreatePart, DemoPart, Module

MODULE = Module(
    name="ledger",
    title="Ledger",
    description="Accounts, journal entries, registers, trial balance, P&L, balance sheet",
    depends=("contacts",),  # entries and lines may name a contact
    repository="bizsuite.erp.ledger.repository:LedgerRepository",
    models=("bizsuite.erp.ledger.models",),
    permissions={
        "ledger.read": ("owner", "accountant", "viewer"),
        "ledger.write": ("owner", "accountant"),
        # owner only: open again what is locked (move the lock date back or remove it, reopen a
        # closed year); posting.py's _require_reopen is the one check
        "ledger.reopen": ("owner",),
        "reports.read": ("owner", "accountant", "viewer"),
    },
    checks=("bizsuite.erp.ledger.checks:ledger_checks",),
    setup_tables=("ledger_accounts",),  # a chart of accounts (``init --chart``) is not business data
    demo=DemoPart("bizsuite.erp.ledger.demo:add_demo_ledger", 30),
    create=CreatePart("bizsuite.erp.ledger.setup", answers={"chart": "standard"}),  # init --chart
    migrations="bizsuite.erp.ledger.migrations",
    summary="bizsuite.erp.ledger.overview:home_summary",
    search="bizsuite.erp.ledger.overview:search",
    cli_help="The general ledger: accounts, entries, reports, journal import and export.",
    cli="bizsuite.cli.ledger:app",
    screen="bizsuite.screens.ledger:AccountsScreen",
    key="l",
    records={"account": "bizsuite.screens.ledger:open_register"},
    palette="bizsuite.screens.ledger:palette_sections",
)
