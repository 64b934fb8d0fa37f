"""The sales part of the demo company: a year of selling, from the quotation to the cash.

``size="large"`` is :mod:`bizsuite.erp.sales.demo_large` (200,000 invoices, in bulk). The small
company is on the demo's timeline (``DemoPart(..., daily=...)``, see :mod:`bizsuite.demo`), after
the pipeline on each day. Its setup (:func:`add_demo_sales`) allows backorders (an order is
confirmed with what there is, the rest delivered when it comes in), gives each customer a way of
buying and paying (the companies — shops, hotels, restaurants — reorder every two to three
months, more often in the gift season and as the business grows, a quarter of them key accounts
with bigger orders, a discount and 45 or 60 days to pay; about a third pay late, one smaller
company often not at all; people without a company buy now and then, small), plans the year's
repeat orders (each customer's favourite products, of those a supplier restocks, in the
products' units at their prices), and fits the stock to that plan: each product's reorder
point and quantity (six weeks and five months of what it will sell, as the stock part sets them
from its own plan, which sees only the cash sales once sales is installed) and, where the stock
part's opening stock is short of that, more opening stock on the first day at the same cost.
Then, every working day (:func:`demo_day`), as a sales office and its warehouse would, each step
through ``books.sales`` with the clock frozen at its moment:

- a big deal of the pipeline's (8,000 or more) that reaches the proposal stage that day gets its
  quotation (lines for about the deal's amount, of the goods its title names — none for more
  than the warehouse has free); a deal won that day has it confirmed (the same order, for the
  deal; a smaller deal, or one won without a proposal, gets its quotation and its confirmation
  at once); a lost deal's quotation is left to expire, or now and then declined (cancelled). The
  pipeline part has already won the deal (``books.pipeline.won``) and ``confirm`` leaves a won
  deal as it is, so the two parts agree without knowing of each other;
- the customers' repeat orders of the day, mostly confirmed at once; some first as a quotation
  confirmed days later, a few quotations never taken up, a few declined, and now and then an
  order cancelled before anything went out (its stock released);
- deliveries two to six working days after confirming — only what the warehouse has for the
  order (its own reservation and what no other order holds): a line goes whole, or at least
  half of it, the rest a backorder tried again a few days later (after two tries whatever is
  there goes, so the stock runs low and purchasing reorders it); now and then a first part by
  choice; each delivery invoiced the same day;
- payments: mostly before the due day (companies pay in runs, every two or four weeks, several
  invoices in one transfer), some late, some in two halves, now and then a round sum more than
  was owed (the customer's credit, which their next invoice uses), the bad payer's invoices
  still open at today;
- a few credit notes: damaged goods sent back (a return: they come back in at the cost they went
  out at, and are written off as broken), an allowance for a late delivery (money only), and an
  invoice made in error cancelled and made again;
- on the 20th of January, April, July and October (or the Monday after) the output tax — the tax
  account's balance at the end of the quarter — is paid over (the ledger part leaves that to
  this part when sales is installed, as it leaves the invoices, the customers' payments and the
  cost of goods).

So at "today" every stage is there: quotations open, expired and declined, orders confirmed and
not yet delivered (an order of the last working day at least), partly delivered (backorders),
closed, invoices paid, partly paid (one of the last weeks' at least), open and overdue in every
bucket, customers with credit, credit notes of both kinds. About 180 orders and 200 invoices a
year, some 1.8 million of turnover; the products, customers, currency and tax rates are the
other parts' (stock, contacts, the ledger's settings).

What it costs: about 7 s of the small demo's build, nearly all of it the repository's own work
(a full order — create, confirm, deliver, invoice, pay — is about 40 ms, a fifth of it the order
views the writes return). The part keeps the records it looks up by id loaded (:func:`_held`),
which spares the session re-reading them (a fifth off this part and the ones after it).

Everything comes from ``rng``, ``base`` and what the other parts made: a seed gives the same sales
on the same day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Callable

from sqlalchemy import select

SIZES = {"small": None, "large": 200_000}  # the large company's invoices (the small one's follow its plan)
LARGE: dict[str, int | None] = {"invoices": None}  # the large part's default unless set (tests)
DAY_START, DAY_MINUTES = dt.time(9), 8 * 60 - 31  # the office's day: 09:00-16:59 UTC
ORDER_MEDIAN = {"company": 16_000, "person": 600}  # a repeat order's net, about (skewed)
RHYTHM = (56, 105)  # days between a company's repeat orders, about
DIRECT, QUOTED, NEVER, DECLINED = 0.8, 0.09, 0.06, 0.03  # how a repeat order goes (the rest: cancelled)
SPLIT = 0.06  # orders delivered in two parts by choice (besides the backorders of what ran short)
DEAL_DECLINED = 0.35  # a lost deal's quotation cancelled (the rest left to expire)
EARLY_QUOTE = Decimal(8_000)  # a deal of this much has its quotation drawn up at the proposal; smaller ones when won
DEAL_SHARE = Decimal("0.2")  # what the deals add to the repeat orders' demand, for the stock's levels
PAYERS = {  # how a customer pays: weights of on time, late, in two halves, more than owed, not at all
    "prompt": (83, 10, 3, 4, 0),
    "slow": (30, 58, 8, 2, 2),
    "bad": (25, 30, 10, 0, 35),
}
RETURNS, ALLOWANCES = 4, 4  # credit notes in the year, of each kind (and one invoice cancelled)
TAX_MONTHS, TAX_DAY = (1, 4, 7, 10), 20  # output tax paid over (the ledger part's days; a weekend's: Monday)

# words of a deal's title -> the names its goods start with (the stock part's products)
GOODS = (
    (("jasmine", "茉莉"), ("Jasmine tea", "茉莉花茶")),
    (("longjing", "龙井"), ("Longjing green tea", "龙井绿茶")),
    (("oolong", "乌龙"), ("Tieguanyin oolong", "铁观音乌龙茶")),
    (("pu-erh", "普洱"), ("Pu-erh tea cake", "普洱茶饼")),
    (("celadon", "青瓷"), ("Celadon tea cup set", "青瓷茶杯套装")),
    (("yixing", "teapot", "紫砂"), ("Yixing clay teapot", "宜兴紫砂壶")),
    (("porcelain", "bowl", "青花"), ("Blue and white porcelain bowl", "青花瓷碗")),
    (("scarves", "scarf", "围巾"), ("Silk scarf", "丝绸围巾")),
    (("pillowcase", "枕套"), ("Silk pillowcase", "真丝枕套")),
    (("steamer", "蒸笼"), ("Bamboo steamer", "竹蒸笼")),
    (("wok", "炒锅"), ("Carbon steel wok", "碳钢炒锅")),
    (("chopsticks", "筷子"), ("Chopsticks", "筷子")),
    (("peppercorn", "花椒"), ("Sichuan peppercorn", "四川花椒")),
    (("calligraphy", "文房四宝"), ("Calligraphy brush", "毛笔", "Ink stick", "墨锭", "Xuan rice paper", "宣纸")),
    (("lantern", "灯笼", "rice paper"), ("Xuan rice paper", "宣纸")),
    (("gift", "礼盒"), ("gift box", "礼盒")),
)
RETURN_WHY = ("damaged in transit", "broken on arrival", "crushed box, not sellable")
ALLOWANCE_WHY = ("delivered a week late: 10% off", "late delivery, agreed allowance", "wrong labels: 10% off")


def add_demo_sales(books, rng: random.Random, size: str, *, base: dt.datetime, seed: int = 0,
                   progress: Callable[[int, int], None] | None = None, state: dict | None = None) -> dict[str, int]:
    """The customers' ways, the year's repeat orders and the stock fitted to them (kept in
    ``state`` for :func:`demo_day`); for ``large``, the whole year in bulk."""
    from bizsuite.demo import DAYS

    if size not in SIZES:
        raise ValueError(f"size {size!r} is not one of {', '.join(SIZES)}")
    books.require("sales.admin")
    state = {} if state is None else state
    end = base.date() if isinstance(base, dt.datetime) else base
    start = end - dt.timedelta(days=DAYS - 1)
    report = progress or (lambda done, total: None)
    if size == "large":
        from bizsuite.erp.sales import demo_large

        return demo_large.build(books, rng, start=start, end=end, seed=seed, report=report, state=state,
                                **{k: v for k, v in LARGE.items() if v is not None})
    state.update(active=False)
    made = {"sales orders": 0, "invoices": 0, "customer payments": 0, "credit notes": 0}
    products = _products(books)
    customers = _customers(books)
    if not products or not customers:
        return made
    r = rng
    books.sales.configure(backorders=True)
    popular = [1 / (rank + 1) ** 0.7 for rank in range(len(products))]
    r.shuffle(popular)
    weight = {p["id"]: w for p, w in zip(products, popular)}
    by_id = {p["id"]: p for p in products}
    profiles = {c["id"]: _profile(r, c, products, weight) for c in customers}
    bad = [cid for cid, pr in profiles.items() if pr["kind"] == "company" and pr["terms"] == 30]
    if bad:  # one (smaller) company that pays when it likes: it gets smaller orders, on 30 days
        worst = profiles[r.choice(bad)]
        worst.update(payer="bad", median=worst["median"] * 0.4)

    # -- the year's repeat orders ---------------------------------------------------------------
    events: dict[dt.date, list] = defaultdict(list)
    demand: dict[int, Decimal] = defaultdict(Decimal)
    biggest: dict[int, Decimal] = defaultdict(Decimal)  # a product's largest line: orders come in lumps
    seq = 0
    for c in customers:
        pr = profiles[c["id"]]
        first = max(start, c["created"] + dt.timedelta(days=1))
        if pr["kind"] == "company":
            day = first + dt.timedelta(days=r.randint(0, pr["rhythm"]))
        else:
            day = first + dt.timedelta(days=r.randint(0, 300))
        while True:
            day = _workday(day)
            if day > end:
                break
            lines = _basket(r, by_id, pr["favourites"], weight, _order_size(r, pr))
            for pid, q in lines:
                demand[pid] += q
                biggest[pid] = max(biggest[pid], q)
            x = r.random()
            how = ("direct" if x < DIRECT else "quoted" if x < DIRECT + QUOTED else "never"
                   if x < DIRECT + QUOTED + NEVER else "declined" if x < DIRECT + QUOTED + NEVER + DECLINED
                   else "cancelled")
            seq += 1
            events[day].append((r.randint(20, DAY_MINUTES - 60), seq, "order", (c["id"], lines, how)))
            if pr["kind"] == "company":  # more often in the gift season and as the year goes on (the business grows)
                gap = (pr["rhythm"] * r.lognormvariate(0, 0.3) * (0.75 if day.month in (10, 11, 12, 1) else 1)
                       * (1.15 - 0.3 * (day - start).days / DAYS))
            else:
                gap = r.randint(120, 330)
            day += dt.timedelta(days=max(7, round(gap)))
    # and an order or two of the last days, still to go out at today (confirmed, not delivered)
    last = end - dt.timedelta(days=max(0, end.weekday() - 4))
    recent = [e for e in events.get(last, []) if e[3][2] == "direct"]  # delivered two working days on at the soonest
    companies = [c for c in customers if profiles[c["id"]]["kind"] == "company" and c["created"] < last]
    if not recent and companies:
        c = r.choice(companies)
        pr = profiles[c["id"]]
        lines = _basket(r, by_id, pr["favourites"], weight, _order_size(r, pr))
        for pid, q in lines:
            demand[pid] += q
        seq += 1
        events[last].append((r.randint(20, DAY_MINUTES - 60), seq, "order", (c["id"], lines, "direct")))
    report(1, 3)

    # -- the stock fitted to the plan: reorder levels, and opening stock where it is short ------
    stock = books.stock
    main = stock.default_location()
    topup = []
    for p in products:
        year = demand.get(p["id"], Decimal(0)) * (1 + DEAL_SHARE)
        lump = biggest.get(p["id"], Decimal(0))
        point = _step(year * 6 / 52, p["unit"], up=True)
        qty = _step(max(year * 5 / 12, lump), p["unit"], up=True)
        if point > p["point"] or qty > p["qty"]:
            stock.edit_product(p["id"], reorder_point=max(point, p["point"]), reorder_qty=max(qty, p["qty"]))
        want = _step(max(point, p["point"]) + max(qty, p["qty"]) * Decimal(r.randint(30, 70)) / 100, p["unit"])
        if want > p["on_hand"] and p["cost"] is not None:
            topup.append((p["id"], want - p["on_hand"], p["cost"]))
    if topup:
        from bizsuite.erp.stock.models import MoveIn

        stock.opening([MoveIn(pid, q, cost, main.id) for pid, q, cost in topup], date=start,
                      ref="opening stock: the wholesale shelves")
    report(2, 3)

    stages = _stages(books)
    n_inv = max(40, round(sum(1 for evs in events.values() for e in evs if e[3][2] in ("direct", "quoted")) * 1.1))
    specials = {}
    for k in r.sample(range(15, n_inv - 15), RETURNS + ALLOWANCES + 1):
        specials[k] = "return" if len(specials) < RETURNS else "allowance" if len(specials) < RETURNS + ALLOWANCES \
            else "cancel"
    state.update(active=True, held=_held(books), start=start, end=end, main=main.id, products=by_id, weight=weight,
                 profiles=profiles, events=events, seq=seq, stages=stages, deal_orders={}, invoices=0, specials=specials,
                 taxed=set())
    report(1, 1)
    return made


def _held(books) -> list:
    """The records every step looks up by id — products, their stock at each place, the
    contacts, the accounts — loaded once and kept: the session's identity map holds its objects
    only while something refers to them, so without this each ``session.get`` of the year's
    thousands would read its row again (a fifth of the part's time). Nothing else changes:
    the objects are the session's own, kept up to date by it."""
    from bizsuite.crm.contacts.models import Contact
    from bizsuite.erp.ledger.models import Account
    from bizsuite.erp.stock.models import Location, Product, Quant

    s = books.session
    return [*s.scalars(select(Product)), *s.scalars(select(Quant)), *s.scalars(select(Location)),
            *s.scalars(select(Contact)), *s.scalars(select(Account))]


# -- who buys what ---------------------------------------------------------------------------


def _products(books) -> list[dict]:
    from bizsuite.erp.stock.models import Product

    rows = books.session.execute(
        select(Product.id, Product.sku, Product.name, Product.unit, Product.price, Product.on_hand, Product.value,
               Product.reorder_point, Product.reorder_qty, Product.supplier_id)
        .where(Product.active.is_(True), Product.price > 0).order_by(Product.id)).all()
    return [dict(id=pid, sku=sku, name=name, unit=unit, price=price, on_hand=q, point=point, qty=qty,
                 cost=(value / q).quantize(Decimal("0.000001")) if q else None, supplied=supplier is not None)
            for pid, sku, name, unit, price, q, value, point, qty, supplier in rows]


def _customers(books) -> list[dict]:
    """The customers who reorder: companies, and people who buy for themselves (not a company's staff)."""
    from bizsuite.crm.contacts.models import Contact

    rows = books.session.execute(
        select(Contact.id, Contact.kind, Contact.created_at).where(
            Contact.is_customer.is_(True), (Contact.kind == "company") | Contact.company_id.is_(None))
        .order_by(Contact.id)).all()
    return [dict(id=cid, kind=kind, created=created.date()) for cid, kind, created in rows]


def _profile(r: random.Random, c: dict, products: list[dict], weight: dict[int, float]) -> dict:
    company = c["kind"] == "company"
    picks = set()
    ids = [p["id"] for p in products if p["supplied"]] or [p["id"] for p in products]  # what is restocked
    how_many = r.randint(6, 12) if company else r.randint(2, 5)
    while len(picks) < min(how_many, len(ids)):
        picks.add(r.choices(ids, [weight[i] for i in ids])[0])
    big = company and r.random() < 0.25
    return dict(kind=c["kind"], favourites=sorted(picks), rhythm=r.randint(*RHYTHM),
                median=ORDER_MEDIAN[c["kind"]] * (2.2 if big else 1) * r.uniform(0.6, 1.4),
                payer="slow" if r.random() < 0.35 else "prompt", terms=(r.choice((45, 60)) if big else 30),
                run=(r.choice((14, 14, 28)), r.randint(0, 27)) if company else None,  # pays every n days
                discount=(r.choice((Decimal(5), Decimal(10))) if big else Decimal(0)))


def _order_size(r: random.Random, pr: dict) -> Decimal:
    return Decimal(round(min(pr["median"] * 12, max(60.0, pr["median"] * r.lognormvariate(0, 0.55)))))


def _step(q: Decimal, unit: str, *, up: bool = False, down: bool = False) -> Decimal:
    """``q`` in the unit's steps (whole pieces, half kilograms), at least one step unless down."""
    s = Decimal(1) if unit == "pcs" else Decimal("0.5")
    units = (Decimal(q) / s).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR if down else None)
    return units * s if down else max(units, Decimal(1)) * s


