"""The tickets part of the demo company: a helpdesk with believable threads and live SLA clocks.

``small`` makes 150 tickets over the last 30 days (more of them recent), ``large`` 50,000 over two years, for the demo
company's customers (people and companies with the customer role; about 30 % write in Chinese,
as the contacts do). Each ticket is a story played forward from its creation: the customer's
request; a first public reply by a support agent after a delay counted in business hours (most
within the SLA target, about one in ten late); sometimes a question and the ticket pending until
the customer answers, an internal note, a wait on hold for a supplier; a resolution (again
sometimes late); now and then a customer who writes back and reopens it; closing a week after
resolution, as ``tickets housekeep`` does. The story stops at "now", so the newest tickets are
new, open, pending or on hold, some of them breached or due within the hour.

Time: unlike the other parts, the stories are anchored at the current hour (``clock.now()``
rounded down to the hour, never before ``base``), not at ``base`` alone: SLA clocks, breaches and
"due within the hour" only mean something relative to the present, and a helpdesk whose every
open ticket was due months ago shows nothing. The seed fixes everything else, so the same seed
gives the same tickets within the same hour — and, with the clock frozen (as the tests freeze it
at ``base``), always.

Agents are ``tom`` (support, from the users part) and ``raj`` (support, added here if missing:
Raj Patel is one of the demo company's staff). The SLA columns come from
:func:`bizsuite.crm.tickets.sla.evaluate` with the books' policy, exactly as the repository
stores them, so ``bizsuite check`` agrees. Rows are written in bulk (ids reserved up front, one
executemany per table) with one summary audit row, as the contacts part does.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, time, timedelta
from typing import Callable

from sqlalchemy import select

from bizsuite.core import audit, clock
from bizsuite.core.db import bulk_insert, reserve_ids
from bizsuite.crm.contacts.models import Contact
from bizsuite.crm.tickets import sla
from bizsuite.crm.tickets.models import Ticket, TicketEvent, TicketMessage, TicketTag

SIZES = {"small": 150, "large": 50_000}
SPAN_DAYS = {"small": 30, "large": 730}
RECENT = {"small": 1.4, "large": 1.0}  # > 1: more of the tickets are recent (a queue to show)
AGENTS = ("tom", "raj")
_CJK = re.compile(r"[\u3400-\u9fff]")

PRODUCTS = (
    ("celadon tea set", "青瓷茶具"), ("jasmine tea tins", "茉莉花茶罐"), ("bamboo steamer", "竹蒸笼"),
    ("pine serving board", "松木托盘"), ("porcelain mugs", "瓷杯"), ("cast-iron teapot", "铸铁茶壶"),
    ("silk table runner", "丝绸桌旗"), ("rice paper lanterns", "宣纸灯笼"), ("lacquer bento box", "漆木便当盒"),
)

# category: (weight, tags, [(English subject, Chinese subject)], [(English request, Chinese request)])
CATEGORIES = {
    "delivery": (26, ["delivery"], [
        ("Where is order {order}?", "订单{order}还没收到"),
        ("Order {order} not delivered yet", "订单{order}物流没有更新"),
        ("Tracking number for {order} does not work", "订单{order}的快递单号查不到"),
    ], [
        ("We ordered on the {day} and nothing has arrived. Can you check?", "我们{day}号下的单，到现在还没收到，请帮忙查一下。"),
        ("The tracking page has said 'label created' for a week.", "物流信息一周没有更新了。"),
    ]),
    "damage": (18, ["damage"], [
        ("Order {order} arrived damaged", "订单{order}收到时有破损"),
        ("Broken {product} in our shipment", "收到的{product_cn}有破损"),
    ], [
        ("Two of the {product} were cracked when we opened the box.", "打开箱子发现有两件{product_cn}碎了。"),
        ("The outer carton was crushed and several items are chipped.", "外箱被压坏，好几件有缺口。"),
    ]),
    "billing": (18, ["billing"], [
        ("Invoice {invoice} shows the wrong VAT number", "发票{invoice}抬头错误"),
        ("Charged twice for order {order}", "订单{order}被重复扣款"),
        ("Need a copy of invoice {invoice}", "需要补开发票{invoice}"),
    ], [
        ("Our accounts team needs this corrected before month end.", "财务需要在月底前更正，谢谢。"),
        ("Please send a corrected copy to our accounts address.", "请把更正后的发票发到我们财务邮箱。"),
    ]),
    "returns": (12, ["returns"], [
        ("Return request for {product}", "申请退货：{product_cn}"),
        ("Refund for order {order} not received", "订单{order}的退款还没到账"),
    ], [
        ("The colour is not what we expected; we would like to return them.", "颜色和图片不一样，想退货。"),
        ("We sent the goods back three weeks ago.", "三周前已经寄回，退款还没收到。"),
    ]),
    "product": (14, ["product"], [
        ("Question about the {product}", "关于{product_cn}的问题"),
        ("Bulk price for {product}", "{product_cn}的批发价格"),
        ("Is the {product} food safe?", "{product_cn}可以接触食物吗？"),
    ], [
        ("We would like to stock these for the spring season.", "我们想在春季备货。"),
        ("A customer of ours is asking; do you have a data sheet?", "我们的客户在问，有产品说明书吗？"),
    ]),
    "account": (7, ["account"], [
        ("Cannot log in to the trade portal", "无法登录采购平台"),
        ("Please update our billing address", "请更新我们的开票地址"),
    ], [
        ("The password reset email never arrives.", "重置密码的邮件一直收不到。"),
        ("We moved offices last month; the new address is in our signature.", "我们上个月搬了办公室，新地址在签名里。"),
    ]),
    "warranty": (5, ["warranty"], [
        ("{product} stopped working after two weeks", "{product_cn}用了两周就坏了"),
    ], [
        ("The handle came loose; is this covered?", "把手松了，在保修范围内吗？"),
    ]),
}

FIRST = [("Hi {first}, thanks for getting in touch — I'm looking into this now and will update you today.",
          "您好，已收到您的问题，我们正在处理，今天内给您回复。"),
         ("Hello {first}, sorry about this. I've passed it to our warehouse team and will come back to you.",
          "您好，非常抱歉，已转给仓库同事处理，稍后回复您。")]
ASK = [("Hi {first}, could you send us a photo and the packing slip, please?", "您好，麻烦提供一下照片和装箱单，谢谢。"),
       ("Could you confirm the order number and the delivery address?", "请确认一下订单号和收货地址。")]
ANSWER = [("Photos attached.", "照片已发送，请查收。"), ("Here it is: {order}, delivery to our main office.",
                                                       "订单号{order}，送到公司总部。"),
          ("Thanks — any update?", "请问有进展吗？")]
NOTES = ["Checked with the warehouse: stock available, can ship tomorrow.", "Supplier confirms the batch had packing issues.",
         "Refund approved by Ana.", "Second ticket from this customer this month — handle with care.",
         "Carrier claim opened.", "Price list v3 sent to sales for approval."]
HOLD = ["Waiting for the supplier to confirm a replacement date.", "On hold until the carrier finishes its investigation."]
RESOLVE = [("A replacement was shipped today, tracking {tracking}.", "已为您补发，快递单号{tracking}。"),
           ("We have issued a full refund; it should show within 5 business days.", "退款已处理，请留意到账。"),
           ("The corrected document is attached. Sorry for the trouble!", "更正后的文件已发送，给您添麻烦了。"),
           ("Answered above — let us know if anything else comes up.", "如有其他问题请随时联系我们。")]
REOPEN = [("Sorry, this is still not right — the new one is cracked too.", "还是有问题，新的也坏了。"),
          ("We still have not received the refund.", "退款还是没有到账。")]
THANKS = [("Thank you, all sorted.", "好的，谢谢！")]


def _anchor(base: datetime) -> datetime:
    """The demo helpdesk's "now": this hour (never before ``base``)."""
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    return max(base, now)


