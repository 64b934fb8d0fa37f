"""The pipeline part of the demo company: a year of selling, deal by deal.

``small`` (the default demo) is on the demo's timeline (``DemoPart(..., daily=...)``, see
:mod:`bizsuite.demo`), after contacts. Its setup (:func:`add_demo_pipeline`) finds the sales team
(``mei``, from the contacts part, and ``oliver`` — Oliver Grant is one of the company's staff —
added as a sales user if missing), the customers and leads (contacts with those roles) and plans
on which working days of the year about 300 deals are opened (a few more later in the year: the
business grows; more in the autumn, the gift season). Then, day by day (:func:`demo_day`), as a
sales team would:

- new deals are opened for customers (repeat business: mostly "Existing customer", also
  referrals and partners) and for leads (new business: the web shop, the phone, the trade fair —
  as the lead's contact tags say —, referrals, partners); a lead has at most one deal open at a
  time, a customer two. Each source wins at its own rate (a repeat order about 38 %, a cold call
  about 8 %), so ``pipeline stats --by source`` tells them apart; amounts are skewed (a few hundred
  to tens of thousands, companies buying more than people), expected close dates are the sales
  person's guess at opening (often the end of a month, mostly too early);
- each deal's story is played forward: a few days to a few weeks in each stage (some stall for
  a month or two), now and then a jump over a stage or a step back (a revised proposal), then won
  (often with a reason) or lost (always with one: early losses for want of budget or a decision,
  late ones to price and competitors) — or never closed at all: a stale deal that sits open with
  its expected close date gone by and its last follow-up forgotten;
- every step is logged (a call, an email, a meeting, a note) with a follow-up for the next one,
  due a few days later; follow-ups are marked done on their day or a few days late, at the latest
  when the deal takes its next step (long waits get chased), and when a deal closes.

So at "today" there are deals in every open stage, overdue follow-ups, expected close dates
spread over the coming months (and some past, on the stale deals), and a win rate of about a
quarter to a third of the closed deals. Every change goes through the repository
(``books.pipeline.add``/``move``/``won``/``lost``/``log``/``done``) with the clock frozen at that
moment of that working day (:func:`bizsuite.core.clock.freeze`, 09:00-17:00 UTC), so the stage
history — and ``pipeline stats``' days per stage — is the timeline's.

``large``: 100,000 deals over the same year, from the same stories, written in bulk in the
setup (:func:`_large`: numbers taken at once, ids reserved, one executemany per table, one audit
row), each deal's stage changes and activities what its story did up to today. The daily
function then does nothing.

Everything comes from ``rng`` and ``base``: the same seed gives the same deals on the same day.
"""

from __future__ import annotations

import bisect
import itertools
import datetime as dt
import random
import re
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Callable

from sqlalchemy import select

SIZES = {"small": 300, "large": 100_000}
SALES_TEAM = ("mei", "oliver")  # Mei Lin (a user from the contacts part), Oliver Grant (added here)
DAY_START, DAY_MINUTES = dt.time(9), 8 * 60  # a working day: 09:00-17:00 UTC
_CJK = re.compile(r"[\u3400-\u9fff]")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

# source: (win rate of its deals, weight for a lead's deal, weight for a customer's deal)
SOURCES = {
    "Existing customer": (0.38, 0, 58),
    "Referral": (0.35, 14, 14),
    "Partner": (0.26, 10, 12),
    "Trade fair": (0.18, 24, 4),
    "Web": (0.12, 30, 6),
    "Phone": (0.08, 18, 6),
}
LEAD_TAG_SOURCE = {"trade-show-2026": "Trade fair", "web-enquiry": "Web", "cold": "Phone"}
_SOURCE_CUM = {lead: ([s for s, w in SOURCES.items() if w[2 - lead]],
                      list(itertools.accumulate(w[2 - lead] for w in SOURCES.values() if w[2 - lead])))
               for lead in (False, True)}