def _round_qty(q: Decimal, unit: str) -> Decimal:
    """What a customer asks for: round figures when it is many (cases of 10, whole kilograms)."""
    if unit == "pcs":
        step = 10 if q >= 100 else 5 if q >= 20 else 1
    else:
        step = 5 if q >= 50 else 1 if q >= 4 else Decimal("0.5")
    return max(Decimal(step), (q / step).to_integral_value() * step)


def _basket(r: random.Random, by_id: dict[int, dict], choice: list[int], weight: dict[int, float],
            net: Decimal, *, most: int = 4) -> list[tuple[int, Decimal]]:
    """Lines worth about ``net`` at the products' prices, from ``choice`` (a few of them)."""
    n = min(len(choice), r.choices((1, 2, 3, 4), (30, 35, 22, 13))[0], most)
    picks: list[int] = []
    while len(picks) < n:
        pid = r.choices(choice, [weight[i] for i in choice])[0]
        if pid not in picks:
            picks.append(pid)
    shares = [r.uniform(0.5, 1.5) for _ in picks]
    total = sum(shares)
    out = []
    for pid, share in zip(picks, shares):
        p = by_id[pid]
        out.append((pid, _round_qty(net * Decimal(share / total) / p["price"], p["unit"])))
    return sorted(out)


