"""Every key of the app, declared once: binding id → the keys that trigger it.

Screens and widgets declare their bindings with :func:`bind` (``bind("contacts_screen.add",
"add", "Add")``): the action and its footer text stay beside the code that handles them, the key
lives here, so one table shows every key of every screen and a test checks that no screen binds
one key to two things. A user can move any key in ``~/.config/bizsuite/keys.toml``::

    [keys]
    "contacts_screen.add" = "plus"
    "ticket_screen.write" = "r,w"

which the app applies with Textual's keymap (:func:`user_keymap`). Ids are ``<screen>.<action>``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.binding import Binding

KEYS: dict[str, str] = {
    # biz modal
    "biz_modal.help": "f1",
    # contact form
    "contact_form.save": "ctrl+s",
    "contact_form.cancel": "escape",
    # activity form
    "activity_form.save": "ctrl+s",
    "activity_form.cancel": "escape",
    # activity screen
    "activity_screen.close": "escape,enter,q",
    # merge dialog
    "merge_dialog.pick": "enter",
    "merge_dialog.cancel": "escape",
    "merge_dialog.to_list": "down",
    # new ticket form
    "new_ticket_form.save": "ctrl+s",
    "new_ticket_form.cancel": "escape",
    "new_ticket_form.to_results": "down",
    # every list screen (screens/lists.py)
    "list_screen.sort": "o",
    "list_screen.sort_reverse": "O",
    "list_screen.export": "x",
    "list_screen.search": "slash",
    "list_screen.to_table": "down",
    # contacts screen
    "contacts_screen.add": "a",
    "contacts_screen.back": "escape",
    # contact detail screen
    "contact_detail_screen.edit": "e",
    "contact_detail_screen.note": "n",
    "contact_detail_screen.merge": "m",
    "contact_detail_screen.delete": "d",
    "contact_detail_screen.back": "escape",
    # choice dialog
    "choice_dialog.cancel": "escape",
    # queue screen
    "queue_screen.new": "n",
    "queue_screen.assign": "a",
    "queue_screen.status": "s",
    "queue_screen.priority": "p",
    "queue_screen.filter_who_mine": "m",
    "queue_screen.filter_sla": "b",
    "queue_screen.filter_who_unassigned": "u",
    "queue_screen.filter_customer": "c",
    "queue_screen.filter_status": "f",
    "queue_screen.back": "escape",
    # ticket screen
    "ticket_screen.send": "ctrl+s",
    "ticket_screen.mode": "ctrl+t",
    "ticket_screen.write": "r",
    "ticket_screen.assign": "a",
    "ticket_screen.status": "s",
    "ticket_screen.priority": "p",
    "ticket_screen.contact": "c",
    "ticket_screen.back": "escape",
    "ticket_screen.link": "l",
    "ticket_screen.unlink": "delete",
    "link_form.save": "ctrl+s",
    "link_form.cancel": "escape",
    "link_form.to_results": "down",
    # products screen (stock)
    "products_screen.adjust": "a",
    "products_screen.transfer": "t",
    "products_screen.low": "l",
    "products_screen.back": "escape",
    # product screen (stock)
    "product_screen.adjust": "a",
    "product_screen.transfer": "t",
    "product_screen.back": "escape",
    # adjust form, transfer form (stock)
    "adjust_form.save": "ctrl+s",
    "adjust_form.cancel": "escape",
    "transfer_form.save": "ctrl+s",
    "transfer_form.cancel": "escape",
    # orders screen, order screen (purchasing)
    "orders_screen.new": "n",
    "orders_screen.suggest": "s",
    "new_order_form.save": "ctrl+s",
    "new_order_form.cancel": "escape",
    "orders_screen.back": "escape",
    "suggestions_screen.create": "c",
    "suggestions_screen.back": "escape",
    "order_screen.confirm": "c",
    "order_screen.receive": "r",
    "order_screen.bill": "b",
    "order_screen.pay": "p",
    "order_screen.cancel_order": "x",
    "order_screen.back": "escape",
    # receive, bill and pay forms (purchasing)
    "receive_form.save": "ctrl+s",
    "receive_form.cancel": "escape",
    "bill_form.save": "ctrl+s",
    "bill_form.cancel": "escape",
    "pay_form.save": "ctrl+s",
    "pay_form.cancel": "escape",
    # kanban board (widgets/kanban.py); pipeline: the board screen, the deals list, the follow-ups, one deal, their dialogs
    "kanban.cursor_up": "up",
    "kanban.cursor_down": "down",
    "kanban.cursor_left": "left",
    "kanban.cursor_right": "right",
    "kanban.page_prev": "left_square_bracket",
    "kanban.page_next": "right_square_bracket",
    "kanban.select": "enter",
    "board_screen.move_prev": "shift+left",
    "board_screen.move_next": "shift+right",
    "board_screen.won": "w",
    "board_screen.lost": "l",
    "board_screen.new": "n",
    "board_screen.find": "slash",
    "board_screen.follow_ups": "f",
    "board_screen.closed": "c",
    "board_screen.mine": "m",
    "board_screen.back": "escape",
    "deals_screen.back": "escape",
    "follow_ups_screen.done": "d",
    "follow_ups_screen.back": "escape",
    "deal_screen.log": "a",
    "deal_screen.done": "d",
    "deal_screen.move": "m",
    "deal_screen.won": "w",
    "deal_screen.lost": "l",
    "deal_screen.reopen": "r",
    "deal_screen.back": "escape",
    "deal_form.save": "ctrl+s",
    "deal_form.cancel": "escape",
    "board_screen.quote": "q",
    "deal_screen.quote": "q",
    # sales: the orders and invoices lists, one order, one invoice, a payment, AR aging, a statement, their dialogs
    "sales_orders_screen.new": "n",
    "sales_orders_screen.invoices": "i",
    "sales_orders_screen.aging": "a",
    "sales_orders_screen.customers": "c",
    "sales_orders_screen.back": "escape",
    "sales_order_screen.confirm": "c",
    "sales_order_screen.deliver": "d",
    "sales_order_screen.invoice": "i",
    "sales_order_screen.pay": "p",
    "sales_order_screen.cancel_order": "x",
    "sales_order_screen.deal": "g",
    "sales_order_screen.statement": "s",
    "sales_order_screen.back": "escape",
    "sales_invoices_screen.pay": "p",
    "sales_invoices_screen.statement": "s",
    "sales_invoices_screen.back": "escape",
    "sales_invoice_screen.pay": "p",
    "sales_invoice_screen.credit": "n",
    "sales_invoice_screen.cancel_invoice": "x",
    "sales_invoice_screen.order": "o",
    "sales_invoice_screen.statement": "s",
    "sales_invoice_screen.back": "escape",
    "payment_dialog.close": "escape",
    "aging_screen.statement": "s",
    "aging_screen.back": "escape",
    "statement_screen.pdf": "w",
    "statement_screen.back": "escape",
    "customers_screen.back": "escape",
    "sales_form.save": "ctrl+s",
    "sales_form.cancel": "escape",
    # help screen
    "help_screen.close": "escape,q",
    # first run screen
    "first_run_screen.create": "ctrl+s",
    "first_run_screen.cancel": "escape",
    # register screen
    "register_screen.new_entry": "n",
    "register_screen.back": "escape",
    # ledger nav
    "ledger_nav.new_entry": "n",
    "ledger_nav.section_journal": "j",
    "ledger_nav.section_trial_balance": "r",
    # accounts screen
    "accounts_screen.add": "a",
    "accounts_screen.edit": "e",
    "accounts_screen.back": "escape",
    "accounts_screen.fold": "left",
    "accounts_screen.unfold": "right",
    "accounts_screen.inactive": "i",
    "accounts_screen.section_trial_balance": "t",
    "accounts_screen.section_pnl": "p",
    "accounts_screen.section_balance_sheet": "b",
    "accounts_screen.section_drafts": "d",
    # entry form
    "entry_form.post": "ctrl+s",
    "entry_form.draft": "ctrl+d",
    "entry_form.balance_line": "ctrl+b",
    "entry_form.remove_line": "ctrl+r",
    "entry_form.cancel": "escape",
    "entry_form.next_cell": "enter",
    "entry_form.move_minus1": "up",
    "entry_form.move_1": "down",
    # ledger reports
    "ledger_reports.export": "x",
    "ledger_reports.section_trial_balance": "t",
    "ledger_reports.section_pnl": "p",
    "ledger_reports.section_balance_sheet": "b",
    "ledger_reports.section_journal": "j",
    "ledger_reports.new_entry": "n",
    "ledger_reports.back": "escape",
    # profit loss screen
    "profit_loss_screen.monthly": "m",
    "profit_loss_screen.months_minus1": "left",
    "profit_loss_screen.months_1": "right",
    # account form
    "account_form.save": "ctrl+s",
    "account_form.cancel": "escape",
    # export dialog
    "export_dialog.save": "ctrl+s",
    "export_dialog.cancel": "escape",
    # journal screen
    "journal_screen.reverse": "v",
    "journal_screen.drafts_true": "d",
    "journal_screen.drafts_false": "d",
    "journal_screen.back": "escape",
    "journal_screen.section_journal": "j",
    "journal_screen.section_trial_balance": "t",
    "journal_screen.section_pnl": "p",
    "journal_screen.section_balance_sheet": "b",
    # entry screen
    "entry_screen.reverse": "v",
    "entry_screen.linked_original": "o",
    "entry_screen.linked_reversal": "g",
    "entry_screen.edit": "e",
    "entry_screen.delete": "x",
    "entry_screen.back": "escape",
    # paged table
    "paged_table.cursor_up": "up",
    "paged_table.cursor_down": "down",
    "paged_table.page_up": "pageup",
    "paged_table.page_down": "pagedown",
    "paged_table.first": "home",
    "paged_table.last": "end",
    "paged_table.select": "enter",
    # confirm
    "confirm.answer_true": "y,enter",
    "confirm.answer_false": "n,escape",
    # bizsuite app
    "app.help": "question_mark,f1",
    "app.quit": "ctrl+q",
}


def bind(binding_id: str, action: str, description: str = "", *, show: bool = True,
         key_display: str | None = None, priority: bool = False) -> Binding:
    """A binding whose keys come from :data:`KEYS` (and the user's keymap) by its id."""
    return Binding(KEYS[binding_id], action, description, show=show, key_display=key_display,
                   priority=priority, id=binding_id)


def user_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """The user's remapped keys (``[keys]`` in keys.toml) and one line per problem in the file."""
    if path is None:
        from platformdirs import user_config_path

        path = user_config_path("bizsuite") / "keys.toml"
    if not path.exists():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: cannot be read: {exc}"]
    mapping, problems = {}, []
    for binding_id, keys in (data.get("keys") or {}).items():
        if binding_id not in KEYS:
            problems.append(f"{path}: {binding_id}: no such key binding")
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f"{path}: {binding_id}: give the keys as text, such as \"ctrl+n\"")
        else:
            mapping[binding_id] = keys.strip()
    return mapping, problems
