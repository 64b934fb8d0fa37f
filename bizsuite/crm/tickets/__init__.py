"""Tickets: a helpdesk with SLA clocks in business hours (see models.py and repository.py)."""

from bizsuite.core.modules import DemoPart, Module

MODULE = Module(
    name="tickets",
    title="Tickets",
    description="Support queue by SLA due time: threads, replies, notes",
    depends=("contacts",),
    repository="bizsuite.crm.tickets.repository:TicketsRepository",
    models=("bizsuite.crm.tickets.models",),
    permissions={
        "tickets.read": ("owner", "support", "viewer"),
        "tickets.write": ("owner", "support"),
    },
    checks=("bizsuite.crm.tickets.checks:ticket_checks",),
    demo=DemoPart("bizsuite.crm.tickets.demo:add_demo_tickets", 15),
    migrations="bizsuite.crm.tickets.migrations",
    summary="bizsuite.crm.tickets.overview:home_summary",
    search="bizsuite.crm.tickets.overview:search",
    cli_help="Support tickets: queue, SLA clocks, replies, import, export, stats.",
    cli="bizsuite.cli.tickets:app",
    screen="bizsuite.screens.tickets:QueueScreen",
    key="t",
    records={"ticket": "bizsuite.screens.tickets:open_ticket"},
    contact_panels=("bizsuite.screens.tickets_panel:ContactTicketsPanel",),
)
