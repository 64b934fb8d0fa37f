"""Ledger screens: the accounts tree, the journal and one entry, an account's register, the
forms (an entry, an account, a CSV export) and the reports (trial balance, profit and loss,
balance sheet).

Every figure, check and refusal is the repository's (``books.ledger``): the screens only ask, in
worker threads, and show what comes back — including a ``Refused`` or ``ValidationFailed``
message, word for word.

The ledger mode starts on the accounts tree. The journal and the reports open on top of it and
replace one another (``j``, ``r``/``t``/``p``/``b``), so Escape always leads back to the tree; a
register or an entry opens on top of whatever shows it.

- :mod:`.common`: how figures read, moving between the screens, the base screens, reversing
- :mod:`.accounts`: the accounts tree
- :mod:`.journal`: the journal and one entry
- :mod:`.register`: an account's register
- :mod:`.entry_form`: the journal entry form; :mod:`.forms`: the account form, the export dialog
- :mod:`.reports`: trial balance, profit and loss, balance sheet
"""

from bizsuite.screens.ledger.accounts import AccountsScreen
from bizsuite.screens.ledger.common import (
    LedgerScreen,
    LedgerSection,
    money,
    open_ledger,
    open_register,
    palette_accounts,
    palette_sections,
    problems,
    show_section,
    text_or_none,
)
from bizsuite.screens.ledger.journal import EntryScreen, EntryView, JournalScreen
from bizsuite.screens.ledger.register import RegisterScreen

__all__ = [
    "AccountsScreen", "EntryScreen", "EntryView", "JournalScreen", "LedgerScreen", "LedgerSection",
    "RegisterScreen", "money", "open_ledger", "open_register", "palette_accounts", "palette_sections",
    "problems", "show_section", "text_or_none",
]
