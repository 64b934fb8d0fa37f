"""Stock: products, locations, stock moves, on hand, moving-average valuation (see models.py and
repository.py). Every move posts to the ledger in the same unit of work."""

from bizsuite.core.modules import AccountRole, DemoPart, Module

MODULE = Module(
    name="stock",
    title="Stock",
    description="Products, locations, stock moves, on hand and moving-average valuation",
    depends=("contacts", "ledger"),  # a product's supplier is a contact; every move posts
    repository="bizsuite.erp.stock.repository:StockRepository",
    models=("bizsuite.erp.stock.models",),
    permissions={
        "stock.read": ("owner", "accountant", "warehouse", "sales", "viewer"),
        "stock.write": ("owner", "warehouse"),  # products, locations, adjustments, transfers
        "stock.opening": ("owner", "accountant"),  # opening stock, against opening balances
        # a move dated in the past re-values later ones: whoever may move stock may post that
        "stock.revalue": ("owner", "accountant", "warehouse", "sales"),
    },
    posts={
        "stock_adjustment": "stock.write",
        "stock_transfer": "stock.write",
        "stock_opening": "stock.opening",
        "stock_revaluation": "stock.revalue",
        "stock_issue": "stock.write",  # a delivery for a sale that has no document of its own (the demo's)
    },
    accounts={
        "stock_adjustment": AccountRole("stock counts, breakage and write-offs",
                                        "expenses:inventory adjustments", "expense"),
    },
    # once stock is moved, the valuation report is the inventory account: only moves post there
    keeps={"inventory": "bizsuite.erp.stock.checks:moves_stock"},
    hooks={"tickets.link_targets": "bizsuite.erp.stock.links:LINK_TARGETS"},
    checks=("bizsuite.erp.stock.checks:stock_checks",),
    migrations="bizsuite.erp.stock.migrations",
    cli_help="Stock: products, locations, on hand, adjustments, transfers, history, valuation.",
    cli="bizsuite.cli.stock:app",
    summary="bizsuite.erp.stock.overview:home_summary",
    search="bizsuite.erp.stock.overview:search",
    screen="bizsuite.screens.stock:ProductsScreen",
    key="s",
    records={"product": "bizsuite.screens.stock:open_product"},
    palette="bizsuite.screens.stock:palette_sections",
    demo=DemoPart("bizsuite.erp.stock.demo:add_demo_stock", 20, daily="bizsuite.erp.stock.demo:demo_day"),
)
