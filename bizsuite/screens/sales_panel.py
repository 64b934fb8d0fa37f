"""Sales's sections on a contact's page: the customer's quotations and orders, their invoices with
what they owe and what of it is overdue (``books.sales.balance``), and their payments. Enter on a
row opens it (an order, an invoice, a payment) over the contact's page: Esc comes back to it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from bizsuite.screens.panels import ContactPanel


class CustomerOrdersPanel(ContactPanel):
    title = "Quotations and orders"

    def fetch(self, books, contact_id: int) -> list:
        rows = books.sales.orders(customer=contact_id, limit=self.limit)
        self.note = " · the latest" if len(rows) == self.limit else ""
        return rows

    def option(self, row) -> Option:
        from bizsuite.screens.sales import STATUS_SHORT, STATUS_STYLE
        from bizsuite.screens.stock import money

        status = STATUS_SHORT.get(row.status, row.status.replace("_", " "))
        line = Text.assemble((f"{row.number:<9}", "bold"), f"{row.date}  ",
                             (f"{status:<10}", STATUS_STYLE.get(row.status, "")), f"{money(row.total):>11}")
        if row.delivered not in ("all", "—") and row.status not in ("quotation", "cancelled"):
            line.append(f"  delivered {row.delivered}", style="dim")
        if row.invoiced and row.paid < row.invoiced:
            line.append(f"  unpaid {money(row.invoiced - row.paid)}", style="bold")
        if row.deal:
            line.append(f"  {row.deal}", style="dim")
        return Option(line, id=str(row.id))

    def opened(self, option_id: str) -> None:
        from bizsuite.screens.sales import open_order

        open_order(self.app, int(option_id), here=True)


class CustomerInvoicesPanel(ContactPanel):
    """Their invoices, newest first; the title says what they owe, what of it is overdue, and
    their unused credit."""

    title = "Invoices"

    def fetch(self, books, contact_id: int) -> list:
        from bizsuite.core import clock
        from bizsuite.screens.stock import money

        rows = books.sales.invoices(customer=contact_id, limit=self.limit)
        self.today = clock.today()
        note = " · the latest" if len(rows) == self.limit else ""
        if rows:
            b = books.sales.balance(contact_id)
            note += f" · owes {money(b['owed'])}"
            if b["overdue"]:
                note += f" · overdue {money(b['overdue'])}"
            if b["credit"]:
                note += f" · credit {money(b['credit'])}"
        self.note = note
        return rows

    def option(self, row) -> Option:
        from bizsuite.screens.stock import money

        line = Text.assemble((f"{row.number:<10}", "bold"), f"{row.date}  due {row.due}  ", f"{money(row.total):>11}")
        if row.cancelled:
            line.append("  cancelled", style="dim")
        elif row.open <= 0:
            line.append("  paid", style="dim")
        else:
            late = (self.today - row.due).days
            line.append(f"  owes {money(row.open)}", style="bold")
            if late > 0:
                line.append(f" ! {late}d overdue", style="bold red")
        return Option(line, id=str(row.id))

    def opened(self, option_id: str) -> None:
        from bizsuite.screens.sales import open_invoice

        open_invoice(self.app, int(option_id), here=True)


class CustomerPaymentsPanel(ContactPanel):
    title = "Payments"

    def fetch(self, books, contact_id: int) -> list:
        rows = books.sales.customer_payments(contact_id, limit=self.limit)
        self.note = " · the latest" if len(rows) == self.limit else ""
        return rows

    def option(self, row) -> Option:
        from bizsuite.screens.stock import money

        line = Text.assemble((f"{row.number:<10}", "bold"), f"{row.date}  ", f"{money(row.amount):>11}")
        if row.allocations:
            line.append("  " + ", ".join(n for n, _ in row.allocations[:3]) + (" …" if len(row.allocations) > 3 else ""),
                        style="dim")
        if row.credit:
            line.append(f"  credit {money(row.credit)}", style="bold")
        return Option(line, id=str(row.id))

    def opened(self, option_id: str) -> None:
        from bizsuite.screens.sales import open_payment

        open_payment(self.app, int(option_id))