def _goods_of(title: str, products: dict[int, dict]) -> list[int]:
    """The products a deal's title names (the first kind of goods it mentions), else none."""
    t = title.casefold()
    for words, stems in GOODS:
        if any(w in t for w in words):
            found = [pid for pid, p in products.items()
                     if any(p["name"].startswith(s) or (s in ("gift box", "礼盒") and s in p["name"]) for s in stems)]
            if found:
                return sorted(found)
    return []


def _stages(books) -> dict:
    """The pipeline's stages that matter here: the proposal (the quotation goes out), won and lost."""
    out = {"proposal": None, "won": set(), "lost": set()}
    for st in books.pipeline.stages():
        if st.kind == "open" and st.name_key == "proposal":
            out["proposal"] = st.id
        elif st.kind in ("won", "lost"):
            out[st.kind].add(st.id)
    return out


def _workday(day: dt.date) -> dt.date:
    wd = day.weekday()
    return day + dt.timedelta(days=7 - wd) if wd >= 5 else day


def _plus(day: dt.date, days: int) -> dt.date:
    return _workday(day + dt.timedelta(days=days))


# -- the days ----------------------------------------------------------------------------------


def demo_day(books, rng: random.Random, day: dt.date, state: dict) -> dict[str, int]:
    """One working day of the sales office (see the module doc): the bank's payments first, the
    warehouse's deliveries and their invoices, then the orders, quotations and credit notes of
    the day, each at its moment."""
    from bizsuite.core import clock

    if not state.get("active"):
        return {}
    if state.get("large"):
        from bizsuite.erp.sales import demo_large

        return demo_large.day(books, rng, day, state)
    todo = state["events"].pop(day, [])
    if day.weekday() >= 5:  # nothing happens at the weekend (what was planned waits for Monday)
        if todo:
            state["events"][_plus(day, 0)].extend(todo)
        return {}
    r = rng
    made: dict[str, int] = defaultdict(int)
    todo += _deal_events(books, state, day)
    if day.month in TAX_MONTHS and day.day >= TAX_DAY and (day.year, day.month) not in state["taxed"]:
        state["taxed"].add((day.year, day.month))
        todo.append((5, 0, "tax", None))
    pays: dict[int, tuple] = {}  # a customer's payments of the day: one transfer
    merged = []
    for e in todo:
        if e[2] == "pay":
            cid = e[3][0]
            if cid in pays:
                pays[cid][3][1].extend(e[3][1])
                continue
            e = pays[cid] = (e[0], e[1], "pay", (cid, list(e[3][1])))
        merged.append(e)
    todo = merged
    moment = dt.datetime.combine(day, DAY_START, dt.timezone.utc)
    timed = [(moment + dt.timedelta(minutes=min(when, DAY_MINUTES), seconds=(seq * 37) % 60)
              if isinstance(when, int) else when, seq, what, args) for when, seq, what, args in todo]
    for at, _, what, args in sorted(timed, key=lambda e: (e[0], e[1])):
        with clock.freeze(at):
            STEPS[what](books, r, state, day, args, made)
    return dict(made)


