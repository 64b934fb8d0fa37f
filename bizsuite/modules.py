"""The installed modules: one line each. Adding a module is its package plus one line here.

Each entry is a package whose ``__init__.py`` declares ``MODULE = Module(...)`` (see
:mod:`bizsuite.core.modules`). Order is the order of the home screen and the demo, after the
modules each one depends on.
"""

INSTALLED = (
    "bizsuite.crm.contacts",
    "bizsuite.erp.ledger",
    "bizsuite.crm.tickets",
    "bizsuite.erp.stock",
    "bizsuite.erp.purchasing",
    "bizsuite.crm.pipeline",
    "bizsuite.erp.sales",
)