STALE = 0.06  # deals nobody closes
SLOW, SLOW_PACE = 0.15, 2.5  # deals for next season (and every big one) move this much slower
STALL = 0.12  # a stay in a stage that drags on (three to six times as long)
CLOSE_NOTE, STEP_NOTE, CHASES = 0.3, 0.5, 1  # a note on closing; a record of the step besides its follow-up
JUMP, BACK = 0.08, 0.12  # a stage skipped; a step back (from the third open stage on)
SIGNED_EARLY = 0.15  # won straight from the stage before the last (the proposal signed as is)
OPEN_PER_CONTACT = {"lead": 1, "customer": 2}
DWELL = {"lead": 5, "qualified": 9, "proposal": 12, "negotiation": 8}  # mean days in each default stage
LOST_AT = (35, 30, 20, 15)  # where lost deals are lost: mostly early
WON_REASONS = {"relationship": 30, "product fit": 25, "service": 15, "price": 15, "timing": 10}
LOST_EARLY = {"no budget": 30, "no decision": 25, "timing": 25, "product fit": 15, "competitor": 5, "price": 5}
LOST_LATE = {"price": 35, "competitor": 30, "no decision": 15, "timing": 10, "no budget": 5, "product fit": 5}
LOST_WHY = {
    "price": "they found it cheaper elsewhere", "competitor": "went with another supplier",
    "no budget": "no budget this year", "no decision": "no answer after several reminders",
    "timing": "not before next season", "product fit": "not the quality they need",
}

PRODUCTS = (
    ("jasmine tea", "茉莉花茶"), ("Longjing green tea", "龙井绿茶"), ("oolong tea", "乌龙茶"),
    ("pu-erh tea cakes", "普洱茶饼"), ("celadon tea sets", "青瓷茶具"), ("Yixing teapots", "紫砂壶"),
    ("porcelain bowls", "青花瓷碗"), ("silk scarves", "丝绸围巾"), ("silk pillowcases", "真丝枕套"),
    ("bamboo steamers", "竹蒸笼"), ("carbon steel woks", "炒锅"), ("chopsticks", "筷子"),
    ("Sichuan peppercorn", "四川花椒"), ("calligraphy sets", "文房四宝"), ("rice paper lanterns", "宣纸灯笼"),
)
NEW_TITLES = ("First order: {p}", "{p} for a new shop", "{p} for the café menu", "Samples and first order of {p}",
              "Corporate gifts: {p}", "Restaurant opening: {p}", "Hotel rooms: {p}", "{p} for the web shop")
REPEAT_TITLES = ("Reorder: {p}", "{season} range: {p}", "{season} restock: {p}", "Wholesale {p}, {qty} units",
                 "Gift boxes for {season}", "Price list {year}: {p}", "Exclusive line of {p}")
CN_TITLES = ("首单：{p}", "{p}补货", "{p}批发{qty}件", "酒店客房用品：{p}", "{season}新品：{p}", "{season}礼盒")


def _season(day: dt.date, cn: bool) -> str:
    m = day.month
    en, zh = (("Lunar New Year", "春节") if m in (10, 11, 12) else ("Spring", "春季") if m in (1, 2, 3)
              else ("Summer", "夏季") if m in (4, 5, 6) else ("Christmas", "圣诞"))
    return zh if cn else en


# what is logged on entering a stage (a record of what was done) and the follow-up it leaves;
# by the default stages' names, "*" for any other
RECORDS = {
    "qualified": (("call", "Qualified: {first} needs about {qty} units by {month}; budget fits"),
                  ("meeting", "Video call with {first}: confirmed the need and who decides")),
    "proposal": (("email", "Proposal sent: {amount} for {p}"),
                 ("email", "Sent the proposal and the delivery schedule for {p}")),
    "negotiation": (("meeting", "Negotiating: {first} asks for {pct}% off"),
                    ("call", "Talked terms with {first}: 60 days to pay instead of 30"),
                    ("email", "Revised offer sent: free delivery on the whole order")),
    "*": (("note", "Moved on to {stage}"),),
}
OPENED = {
    "Existing customer": (("email", "{first} asked for prices for the next order of {p}"),
                          ("call", "{first} called about restocking {p}")),
    "Referral": (("note", "{first} was referred to us by one of our customers; interested in {p}"),),
    "Partner": (("note", "Introduced by our partner: {first} wants {p}"),),
    "Trade fair": (("meeting", "Met {first} at the trade fair stand; took the catalogue, asked about {p}"),),
    "Web": (("email", "Enquiry through the web shop: {p}, about {qty} units"),),
    "Phone": (("call", "Cold call: {first} might stock {p}"), ("call", "Call from {first} asking about {p}")),
}
FOLLOW = {
    0: ("Call {first} back: volumes, timing, budget", "Send the catalogue and the {year} price list",
        "Send samples of {p}"),
    "qualified": ("Prepare the proposal for {first}", "Check stock and lead time for {p}"),
    "proposal": ("Follow up on the proposal", "Ask {first} whether the proposal arrived"),
    "negotiation": ("Send the final terms", "Chase the signed order"),
    "back": ("Send the revised proposal",),
    "*": ("Next step with {first}",),
}
BACK_NOTES = ("{first} wants a revised proposal: a smaller first order", "Back to the proposal: their budget changed")
CHASE = ("Chase {first}: no answer yet", "Remind {first} about the offer", "Try {first} again by phone")


