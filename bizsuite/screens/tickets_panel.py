"""The tickets module's section on a contact's page: that contact's tickets, newest first."""

from __future__ import annotations

from textual.widgets.option_list import Option

from bizsuite.core import clock
from bizsuite.screens.panels import ContactPanel


class ContactTicketsPanel(ContactPanel):
    title = "Tickets"

    def fetch(self, books, contact_id: int) -> list:
        return books.tickets.for_contact(contact_id, limit=self.limit)

    def option(self, row) -> Option:
        from bizsuite.screens.tickets import ContactTickets

        return ContactTickets.option(row, clock.now())

    def opened(self, option_id: str) -> None:
        from bizsuite.screens.tickets import TicketScreen

        self.app.push_screen(TicketScreen(int(option_id)))