def _support_agents(books, owner: str) -> list[str]:
    users = {u.name: u.role for u in books.admin.users(include_inactive=True)}
    for name in AGENTS:
        if name not in users:
            books.admin.add_user(name, "support")
            users[name] = "support"
    active = {u.name for u in books.admin.users()}
    agents = [n for n in AGENTS if users.get(n) == "support" and n in active]
    return agents or [owner]


def _when_created(r: random.Random, end: datetime, span_days: int, skew: float) -> datetime:
    """Mostly on weekdays in office hours, within ``span_days`` before ``end``."""
    day = end - timedelta(days=int(span_days * r.random() ** skew))
    if day.weekday() >= 5 and r.random() < 0.75:
        day -= timedelta(days=day.weekday() - 4)
    if r.random() < 0.8:
        minute = r.randrange(8 * 60, 18 * 60)
    else:
        minute = r.randrange(24 * 60)
    return datetime.combine(day.date(), time(), tzinfo=day.tzinfo) + timedelta(minutes=minute, seconds=r.randrange(60))


def _customer_delay(r: random.Random, t: datetime, hours: float) -> datetime:
    """Customers answer any day, mostly in the daytime."""
    at = t + timedelta(hours=r.uniform(0.3, 1.0) * hours)
    if at.hour < 7 or at.hour >= 22:
        at = at.replace(hour=8, minute=r.randrange(60)) + (timedelta(days=1) if at.hour >= 22 else timedelta(0))
    return at