# -- the stories -----------------------------------------------------------------------------


def _workday(day: dt.date) -> dt.date:
    wd = day.weekday()
    return day + dt.timedelta(days=7 - wd) if wd >= 5 else day


def _plus(day: dt.date, days: int) -> dt.date:
    return _workday(day + dt.timedelta(days=days))


def _pick(r: random.Random, weights: dict[str, int], allowed: list[str]) -> str:
    names = list(allowed)
    return r.choices(names, [weights.get(n, 5) for n in names])[0]


def _amount(r: random.Random, company: bool, repeat: bool) -> Decimal:
    """Skewed: a median of about 2,000 (people) or 5,500 (companies), a few hundred to 80,000."""
    median = 5_500 if company else 2_000
    if repeat:
        median *= 0.8
    x = min(80_000.0, max(300.0, r.lognormvariate(0, 0.95) * median))
    step = 10 if x < 1_000 else 50 if x < 10_000 else 500
    return Decimal(int(round(x / step)) * step)


def _lateness(r: random.Random) -> int | None:
    """Days after its due day a follow-up is done (None: forgotten)."""
    x = r.random()
    if x < 0.55:
        return 0
    if x < 0.80:
        return r.randint(1, 2)
    if x < 0.93:
        return r.randint(3, 7)
    if x < 0.98:
        return r.randint(8, 20)
    return None


class Story:
    """A deal from its opening: ``steps`` [(day, "open"|"move"|"won"|"lost", open stage index or
    None, reason or "back")], days strictly increasing, and ``acts`` [(day, step, kind, text, due,
    done)] in the order they are logged (``step``: the step they belong to; ``done``: the day a
    follow-up is ticked off, None if never)."""

    __slots__ = ("steps", "acts", "close")

    def __init__(self):
        self.steps: list[tuple] = []
        self.acts: list[tuple] = []
        self.close: dt.date | None = None


