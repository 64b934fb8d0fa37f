"""A small module declared inside the test suite: memos pinned to contacts.

It exists to prove that a module is its own package plus one declaration: installed with
``bizsuite.core.modules.use([...])`` it appears in ``books``, the role matrix, ``bizsuite check``,
the CLI, the home screen, the palette and the contact page, and its tables come from its own
migration branch — without a line changed in any shared file.
"""

from bizsuite.core.modules import ALL_ROLES, Module

MODULE = Module(
    name="memos",
    title="Memos",
    description="Short memos pinned to contacts (a module of the test suite)",
    depends=("contacts",),
    repository="memos_module.repository:MemosRepository",
    models=("memos_module.models",),
    permissions={"memos.read": ALL_ROLES, "memos.write": ("owner", "support")},
    posts={"memo_fee": "memos.write"},  # a memo may carry a fee, posted to the ledger
    checks=("memos_module.repository:memo_checks",),
    migrations="memos_module.migrations",
    summary="memos_module.repository:home_summary",
    search="memos_module.repository:search",
    cli="memos_module.cli:app",
    cli_help="Memos pinned to contacts: add, list.",
    screen="memos_module.screens:MemosScreen",
    key="o",
    records={"memo": "memos_module.screens:open_memo"},
    contact_panels=("memos_module.screens:ContactMemosPanel",),
)
