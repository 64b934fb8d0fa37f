"""Invariants of the tickets module, run by ``bizsuite check``."""

from __future__ import annotations

from sqlalchemy import select

from bizsuite.core.admin import CheckResult
from bizsuite.crm.tickets.models import Ticket


def ticket_checks(books) -> list[CheckResult]:
    s = books.session
    repo = books.tickets
    out = []
    rows = s.execute(select(Ticket.id, Ticket.status).order_by(Ticket.id)).all()
    histories = repo.histories([r.id for r in rows])
    wrong = [r.id for r in rows if not histories.get(r.id) or histories[r.id][-1][1] != r.status]
    out.append(CheckResult("ticket status agrees with its history", not wrong,
                           f"{len(wrong)} tickets, e.g. #{wrong[0]}" if wrong else ""))
    # the stored due times are what the history and the policy say (all tickets, not a sample)
    stale = repo.stale_sla()
    out.append(CheckResult("ticket SLA due times up to date", not stale,
                           f"{len(stale)} tickets, e.g. #{stale[0][0]}" if stale else ""))
    return out