def add_demo_tickets(books, rng: random.Random, size: str, *, base: datetime, seed: int = 0,
                     progress: Callable[[int, int], None] | None = None, count: int | None = None) -> dict[str, int]:
    """The tickets part of the demo (see the module doc); ``count`` overrides the size's number."""
    if size not in SIZES:
        raise ValueError(f"size {size!r} is not one of {', '.join(SIZES)}")
    books.require("tickets.write")
    s = books.session
    r = rng
    total = count if count is not None else SIZES[size]
    span = SPAN_DAYS[size]
    report = progress or (lambda done, total_: None)
    owner = books.actor.name
    agents = _support_agents(books, owner)
    policy = books.tickets.policy
    cal = policy.calendar
    now = _anchor(base)

    customers = [(cid, name, created, _CJK.search(name) is not None)
                 for cid, name, created in s.execute(
                     select(Contact.id, Contact.name, Contact.created_at)
                     .where(Contact.is_customer.is_(True)).order_by(Contact.id))]
    if not customers:
        customers = [(cid, name, created, _CJK.search(name) is not None) for cid, name, created in s.execute(
            select(Contact.id, Contact.name, Contact.created_at).order_by(Contact.id).limit(50))]
    if not customers:
        return {"tickets": 0}
    customers.sort(key=lambda c: c[2])
    cats = list(CATEGORIES)
    weights = [CATEGORIES[c][0] for c in cats]

    tickets, events, messages, tags = [], [], [], []
    table = Ticket.__table__
    ids = reserve_ids(s, table, total)
    step = max(1, total // 20)
    for n, tid in enumerate(ids):
        if progress and n % step == 0:
            report(n * 3 // 4, total)
        created = _when_created(r, now, span, RECENT[size])
        if created > now:
            created -= timedelta(days=1)
        # a customer who already existed when the ticket was opened
        pool_end = 0
        lo, hi = 0, len(customers)
        while lo < hi:
            mid = (lo + hi) // 2
            if customers[mid][2] <= created:
                lo = mid + 1
            else:
                hi = mid
        pool_end = max(1, lo)
        cid, cname, _, cn = customers[r.randrange(pool_end)]
        first_name = cname if cn else cname.split(" ")[0]
        cat = r.choices(cats, weights)[0]
        _, cat_tags, subjects, requests = CATEGORIES[cat]
        product, product_cn = r.choice(PRODUCTS)
        fill = {"order": f"SO-{r.randint(10000, 99999)}", "invoice": f"INV-{r.randint(2000, 9999)}",
                "product": product, "product_cn": product_cn, "day": str(r.randint(1, 28)), "first": first_name,
                "tracking": f"1Z{r.randint(10**9, 10**10 - 1)}"}
        lang = 1 if cn else 0

        def say(options):
            return r.choice(options)[lang].format(**fill)

        subject = say(subjects)
        subject = subject[0].upper() + subject[1:]
        priority = r.choices(("low", "normal", "high", "urgent"), (20, 50, 22, 8))[0]
        channel = r.choices(("email", "phone", "walk_in", "other"), (55, 25, 8, 12))[0]
        agent = r.choice(agents)
        first_target, resolution_target = policy.targets[priority]

        story: list[tuple[datetime, str, object]] = []  # (when, what, detail), in order

        def agent_after(t: datetime, target: timedelta, late: float) -> datetime:
            # business time, a lognormal share of the target: median 35 %, about `late` over it
            sigma = 0.82 if late <= 0.1 else 0.7
            share = r.lognormvariate(-1.05, sigma)
            return cal.add(t, target * share + timedelta(minutes=r.randrange(1, 20)))

        t = agent_after(created, first_target, 0.1)
        asks = r.random() < 0.35
        story.append((t, "assign", agent))
        story.append((t, "reply", say(ASK if asks else FIRST)))
        if asks:
            story.append((t, "status", "pending"))
            if r.random() < 0.85:
                t = _customer_delay(r, t, r.choice((3, 8, 30, 60, 60, 150)))
                story.append((t, "customer", say(ANSWER)))
            else:  # the customer never answers; the agent closes the loop a week later
                t = t + timedelta(days=r.uniform(5, 9))
        if r.random() < 0.3:
            t = t + timedelta(minutes=r.randrange(5, 120))
            story.append((t, "note", r.choice(NOTES)))
        if r.random() < 0.1:
            story.append((t, "status", "on_hold"))
            story.append((t, "note", r.choice(HOLD)))
            t = t + timedelta(days=r.uniform(1, 6))
            story.append((t, "status", "open"))
        t = agent_after(t, resolution_target - first_target if resolution_target > first_target else first_target, 0.12)
        story.append((t, "reply", say(RESOLVE)))
        if r.random() < 0.3:  # the customer confirms before the agent marks it resolved
            t = _customer_delay(r, t, 6)
            story.append((t, "customer", say(THANKS)))
            t = agent_after(t, timedelta(hours=1), 0.1)
        story.append((t, "status", "resolved"))
        if r.random() < 0.07:  # …or writes back afterwards, and it reopens
            t = _customer_delay(r, t, r.choice((10, 30)))
            story.append((t, "customer", say(REOPEN)))
            t = agent_after(t, first_target, 0.1)
            story.append((t, "reply", say(RESOLVE)))
            story.append((t, "status", "resolved"))
        story.append((t + timedelta(days=7, minutes=r.randrange(5, 60)), "status", "closed"))
        if r.random() < 0.05:
            story.append((created + timedelta(minutes=r.randrange(1, 30)), "priority",
                          "high" if priority != "high" else "urgent"))
        story.sort(key=lambda x: x[0])

        # play the story up to now
        status, assignee, first_response, resolved_at, closed_at = "new", None, None, None, None
        history = [(created, "new")]
        priority_changes: list = []
        row_events = [{"ticket_id": tid, "at": created, "actor": agent, "kind": "status", "old": None, "new": "new"}]
        row_messages = []
        last = created
        changes = 0
        for at, what, detail in story:
            if at > now:
                break
            last = at
            changes += 1
            if what == "assign":
                row_events.append({"ticket_id": tid, "at": at, "actor": agent, "kind": "assignee", "old": assignee,
                                   "new": detail})
                assignee = detail
                continue
            if what == "priority":
                row_events.append({"ticket_id": tid, "at": at, "actor": agent, "kind": "priority", "old": priority,
                                   "new": detail})
                priority_changes.append((at, priority))
                priority = detail
                continue
            new_status = None
            if what in ("reply", "note", "customer"):
                author = cname if what == "customer" else agent
                row_messages.append({"ticket_id": tid, "kind": what, "body": detail, "author": author,
                                     "created_at": at, "created_by": agent})
                if what == "reply":
                    if first_response is None:
                        first_response = at
                    if status == "new":
                        new_status = "open"
                elif what == "customer" and status in ("resolved", "pending"):
                    new_status = "open"
            else:
                new_status = detail
            if new_status and new_status != status:
                row_events.append({"ticket_id": tid, "at": at, "actor": agent, "kind": "status", "old": status,
                                   "new": new_status})
                history.append((at, new_status))
                if new_status == "resolved":
                    resolved_at = at
                elif new_status == "closed":
                    closed_at = at
                elif status == "resolved":
                    resolved_at = None
                status = new_status
        state = sla.evaluate(policy, priority, history, first_response, now, priority_changes)
        tickets.append({
            "id": tid, "subject": subject, "description": say(requests), "contact_id": cid, "priority": priority,
            "status": status, "channel": channel, "assignee": assignee, "related_id": None, "import_key": None,
            "first_response_at": first_response, "resolved_at": resolved_at, "closed_at": closed_at,
            **state.columns(), "version": 1 + changes, "created_at": created,
            "created_by": agent, "updated_at": last, "updated_by": agent,
        })
        events += row_events
        messages += row_messages
        tags += [{"ticket_id": tid, "tag": tag} for tag in cat_tags + (["vip"] if r.random() < 0.04 else [])]

    # write in bulk
    chunk = 20_000
    for i in range(0, len(tickets), chunk):
        bulk_insert(s, table, tickets[i:i + chunk])
    report(total * 4 // 5, total)
    for rows, model in ((events, TicketEvent), (messages, TicketMessage), (tags, TicketTag)):
        for i in range(0, len(rows), chunk * 2):
            bulk_insert(s, model.__table__, rows[i:i + chunk * 2])
    made = {"tickets": len(tickets), "ticket messages": len(messages)}
    audit.record_many(s, [audit.Change("tickets", f"{ids[0]}-{ids[-1]}", "insert", {
        **{what: [None, k] for what, k in made.items()},
        "source": [None, f"demo {size}, seed {seed}"],
    })])
    report(total, total)
    return made
