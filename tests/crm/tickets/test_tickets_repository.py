"""The tickets repository on SQLite and PostgreSQL: lifecycle, thread, SLA columns, refusals."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bizsuite.core import clock
from bizsuite.core.errors import NotFound, PermissionDenied, Refused, StaleRecord, ValidationFailed
from bizsuite.core.models import AuditEntry
from bizsuite.crm.tickets.models import Ticket, TicketEvent, TicketIn, TicketMessage, TicketTag

MON = datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)  # a Monday: tests/conftest.py's frozen now
H = timedelta(hours=1)


def counts(store, owner) -> tuple[int, int, int, int]:
    """(tickets, messages, events, tags): what a refusal must leave untouched."""
    with store.read(owner) as b:
        return tuple(b.session.scalar(select(func.count()).select_from(m))
                     for m in (Ticket, TicketMessage, TicketEvent, TicketTag))


def new_ticket(store, actor, contact_id, *, when=MON, **kw) -> int:
    with clock.freeze(when):
        with store.transaction(actor) as b:
            return b.tickets.add(TicketIn(subject=kw.pop("subject", "Order 1042 arrived damaged"),
                                          contact_id=contact_id, **kw)).id


# -- creating ----------------------------------------------------------------------------------


def test_a_new_ticket_starts_its_clocks(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"], priority="high", channel="phone", tags=["Damage", "damage"],
                     description="Two of six mugs broken.\r\nPhotos attached.")
    with clock.freeze(MON), store.read(owner) as b:
        t = b.tickets.get(tid)
        assert (t.status, t.priority, t.channel, t.assignee, t.version) == ("new", "high", "phone", None, 1)
        assert t.description == "Two of six mugs broken.\nPhotos attached."
        assert b.tickets.tags_of(tid) == ["damage"]
        assert t.response_due == MON + 4 * H  # high: 4 h to the first reply
        assert t.resolution_due == MON.replace(day=17)  # and one business day to resolve
        assert t.sla_due == t.response_due and not t.sla_missed
        assert b.tickets.history(tid) == [(MON, "new")]
        [audit] = b.session.scalars(select(AuditEntry).where(AuditEntry.entity == "tickets")).all()
        assert audit.actor == owner.name and json.loads(audit.changes)["subject"] == [None, "Order 1042 arrived damaged"]


def test_an_empty_subject_is_refused_and_nothing_is_written(store, owner, people):
    before = counts(store, owner)
    with pytest.raises(ValidationFailed) as exc:
        new_ticket(store, owner, people["Alice Martin"], subject="   ")
    assert exc.value.problems == ["subject: is required"]
    assert counts(store, owner) == before


def test_contact_priority_and_channel_are_checked(store, owner, people):
    with pytest.raises(ValidationFailed) as exc:
        with store.transaction(owner) as b:
            b.tickets.add(TicketIn(subject="Hello", contact_id=None, priority="asap", channel="fax"))
    assert exc.value.problems == [
        "priority: 'asap' is not one of: low, normal, high, urgent",
        "channel: 'fax' is not one of: phone, email, walk-in, other",
        "contact: is required: the customer who asked",
    ]
    with pytest.raises(ValidationFailed) as exc:
        new_ticket(store, owner, 9999)
    assert exc.value.problems == ["contact: #9999 does not exist"]
    assert counts(store, owner) == (0, 0, 0, 0)


def test_assignees_must_be_users_who_may_work_tickets(store, owner, people, staff):
    alice = people["Alice Martin"]
    with pytest.raises(ValidationFailed) as exc:
        new_ticket(store, owner, alice, assignee="zed")
    assert exc.value.problems == ["assignee: 'zed' is not a bizsuite user"]
    for name in ("sam", "wes", "ann", "vic"):
        with pytest.raises(ValidationFailed) as exc:
            new_ticket(store, owner, alice, assignee=name)
        assert exc.value.problems == [f"assignee: {name} ({staff[name].role}) may not work tickets; "
                                      "assign a support user or the owner"]
    assert counts(store, owner) == (0, 0, 0, 0)
    tid = new_ticket(store, owner, alice, assignee="tom")
    before = counts(store, owner)
    for bad, problem in (("sam", "assignee: sam (sales) may not work tickets; assign a support user or the owner"),
                         ("nobody", "assignee: 'nobody' is not a bizsuite user")):
        with pytest.raises(ValidationFailed) as exc:
            with store.transaction(owner) as b:
                b.tickets.assign(tid, bad)
        assert exc.value.problems == [problem]
    assert counts(store, owner) == before
    with store.transaction(staff["tom"]) as b:
        b.tickets.assign(tid, owner.name)
        b.tickets.assign(tid, None)
    with store.read(owner) as b:
        assert b.tickets.get(tid).assignee is None
        events = b.session.scalars(select(TicketEvent).where(TicketEvent.kind == "assignee").order_by(TicketEvent.id)).all()
        assert [(e.old, e.new, e.actor) for e in events] == [(None, "tom", owner.name), ("tom", owner.name, "tom"),
                                                              (owner.name, None, "tom")]


def test_a_removed_user_cannot_be_assigned(store, owner, people, staff):
    with store.transaction(owner) as b:
        b.admin.remove_user("tom")
    with pytest.raises(ValidationFailed) as exc:
        new_ticket(store, owner, people["Alice Martin"], assignee="tom")
    assert exc.value.problems == ["assignee: 'tom' is not a bizsuite user"]


# -- the thread --------------------------------------------------------------------------------


def test_the_first_public_reply_sets_the_first_response_and_opens_the_ticket(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"], priority="urgent")
    with clock.freeze(MON + 20 * timedelta(minutes=1)), store.transaction(owner) as b:
        b.tickets.reply(tid, "Looking into it.", kind="note")
        t = b.tickets.get(tid)
        assert t.first_response_at is None and t.status == "new"  # an internal note is not a response
        b.tickets.reply(tid, "Sorry about that — a replacement ships today.")
        assert t.first_response_at == MON + 20 * timedelta(minutes=1) and t.status == "open"
    with clock.freeze(MON + 2 * H), store.transaction(owner) as b:
        b.tickets.reply(tid, "Tracking number: 1Z999")
        t = b.tickets.get(tid)
        assert t.first_response_at == MON + 20 * timedelta(minutes=1)  # only the first counts
        assert t.response_secs == 20 * 60 and t.response_due is None
        assert t.sla_due == MON + 4 * H  # the resolution clock still runs
        d = b.tickets.detail(tid)
        assert [(m.kind, m.author) for m in d.messages] == [("note", owner.name), ("reply", owner.name),
                                                            ("reply", owner.name)]
        assert d.sla.response.state(clock.now()) == "met"


def test_a_customer_reply_reopens_a_resolved_ticket_and_answers_a_pending_one(store, owner, people):
    tid = new_ticket(store, owner, people["王小明"], priority="urgent")
    with clock.freeze(MON + H / 2), store.transaction(owner) as b:
        b.tickets.reply(tid, "Please send a photo of the label.", status="pending")
        assert b.tickets.get(tid).status == "pending"
    with clock.freeze(MON + H), store.transaction(owner) as b:
        b.tickets.reply(tid, "照片已发送。", kind="customer")
        t = b.tickets.get(tid)
        assert t.status == "open"
        assert b.tickets.detail(tid).messages[-1].author == "王小明"
    with clock.freeze(MON + 2 * H), store.transaction(owner) as b:
        b.tickets.set_status(tid, "resolved")
        assert b.tickets.get(tid).resolved_at == MON + 2 * H
    with clock.freeze(MON.replace(day=17)), store.transaction(owner) as b:
        b.tickets.reply(tid, "还是不行。", kind="customer")
        t = b.tickets.get(tid)
        assert (t.status, t.resolved_at) == ("open", None)
        # 1.5 h of the 4 h were used (09:30–10:00 new, 10:30–11:30 open); the rest from Tue 09:30
        assert t.resolution_due == MON.replace(day=17) + 2.5 * H
    with store.read(owner) as b:
        assert [s for _, s in b.tickets.history(tid)] == ["new", "pending", "open", "resolved", "open"]


def test_a_reply_to_a_closed_ticket_is_refused_and_nothing_is_written(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"])
    with store.transaction(owner) as b:
        b.tickets.set_status(tid, "closed")
    before = counts(store, owner)
    for kind in ("reply", "note", "customer"):
        with pytest.raises(Refused) as exc:
            with store.transaction(owner) as b:
                b.tickets.reply(tid, "Any news?", kind=kind)
        assert exc.value.problems == [f"ticket #{tid} is closed and takes no more replies: closed tickets stay "
                                      "closed; open a new ticket that refers to it"]
    for change, line in ((lambda b: b.tickets.set_priority(tid, "urgent"), f"ticket #{tid} is closed: "),
                         (lambda b: b.tickets.assign(tid, owner.name), f"ticket #{tid} is closed: "),
                         (lambda b: b.tickets.set_status(tid, "resolved"), f"ticket #{tid} is closed and cannot")):
        with pytest.raises(Refused) as exc:
            with store.transaction(owner) as b:
                change(b)
        assert exc.value.problems[0].startswith(line)
    assert counts(store, owner) == before
    # …and a new ticket can refer to it
    new = new_ticket(store, owner, people["Alice Martin"], subject="Still broken", related_id=tid)
    with store.read(owner) as b:
        assert b.tickets.detail(new).related.id == tid


def test_an_empty_reply_is_refused(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"])
    before = counts(store, owner)
    with pytest.raises(ValidationFailed) as exc:
        with store.transaction(owner) as b:
            b.tickets.reply(tid, " \n ")
    assert exc.value.problems == ["reply: is empty"]
    assert counts(store, owner) == before


# -- status ------------------------------------------------------------------------------------


def test_closed_to_open_is_refused_with_one_line_and_nothing_written(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"])
    with store.transaction(owner) as b:
        b.tickets.set_status(tid, "resolved")
        b.tickets.set_status(tid, "closed")
    before = counts(store, owner)
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            b.tickets.set_status(tid, "open")
    assert exc.value.problems == [f"ticket #{tid} is closed and cannot become open: closed tickets stay closed; "
                                  "open a new ticket that refers to it"]
    assert counts(store, owner) == before
    with store.read(owner) as b:
        t = b.tickets.get(tid)
        assert (t.status, t.version) == ("closed", 3)


def test_every_transition_follows_the_one_table(store, owner, people):
    from bizsuite.crm.tickets.models import STATUSES, TRANSITIONS

    assert TRANSITIONS["closed"] == ()
    assert "new" not in {s for targets in TRANSITIONS.values() for s in targets}
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            tid = b.tickets.add(TicketIn(subject="x", contact_id=people["Alice Martin"])).id
            b.tickets.set_status(tid, "resolved")
            b.tickets.set_status(tid, "pending")
    assert exc.value.problems == [f"ticket #{tid} cannot go from resolved to pending; from resolved it can go to: "
                                  "open, closed"]
    with pytest.raises(ValidationFailed) as exc:
        with store.transaction(owner) as b:
            b.tickets.set_status(1, "finished")
    assert exc.value.problems == ["status: 'finished' is not one of: new, open, pending, on hold, resolved, closed"]
    assert len(STATUSES) == 6


def test_status_words_are_read_as_people_write_them(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"])
    for typed in ("On Hold", "on-hold", "ON_HOLD", "onhold"):
        with store.transaction(owner) as b:
            b.tickets.set_status(tid, "open")
            assert b.tickets.set_status(tid, typed).status == "on_hold"


def test_pending_pauses_the_stored_due_times(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"], priority="urgent")
    with clock.freeze(MON + H / 2), store.transaction(owner) as b:
        t = b.tickets.set_status(tid, "pending")
        assert (t.response_due, t.resolution_due, t.sla_due) == (None, None, None)
    with clock.freeze(MON.replace(day=18)), store.transaction(owner) as b:  # two days later
        assert b.tickets.page(breached=True).rows == []
        t = b.tickets.set_status(tid, "open")
        assert t.response_due == MON.replace(day=18) + H / 2
        assert t.resolution_due == MON.replace(day=18) + 3.5 * H


def test_housekeep_closes_tickets_resolved_more_than_n_days_ago(store, owner, people):
    old = new_ticket(store, owner, people["Alice Martin"], when=MON - timedelta(days=20))
    recent = new_ticket(store, owner, people["Alice Martin"], when=MON - timedelta(days=20))
    untouched = new_ticket(store, owner, people["Alice Martin"], when=MON - timedelta(days=20))
    for tid, days in ((old, 10), (recent, 3)):
        with clock.freeze(MON - timedelta(days=days)), store.transaction(owner) as b:
            b.tickets.set_status(tid, "resolved")
    with clock.freeze(MON), store.transaction(owner) as b:
        assert b.tickets.housekeep(days=7) == 1
        assert b.tickets.housekeep(days=7) == 0
    with store.read(owner) as b:
        got = {i: (b.tickets.get(i).status, b.tickets.get(i).version) for i in (old, recent, untouched)}
        assert got == {old: ("closed", 3), recent: ("resolved", 2), untouched: ("new", 1)}
        assert b.tickets.get(old).closed_at == MON
        assert b.tickets.history(old)[-1] == (MON, "closed")
        changes = b.session.scalars(select(AuditEntry).where(AuditEntry.entity == "tickets",
                                                             AuditEntry.entity_id == str(old))).all()
        assert "housekeep" in changes[-1].changes


# -- stale copies and permissions --------------------------------------------------------------


def test_a_stale_copy_is_refused(store, owner, people, staff):
    tid = new_ticket(store, owner, people["Alice Martin"])
    with store.transaction(staff["tom"]) as b:
        b.tickets.set_priority(tid, "high", expected_version=1)
    before = counts(store, owner)
    for change in (lambda b: b.tickets.set_status(tid, "open", expected_version=1),
                   lambda b: b.tickets.assign(tid, "tom", expected_version=1),
                   lambda b: b.tickets.update(tid, TicketIn(subject="New words", contact_id=people["Alice Martin"]),
                                              expected_version=1)):
        with pytest.raises(StaleRecord) as exc:
            with store.transaction(owner) as b:
                change(b)
        assert exc.value.problems[0].startswith(f"ticket #{tid} was changed by tom at ")
    assert counts(store, owner) == before


def test_editing_a_ticket(store, owner, people, staff):
    tid = new_ticket(store, owner, people["Alice Martin"], tags=["a"])
    with clock.freeze(MON + H), store.transaction(owner) as b:
        t = b.tickets.update(tid, TicketIn(subject="Damaged mugs", contact_id=people["王小明"], priority="urgent",
                                           channel="walk-in", assignee="tom", tags=["b"]), expected_version=1)
        assert (t.subject, t.contact_id, t.priority, t.channel, t.assignee, t.version) == (
            "Damaged mugs", people["王小明"], "urgent", "walk_in", "tom", 2)
        assert t.response_due == MON + H  # urgent from 09:30: due 10:30, now
        assert b.tickets.tags_of(tid) == ["b"]
        same = b.tickets.update(tid, TicketIn(subject="Damaged mugs", contact_id=people["王小明"], priority="urgent",
                                              channel="walk_in", assignee="tom", tags=["b"]))
        assert same.version == 2  # nothing changed, nothing saved


@pytest.mark.parametrize("role", ["sales", "warehouse", "accountant", "hr"])
def test_roles_without_tickets_cannot_even_read_them(store, owner, people, staff, role):
    tid = new_ticket(store, owner, people["Alice Martin"])
    user = next(a for a in staff.values() if a.role == role)
    for attempt in (lambda b: b.tickets.get(tid), lambda b: b.tickets.page(), lambda b: b.tickets.count(),
                    lambda b: b.tickets.detail(tid), lambda b: b.tickets.for_contact(people["Alice Martin"]),
                    lambda b: b.tickets.summary()):
        with pytest.raises(PermissionDenied) as exc:
            with store.read(user) as b:
                attempt(b)
        assert exc.value.problems == [f"{user.name} ({role}) may not see tickets; ask the owner for a role that may"]


def test_viewers_read_support_writes(store, owner, people, staff):
    tid = new_ticket(store, staff["tom"], people["Alice Martin"])
    with store.read(staff["vic"]) as b:
        assert b.tickets.get(tid).created_by == "tom"
    before = counts(store, owner)
    for attempt in (lambda b: b.tickets.reply(tid, "hi"), lambda b: b.tickets.set_status(tid, "open"),
                    lambda b: b.tickets.add(TicketIn(subject="x", contact_id=people["Alice Martin"]))):
        with pytest.raises(PermissionDenied) as exc:
            with store.transaction(staff["vic"]) as b:
                attempt(b)
        assert exc.value.problems == ["vic (viewer) may not change tickets; ask the owner for a role that may"]
    assert counts(store, owner) == before


def test_unknown_ticket(store, owner):
    with pytest.raises(NotFound) as exc:
        with store.read(owner) as b:
            b.tickets.resolve("#77")
    assert exc.value.problems == ["no ticket #77"]


# -- lists -------------------------------------------------------------------------------------


@pytest.fixture
def queue(store, owner, people, staff):
    """Six tickets in every state the queue shows, as of MON + 2 h (11:30)."""
    alice, wang = people["Alice Martin"], people["王小明"]
    ids = {
        "breached": new_ticket(store, owner, alice, priority="urgent", subject="Checkout fails", when=MON - 3 * H),
        "soon": new_ticket(store, owner, wang, priority="urgent", subject="Invoice wrong", assignee="tom",
                           when=MON + 1.5 * H),
        "normal": new_ticket(store, owner, alice, priority="normal", subject="Catalogue request", assignee="tom"),
        "paused": new_ticket(store, owner, wang, priority="high", subject="Waiting for photos"),
        "mine": new_ticket(store, owner, wang, priority="low", subject="Price list", assignee=owner.name),
        "done": new_ticket(store, owner, alice, priority="urgent", subject="Login help"),
    }
    with clock.freeze(MON + H / 4), store.transaction(owner) as b:
        b.tickets.set_status(ids["paused"], "pending")
        b.tickets.set_status(ids["done"], "resolved")
    return ids


def test_the_queue_puts_the_nearest_due_first_and_marks_breached_and_due_soon(store, owner, queue):
    now = MON + 2 * H
    with clock.freeze(now), store.read(owner) as b:
        page = b.tickets.page()
        order = [r.id for r in page.rows]
        assert order == [queue["breached"], queue["soon"], queue["normal"], queue["mine"], queue["paused"]]
        assert page.total == 5  # resolved tickets are not active
        marks = {r.id: (r.flag(now), r.marker(now)) for r in page.rows}
        assert marks[queue["breached"]] == ("breached", "!!")
        assert marks[queue["soon"]] == ("due soon", "!")
        assert marks[queue["normal"]] == ("", "")
        assert b.tickets.summary() == {"active": 5, "breached": 1, "due_soon": 1}


def test_list_filters(store, owner, queue, people):
    now = MON + 2 * H
    with clock.freeze(now), store.read(owner) as b:
        ids = lambda **f: {r.id for r in b.tickets.page(**f).rows}  # noqa: E731
        assert ids(breached=True) == {queue["breached"]}
        assert ids(due_soon=True) == {queue["soon"]}
        assert ids(assignee="tom") == {queue["soon"], queue["normal"]}
        assert ids(mine=True) == {queue["mine"]}
        assert ids(unassigned=True) == {queue["breached"], queue["paused"]}
        assert ids(status="pending") == {queue["paused"]}
        assert ids(status="all") == set(queue.values())
        assert ids(status="resolved,pending") == {queue["paused"], queue["done"]}
        assert ids(priority="urgent") == {queue["breached"], queue["soon"]}
        assert ids(contact_id=people["王小明"]) == {queue["soon"], queue["paused"], queue["mine"]}
        assert ids(query="invoice") == {queue["soon"]}
        assert ids(query=f"#{queue['paused']}") == {queue["paused"]}
        assert [r.id for r in b.tickets.search("PRICE")] == [queue["mine"]]
        assert b.tickets.count(status="all") == 6
        with pytest.raises(ValidationFailed):
            b.tickets.page(status="someday")
        assert [r.id for r in b.tickets.for_contact(people["王小明"], exclude=queue["mine"])] == [
            queue["paused"], queue["soon"]]


def test_a_contacts_tickets_follow_a_merge_and_block_a_delete(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"])
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            b.contacts.delete(people["Alice Martin"])
    assert "1 ticket;" in exc.value.problems[0]
    with store.transaction(owner) as b:
        b.contacts.merge(people["王小明"], people["Alice Martin"])
    with store.read(owner) as b:
        assert b.tickets.get(tid).contact_id == people["王小明"]


def test_a_new_policy_recomputes_the_due_times(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"], priority="urgent")
    with clock.freeze(MON), store.transaction(owner) as b:
        assert b.tickets.set_policy('timezone = "UTC"\n[targets]\nurgent = { first_response = "30m" }') == 1
        assert b.tickets.get(tid).response_due == MON + H / 2
        assert b.tickets.policy.source == "the books' setting"
    with clock.freeze(MON), store.transaction(owner) as b:
        assert b.tickets.policy.targets["urgent"][0] == H / 2
        assert b.tickets.set_policy(None) == 1
        assert b.tickets.get(tid).response_due == MON + H
        assert b.tickets.stale_sla() == []


def test_only_the_owner_sets_the_policy(store, owner, staff):
    with pytest.raises(PermissionDenied):
        with store.transaction(staff["tom"]) as b:
            b.tickets.set_policy('hours = ["08:00-16:00"]')


# -- a breach is a fact ------------------------------------------------------------------------


def test_lowering_the_priority_keeps_a_breach_that_happened(store, owner, people):
    """Urgent from Monday 09:30: the first reply was due 10:30. At 11:00 it is lowered to low:
    the breach stays (queue mark, breached filter, stats, the clock reading), only the targets
    still ahead move to low's."""
    from bizsuite.crm.tickets.metrics import ticket_stats

    tid = new_ticket(store, owner, people["Alice Martin"], priority="urgent")
    with clock.freeze(MON + 1.5 * H), store.transaction(owner) as b:
        b.tickets.set_priority(tid, "low")
        t = b.tickets.get(tid)
        assert t.response_due == MON + H  # the missed due time, not low's
        low_resolution = b.tickets.policy.target("low", "resolution")
        assert t.resolution_due == b.tickets.policy.calendar.add(MON, low_resolution)  # moved: it was not missed
        row = b.tickets.page(ids=[tid], limit=1).rows[0]
        assert row.marker(clock.now()) == "!!"
        assert [r.id for r in b.tickets.page(breached=True).rows] == [tid]
        assert b.tickets.detail(tid).sla.response.state(clock.now()) == "overdue"
    with clock.freeze(MON + 2 * H), store.transaction(owner) as b:
        b.tickets.reply(tid, "Sorry for the wait.")
        t = b.tickets.get(tid)
        assert t.sla_missed and t.response_due == MON + H
        assert b.tickets.detail(tid).sla.response.state(clock.now()) == "missed"
        st = ticket_stats(b, since=MON - H, until=MON + 3 * H)
        assert (st.breached_in_period, st.responded, st.response_met) == (1, 1, 0)
        assert b.tickets.stale_sla() == []  # `bizsuite check` and a recompute agree: the breach stays
        assert b.tickets.recompute() == 0


