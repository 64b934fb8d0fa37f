"""Ticket metrics over a period: what is open now, breaches, and how fast we answer and resolve.

- *open now*: tickets in an active status (new, open, pending, on hold) by status and priority,
  and how many of them are breached or due within the hour — as of ``clock.now()``;
- *in the period* ``[since, until)``: tickets created; tickets resolved (first resolution or
  closing in the period); tickets whose SLA was breached in the period (a due time inside the
  period that passed before the target was met); the median time to the first public reply of
  the tickets first answered in the period, and to resolution of the tickets resolved in it —
  both in business time (the SLA clock, pauses excluded) and in calendar time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import and_, func, or_, select

from bizsuite.core import clock
from bizsuite.crm.tickets.models import ACTIVE_STATUSES, Ticket, TicketStats


def _median(values: list[float]) -> timedelta | None:
    return timedelta(seconds=median(values)) if values else None


def ticket_stats(books, *, since: datetime | None = None, until: datetime | None = None) -> TicketStats:
    books.require("tickets.read")
    s = books.session
    now = clock.now()
    until = until or now
    since = since or until - timedelta(days=30)
    t = Ticket.__table__
    active = t.c.status.in_(ACTIVE_STATUSES)
    breached_now = or_(t.c.sla_missed.is_(True), t.c.sla_due < now)
    soon = and_(t.c.sla_missed.is_(False), t.c.sla_due >= now, t.c.sla_due < now + timedelta(hours=1))
    by = {(st, p): n for st, p, n in s.execute(
        select(t.c.status, t.c.priority, func.count()).where(active).group_by(t.c.status, t.c.priority))}
    breached_open, due_soon_open = s.execute(
        select(func.count().filter(breached_now), func.count().filter(soon)).select_from(t).where(active)).one()

    def between(col):
        return and_(col >= since, col < until)

    created = s.scalar(select(func.count()).select_from(t).where(between(t.c.created_at)))
    response_breach = and_(between(t.c.response_due), t.c.response_due < now,
                           or_(t.c.first_response_at.is_(None), t.c.first_response_at > t.c.response_due))
    resolution_breach = and_(between(t.c.resolution_due), t.c.resolution_due < now,
                             or_(t.c.resolved_at.is_(None), t.c.resolved_at > t.c.resolution_due))
    breached = s.scalar(select(func.count()).select_from(t).where(or_(response_breach, resolution_breach)))
    responded = s.execute(select(t.c.response_secs, t.c.created_at, t.c.first_response_at, t.c.response_due)
                          .where(between(t.c.first_response_at))).all()
    resolved = s.execute(select(t.c.resolution_secs, t.c.created_at, t.c.resolved_at, t.c.resolution_due)
                         .where(between(t.c.resolved_at))).all()
    return TicketStats(
        since=since, until=until,
        open_by_status_priority=by,
        breached_open=breached_open, due_soon_open=due_soon_open,
        created=created, resolved=len(resolved), breached_in_period=breached, responded=len(responded),
        median_first_response=_median([r[0] for r in responded if r[0] is not None]),
        median_first_response_wall=_median([(r[2] - r[1]).total_seconds() for r in responded]),
        median_resolution=_median([r[0] for r in resolved if r[0] is not None]),
        median_resolution_wall=_median([(r[2] - r[1]).total_seconds() for r in resolved]),
        response_met=sum(1 for r in responded if r[3] is None or r[3] >= r[2]),
        resolution_met=sum(1 for r in resolved if r[3] is None or r[3] >= r[2]),
    )