def _later(state: dict, day: dt.date, minute: int, what: str, args) -> None:
    if day <= state["end"]:
        state["seq"] += 1
        state["events"][day].append((minute, state["seq"], what, args))


def _deal_events(books, state: dict, day: dt.date) -> list:
    """The pipeline's steps of today that sales follows: into the proposal stage, won, lost —
    each a few minutes after the sales person made it."""
    from bizsuite.crm.pipeline.models import Deal, StageChange

    st = state["stages"]
    wanted = ({st["proposal"]} if st["proposal"] else set()) | st["won"] | st["lost"]
    if not wanted:
        return []
    first = dt.datetime.combine(day, dt.time(0), dt.timezone.utc)
    rows = books.session.execute(
        select(StageChange.deal_id, StageChange.to_stage_id, StageChange.at, Deal.title, Deal.amount, Deal.customer_id)
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(StageChange.at >= first, StageChange.at < first + dt.timedelta(days=1),
               StageChange.to_stage_id.in_(wanted))
        .order_by(StageChange.at, StageChange.id)).all()
    out = []
    for deal_id, to, at, title, amount, customer in rows:
        at = at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at
        what = "quote_deal" if to == st["proposal"] else "won" if to in st["won"] else "lost"
        if what == "quote_deal" and amount < EARLY_QUOTE:
            continue  # quoted when it is won
        later = min(at + dt.timedelta(minutes=5 + (deal_id * 7) % 40), dt.datetime.combine(day, dt.time(17, 29),
                                                                                              dt.timezone.utc))
        state["seq"] += 1
        out.append((later, state["seq"], what, (deal_id, title, amount, customer)))
    return out


