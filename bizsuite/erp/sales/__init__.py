"""Sales: quotations and orders (from a deal or on their own), deliveries out of stock,
invoices, customer payments and credit, credit notes and returns, AR aging (see models.py and
repository.py). Deliveries and returns move stock through ``books.stock.move`` in the same unit
of work; invoices, payments and credit notes post to the ledger."""

from bizsuite.core.modules import DemoPart, Module

MODULE = Module(
    name="sales",
    title="Sales",
    description="Quotations, orders, deliveries, invoices, payments, credit notes, AR aging",
    depends=("contacts", "ledger", "stock", "pipeline"),
    repository="bizsuite.erp.sales.repository:SalesRepository",
    models=("bizsuite.erp.sales.models",),
    permissions={
        "sales.read": ("owner", "sales", "accountant", "warehouse", "support", "viewer"),
        "sales.write": ("owner", "sales"),  # quotations and orders: create, confirm, cancel
        "sales.deliver": ("owner", "warehouse"),  # goods out and returns in: moves stock, posts COGS
        "sales.invoice": ("owner", "accountant"),  # invoices and credit notes: receivable/revenue/tax
        "sales.pay": ("owner", "accountant"),  # customer payments: bank/receivable
        "sales.admin": ("owner",),  # the settings: invoice policy, backorders, terms
    },
    posts={
        "sales_delivery": "sales.deliver",
        "sales_return": "sales.deliver",
        "sales_invoice": "sales.invoice",
        "sales_credit_note": "sales.invoice",
        "sales_payment": "sales.pay",
    },
    hooks={"pipeline.quote": "bizsuite.erp.sales.repository:quote_for_deal",
           "pipeline.deal_documents": "bizsuite.erp.sales.repository:deal_documents",
           "contacts.customer_facts": "bizsuite.erp.sales.facts:customer_facts",
           "tickets.link_targets": "bizsuite.erp.sales.facts:LINK_TARGETS"},
    checks=("bizsuite.erp.sales.checks:sales_checks",),
    demo=DemoPart("bizsuite.erp.sales.demo:add_demo_sales", 25, daily="bizsuite.erp.sales.demo:demo_day"),
    migrations="bizsuite.erp.sales.migrations",
    cli_help="Sales: quotations, orders, deliveries, invoices, payments, credit notes, AR aging.",
    cli="bizsuite.cli.sales:app",
    screen="bizsuite.screens.sales:SalesOrdersScreen",
    key="a",
    records={"sales_order": "bizsuite.screens.sales:open_order",
             "sales_invoice": "bizsuite.screens.sales:open_invoice",
             "deal_quotation": "bizsuite.screens.sales:quote_deal"},  # a new quotation for a deal (the pipeline's q)
    palette="bizsuite.screens.sales:palette_sections",
    summary="bizsuite.erp.sales.overview:home_summary",
    search="bizsuite.erp.sales.overview:search",
    contact_panels=("bizsuite.screens.sales_panel:CustomerOrdersPanel",
                    "bizsuite.screens.sales_panel:CustomerInvoicesPanel",
                    "bizsuite.screens.sales_panel:CustomerPaymentsPanel"),
)
