"""Ticket tables and the input/output models of the tickets module.

- ``tickets``: one row per ticket. Besides what people type (subject, description, contact,
  priority, channel, assignee, an optional related ticket) it keeps the moments that matter to
  the SLA (first public reply, resolved, closed) and, derived from the status history by
  :mod:`bizsuite.crm.tickets.sla`, the due times the queue sorts and filters on.
- ``ticket_events``: the history of status, priority and assignee changes (``kind``; who, when,
  from, to).
  A ticket's first event is its creation status; the SLA clocks are computed from these.
- ``ticket_messages``: the thread: public replies, internal notes, and what the customer said.
- ``ticket_tags``: tags, as contacts have them.
- ``ticket_links``: the records of other modules a ticket is about (an order, a product): the
  kind of record and its id in the module that keeps it. The tickets module never names those
  tables; the module that offers the kind finds, labels and opens its records through the
  ``tickets.link_targets`` hook (:mod:`bizsuite.core.facts`).

Status values are words without spaces (``on_hold``); :data:`STATUS_LABELS` says how people
read them. The allowed status changes live in :data:`TRANSITIONS`, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from bizsuite.core.types import sql_in, UTCDateTime
from bizsuite.core.versioning import Versioned

PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
STATUS_LABELS = {s: s.replace("_", " ") for s in STATUSES}
ACTIVE_STATUSES = ("new", "open", "pending", "on_hold")  # work still to do: the queue's default
FINISHED_STATUSES = ("resolved", "closed")
CHANNELS = ("phone", "email", "walk_in", "other")
CHANNEL_LABELS = {"phone": "phone", "email": "email", "walk_in": "walk-in", "other": "other"}
MESSAGE_KINDS = ("reply", "note", "customer")  # public reply, internal note, the customer's words
MESSAGE_LABELS = {"reply": "reply", "note": "internal note", "customer": "customer"}

# The one table of allowed status changes. Closed is final: a customer who writes again gets a
# new ticket that refers to the closed one.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("open", "pending", "on_hold", "resolved", "closed"),
    "open": ("pending", "on_hold", "resolved", "closed"),
    "pending": ("open", "on_hold", "resolved", "closed"),
    "on_hold": ("open", "pending", "resolved", "closed"),
    "resolved": ("open", "closed"),
    "closed": (),
}

assert set(TRANSITIONS) == set(STATUSES)



class Ticket(Versioned, SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(sql_in("priority", PRIORITIES), name="priority"),
        CheckConstraint(sql_in("status", STATUSES), name="status"),
        CheckConstraint(sql_in("channel", CHANNELS), name="channel"),
        Index("ix_tickets_status_sla_due", "status", "sla_due"),
        Index("ix_tickets_sla_due", "sla_due"),
        Index("ix_tickets_contact_id_created_at", "contact_id", "created_at"),
        Index("ix_tickets_assignee_status", "assignee", "status"),
        Index("ix_tickets_resolved_at", "resolved_at"),
        Index("ix_tickets_created_at", "created_at"),
    )
    # Derived from the history by sla.evaluate(); the audit log records what people changed.
    __audit_exclude__ = ("response_due", "resolution_due", "sla_due", "sla_missed", "response_secs",
                         "resolution_secs")

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text))
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="RESTRICT"), nullable=False)
    )
    priority: str = Field(default="normal", max_length=10)
    status: str = Field(default="new", max_length=10)
    channel: str = Field(default="email", max_length=10)
    assignee: str | None = Field(default=None, max_length=64)
    related_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="RESTRICT"))
    )
    import_key: str | None = Field(default=None, max_length=200, unique=True)
    first_response_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    response_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    resolution_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    sla_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    sla_missed: bool = Field(default=False)
    response_secs: int | None = Field(default=None)  # business seconds to the first reply
    resolution_secs: int | None = Field(default=None)  # business seconds to resolution
    version: int = Field(default=1)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=64)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = Field(max_length=64)


class TicketTag(SQLModel, table=True):
    __tablename__ = "ticket_tags"
    __table_args__ = (Index("ix_ticket_tags_tag", "tag"),)

    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    )
    tag: str = Field(primary_key=True, max_length=50)


class TicketLink(SQLModel, table=True):
    __tablename__ = "ticket_links"
    __table_args__ = (
        # one link per record and ticket; an index, not a constraint: adding it rebuilds no table
        Index("ix_ticket_links_ticket_id_kind_ref_id", "ticket_id", "kind", "ref_id", unique=True),
        Index("ix_ticket_links_kind_ref_id", "kind", "ref_id"),  # the tickets about one order or product
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=30)  # "order", "product": a kind a module offers (core.facts.Linkable)
    ref_id: int = Field()  # the record's id in the module that keeps it
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=64)


class TicketMessage(SQLModel, table=True):
    __tablename__ = "ticket_messages"
    __table_args__ = (
        CheckConstraint(sql_in("kind", MESSAGE_KINDS), name="kind"),
        Index("ix_ticket_messages_ticket_id_created_at", "ticket_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=10)
    body: str = Field(sa_column=Column(Text, nullable=False))
    author: str = Field(max_length=200)  # the user; for kind "customer", the contact's name
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=64)  # the user who wrote or recorded it


class TicketEvent(SQLModel, table=True):
    __tablename__ = "ticket_events"
    __table_args__ = (
        CheckConstraint("kind IN ('status', 'priority', 'assignee')", name="kind"),
        Index("ix_ticket_events_ticket_id_at", "ticket_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=10)  # status, priority or assignee
    old: str | None = Field(default=None, max_length=64)
    new: str | None = Field(default=None, max_length=64)


# -- input and output models -------------------------------------------------------------------


@dataclass
class TicketIn:
    """What a person or a file gives us for a new or edited ticket, before validation."""

    subject: str = ""
    contact_id: int | None = None
    description: str | None = None
    priority: str = "normal"
    channel: str = "email"
    assignee: str | None = None
    tags: list[str] = field(default_factory=list)
    related_id: int | None = None


@dataclass
class TicketRow:
    """One row of a ticket list (the queue, ``tickets list``, a contact's tickets)."""

    id: int
    subject: str
    contact_id: int
    contact: str
    priority: str
    status: str
    channel: str
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    sla_due: datetime | None
    sla_missed: bool
    first_response_at: datetime | None
    resolved_at: datetime | None
    version: int
    tags: list[str] = field(default_factory=list)

    def breached(self, now: datetime) -> bool:
        return self.sla_missed or (self.sla_due is not None and self.sla_due < now)

    def due_soon(self, now: datetime) -> bool:
        return (not self.breached(now) and self.sla_due is not None
                and self.sla_due - now < timedelta(hours=1))

    def flag(self, now: datetime) -> str:
        """``breached``, ``due soon`` or ``""``."""
        if self.breached(now):
            return "breached"
        return "due soon" if self.due_soon(now) else ""

    def marker(self, now: datetime) -> str:
        """``!!`` breached, ``!`` due within the hour: readable without colour."""
        return {"breached": "!!", "due soon": "!"}.get(self.flag(now), "")


@dataclass
class LinkView:
    """One of a ticket's links as people read it."""

    kind: str  # "order", "product"
    title: str  # "order"
    ref_id: int
    label: str  # "SO-00012"; "order #12" when the record is gone or its module not installed
    detail: str = ""
    opens: str | None = None  # the record kind the app opens it as, if any module opens it
    missing: bool = False  # the record no longer exists, or no installed module offers the kind


@dataclass
class TicketDetail:
    ticket: Ticket
    contact: object  # the Contact
    company: object | None  # the contact's company, if any
    tags: list[str]
    messages: list[TicketMessage]
    events: list[TicketEvent]
    sla: object  # sla.SlaState, as of now
    others: list[TicketRow]  # the same contact's other tickets, newest first
    related: TicketRow | None
    links: list[LinkView] = field(default_factory=list)
    # what the installed modules know about the customer (and about their company, if any):
    # [(whose, facts)], the contact first; see core.facts.customer_facts
    facts: list[tuple[str, list]] = field(default_factory=list)


@dataclass
class TicketStats:
    since: datetime
    until: datetime
    open_by_status_priority: dict[tuple[str, str], int]
    breached_open: int
    due_soon_open: int
    created: int
    resolved: int
    breached_in_period: int
    responded: int
    median_first_response: timedelta | None  # business time, tickets first answered in the period
    median_first_response_wall: timedelta | None  # calendar time
    median_resolution: timedelta | None  # business time, tickets resolved in the period
    median_resolution_wall: timedelta | None
    response_met: int = 0
    resolution_met: int = 0