def _deal_lines(books, r: random.Random, state: dict, title: str, amount: Decimal, customer: int) -> list:
    """A deal's quotation: the goods its title names, as the sales person quotes them with the
    stock in view — no line for more than the warehouse has free (the rest of the amount in more
    of the kind, then in what the customer takes anyway, or popular lines)."""
    from bizsuite.erp.stock.models import Quant

    products, weight = state["products"], state["weight"]
    goods = [pid for pid in _goods_of(title, products) if products[pid]["supplied"]]
    fav = state["profiles"].get(customer, {}).get("favourites") or []
    popular = sorted((pid for pid in products if products[pid]["supplied"]), key=lambda i: -weight[i])[:30]
    cands = list(dict.fromkeys(r.sample(goods, len(goods)) + r.sample(fav, len(fav)) + r.sample(popular, 10)))
    cap = {pid: max(Decimal(0), q - res) for pid, q, res in books.session.execute(
        select(Quant.product_id, Quant.quantity, Quant.reserved).where(
            Quant.location_id == state["main"], Quant.product_id.in_(cands)))}
    left, lines = Decimal(amount), []
    want = r.choice((1, 2, 2, 3))
    for pid in cands:
        if left <= 0 or len(lines) >= 4:
            break
        p = products[pid]
        share = left if len(lines) + 1 >= want else left * Decimal(r.randint(35, 65)) / 100
        q = _round_qty(share / p["price"], p["unit"])
        q = min(q, _step(cap.get(pid, Decimal(0)), p["unit"], down=True))
        if q <= 0:
            continue
        lines.append((pid, q))
        left -= q * p["price"]
    return sorted(lines) or [(cands[0], _step(Decimal(1), products[cands[0]]["unit"]))]


