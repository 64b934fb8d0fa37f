"""The tickets API: every query and business operation on tickets lives here.

Screens and CLI commands call these methods on ``books.tickets``; they never touch the tables.
Reading needs ``tickets.read`` (support, the owner, viewers), changing ``tickets.write``
(support and the owner). Every change bumps the ticket's ``version`` (a stale copy is refused,
as for contacts), records who did what in ``ticket_events``, and recomputes the SLA columns
from the status history (:mod:`bizsuite.crm.tickets.sla`).

A ticket may be linked to records of other modules (an order, a product) and its detail tells
what the other modules know of the customer (the open balance, the last orders, the open
deals). Both come through hooks (:mod:`bizsuite.core.facts`): this module imports none of
those modules and names none of their tables.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Iterator

from sqlalchemy import and_, case, func, or_, select, update

from bizsuite.core import audit, clock, facts, versioning
from bizsuite.core.auth import Actor
from bizsuite.core.db import LIKE_ESCAPE, like_contains
from bizsuite.core.errors import FieldError, NotFound, PermissionDenied, Refused, ValidationFailed
from bizsuite.core.models import Setting
from bizsuite.core.parsing import fits, record_id
from bizsuite.core.sorting import Key, Sorts
from bizsuite.crm.contacts import normalise as norm
from bizsuite.crm.contacts.models import Contact, Page
from bizsuite.crm.tickets import sla
from bizsuite.crm.tickets.models import (
    ACTIVE_STATUSES,
    CHANNEL_LABELS,
    CHANNELS,
    MESSAGE_KINDS,
    PRIORITIES,
    STATUS_LABELS,
    STATUSES,
    TRANSITIONS,
    LinkView,
    Ticket,
    TicketDetail,
    TicketEvent,
    TicketIn,
    TicketLink,
    TicketMessage,
    TicketRow,
    TicketTag,
)

_T = Ticket.__table__
_CT = Contact.__table__
# What the queue can be sorted by (``due``, ``priority:asc``, …; see core.sorting). Priority and
# status sort by rank (urgent above low; new before closed), not by their spelling.
SORTS = Sorts({
    "due": Key("nearest SLA due time", (_T.c.sla_due,)),
    "id": Key("number", (_T.c.id,), descending=True),
    "subject": Key("subject", (func.lower(_T.c.subject),)),
    "customer": Key("customer", (_CT.c.sort_name,)),
    "priority": Key("priority", (case({p: n for n, p in enumerate(PRIORITIES)}, value=_T.c.priority),),
                    descending=True),
    "status": Key("status", (case({s: n for n, s in enumerate(STATUSES)}, value=_T.c.status),)),
    "assignee": Key("agent", (_T.c.assignee,)),
    "newest": Key("newest", (_T.c.id,), descending=True),
    "updated": Key("recently changed", (_T.c.updated_at,), descending=True),
}, tiebreak=_T.c.id)
STATUS_FILTERS = ("active", "all", *STATUSES)
BODY_LIMIT = 20_000
CLOSED_HINT = "closed tickets stay closed; open a new ticket that refers to it"


def _key(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


def parse_choice(value: str | None, choices: Iterable[str], what: str, labels: dict[str, str] | None = None,
                 aliases: dict[str, str] | None = None) -> str:
    """A canonical value from what a person typed (``on hold``, ``On-Hold``, ``walk-in``…)."""
    choices = tuple(choices)
    key = _key(value or "")
    key = (aliases or {}).get(key, key)
    if key in choices:
        return key
    shown = ", ".join((labels or {}).get(c, c) for c in choices)
    raise ValidationFailed([FieldError(what, f"{value!r} is not one of: {shown}")])


def parse_status(value: str | None) -> str:
    return parse_choice(value, STATUSES, "status", STATUS_LABELS, {"onhold": "on_hold", "hold": "on_hold"})


def parse_priority(value: str | None) -> str:
    return parse_choice(value, PRIORITIES, "priority")


def parse_channel(value: str | None) -> str:
    return parse_choice(value, CHANNELS, "channel", CHANNEL_LABELS, {"walkin": "walk_in", "mail": "email",
                                                                     "e_mail": "email"})


HOUSEKEEP_MAX_DAYS = 36_500


def ticket_number(text: str | None) -> int | None:
    """The number of a ``#12`` search (the ``#`` is what says "this ticket", not a word)."""
    text = (text or "").strip()
    if text.startswith("#"):
        number = record_id(text)
        return number if fits(number) else None  # past any ticket: a search for the words
    return None