def test_a_priority_lowered_before_the_target_moves_it(store, owner, people):
    tid = new_ticket(store, owner, people["Alice Martin"], priority="urgent")
    with clock.freeze(MON + H / 2), store.transaction(owner) as b:  # 10:00, due 10:30: not missed yet
        b.tickets.set_priority(tid, "normal")
        t = b.tickets.get(tid)
        assert t.response_due == b.tickets.policy.calendar.add(MON, b.tickets.policy.target("normal", "first_response"))
        assert not t.sla_missed and b.tickets.page(breached=True).rows == []


def test_a_number_search_finds_the_ticket_whatever_the_filters(store, owner, queue):
    with clock.freeze(MON + 2 * H), store.read(owner) as b:
        done = queue["done"]  # resolved: not in the default (active) list
        assert [r.id for r in b.tickets.page(query=f"#{done}", unassigned=True, priority="low").rows] == [done]
        assert b.tickets.count(query=f" #{done} ", breached=True) == 1
        assert {r.id for r in b.tickets.page(query="#").rows} == set()  # a lone # is a word, not a number


def test_domain_refusals_name_fields_not_command_line_flags(store, owner):
    with store.transaction(owner) as b, pytest.raises(Refused) as exc:
        b.tickets.housekeep(days=-1)
    assert exc.value.problems == ["days: must be 0 or more"]