def _ins(lines) -> list:
    from bizsuite.erp.sales.repository import LineIn

    return [LineIn(pid, q) for pid, q in lines]


def _quote_deal(books, r, state, day, args, made) -> None:
    deal_id, title, amount, customer = args
    if deal_id in state["deal_orders"]:
        return  # a revised proposal: the quotation stands
    o = books.sales.create(None, _ins(_deal_lines(books, r, state, title, amount, customer)), deal=deal_id, date=day,
                           discount=state["profiles"].get(customer, {}).get("discount"))
    state["deal_orders"][deal_id] = o.id
    made["sales orders"] += 1


def _won(books, r, state, day, args, made) -> None:
    from bizsuite.erp.sales.models import QUOTATION, SalesOrder

    deal_id = args[0]
    oid = state["deal_orders"].get(deal_id)
    if oid is None or books.session.get(SalesOrder, oid).status != QUOTATION:
        _quote_deal(books, r, state, day, args, made)
        oid = state["deal_orders"][deal_id]
    _confirm(books, r, state, day, oid)


def _lost(books, r, state, day, args, made) -> None:
    oid = state["deal_orders"].get(args[0])
    if oid is not None and r.random() < DEAL_DECLINED:
        books.sales.cancel(oid)


def _confirm(books, r, state, day, oid: int) -> None:
    books.sales.confirm(oid)
    split = r.random() < SPLIT
    _later(state, _plus(day, r.randint(2, 6)), r.randint(0, 120), "deliver", (oid, split, 0))


def _order(books, r, state, day, args, made) -> None:
    cid, lines, how = args
    pr = state["profiles"][cid]
    o = books.sales.create(cid, _ins(lines), date=day, discount=pr["discount"] or None)
    made["sales orders"] += 1
    if how == "direct":
        _confirm(books, r, state, day, o.id)
    elif how == "quoted":
        _later(state, _plus(day, r.randint(2, 6)), r.randint(0, DAY_MINUTES), "confirm", o.id)
    elif how == "declined":
        _later(state, _plus(day, r.randint(3, 12)), r.randint(0, DAY_MINUTES), "cancel", o.id)
    elif how == "cancelled":  # confirmed, then the customer changes their mind before it goes out
        books.sales.confirm(o.id)
        _later(state, _plus(day, 1), r.randint(0, 60), "cancel", o.id)
    # "never": the quotation expires


def _confirm_step(books, r, state, day, oid, made) -> None:
    _confirm(books, r, state, day, oid)


def _cancel(books, r, state, day, oid, made) -> None:
    books.sales.cancel(oid)


def _free(books, state: dict, oid: int) -> dict[int, tuple[Decimal, Decimal]]:
    """Per product of the order: (still to deliver, what the order may take now: its own
    reservation and what no other order holds at the warehouse)."""
    from bizsuite.erp.sales.models import SalesOrderLine
    from bizsuite.erp.sales.repository import SOURCE_ORDER
    from bizsuite.erp.stock.models import Quant, Reservation

    s = books.session
    due = {pid: q - ret - done for pid, q, ret, done in s.execute(
        select(SalesOrderLine.product_id, SalesOrderLine.quantity, SalesOrderLine.returned, SalesOrderLine.delivered)
        .where(SalesOrderLine.order_id == oid))}
    pids = [p for p, q in due.items() if q > 0]
    if not pids:
        return {}
    loc = state["main"]
    have = {pid: (q, res) for pid, q, res in s.execute(select(Quant.product_id, Quant.quantity, Quant.reserved)
                                                        .where(Quant.location_id == loc, Quant.product_id.in_(pids)))}
    mine = dict(s.execute(select(Reservation.product_id, Reservation.quantity).where(
        Reservation.source_kind == SOURCE_ORDER, Reservation.source_id == oid, Reservation.location_id == loc)).all())
    out = {}
    for pid in pids:
        q, res = have.get(pid, (Decimal(0), Decimal(0)))
        out[pid] = (due[pid], max(Decimal(0), q - res + mine.get(pid, Decimal(0))))
    return out