def clean_body(value: str | None, errors: list[FieldError], field: str = "body") -> str | None:
    """Message text: CRLF becomes LF; tabs and newlines are kept; it may not be empty."""
    text = norm.clean_text(value or "", limit=BODY_LIMIT, field=field, errors=errors, multiline=True)
    if text is None and not any(e.field == field for e in errors):
        errors.append(FieldError(field, "is empty"))
    return text


@dataclass
class Cleaned:
    subject: str
    contact_id: int | None
    description: str | None
    priority: str
    channel: str
    assignee: str | None
    tags: list[str]
    related_id: int | None


class TicketsRepository:
    def __init__(self, books):
        self.books = books
        self.session = books.session
        self._policy: sla.Policy | None = None

    # -- the SLA policy -----------------------------------------------------------------------
    @property
    def policy(self) -> sla.Policy:
        # A plain per-instance cache, not functools.cached_property (one lock for all threads).
        if self._policy is None:
            self._policy = sla.load_policy(self.books.setting(sla.SETTING))
        return self._policy

    def set_policy(self, text: str | None) -> int:
        """Use this TOML policy (``None``: the shipped default); returns the tickets recomputed."""
        actor = self.books.actor
        if not actor.can("admin"):
            raise PermissionDenied(f"{actor.name} ({actor.role}) may not change the SLA policy; only the owner may")
        policy = sla.load_policy(text)  # refuses a bad file before anything changes
        row = self.session.get(Setting, sla.SETTING)
        if text is None:
            if row is not None:
                self.session.delete(row)
        else:
            self.books.set_setting(sla.SETTING, text)
        self._policy = policy
        self.session.flush()
        return self.recompute()

    # -- validation ---------------------------------------------------------------------------
    def workers(self) -> list[tuple[str, str]]:
        """(name, role) of the active users whose role may work tickets (possible assignees)."""
        return [(u.name, u.role) for u in self.books.admin.users()
                if Actor(name=u.name, role=u.role).can("tickets.write")]

    def _user_roles(self) -> dict[str, str]:
        return {u.name: u.role for u in self.books.admin.users()}

    @staticmethod
    def check_assignee(name: str | None, roles: dict[str, str], errors: list[FieldError]) -> str | None:
        """The assignee's login, if it is an active user whose role may work tickets."""
        name = (name or "").strip()
        if not name:
            return None
        role = roles.get(name)
        if role is None:
            errors.append(FieldError("assignee", f"{name!r} is not a bizsuite user"))
            return None
        if not Actor(name=name, role=role).can("tickets.write"):
            errors.append(FieldError("assignee", f"{name} ({role}) may not work tickets; "
                                                 "assign a support user or the owner"))
            return None
        return name

    def clean(self, data: TicketIn, *, errors: list[FieldError] | None = None,
              roles: dict[str, str] | None = None, check_refs: bool = True) -> Cleaned:
        """Validate input; collect every problem in ``errors`` (or raise ValidationFailed)."""
        raise_after = errors is None
        errors = [] if errors is None else errors
        subject = norm.clean_text(data.subject, limit=200, field="subject", errors=errors, multiline=True, tabs=True)
        if subject is None and not any(e.field == "subject" for e in errors):
            errors.append(FieldError("subject", "is required"))
        subject = " ".join((subject or "").split())
        description = None
        if data.description is not None and data.description.strip():
            sub: list[FieldError] = []
            description = clean_body(data.description, sub, field="description")
            errors.extend(sub)
        priority = channel = ""
        for name, parse, value in (("priority", parse_priority, data.priority or "normal"),
                                   ("channel", parse_channel, data.channel or "email")):
            try:
                parsed = parse(value)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
                parsed = ""
            if name == "priority":
                priority = parsed
            else:
                channel = parsed
        if data.contact_id is None:
            errors.append(FieldError("contact", "is required: the customer who asked"))
        elif check_refs and (not fits(data.contact_id) or self.session.get(Contact, data.contact_id) is None):
            errors.append(FieldError("contact", f"#{data.contact_id} does not exist"))
        assignee = self.check_assignee(data.assignee, roles if roles is not None else self._user_roles(), errors)
        if data.related_id is not None and check_refs and (not fits(data.related_id)
                                                                  or self.session.get(Ticket, data.related_id) is None):
            errors.append(FieldError("related", f"ticket #{data.related_id} does not exist"))
        tags = norm.clean_tags(data.tags, errors)
        cleaned = Cleaned(subject=subject, contact_id=data.contact_id, description=description,
                          priority=priority, channel=channel, assignee=assignee, tags=tags,
                          related_id=data.related_id)
        if raise_after and errors:
            raise ValidationFailed(errors)
        return cleaned

    # -- reading ------------------------------------------------------------------------------
    def get(self, ticket_id: int) -> Ticket:
        self.books.require("tickets.read")
        t = self.session.get(Ticket, ticket_id) if fits(ticket_id) else None
        if t is None:
            raise NotFound(f"no ticket #{ticket_id}")
        return t

    def resolve(self, ref: str | int) -> Ticket:
        """A ticket by ``#12`` or ``12``."""
        number = record_id(ref)
        if number is None:
            self.books.require("tickets.read")
            raise NotFound(f"{ref!r} is not a ticket number such as #12")
        return self.get(number)

    def tags_of(self, ticket_id: int) -> list[str]:
        return list(self.session.scalars(
            select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id).order_by(TicketTag.tag)))

    def history(self, ticket_id: int) -> list[tuple[datetime, str]]:
        """The status history: [(when, status)], starting with the creation status."""
        return [(at, s) for at, s in self.session.execute(
            select(TicketEvent.at, TicketEvent.new)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "status")
            .order_by(TicketEvent.at, TicketEvent.id))]

    def priority_changes(self, ticket_id: int) -> list[tuple[datetime, str]]:
        """When the priority changed, each with the priority it had until then."""
        return [(at, old) for at, old in self.session.execute(
            select(TicketEvent.at, TicketEvent.old)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "priority")
            .order_by(TicketEvent.at, TicketEvent.id))]

    def sla_of(self, t: Ticket, now: datetime | None = None) -> sla.SlaState:
        history = self.history(t.id) or [(t.created_at, t.status)]
        return sla.evaluate(self.policy, t.priority, history, t.first_response_at, now or clock.now(),
                            self.priority_changes(t.id))

    def detail(self, ticket_id: int) -> TicketDetail:
        t = self.get(ticket_id)
        contact = self.session.get(Contact, t.contact_id)
        company = self.session.get(Contact, contact.company_id) if contact and contact.company_id else None
        messages = list(self.session.scalars(
            select(TicketMessage).where(TicketMessage.ticket_id == t.id)
            .order_by(TicketMessage.created_at, TicketMessage.id)))
        events = list(self.session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.at, TicketEvent.id)))
        history = [(e.at, e.new) for e in events if e.kind == "status"] or [(t.created_at, t.status)]
        changes = [(e.at, e.old) for e in events if e.kind == "priority"]
        state = sla.evaluate(self.policy, t.priority, history, t.first_response_at, clock.now(), changes)
        related = None
        if t.related_id:
            found = self.page(ids=[t.related_id], status="all", limit=1, with_total=False).rows
            related = found[0] if found else None
        return TicketDetail(
            ticket=t, contact=contact, company=company, tags=self.tags_of(t.id), messages=messages,
            events=events, sla=state, others=self.for_contact(t.contact_id, exclude=t.id, limit=10),
            related=related, links=self.links(t.id), facts=self.customer_facts(contact, company),
        )

    def customer_facts(self, contact, company=None) -> list[tuple[str, list[facts.Fact]]]:
        """What the installed modules know about the ticket's customer, and about the company
        they belong to: [(whose, facts)], only those with facts (see core.facts)."""
        out = []
        for c in (contact, company):
            if c is not None:
                found = facts.customer_facts(self.books, c.id)
                if found:
                    out.append((c.name, found))
        return out

    def _statuses(self, status: str | Iterable[str] | None) -> list[str] | None:
        if status is None or status == "active":
            return list(ACTIVE_STATUSES)
        if status == "all":
            return None
        values = [status] if isinstance(status, str) else list(status)
        out = []
        for v in values:
            for part in str(v).split(","):
                if not part.strip():
                    continue
                if _key(part) in ("active", "all"):
                    return self._statuses(_key(part))
                out.append(parse_status(part))
        return out or None

    def _filters(self, *, status: str | Iterable[str] | None = None, priority: str | Iterable[str] | None = None,
                 assignee: str | None = None, mine: bool = False, unassigned: bool = False,
                 breached: bool = False, due_soon: bool = False, contact_id: int | None = None,
                 query: str = "", ids: list[int] | None = None, now: datetime | None = None) -> list:
        t = Ticket.__table__
        number = ticket_number(query)
        if number is not None:  # "#12" is that ticket, whatever the other filters say
            return [t.c.id == number] + ([t.c.id.in_(ids)] if ids is not None else [])
        conds = []
        statuses = self._statuses(status)
        if statuses is not None:
            conds.append(t.c.status.in_(statuses))
        if priority:
            values = [priority] if isinstance(priority, str) else list(priority)
            conds.append(t.c.priority.in_([parse_priority(p) for v in values for p in str(v).split(",") if p.strip()]))
        if mine:
            assignee = self.books.actor.name
        if assignee:
            conds.append(t.c.assignee == assignee.strip())
        if unassigned:
            conds.append(t.c.assignee.is_(None))
        now = now or clock.now()
        if breached:
            conds.append(or_(t.c.sla_missed.is_(True), t.c.sla_due < now))
        if due_soon:
            conds.append(and_(t.c.sla_missed.is_(False), t.c.sla_due >= now, t.c.sla_due < now + sla.SOON))
        if contact_id is not None:
            conds.append(t.c.contact_id == contact_id)
        if ids is not None:
            conds.append(t.c.id.in_(ids))
        text = query.strip()
        if text:
            number = text.lstrip("#")
            words = []
            for w in text.split():
                words.append(t.c.subject.ilike(like_contains(w), escape=LIKE_ESCAPE))
            clause = and_(*words)
            if fits(record_id(number)):
                clause = or_(t.c.id == record_id(number), clause)
            conds.append(clause)
        return conds

    def count(self, **filters) -> int:
        self.books.require("tickets.read")
        stmt = select(func.count()).select_from(Ticket.__table__)
        for cond in self._filters(**filters):
            stmt = stmt.where(cond)
        return self.session.execute(stmt).scalar_one()

    def page(self, *, offset: int = 0, limit: int = 50, sort: str = "due", with_total: bool = True,
             with_tags: bool = False, **filters) -> Page:
        """One page of tickets (by default the active ones, nearest SLA due time first)."""
        self.books.require("tickets.read")
        order = SORTS.order_by(sort)
        t, c = _T, _CT
        stmt = (
            select(t.c.id, t.c.subject, t.c.contact_id, c.c.name.label("contact"), t.c.priority, t.c.status,
                   t.c.channel, t.c.assignee, t.c.created_at, t.c.updated_at, t.c.sla_due, t.c.sla_missed,
                   t.c.first_response_at, t.c.resolved_at, t.c.version)
            .select_from(t).join(c, c.c.id == t.c.contact_id)
        )
        for cond in self._filters(**filters):
            stmt = stmt.where(cond)
        rows = [TicketRow(**r._mapping) for r in self.session.execute(stmt.order_by(*order).offset(offset).limit(limit))]
        if with_tags and rows:
            tags: dict[int, list[str]] = defaultdict(list)
            for tid, tag in self.session.execute(
                select(TicketTag.ticket_id, TicketTag.tag)
                .where(TicketTag.ticket_id.in_([r.id for r in rows])).order_by(TicketTag.tag)
            ):
                tags[tid].append(tag)
            for r in rows:
                r.tags = tags.get(r.id, [])
        total = self.count(**filters) if with_total else len(rows)
        return Page(rows=rows, total=total, offset=offset, limit=limit)

    def iter_all(self, *, batch: int = 5000, sort: str = "newest", **filters) -> Iterator[TicketRow]:
        offset = 0
        while True:
            page = self.page(offset=offset, limit=batch, sort=sort, with_total=False, with_tags=True, **filters)
            yield from page.rows
            if len(page.rows) < batch:
                return
            offset += batch

    def for_contact(self, contact_id: int, *, limit: int = 20, exclude: int | None = None) -> list[TicketRow]:
        """A contact's tickets, newest first, whatever their status."""
        rows = self.page(contact_id=contact_id, status="all", sort="newest", limit=limit + 1,
                         with_total=False).rows
        return [r for r in rows if r.id != exclude][:limit]

    def search(self, text: str, *, limit: int = 10) -> list[TicketRow]:
        """Tickets by number (``#12``) or by words of the subject (for the command palette)."""
        if not text.strip():
            return []
        return self.page(query=text, status="all", sort="newest", limit=limit, with_total=False).rows

    def summary(self) -> dict[str, int]:
        """Active tickets, and how many of them are breached or due within the hour."""
        self.books.require("tickets.read")
        now = clock.now()
        t = Ticket.__table__
        active = t.c.status.in_(ACTIVE_STATUSES)
        breached = or_(t.c.sla_missed.is_(True), t.c.sla_due < now)
        row = self.session.execute(
            select(
                func.count(),
                func.count().filter(breached),
                func.count().filter(and_(t.c.sla_missed.is_(False), t.c.sla_due >= now, t.c.sla_due < now + sla.SOON)),
            ).select_from(t).where(active)
        ).one()
        return {"active": row[0], "breached": row[1], "due_soon": row[2]}

    # -- writing ------------------------------------------------------------------------------
    def _locked(self, ticket_id: int) -> Ticket:
        t = self.session.scalars(
            select(Ticket).where(Ticket.id == ticket_id).with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if t is None:
            raise NotFound(f"no ticket #{ticket_id}")
        return t

    def _check_version(self, t: Ticket, expected_version: int | None) -> None:
        versioning.expect(t, expected_version, f"ticket #{t.id}")

    def _event(self, t: Ticket, kind: str, old: str | None, new: str | None, now: datetime) -> None:
        self.session.add(TicketEvent(ticket_id=t.id, at=now, actor=self.books.actor.name, kind=kind,
                                     old=old, new=new))

    def _touch(self, t: Ticket, now: datetime) -> None:
        versioning.touch(t, self.books.actor.name, now)

    def _refresh_sla(self, t: Ticket, history: list[tuple[datetime, str]] | None = None) -> sla.SlaState:
        self.session.flush()
        state = sla.evaluate(self.policy, t.priority, history or self.history(t.id), t.first_response_at,
                             clock.now(), self.priority_changes(t.id))
        for k, v in state.columns().items():
            if getattr(t, k) != v:
                setattr(t, k, v)
        return state

    def _transition(self, t: Ticket, status: str, now: datetime) -> None:
        old = t.status
        if status == old:
            return
        if status not in TRANSITIONS[old]:
            if old == "closed":
                raise Refused(f"ticket #{t.id} is closed and cannot become {STATUS_LABELS[status]}: {CLOSED_HINT}")
            allowed = ", ".join(STATUS_LABELS[s] for s in TRANSITIONS[old])
            raise Refused(f"ticket #{t.id} cannot go from {STATUS_LABELS[old]} to {STATUS_LABELS[status]}; "
                          f"from {STATUS_LABELS[old]} it can go to: {allowed}")
        t.status = status
        if status == "resolved":
            t.resolved_at = now
        elif status == "closed":
            t.closed_at = now
            if t.resolved_at is None:
                t.resolved_at = now
        elif old == "resolved":
            t.resolved_at = None  # reopened
        self._event(t, "status", old, status, now)

    def _set_tags(self, ticket_id: int, tags: list[str]) -> None:
        current = {x.tag: x for x in self.session.scalars(select(TicketTag).where(TicketTag.ticket_id == ticket_id))}
        for tag, row in current.items():
            if tag not in tags:
                self.session.delete(row)
        for tag in tags:
            if tag not in current:
                self.session.add(TicketTag(ticket_id=ticket_id, tag=tag))

    def add(self, data: TicketIn) -> Ticket:
        """Open a new ticket (status new); its SLA clocks start now."""
        self.books.require("tickets.write")
        c = self.clean(data)
        now = clock.now()
        actor = self.books.actor.name
        t = Ticket(subject=c.subject, description=c.description, contact_id=c.contact_id, priority=c.priority,
                   status="new", channel=c.channel, assignee=c.assignee, related_id=c.related_id,
                   created_at=now, created_by=actor, updated_at=now, updated_by=actor)
        self.session.add(t)
        self.session.flush()
        self._set_tags(t.id, c.tags)
        self._event(t, "status", None, "new", now)
        if c.assignee:
            self._event(t, "assignee", None, c.assignee, now)
        self._refresh_sla(t, [(now, "new")])
        self.session.flush()
        return t

    def update(self, ticket_id: int, data: TicketIn, *, expected_version: int | None = None) -> Ticket:
        """Save an edited ticket (subject, description, contact, priority, channel, assignee, tags,
        related ticket). ``expected_version`` is the version the editor opened."""
        self.books.require("tickets.write")
        t = self._locked(ticket_id)
        self._check_version(t, expected_version)
        if t.status == "closed":
            raise Refused(f"ticket #{t.id} is closed: {CLOSED_HINT}")
        c = self.clean(data)
        if c.related_id == t.id:
            raise ValidationFailed([FieldError("related", "a ticket cannot refer to itself")])
        now = clock.now()
        with self.session.no_autoflush:
            old_priority, old_assignee = t.priority, t.assignee
            t.subject, t.description, t.contact_id = c.subject, c.description, c.contact_id
            t.priority, t.channel, t.assignee, t.related_id = c.priority, c.channel, c.assignee, c.related_id
            changed = self.session.is_modified(t) or sorted(c.tags) != self.tags_of(t.id)
        if not changed:
            return t
        if old_priority != c.priority:
            self._event(t, "priority", old_priority, c.priority, now)
        if old_assignee != c.assignee:
            self._event(t, "assignee", old_assignee, c.assignee, now)
        self._set_tags(t.id, c.tags)
        self._touch(t, now)
        self._refresh_sla(t)
        self.session.flush()
        return t

    def reply(self, ticket_id: int, body: str, *, kind: str = "reply", status: str | None = None,
              expected_version: int | None = None) -> TicketMessage:
        """Add to the thread: a public ``reply``, an internal ``note``, or what the ``customer`` said.

        The first public reply sets the first-response time (and a new ticket becomes open). A
        customer's message reopens a resolved ticket and brings a pending one back to open. A
        closed ticket takes no more messages. ``status`` changes the status in the same step.
        """
        self.books.require("tickets.write")
        if kind not in MESSAGE_KINDS:
            raise Refused(f"kind: {kind!r} is not one of: {', '.join(MESSAGE_KINDS)}")
        t = self._locked(ticket_id)
        self._check_version(t, expected_version)
        if t.status == "closed":
            raise Refused(f"ticket #{t.id} is closed and takes no more replies: {CLOSED_HINT}")
        errors: list[FieldError] = []
        text = clean_body(body, errors, field="reply" if kind != "note" else "note")
        target = None
        if status is not None and str(status).strip():
            try:
                target = parse_status(status)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationFailed(errors)
        now = clock.now()
        author = self.books.actor.name
        if kind == "customer":
            contact = self.session.get(Contact, t.contact_id)
            author = contact.name if contact else f"contact #{t.contact_id}"
        message = TicketMessage(ticket_id=t.id, kind=kind, body=text, author=author, created_at=now,
                                created_by=self.books.actor.name)
        self.session.add(message)
        if kind == "reply":
            if t.first_response_at is None:
                t.first_response_at = now
            if t.status == "new" and target is None:
                self._transition(t, "open", now)
        elif kind == "customer" and t.status in ("resolved", "pending") and target is None:
            self._transition(t, "open", now)
        if target is not None:
            self._transition(t, target, now)
        self._touch(t, now)
        self._refresh_sla(t)
        self.session.flush()
        return message

    def set_status(self, ticket_id: int, status: str, *, expected_version: int | None = None) -> Ticket:
        self.books.require("tickets.write")
        new = parse_status(status)
        t = self._locked(ticket_id)
        self._check_version(t, expected_version)
        if new == t.status:
            return t
        now = clock.now()
        self._transition(t, new, now)
        self._touch(t, now)
        self._refresh_sla(t)
        self.session.flush()
        return t

    def set_priority(self, ticket_id: int, priority: str, *, expected_version: int | None = None) -> Ticket:
        self.books.require("tickets.write")
        new = parse_priority(priority)
        t = self._locked(ticket_id)
        self._check_version(t, expected_version)
        if t.status == "closed":
            raise Refused(f"ticket #{t.id} is closed: {CLOSED_HINT}")
        if new == t.priority:
            return t
        now = clock.now()
        self._event(t, "priority", t.priority, new, now)
        t.priority = new
        self._touch(t, now)
        self._refresh_sla(t)
        self.session.flush()
        return t

    def assign(self, ticket_id: int, assignee: str | None, *, expected_version: int | None = None) -> Ticket:
        """Give the ticket to a user whose role may work tickets (``None``: nobody)."""
        self.books.require("tickets.write")
        errors: list[FieldError] = []
        name = self.check_assignee(assignee, self._user_roles(), errors)
        if errors:
            raise ValidationFailed(errors)
        t = self._locked(ticket_id)
        self._check_version(t, expected_version)
        if t.status == "closed":
            raise Refused(f"ticket #{t.id} is closed: {CLOSED_HINT}")
        if name == t.assignee:
            return t
        now = clock.now()
        self._event(t, "assignee", t.assignee, name, now)
        t.assignee = name
        self._touch(t, now)
        self.session.flush()
        return t

    # -- links to the records of other modules ---------------------------------------------
    # A ticket can be about an order, a product… of another module: the link keeps the kind of
    # record and its id; the module that offers the kind (``tickets.link_targets``) finds, labels
    # and opens its records, so this module never names their tables.
    def link_kinds(self) -> dict[str, facts.Linkable]:
        """The kinds of record tickets can be linked to, from the installed modules."""
        return facts.link_targets()

    def _target(self, kind: str) -> facts.Linkable:
        targets = facts.link_targets()
        key = _key(kind or "")
        if key not in targets:
            offered = ", ".join(sorted(targets)) or "nothing (no installed module offers records to link)"
            raise ValidationFailed([FieldError("kind", f"{kind!r} is not a kind of record tickets link to; "
                                                       f"they link to: {offered}")])
        return targets[key]

    @staticmethod
    def _view(target: facts.Linkable | None, kind: str, ref_id: int, found: facts.Linked | None) -> LinkView:
        title = target.title if target else kind
        if found is None:
            why = "no longer in the books" if target else "its module is not installed"
            return LinkView(kind, title, ref_id, f"{title} #{ref_id}", why, None, True)
        return LinkView(kind, title, ref_id, found.label, found.detail, target.opens, False)

    def links(self, ticket_id: int) -> list[LinkView]:
        """A ticket's links, oldest first, each labelled by the module that keeps the record."""
        self.books.require("tickets.read")
        rows = self.session.execute(select(TicketLink.kind, TicketLink.ref_id).where(
            TicketLink.ticket_id == ticket_id).order_by(TicketLink.id)).all()
        if not rows:
            return []
        targets = facts.link_targets()
        wanted: dict[str, list[int]] = defaultdict(list)
        for kind, ref_id in rows:
            wanted[kind].append(ref_id)
        labels = {kind: targets[kind].describe(self.books, ids) if kind in targets else {}
                  for kind, ids in wanted.items()}
        return [self._view(targets.get(kind), kind, ref_id, labels[kind].get(ref_id)) for kind, ref_id in rows]

    def link(self, ticket_id: int, kind: str, ref: str) -> LinkView:
        """Link a ticket to a record of another module: ``kind`` one the installed modules offer
        (``order``, ``product``), ``ref`` what people call the record (``SO-00012``, a SKU).
        An unknown reference is refused in one line naming it; a link made twice is refused."""
        self.books.require("tickets.write")
        target = self._target(kind)
        t = self._locked(ticket_id)
        if t.status == "closed":
            raise Refused(f"ticket #{t.id} is closed: {CLOSED_HINT}")
        found = target.find(self.books, ref)
        if self.session.scalar(select(TicketLink.id).where(
                TicketLink.ticket_id == t.id, TicketLink.kind == target.kind, TicketLink.ref_id == found.id)):
            raise Refused(f"ticket #{t.id} is already linked to {target.title} {found.label}")
        self.session.add(TicketLink(ticket_id=t.id, kind=target.kind, ref_id=found.id, created_at=clock.now(),
                                    created_by=self.books.actor.name))
        self.session.flush()
        return self._view(target, target.kind, found.id, found)

    def unlink(self, ticket_id: int, kind: str, ref: str) -> LinkView:
        """Remove a link, the record named as for :meth:`link` (or ``#id``, for a record that is
        no longer in the books or whose module is gone)."""
        self.books.require("tickets.write")
        key = _key(kind or "")
        targets = facts.link_targets()
        target = targets.get(key)
        t = self._locked(ticket_id)
        if t.status == "closed":
            raise Refused(f"ticket #{t.id} is closed: {CLOSED_HINT}")
        ids = set(self.session.scalars(select(TicketLink.ref_id).where(
            TicketLink.ticket_id == t.id, TicketLink.kind == key)))
        if target is None and not ids:
            self._target(kind)  # refuses: not a kind of record tickets link to
        found, ref_id = None, None
        if target is not None:
            try:
                found = target.find(self.books, ref)
                ref_id = found.id
            except PermissionDenied:
                raise
            except Refused:  # not found: a record gone from the books is unlinked by its #id
                n = record_id(ref) if str(ref).strip().startswith("#") else None
                if n not in ids:
                    raise
                ref_id = n
        else:  # its module is no longer installed: by #id
            ref_id = record_id(ref)
        if ref_id not in ids:
            what = found.label if found is not None else str(ref).strip()
            raise Refused(f"ticket #{t.id} is not linked to {target.title if target else key} {what}")
        row = self.session.scalars(select(TicketLink).where(
            TicketLink.ticket_id == t.id, TicketLink.kind == key, TicketLink.ref_id == ref_id)).one()
        self.session.delete(row)
        self.session.flush()
        return self._view(target, key, ref_id, found)

    def search_linkable(self, ticket_id: int, kind: str, text: str, *, limit: int = 8) -> list[facts.Linked]:
        """Records of ``kind`` matching what is typed, the ticket's customer's (and their
        company's) first — for the link dialog's suggestions."""
        self.books.require("tickets.read")
        target = self._target(kind)
        t = self.get(ticket_id)
        contact = self.session.get(Contact, t.contact_id)
        contacts = [c for c in (t.contact_id, contact.company_id if contact else None) if c]
        return target.search(self.books, text, contacts, limit)

    # -- bulk ---------------------------------------------------------------------------------
    def histories(self, ids: list[int], kind: str = "status") -> dict[int, list[tuple[datetime, str]]]:
        """Status histories [(when, status)] by ticket, or with ``kind="priority"`` the priority
        changes [(when, the priority until then)]."""
        out: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        value = TicketEvent.new if kind == "status" else TicketEvent.old
        step = 5000
        for i in range(0, len(ids), step):
            for tid, at, v in self.session.execute(
                select(TicketEvent.ticket_id, TicketEvent.at, value)
                .where(TicketEvent.kind == kind, TicketEvent.ticket_id.in_(ids[i:i + step]))
                .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
            ):
                out[tid].append((at, v))
        return out

    def stale_sla(self, *, include_closed: bool = True) -> list[tuple[int, dict]]:
        """Tickets whose stored SLA columns differ from their history: [(id, right values)]."""
        t = Ticket.__table__
        cols = ("response_due", "resolution_due", "sla_due", "sla_missed", "response_secs", "resolution_secs")
        stmt = select(t.c.id, t.c.priority, t.c.status, t.c.created_at, t.c.first_response_at,
                      *[t.c[k] for k in cols])
        if not include_closed:
            stmt = stmt.where(t.c.status != "closed")
        rows = self.session.execute(stmt.order_by(t.c.id)).all()
        histories = self.histories([r.id for r in rows])
        changes = self.histories([r.id for r in rows], kind="priority")
        now = clock.now()
        out = []
        for r in rows:
            history = histories.get(r.id) or [(r.created_at, r.status)]
            right = sla.evaluate(self.policy, r.priority, history, r.first_response_at, now,
                                 changes.get(r.id, ())).columns()
            if any(getattr(r, k) != v for k, v in right.items()):
                out.append((r.id, right))
        return out

    def recompute(self) -> int:
        """Store the SLA columns again for every ticket not closed (after a policy change)."""
        self.books.require("tickets.write")
        stale = self.stale_sla(include_closed=False)
        t = Ticket.__table__
        for tid, values in stale:
            self.session.execute(update(t).where(t.c.id == tid).values(**values))
        self.session.expire_all()
        return len(stale)

    def housekeep(self, days: int = 7) -> int:
        """Close every ticket resolved more than ``days`` days ago; returns how many."""
        self.books.require("tickets.write")
        if days < 0:
            raise Refused("days: must be 0 or more")
        if days > HOUSEKEEP_MAX_DAYS:
            raise Refused(f"days: must be at most {HOUSEKEEP_MAX_DAYS:,} (a hundred years)")
        now = clock.now()
        t = Ticket.__table__
        ids = list(self.session.scalars(
            select(t.c.id).where(t.c.status == "resolved", t.c.resolved_at < now - timedelta(days=days))
            .order_by(t.c.id)))
        if not ids:
            return 0
        actor = self.books.actor.name
        from bizsuite.core.db import bulk_insert

        step = 5000
        for i in range(0, len(ids), step):
            chunk = ids[i:i + step]
            self.session.execute(
                update(t).where(t.c.id.in_(chunk), t.c.status == "resolved")
                .values(status="closed", closed_at=now, version=t.c.version + 1, updated_at=now, updated_by=actor)
            )
        bulk_insert(self.session, TicketEvent.__table__, [
            {"ticket_id": i, "at": now, "actor": actor, "kind": "status", "old": "resolved", "new": "closed"}
            for i in ids
        ])
        audit.record_many(self.session, [
            audit.Change("tickets", i, "update", {"status": ["resolved", "closed"], "source": [None, "housekeep"]})
            for i in ids
        ])
        self.session.expire_all()
        return len(ids)