def test_the_queue_sorts_by_each_column_both_ways_priority_and_status_by_rank(store, owner, people):
    ids = {p: new_ticket(store, owner, people["Alice Martin"], subject=f"{p} thing", priority=p)
           for p in ("normal", "urgent", "low", "high")}
    with store.read(owner) as b:
        def order(sort):
            return [r.id for r in b.tickets.page(sort=sort, limit=50).rows]

        assert order("priority") == [ids["urgent"], ids["high"], ids["normal"], ids["low"]]  # by rank, not a-z
        assert order("priority:asc") == [ids["low"], ids["normal"], ids["high"], ids["urgent"]]
        assert order("subject") == [ids["high"], ids["low"], ids["normal"], ids["urgent"]]
        assert order("subject:desc") == list(reversed(order("subject")))
        assert order("id") == sorted(ids.values(), reverse=True) == order("newest")
        assert order("id:asc") == sorted(ids.values())
        with pytest.raises(Refused, match=r"sort: 'colour' is not one of: due, id, subject, customer, priority"):
            b.tickets.page(sort="colour")


@pytest.mark.parametrize("number", [2**31, 2**40, 2**63, 2**70])
def test_an_id_past_what_an_id_column_holds_is_no_such_record_on_both_databases(store, owner, people, number):
    from bizsuite.core.errors import NotFound as Missing

    with store.read(owner) as b:
        with pytest.raises(Missing):
            b.tickets.get(number)
        with pytest.raises(Missing):
            b.contacts.get(number)
        with pytest.raises(Missing):
            b.ledger.entry(number)