def _deliver(books, r, state, day, args, made) -> None:
    from bizsuite.erp.sales.models import ACTIVE, SalesOrder
    from bizsuite.erp.sales.repository import LineIn

    oid, split, tries = args
    so = books.session.get(SalesOrder, oid)
    if so.status not in ACTIVE:
        return  # cancelled meanwhile
    products = state["products"]
    wanted = _free(books, state, oid)
    if not wanted:
        return  # all delivered
    plan, short = [], False
    for pid, (due, free) in sorted(wanted.items()):
        q = min(due, _step(free, products[pid]["unit"], down=True))
        if q < due:
            short = True
            if q < due / 2 and (tries < 2 or q <= 0):  # whole, or half; what there is once it has waited
                continue
        plan.append((pid, q))
    if split and plan and not short:  # the warehouse sends what is packed: the biggest line in two
        k = max(range(len(plan)), key=lambda i: plan[i][1] * products[plan[i][0]]["price"])
        pid, q = plan[k]
        half = _step(q / 2, products[pid]["unit"], down=True)
        if 0 < half < q:
            plan[k] = (pid, half)
            short = True
    if plan:
        books.sales.deliver(oid, None if not short else [LineIn(pid, q) for pid, q in plan], date=day)
        _invoice(books, r, state, day, oid, made)
    if short:  # the rest when it is there (or packed)
        _later(state, _plus(day, r.randint(4, 9)), r.randint(0, 120), "deliver", (oid, False, tries + 1))


def _invoice(books, r, state, day, oid: int, made, *, again: bool = False) -> None:
    from bizsuite.erp.sales.models import SalesOrder

    so = books.session.get(SalesOrder, oid)
    pr = _profile_of(state, so.customer_id)
    inv = books.sales.invoice(oid, date=day, due=day + dt.timedelta(days=pr["terms"]))
    made["invoices"] += 1
    k = state["invoices"]
    state["invoices"] += 1
    special = None if again else state["specials"].get(k)
    if special == "cancel":
        _later(state, _plus(day, 1), r.randint(0, 60), "cancel_invoice", (inv.id, oid))
        return
    if special == "return":
        _later(state, _plus(day, r.randint(4, 12)), r.randint(240, 360), "return", inv.id)
    elif special == "allowance":
        _later(state, _plus(day, r.randint(3, 15)), r.randint(240, 360), "allowance", inv.id)
    _plan_payment(r, state, day, so.customer_id, inv.id, pr)


def _profile_of(state: dict, customer: int) -> dict:
    """A customer's ways; one the plan did not know (a lead won through a deal) gets some now."""
    pr = state["profiles"].get(customer)
    if pr is None:
        pr = state["profiles"][customer] = {"payer": "slow" if customer % 4 == 0 else "prompt", "terms": 30,
                                            "discount": Decimal(0), "favourites": []}
    return pr


def _plan_payment(r: random.Random, state: dict, day: dt.date, customer: int, inv_id: int, pr: dict) -> None:
    how = r.choices(("on time", "late", "halves", "over", "never"), PAYERS[pr["payer"]])[0]
    terms = pr["terms"]
    end = state["end"]
    if not state.get("half_open") and end - dt.timedelta(days=35) <= day <= end - dt.timedelta(days=14):
        # the customer of the first invoice of the year's last weeks pays half now, the rest next month
        state["half_open"] = True
        _later(state, _plus(day, r.randint(5, 9)), r.randint(0, 30), "pay", (customer, [(inv_id, "half_late")]))
        return
    if how == "never":
        return
    if how == "late":  # days past the due day: mostly a week or two, some a month or more
        lo, hi = r.choices(((5, 20), (20, 45), (45, 100)), (40, 35, 25))[0]
        when = day + dt.timedelta(days=terms + r.randint(lo, hi + (30 if pr["payer"] == "bad" else 0)))
    else:
        when = day + dt.timedelta(days=max(3, terms - r.randint(0, terms - 5)))
    mode = {"halves": "half", "over": "over"}.get(how, "full")
    if pr.get("run"):  # a company pays in runs: its last payment day by then (or the next one)
        every, offset = pr["run"]
        run = when - dt.timedelta(days=((when - state["start"]).days - offset) % every)
        when = run if run >= day + dt.timedelta(days=3) else run + dt.timedelta(days=every)
    _later(state, _plus(when, 0), r.randint(0, 30), "pay", (customer, [(inv_id, mode)]))


