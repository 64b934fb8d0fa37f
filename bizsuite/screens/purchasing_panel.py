"""Purchasing's section on a contact's page: a supplier's purchase orders, newest first, and
what we still owe them over all their open bills (PurchasingRepository.supplier_summary)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from bizsuite.screens.panels import ContactPanel


class SupplierOrdersPanel(ContactPanel):
    title = "Purchase orders"

    def fetch(self, books, contact_id: int) -> list:
        from bizsuite.screens.stock import money

        summary = books.purchasing.supplier_summary(contact_id, limit=self.limit)
        latest = " · the latest" if len(summary.orders) == self.limit else ""
        self.note = latest + (f" · we owe {money(summary.owed)}" if summary.owed else "")  # read by _show
        return summary.orders

    def option(self, row) -> Option:
        from bizsuite.screens.stock import money

        line = Text.assemble((f"{row.number:<9}", "bold"), f" {row.date}  ", (f"{row.status.replace('_', ' '):<18}", ""),
                             f"{money(row.total):>10}")
        if row.billed and row.paid < row.billed:
            line.append(f"  unpaid {money(row.billed - row.paid)}", style="bold")
        return Option(line, id=str(row.id))

    def opened(self, option_id: str) -> None:
        from bizsuite.screens.purchasing import open_order

        open_order(self.app, int(option_id))


class SupplierBillsPanel(ContactPanel):
    """Their bills still open, the oldest due first (overdue ones in bold); Enter opens the order."""

    title = "Open bills"

    def fetch(self, books, contact_id: int) -> list:
        bills = books.purchasing.supplier_summary(contact_id, open_only=True, limit=self.limit).open_bills
        self._orders = {str(b.id): b.order for b in bills}
        return bills

    def option(self, row) -> Option:
        from bizsuite.core import clock
        from bizsuite.screens.stock import money

        late = row.due < clock.today()
        return Option(Text.assemble((f"{row.ref[:14]:<15}", "bold"), f"{row.order:<9} ",
                                    (f"due {row.due}" + (" overdue" if late else ""), "bold" if late else ""),
                                    f"  owes {money(row.owed)}"), id=str(row.id))

    def opened(self, option_id: str) -> None:
        from bizsuite.screens.purchasing import open_order

        app = self.app
        with app.store.read(app.actor) as books:
            order_id = books.purchasing.order(self._orders[option_id]).id
        open_order(app, order_id)
