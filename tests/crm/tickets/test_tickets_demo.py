"""The tickets part of the demo company: believable, reproducible, and what the repository stores."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bizsuite.core import clock
from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
from bizsuite.crm.contacts.models import Contact
from bizsuite.crm.tickets.models import Ticket, TicketEvent, TicketMessage
from bizsuite.demo import BASE



def digest(path: Path) -> str:
    h = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for sql in ("SELECT * FROM tickets ORDER BY id", "SELECT * FROM ticket_events ORDER BY id",
                    "SELECT * FROM ticket_messages ORDER BY id", "SELECT * FROM ticket_tags ORDER BY 1, 2"):
            for row in conn.execute(sql):
                h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture
def demo(small_demo_file) -> Path:
    return small_demo_file()  # built once per worker (tests/conftest.py): read it, never write it


@pytest.fixture
def books(demo):
    store = Store.open(Location(to_url(str(demo)), "test"))
    with clock.freeze(BASE), store.read(store.actor_for(os_login())) as b:
        yield b
    store.close()


def test_same_seed_same_tickets_another_seed_others(demo, small_demo_file):
    assert digest(small_demo_file(7, copy="again")) == digest(demo)  # a build of its own
    assert digest(small_demo_file(8)) != digest(demo)


def test_about_150_tickets_in_every_state_with_believable_threads(books):
    s = books.session
    tickets = s.scalars(select(Ticket)).all()
    assert len(tickets) == 150
    statuses = Counter(t.status for t in tickets)
    assert set(statuses) == {"new", "open", "pending", "on_hold", "resolved", "closed"}, statuses
    assert sum(statuses[x] for x in ("new", "open", "pending", "on_hold")) >= 15
    assert set(Counter(t.priority for t in tickets)) == {"low", "normal", "high", "urgent"}
    assert {t.channel for t in tickets} == {"email", "phone", "walk_in", "other"}
    summary = books.tickets.summary()
    assert summary["breached"] >= 2, summary  # some, not all
    assert summary["breached"] < summary["active"]
    messages = s.scalars(select(TicketMessage)).all()
    assert {m.kind for m in messages} == {"reply", "note", "customer"}
    assert len(messages) >= 300
    assert any("订单" in t.subject for t in tickets) and any(t.subject.startswith("Order") for t in tickets)
    assert {t.assignee for t in tickets} == {None, "tom", "raj"}
    users = {u.name: u.role for u in books.admin.users()}
    assert users["raj"] == "support"
    assert all(t.created_at <= BASE for t in tickets)
    assert all(m.created_at <= BASE for m in messages)


def test_tickets_belong_to_customers_who_existed_then(books):
    s = books.session
    contacts = {c.id: c for c in s.scalars(select(Contact))}
    for t in s.scalars(select(Ticket)):
        c = contacts[t.contact_id]
        assert c.is_customer and c.created_at <= t.created_at


def test_every_ticket_is_what_the_repository_would_store(books):
    assert books.tickets.stale_sla() == []
    s = books.session
    for t in s.scalars(select(Ticket)):
        history = books.tickets.history(t.id)
        assert history[0] == (t.created_at, "new") and history[-1][1] == t.status
        if t.first_response_at:
            first = s.scalars(select(TicketMessage).where(TicketMessage.ticket_id == t.id, TicketMessage.kind == "reply")
                              .order_by(TicketMessage.created_at)).first()
            assert first.created_at == t.first_response_at
        assert (t.status in ("resolved", "closed")) == (t.resolved_at is not None)
    assert not [r for r in books.admin.check() if not r.ok and r.name.startswith("ticket")]
    assert s.scalar(select(TicketEvent.id).where(TicketEvent.kind == "assignee").limit(1))