def _story(r: random.Random, ctx: dict, opened: dt.date, *, source: str, repeat: bool, slow: bool) -> Story:
    keys = ctx["keys"]  # the open stages' name keys, in order
    n = len(keys)
    win = SOURCES.get(source, (0.2,))[0]
    start = 1 if (repeat and n > 2 and r.random() < 0.35) else 0
    x = r.random()
    won_r, lost_r = ctx["won_reasons"], ctx["lost_reasons"]
    if x < win:
        fate, final = "won", (n - 2 if n > 2 and r.random() < SIGNED_EARLY else n - 1)
    elif x < win + STALE or not lost_r:
        fate, final = "stale", r.randint(start, n - 1)
    else:
        fate = "lost"
        span = list(range(start, n))
        final = r.choices(span, [LOST_AT[min(k, len(LOST_AT) - 1)] for k in span])[0]
    st = Story()
    steps = st.steps
    steps.append((opened, "open", start, None))
    day, pos, back = opened, start, False
    while True:
        mean = DWELL.get(keys[pos], 6 + 2 * pos) * (SLOW_PACE if slow else 1)
        stay = mean * r.lognormvariate(-0.18, 0.6)
        if r.random() < STALL:
            stay *= r.uniform(3, 6)
        if pos == final and fate == "stale":
            break
        day = _plus(day, max(1, round(stay)))
        if pos == final:
            if fate == "won":
                steps.append((day, "won", None, _pick(r, WON_REASONS, won_r) if won_r and r.random() < 0.65 else None))
            else:
                early = pos < max(1, n // 2)
                steps.append((day, "lost", None, _pick(r, LOST_EARLY if early else LOST_LATE, lost_r)))
            break
        if pos >= 2 and not back and r.random() < BACK:
            pos, back = pos - 1, True
            steps.append((day, "move", pos, "back"))
            continue
        pos += 2 if pos + 2 <= final and r.random() < JUMP else 1
        steps.append((day, "move", pos, None))
    # the sales person's guess at opening: most deals take longer than hoped
    took = (steps[-1][0] - opened).days if len(steps) > 1 and fate != "stale" else r.randint(25, 70)
    guess = opened + dt.timedelta(days=max(7, round(took * r.uniform(0.5, 1.15)) + r.randint(0, 10)))
    if r.random() < 0.45:  # the end of that month
        guess = (guess.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    st.close = guess
    _activities(r, st, keys, source, fate)
    return st


def _activities(r: random.Random, st: Story, keys: list[str], source: str, fate: str) -> None:
    """What is logged: texts are templates, filled with the deal's own words (:func:`_deal_for`)
    when they are written, so one story's shape can serve several deals (the large size)."""
    acts = st.acts
    steps = st.steps
    for i, (day, what, pos, why) in enumerate(steps):
        nxt = steps[i + 1][0] if i + 1 < len(steps) else None
        if what in ("won", "lost"):
            said = (why or "").replace("{", "{{").replace("}", "}}")  # a reason as typed, in a template
            text = ("Won: order confirmed by {first}" + (f" ({said})" if said else "") if what == "won"
                    else f"Lost ({said}): {LOST_WHY.get(why, said)}")
            if r.random() < CLOSE_NOTE:
                acts.append((day, i, "note", text, None, None))
            continue
        if what == "open":
            kind, text = r.choice(OPENED.get(source, (("note", "New enquiry from {first}: {p}"),)))
            follow = FOLLOW[0]
        elif why == "back":
            kind, text = "note", r.choice(BACK_NOTES)
            follow = FOLLOW["back"]
        else:
            key = keys[pos]
            kind, text = r.choice(RECORDS.get(key, RECORDS["*"]))
            text = text.replace("{stage}", key)
            follow = FOLLOW.get(key, FOLLOW["*"])
        if what == "open" or why == "back" or r.random() < STEP_NOTE:
            acts.append((day, i, kind, text, None, None))
        # the follow-up for the next step, and the chases while that step keeps everyone waiting
        at, chases = day, 0
        text, kind = r.choice(follow), r.choice(("task", "task", "call", "email"))
        while True:
            due = _plus(at, r.randint(2, 7))
            if nxt is not None and due > nxt:
                due = nxt
            late = _lateness(r)
            if nxt is None and fate == "stale" and r.random() < 0.35:
                late = None  # nobody looks at a stale deal
            done = _plus(due, late) if late is not None else None
            if nxt is not None and (done is None or done > nxt):
                done = nxt  # ticked off when the deal takes its next step (or closes)
            acts.append((at, i, kind, text, due, done))
            if done is None or chases >= CHASES:
                break
            gap = ((nxt - done).days if nxt is not None else 30 if fate == "stale" else 0)
            if gap <= 20:
                break
            at, chases = done, chases + 1
            text, kind = r.choice(CHASE), r.choice(("call", "email", "task"))


def _context(books) -> dict:
    stages = books.pipeline.stages()
    opens = [s for s in stages if s.kind == "open"]
    return {
        "keys": [s.name_key for s in opens], "names": [s.name for s in opens],
        "won_reasons": books.pipeline.reasons("won"), "lost_reasons": books.pipeline.reasons("lost"),
    }


def _sales_team(books) -> list[str]:
    users = {u.name: u.role for u in books.admin.users(include_inactive=True)}
    for name in SALES_TEAM:
        if name not in users:
            books.admin.add_user(name, "sales")
            users[name] = "sales"
    active = {u.name for u in books.admin.users()}
    team = [n for n in SALES_TEAM if users.get(n) == "sales" and n in active]
    team += sorted(n for n, role in users.items() if role == "sales" and n in active and n not in team)
    return team or [books.actor.name]


def _prospects(books) -> list[tuple]:
    """Customers and leads, oldest first: (id, name, company?, lead?, created day, lead source,
    Chinese name?, how the texts call them)."""
    from bizsuite.crm.contacts.models import Contact, ContactTag

    s = books.session
    rows = s.execute(select(Contact.id, Contact.name, Contact.kind, Contact.is_customer, Contact.is_lead,
                            Contact.created_at)
                     .where(Contact.is_customer.is_(True) | Contact.is_lead.is_(True))
                     .order_by(Contact.created_at, Contact.id)).all()
    tags: dict[int, str] = {}
    for cid, tag in s.execute(select(ContactTag.contact_id, ContactTag.tag)
                              .where(ContactTag.tag.in_(list(LEAD_TAG_SOURCE))).order_by(ContactTag.contact_id)):
        tags.setdefault(cid, LEAD_TAG_SOURCE[tag])
    out = []
    for cid, name, kind, customer, lead, created in rows:
        cn = bool(_CJK.search(name))
        first = name if (cn or kind == "company") else name.split(" ")[0]
        out.append((cid, name, kind == "company", bool(lead and not customer), created.date(), tags.get(cid), cn,
                    first))
    return out


def _team_cum(n: int) -> list[int]:
    """The first of the team takes the most deals."""
    return list(itertools.accumulate([55, 45] + [20] * (n - 2)))


def _opening_days(r: random.Random, start: dt.date, days: int, total: int) -> Counter:
    """On which working days ``total`` deals are opened: more as the year goes on, more in the
    autumn (gifts for Christmas and the Lunar New Year) and in March (the trade fair)."""
    weekdays = [start + dt.timedelta(days=i) for i in range(days) if (start + dt.timedelta(days=i)).weekday() < 5]
    weights = [(1 + 0.5 * (d - start).days / days) * (1.3 if d.month in (9, 10, 11) else 1.2 if d.month == 3 else 1)
               for d in weekdays]
    return Counter(r.choices(weekdays, weights, k=total))


def _deal_for(r: random.Random, prospect: tuple, opened: dt.date, team: list[str]) -> dict:
    """What a new deal is: its title, amount, source, owner, tags — and what its texts say."""
    cid, name, company, lead, _, lead_source, cn, first = prospect
    if lead and lead_source and r.random() < 0.7:
        source = lead_source
    else:
        names, cum = _SOURCE_CUM[lead]
        source = r.choices(names, cum_weights=cum)[0]
    repeat = not lead
    amount = _amount(r, company, repeat)
    p_en, p_cn = r.choice(PRODUCTS)
    qty = max(10, int(amount / r.choice((8, 12, 20, 35)) / 10) * 10)
    if cn and r.random() < 0.6:
        title = r.choice(CN_TITLES).format(p=p_cn, qty=qty, season=_season(opened, True))
    else:
        template = r.choice(REPEAT_TITLES if repeat else NEW_TITLES)
        title = template.format(p=p_en, qty=f"{qty:,}", season=_season(opened, False), year=opened.year + 1)
        title = title[0].upper() + title[1:]
    owner = team[0] if len(team) == 1 else r.choices(team, cum_weights=_team_cum(len(team)))[0]
    tags = []
    if repeat and source == "Existing customer":
        tags.append("repeat")
    if amount >= 20_000:
        tags.append("key account")
    fill = {"first": first, "p": p_en, "qty": f"{qty:,}", "amount": f"{amount:,.0f}", "pct": r.choice((5, 8, 10, 15)),
            "month": MONTHS[(opened.month + r.choice((0, 1, 1, 2))) % 12], "year": opened.year + 1}
    probability = r.choice((20, 40, 60, 90)) if r.random() < 0.06 else None
    return dict(customer=cid, title=title, amount=amount, source=source, owner=owner, tags=tags,
                repeat=repeat, slow=amount >= 15_000 or r.random() < SLOW, fill=fill, probability=probability, lead=lead)


# -- the part ---------------------------------------------------------------------------------


def add_demo_pipeline(books, rng: random.Random, size: str, *, base: dt.datetime, seed: int = 0,
                      progress: Callable[[int, int], None] | None = None, state: dict | None = None,
                      count: int | None = None) -> dict[str, int]:
    """The sales team, the prospects and the year's openings (kept in ``state`` for
    :func:`demo_day`); for ``large``, the whole pipeline in bulk. ``count`` overrides the size's
    number of deals."""
    from bizsuite.demo import DAYS

    if size not in SIZES:
        raise ValueError(f"size {size!r} is not one of {', '.join(SIZES)}")
    books.require("pipeline.write")
    state = {} if state is None else state
    end = base.date() if isinstance(base, dt.datetime) else base
    start = end - dt.timedelta(days=DAYS - 1)
    total = count if count is not None else SIZES[size]
    team = _sales_team(books)
    prospects = _prospects(books)
    ctx = _context(books)
    state.update(active=False)
    if not prospects or not ctx["keys"]:
        return {"deals": 0}
    if size == "large":
        return _large(books, rng, start=start, end=end, total=total, team=team, prospects=prospects, ctx=ctx,
                      seed=seed, progress=progress)
    state.update(active=True, end=end, team=team, prospects=prospects, ctx=ctx,
                 openings=_opening_days(rng, start, DAYS, total),
                 created=[p[4] for p in prospects], open_of=defaultdict(int),
                 due=defaultdict(list), seq=0, ids={}, deals={})
    if progress:
        progress(1, 1)
    return {"deals": 0, "deal activities": 0}


def _choose(r: random.Random, state: dict, day: dt.date) -> tuple | None:
    """A customer or lead who existed on ``day`` and has room for one more open deal; leads,
    being new business, three times as likely each as a customer."""
    prospects = state["prospects"]
    known = max(1, bisect.bisect_right(state["created"], day))
    pool = prospects[:known]
    for _ in range(6):
        p = r.choices(pool, [3 if q[3] else 1 for q in pool])[0]
        if state["open_of"][p[0]] < OPEN_PER_CONTACT["lead" if p[3] else "customer"]:
            return p
    return None


def demo_day(books, rng: random.Random, day: dt.date, state: dict) -> dict[str, int]:
    """One working day of the sales team (see the module doc): the day's steps of the deals
    under way, the follow-ups logged and ticked off, then the new deals."""
    from bizsuite.core import clock

    if not state.get("active"):
        return {}
    r = rng
    todo = sorted(state["due"].pop(day, []))
    opening = state["openings"].get(day, 0)
    if not todo and not opening:
        return {}
    repo = books.pipeline
    made: dict[str, int] = defaultdict(int)
    minute = r.randrange(0, 40)
    moment = dt.datetime.combine(day, DAY_START, dt.timezone.utc)

    def tick() -> dt.datetime:
        nonlocal minute
        minute = min(DAY_MINUTES - 1, minute + r.randint(2, 20))
        return moment + dt.timedelta(minutes=minute, seconds=r.randrange(60))

    def run(item: tuple) -> None:
        _, key, what, k = item
        deal = state["deals"][key]
        if what == "step":
            _, action, pos, why = deal["story"].steps[k]
            if action == "move":
                repo.move(deal["id"], deal["stages"][pos])
            elif action == "won":
                repo.won(deal["id"], reason=why)
                state["open_of"][deal["customer"]] -= 1
            else:
                repo.lost(deal["id"], reason=why)
                state["open_of"][deal["customer"]] -= 1
        elif what == "act":
            _, _, kind, text, due, _ = deal["story"].acts[k]
            a = repo.log(deal["id"], text.format(**deal["fill"]), kind=kind, due=due)
            deal["acts"][k] = a.id
            made["deal activities"] += 1
        else:  # a follow-up ticked off
            repo.done(deal["acts"][k])

    for item in todo:
        with clock.freeze(tick()):
            run(item)
    for _ in range(opening):
        p = _choose(r, state, day)
        if p is None:
            continue
        with clock.freeze(tick()):
            key = _open(books, r, state, p, day)
            made["deals"] += 1
            for item in state["due"].pop(("now", key), []):
                run(item)
    return dict(made)


def _open(books, r: random.Random, state: dict, prospect: tuple, day: dt.date) -> int:
    """A new deal through the repository, its story planned: each step and activity on its day."""
    ctx = state["ctx"]
    spec = _deal_for(r, prospect, day, state["team"])
    story = _story(r, ctx, day, source=spec["source"], repeat=spec["repeat"], slow=spec["slow"])
    first = story.steps[0][2]
    d = books.pipeline.add(spec["title"], customer=spec["customer"], amount=spec["amount"],
                           stage=ctx["names"][first], close=story.close, owner=spec["owner"],
                           probability=spec["probability"], source=spec["source"], tags=spec["tags"])
    key = len(state["deals"])
    state["deals"][key] = {"id": d.id, "customer": spec["customer"], "story": story, "acts": {},
                           "stages": ctx["names"], "fill": spec["fill"]}
    state["open_of"][spec["customer"]] += 1
    end, due = state["end"], state["due"]

    def plan(when: dt.date, what: str, k: int) -> None:
        if when > end:
            return
        state["seq"] += 1
        # today's own items run right after the opening, the rest on their day in plan order
        due[("now", key) if when == day else when].append((state["seq"], key, what, k))

    # in the order a clerk does them on each day: the step, what was done, the follow-up
    items = []
    for k, (when, *_rest) in enumerate(story.steps):
        if k:
            items.append((when, 0, k, "step", k))
    for k, (when, step, _kind, _text, due_day, done) in enumerate(story.acts):
        items.append((when, 1, step, "act", k))
        if due_day is not None and done is not None:
            items.append((done, 2, step, "done", k))
    for when, _order, _step, what, k in sorted(items, key=lambda x: (x[0], x[1] if x[1] != 2 else -1, x[2])):
        plan(when, what, k)
    return key


# -- large: the same stories, in bulk -----------------------------------------------------------

SHAPES = 64  # stories kept per kind of deal and weekday, each lived by many of the large company's deals


def _large(books, r: random.Random, *, start: dt.date, end: dt.date, total: int, team: list[str],
           prospects: list[tuple], ctx: dict, seed: int,
           progress: Callable[[int, int], None] | None) -> dict[str, int]:
    """``total`` deals opened over the year, each living a story as the small company's do, up
    to today, written in bulk. A story's shape (its days, stages, reasons, texts) is drawn once
    for up to :data:`SHAPES` deals of the same kind (source, repeat business or not, slow or not)
    opened on the same weekday, and moved by whole weeks to each deal's opening day: the same
    working days, at a fraction of the cost. What the large company logs is less: the opening
    enquiry, the follow-ups of the deal's latest step and the note on closing."""
    from bizsuite.core import audit, numbering
    from bizsuite.core.db import bulk_insert, reserve_ids
    from bizsuite.crm.pipeline.models import Activity, Deal, DealTag, Stage, StageChange
    from bizsuite.crm.pipeline.repository import PREFIX, SERIES
    from bizsuite.demo import DAYS

    report = progress or (lambda done, whole: None)
    s = books.session
    by = books.actor.name
    stages = list(s.scalars(select(Stage).where(Stage.active.is_(True)).order_by(Stage.position, Stage.id)))
    opens = [st for st in stages if st.kind == "open"]
    closing = {"won": next(st for st in stages if st.kind == "won"),
               "lost": next(st for st in stages if st.kind == "lost")}
    created = [p[4] for p in prospects]
    openings = _opening_days(r, start, DAYS, total)
    numbers = numbering.take_many(books, SERIES, total)
    ids = reserve_ids(s, Deal.__table__, total)
    nine = {}  # day -> 09:00 UTC that day
    minute = [dt.timedelta(minutes=m, seconds=m % 53) for m in range(DAY_MINUTES)]
    ref = {}  # weekday -> the first such day of the year: the day the shapes are drawn on
    shapes: dict[tuple, list[Story]] = defaultdict(list)
    hundred, zero = Decimal(100), Decimal(0)

    def at(day: dt.date, m: int) -> dt.datetime:
        t = nine.get(day)
        if t is None:
            t = nine[day] = dt.datetime.combine(day, DAY_START, dt.timezone.utc)
        return t + minute[m]

    deals, tags, changes, acts = [], [], [], []
    n = 0
    for day in sorted(openings):
        wd = day.weekday()
        base_day = ref.setdefault(wd, day)
        shift = day - base_day  # whole weeks
        known = max(1, bisect.bisect_right(created, day))
        for _ in range(openings[day]):
            p = prospects[int(r.random() * known)]
            spec = _deal_for(r, p, day, team)
            kind = (wd, spec["source"], spec["repeat"], spec["slow"])
            pool = shapes[kind]
            if len(pool) < SHAPES:
                story = _story(r, ctx, base_day, source=spec["source"], repeat=spec["repeat"], slow=spec["slow"])
                pool.append(story)
            else:
                story = pool[int(r.random() * SHAPES)]
            did, fill = ids[n], spec["fill"]
            moments = []
            last = prev = None
            for when, action, pos, why in story.steps:
                when += shift
                if when > end:
                    break
                t = at(when, int(r.random() * (DAY_MINUTES - 30)))
                moments.append(t)
                to = opens[pos] if pos is not None else closing[action]
                changes.append((did, prev, to.id, why if pos is None else None, t))
                prev, last = to.id, (to, when, why)
            reached = len(moments) - 1
            for when, step, akind, text, due, done in story.acts:
                if step > reached:
                    break
                if step and step != reached:
                    continue  # the large company keeps the opening and its latest step
                when += shift
                if when > end:
                    continue
                made = moments[step] + dt.timedelta(minutes=2) if when == story.steps[step][0] + shift \
                    else at(when, int(r.random() * DAY_MINUTES))
                done_at = None
                if done is not None and done + shift <= end:
                    done_at = max(at(done + shift, int(r.random() * DAY_MINUTES)), made + minute[5])
                acts.append((did, akind, text.format(**fill), spec["owner"], due + shift if due else None,
                             done_at, by if done_at else None, made))
            to, when, why = last
            status = to.kind
            closed = status != "open"
            prob = (hundred if status == "won" else zero if status == "lost" else
                    Decimal(spec["probability"]) if spec["probability"] is not None else to.probability)
            deals.append((did, numbering.label(numbers[n], prefix=PREFIX), spec["title"], spec["customer"],
                          spec["amount"], to.id, status, prob, spec["probability"] is not None and not closed,
                          story.close + shift, spec["owner"], spec["source"], why if closed else None,
                          when if closed else None, len(moments), moments[0], moments[-1]))
            for t in spec["tags"]:
                tags.append({"deal_id": did, "tag_key": t.casefold(), "tag": t})
            n += 1
        if n % 10_000 < openings[day]:
            report(n * 2 // 5, total)
    step = 20_000
    keys = ("id", "number", "title", "customer_id", "amount", "stage_id", "status", "probability",
            "probability_set", "close", "owner", "source", "reason", "closed_on", "version", "created_at",
            "updated_at")
    extra = {"notes": None, "import_key": None, "created_by": by, "updated_by": by}
    for i in range(0, len(deals), step):
        bulk_insert(s, Deal.__table__, [{**dict(zip(keys, row)), **extra} for row in deals[i:i + step]])
    report(total // 2, total)
    keys = ("deal_id", "from_stage_id", "to_stage_id", "reason", "at")
    for i in range(0, len(changes), step * 2):
        bulk_insert(s, StageChange.__table__, [{**dict(zip(keys, row)), "by": by} for row in changes[i:i + step * 2]])
    report(total * 7 // 10, total)
    keys = ("deal_id", "kind", "text", "owner", "due", "done_at", "done_by", "created_at")
    for i in range(0, len(acts), step * 2):
        bulk_insert(s, Activity.__table__, [{**dict(zip(keys, row)), "created_by": by}
                                            for row in acts[i:i + step * 2]])
    if tags:
        bulk_insert(s, DealTag.__table__, tags)
    audit.record_load(s, "deals", ids, {"deals": len(deals), "stage changes": len(changes),
                                        "deal activities": len(acts), "source": f"demo large, seed {seed}"})
    report(total, total)
    return {"deals": len(deals), "deal activities": len(acts)}
