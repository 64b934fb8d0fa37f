"""Tickets: a helpdesk with SLA clocks in business hours (see models.py and repository.py)."""
