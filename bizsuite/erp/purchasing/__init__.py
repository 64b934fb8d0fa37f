"""Purchasing: purchase orders, receipts into stock, supplier bills (3-way match), payments,
reorder suggestions and AP aging (see models.py and repository.py). Receipts move stock through
``books.stock.move`` in the same unit of work; bills and payments post to the ledger."""

from bizsuite.core.modules import AccountRole, DemoPart, Module

MODULE = Module(
    name="purchasing",
    cli_name="purchase",  # ``bizsuite purchase …`` (PRODUCT.md), ``books.purchasing``
    title="Purchasing",
    description="Purchase orders, receipts, supplier bills and payments, reorder suggestions, AP aging",
    depends=("contacts", "ledger", "stock"),
    repository="bizsuite.erp.purchasing.repository:PurchasingRepository",
    models=("bizsuite.erp.purchasing.models",),
    permissions={
        "purchasing.read": ("owner", "accountant", "warehouse", "viewer"),
        "purchasing.write": ("owner", "accountant", "warehouse"),  # create, confirm, cancel orders
        "purchasing.receive": ("owner", "warehouse"),  # goods in: moves stock, posts inventory/GRNI
        "purchasing.bill": ("owner", "accountant"),  # supplier bills: GRNI/AP
        "purchasing.pay": ("owner", "accountant"),  # supplier payments: AP/bank
    },
    posts={
        "purchase_receipt": "purchasing.receive",
        "supplier_bill": "purchasing.bill",
        "supplier_payment": "purchasing.pay",
    },
    accounts={
        "input_tax": AccountRole("tax on purchases, recoverable", "assets:input tax recoverable", "asset"),
        "price_difference": AccountRole("a supplier bill at another price than the goods were received at",
                                        "expenses:purchase price differences", "expense"),
    },
    hooks={"stock.on_order": "bizsuite.erp.purchasing.repository:on_order"},
    checks=("bizsuite.erp.purchasing.checks:purchasing_checks",),
    migrations="bizsuite.erp.purchasing.migrations",
    cli_help="Purchase orders: create, confirm, receive, bill, pay, suggest reorders, AP aging.",
    cli="bizsuite.cli.purchase:app",
    summary="bizsuite.erp.purchasing.overview:home_summary",
    search="bizsuite.erp.purchasing.overview:search",
    screen="bizsuite.screens.purchasing:OrdersScreen",
    key="p",
    records={"purchase_order": "bizsuite.screens.purchasing:open_order"},
    contact_panels=("bizsuite.screens.purchasing_panel:SupplierOrdersPanel",
                    "bizsuite.screens.purchasing_panel:SupplierBillsPanel"),
    palette="bizsuite.screens.purchasing:palette_sections",
    demo=DemoPart("bizsuite.erp.purchasing.demo:add_demo_purchasing", 15, daily="bizsuite.erp.purchasing.demo:demo_day"),
)