def _pay(books, r, state, day, args, made) -> None:
    """A customer's money in: every invoice of theirs they pay today, in one transfer."""
    from bizsuite.erp.sales.models import Invoice

    customer, todo = args
    amount, numbers, over = Decimal(0), [], False
    for inv_id, mode in todo:
        inv = books.session.get(Invoice, inv_id)
        open_ = inv.total - inv.settled
        if inv.cancelled or open_ <= 0 or inv.number in numbers:
            continue
        if mode in ("half", "half_late"):
            part = (inv.total / 2).quantize(Decimal("0.01"))
            if part < open_:
                open_ = part
                rest = _plus(day, r.randint(15, 40)) if mode == "half" else state["end"] + dt.timedelta(days=30)
                _later(state, rest, r.randint(0, 30), "pay", (customer, [(inv_id, "full")]))
        amount += open_
        numbers.append(inv.number)
        over = over or mode == "over"
    if not numbers:
        return
    if over:  # a round sum: what is left over is their credit, for the next invoice
        amount = (amount / 100).to_integral_value(rounding=ROUND_CEILING) * 100 + (100 if amount % 100 == 0 else 0)
    books.sales.pay(customer, amount, invoices=numbers, date=day, ref=f"bank transfer {r.randint(100000, 999999)}")
    made["customer payments"] += 1


def _first_line(books, inv_id: int):
    from bizsuite.erp.sales.models import InvoiceLine, SalesOrderLine

    return books.session.execute(
        select(SalesOrderLine.product_id, InvoiceLine.quantity, InvoiceLine.credited, InvoiceLine.unit_price,
               InvoiceLine.discount, SalesOrderLine.delivered)
        .join(SalesOrderLine, SalesOrderLine.id == InvoiceLine.order_line_id)
        .where(InvoiceLine.invoice_id == inv_id).order_by(InvoiceLine.id)).first()


def _return(books, r, state, day, inv_id, made) -> None:
    """Damaged goods sent back: they come back in at the cost they went out at, then written off."""
    from bizsuite.erp.sales.repository import LineIn

    row = _first_line(books, inv_id)
    if row is None:
        return
    pid, q, credited, _, _, delivered = row
    p = state["products"][pid]
    back = min(_step(max(q / 10, Decimal(1)), p["unit"], down=True) or _step(Decimal(1), p["unit"]), q - credited,
               delivered)
    if back <= 0:
        return
    why = r.choice(RETURN_WHY)
    books.sales.credit_note(inv_id, [LineIn(pid, back)], return_goods=True, date=day, reason=why)
    books.stock.adjust(pid, by=-back, reason=f"returned {why}: written off", location=state["main"], date=day)
    made["credit notes"] += 1


def _allowance(books, r, state, day, inv_id, made) -> None:
    """Money off one line of an invoice (10 % of its price), the goods kept."""
    from bizsuite.erp.sales.repository import LineIn

    row = _first_line(books, inv_id)
    if row is None:
        return
    pid, q, credited, price, discount, _ = row
    left = q - credited
    off = (price * (100 - discount) / 1000).quantize(Decimal("0.01"))
    if left <= 0 or off <= 0:
        return
    books.sales.credit_note(inv_id, [LineIn(pid, left, off)], date=day, reason=r.choice(ALLOWANCE_WHY))
    made["credit notes"] += 1


def _cancel_invoice(books, r, state, day, args, made) -> None:
    """An invoice made in error (the wrong order reference): cancelled whole, made again."""
    from bizsuite.erp.sales.models import Invoice

    inv_id, oid = args
    inv = books.session.get(Invoice, inv_id)
    if inv.settled == 0:
        books.sales.cancel_invoice(inv_id, date=day, reason="wrong order reference; invoiced again")
        made["credit notes"] += 1
        _invoice(books, r, state, day, oid, made, again=True)
    else:
        so_customer = inv.customer_id
        _plan_payment(r, state, day, so_customer, inv_id, _profile_of(state, so_customer))


def _tax(books, r, state, day, args, made) -> None:
    """The output tax of the quarter just ended paid over: the tax account's balance at its end."""
    from bizsuite.erp.ledger.models import SOURCE_DEMO

    ledger = books.ledger
    q_end = day.replace(day=1) - dt.timedelta(days=1)
    tax = ledger.role_account("tax_payable")
    owed = -ledger.balance(tax.id, as_of=q_end)
    if owed <= 0:
        return
    quarter = (q_end.month - 1) // 3 + 1
    ledger.post_entry(day, f"Sales tax paid: Q{quarter} {q_end.year}",
                      [(tax.id, owed), (ledger.role_account("bank").id, -owed)], source=SOURCE_DEMO)


STEPS = {"order": _order, "quote_deal": _quote_deal, "won": _won, "lost": _lost, "confirm": _confirm_step,
         "cancel": _cancel, "deliver": _deliver, "pay": _pay, "return": _return, "allowance": _allowance,
         "cancel_invoice": _cancel_invoice, "tax": _tax}
