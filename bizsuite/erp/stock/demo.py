"""The stock part of the demo company: what it sells, where it keeps it, and every unit that left.

``size="large"`` is :mod:`bizsuite.erp.stock.demo_large` (50,000 products, a million moves, in
bulk). The small company: about 150 products (half with Chinese names, the spices, teas and rice
sold by the kilogram), two locations (the warehouse, the default, and the shop). The part is on
the demo's timeline (``DemoPart(..., daily=...)``, see :mod:`bizsuite.demo`): its setup (:func:`add_demo_stock`) makes
the products, plans the year's dispatches from the sales the ledger part booked (its invoices
and cash sales, found by their memos), sets each product's reorder point (about six weeks of its
sales) and reorder quantity (about five months), and books a modest opening stock on the first
day of the year against opening balances. Then, day by day (:func:`demo_day`): one delivery
carrying the goods of that day's sales (the ``stock_issue`` stand-in until sales orders come;
valued at the moving average — the cost of goods comes from stock now, see the ledger part),
never more than the warehouse holds that day (what has sold out is not delivered), and a few
transfers to the shop each month, with now and then a count or a breakage there. Purchasing,
after it on the same day, reorders what ran low; so stock runs down and comes back in the year.

Every quantity change goes through :meth:`StockRepository.move` (and ``opening``, ``adjust``,
``transfer``), so each posts its own entry and ``bizsuite check`` finds the inventory account
equal to the valuation at every month end. Quantities in kg are whole or half kilograms and costs
even cents, so every value is exact.

Everything comes from ``rng`` and ``base``: a seed gives the same stock on the same day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Callable

from sqlalchemy import select

SIZES = {"small": 150}
LARGE: dict[str, int | None] = {"products": None, "moves": None}  # the large part's defaults (demo_large) unless set
SHOP = "Shop"
SOURCE_ISSUE = "stock_issue"  # the ledger kind of a delivery for a sale (declared in stock's posts)

# (english name, chinese name, unit, cost range in cents, SKU prefix)
ITEMS = [
    ("Longjing green tea", "龙井绿茶", "kg", (6_000, 18_000), "TEA"),
    ("Tieguanyin oolong", "铁观音乌龙茶", "kg", (5_000, 14_000), "TEA"),
    ("Pu-erh tea cake", "普洱茶饼", "pcs", (1_200, 6_000), "TEA"),
    ("Jasmine tea", "茉莉花茶", "kg", (3_000, 8_000), "TEA"),
    ("Sichuan peppercorn", "四川花椒", "kg", (1_400, 3_600), "SPC"),
    ("Star anise", "八角", "kg", (1_000, 2_400), "SPC"),
    ("Dried goji berries", "宁夏枸杞", "kg", (1_600, 4_000), "SPC"),
    ("Jasmine rice", "香米", "kg", (160, 400), "RIC"),
    ("Glutinous rice", "糯米", "kg", (180, 420), "RIC"),
    ("Blue and white porcelain bowl", "青花瓷碗", "pcs", (400, 2_400), "CER"),
    ("Yixing clay teapot", "宜兴紫砂壶", "pcs", (2_400, 16_000), "CER"),
    ("Celadon tea cup set", "青瓷茶杯套装", "pcs", (1_800, 7_000), "CER"),
    ("Silk scarf", "丝绸围巾", "pcs", (900, 4_200), "SLK"),
    ("Silk pillowcase", "真丝枕套", "pcs", (1_200, 3_800), "SLK"),
    ("Xuan rice paper, 100 sheets", "宣纸（100张）", "pcs", (800, 3_000), "STA"),
    ("Calligraphy brush", "毛笔", "pcs", (200, 2_200), "STA"),
    ("Ink stick", "墨锭", "pcs", (300, 1_800), "STA"),
    ("Bamboo steamer", "竹蒸笼", "pcs", (500, 2_000), "KIT"),
    ("Carbon steel wok", "碳钢炒锅", "pcs", (1_400, 4_800), "KIT"),
    ("Chopsticks, 10 pairs", "筷子（10双）", "pcs", (200, 1_400), "KIT"),
]
VARIANTS = [("", ""), ("premium", "特级"), ("gift box", "礼盒装"), ("small", "小号"), ("large", "大号"),
            ("classic", "经典款"), ("red", "红色"), ("travel", "便携装")]
TAX_RATES = (Decimal("8"), Decimal("8"), Decimal("8"), Decimal("0"))
MARGIN_COST_PCT = (45, 65)  # the ledger part's: cost of goods as a share of the net sale


def add_demo_stock(books, rng: random.Random, size: str, *, base: dt.datetime, seed: int = 0,
                   progress: Callable[[int, int], None] | None = None,
                   state: dict | None = None) -> dict[str, int]:
    """The products, the year's plan (kept in ``state`` for :func:`demo_day`) and the opening stock."""
    from bizsuite.erp.stock.models import MoveIn, ProductIn

    if size not in ("small", "large"):
        raise ValueError(f"size {size!r} is not one of small, large")
    books.require("stock.write")
    stock = books.stock
    r = rng
    state = {} if state is None else state
    report = progress or (lambda done, total: None)
    end = base.date() if isinstance(base, dt.datetime) else base
    start = end - dt.timedelta(days=364)
    suppliers = [c.id for c in books.contacts.page(role="supplier", kind="company", limit=200,
                                                   with_total=False).rows]
    if size == "large":
        from bizsuite.erp.stock import demo_large

        return demo_large.setup(books, r, start=start, end=end, suppliers=suppliers, state=state, report=report,
                                **{k: v for k, v in LARGE.items() if v is not None})

    # -- products (their reorder levels come from the plan, below) ----------------------------
    n = SIZES["small"]
    combos = [(i, v) for v in range(len(VARIANTS)) for i in range(len(ITEMS))]
    products: list[tuple[str, str, Decimal]] = []  # sku, unit, cost
    specs: dict[str, dict] = {}
    by_prefix: dict[str, int] = defaultdict(int)
    for k, (i, v) in enumerate(combos[:n]):
        en, cn, unit, (lo, hi), prefix = ITEMS[i]
        ven, vcn = VARIANTS[v]
        chinese = k % 2 == 1
        name = (f"{cn}{vcn}" if chinese else (f"{en}, {ven}" if ven else en))
        by_prefix[prefix] += 1
        sku = f"{prefix}-{by_prefix[prefix]:03d}"
        cost = Decimal(r.randint(lo // 2, hi // 2) * 2) / 100  # even cents: half a kilo costs whole cents
        price = (cost * 100 / r.randint(*MARGIN_COST_PCT)).quantize(Decimal("0.01"))
        specs[sku] = dict(sku=sku, name=name, unit=unit, price=price, tax_rate=r.choice(TAX_RATES),
                          supplier=r.choice(suppliers) if suppliers and r.random() < 0.96 else None)
        products.append((sku, unit, cost))
    report(1, 10)

    # -- the year's plan: each day's dispatch, the goods of the sales the ledger booked -------
    # Some products sell far more often than others (a weight per product).
    popular = [1 / (rank + 1) ** 0.6 for rank in range(len(products))]
    r.shuffle(popular)
    sales = _sales(books, start, end)
    plan: dict[dt.date, tuple[str, dict[str, Decimal]]] = {}
    sold: dict[str, Decimal] = defaultdict(Decimal)
    for day in sorted({d for d, _, _ in sales}):
        todays = [(code, net) for d, code, net in sales if d == day]
        lines: dict[str, Decimal] = defaultdict(Decimal)
        featured = []  # what sells that day (few lines a day keep the demo quick)
        while len(featured) < 3:
            pick = r.choices(products, popular)[0]
            if pick not in featured:
                featured.append(pick)
        for code, net in todays:
            target = net * r.randint(*MARGIN_COST_PCT) / 100  # what the goods cost, about
            picks = r.sample(featured, r.choice((1, 1, 2)))
            for sku, unit, cost in picks:
                q = target / len(picks) / cost
                q = Decimal(max(1, round(q))) if unit == "pcs" else max(Decimal("0.5"), (q * 2).to_integral_value() / 2)
                lines[sku] += q
                sold[sku] += q
        codes = [c for c, _ in todays if c]
        cash = len(todays) - len(codes)
        ref = (f"{codes[0]}–{codes[-1]}" if len(codes) > 1 else codes[0] if codes else "")
        ref = ", ".join(x for x in (ref, f"{cash} cash sale{'s' if cash != 1 else ''}" if cash else "") if x)
        plan[day] = (ref, dict(lines))

    # -- reorder levels: about six weeks of sales, order about five months' -----------------
    opening = []
    for sku, unit, cost in products:
        year = sold[sku]
        point = max(Decimal(5), (year * 6 / 52).to_integral_value())
        qty = max(Decimal(10), (year * 5 / 12).to_integral_value())
        spec = specs[sku]
        stock.add_product(ProductIn(reorder_point=str(point), reorder_qty=str(qty), **spec))
        opening.append(MoveIn(sku, point + (qty * r.randint(40, 100) / 100).to_integral_value(), cost))
    main = stock.default_location()
    shop = stock.add_location(SHOP)
    report(2, 10)
    stock.opening([MoveIn(m.product, m.quantity, m.unit_cost, main.id) for m in opening],
                  date=start, ref="opening stock")

    # -- the shop's shelves: three products a month -------------------------------------------
    transfers: dict[dt.date, list[tuple[str, Decimal]]] = defaultdict(list)
    month = start.replace(day=1)
    while month <= end:
        for sku, unit, _ in r.sample(products, 3):
            day = month + dt.timedelta(days=r.randint(2, 9))
            if start < day <= end:
                transfers[day].append((sku, Decimal(r.randint(2, 6))))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    state.update(plan=plan, transfers=dict(transfers), main=main.id, shop=shop.id,
                 shop_has=defaultdict(Decimal), unit={sku: u for sku, u, _ in products},
                 cost={sku: c for sku, _, c in products},
                 popular={sku: w for (sku, _, _), w in zip(products, popular)})
    report(1, 1)
    return {"products": len(products), "stock moves": len(products)}


def demo_day(books, rng: random.Random, day: dt.date, state: dict) -> dict[str, int]:
    """One day of the demo's year: transfers to the shop (and a count or a breakage there), then
    the day's dispatch — each line no more than the warehouse holds (what sold out is not sent)."""
    from bizsuite.erp.stock.models import MoveIn, Product

    if state.get("large"):
        from bizsuite.erp.stock import demo_large

        return demo_large.day(books, rng, day, state)
    stock = books.stock
    r = rng
    moves = 0
    todays = state["transfers"].get(day, [])
    ref, lines = state["plan"].get(day, ("", {}))
    if not todays and not lines:
        return {}
    on_hand = dict(books.session.execute(select(Product.sku, Product.on_hand)).all())
    shop_has = state["shop_has"]

    def in_warehouse(sku: str) -> Decimal:
        return on_hand[sku] - shop_has[sku]

    for sku, q in todays:
        q = min(q, in_warehouse(sku).to_integral_value(rounding="ROUND_FLOOR"))
        if q <= 0:
            continue
        stock.transfer(sku, q, from_location=state["main"], to_location=state["shop"], date=day,
                       reason="shelves in the shop")
        shop_has[sku] += q
        moves += 1
        # now and then the shop counts one of its products, or something breaks
        if r.random() < 0.3 and shop_has[sku] >= 2:
            if r.random() < 0.5:
                stock.adjust(sku, by=-1, reason="broken in the shop", location=state["shop"], date=day)
                shop_has[sku] -= 1
                on_hand[sku] -= 1
            else:
                counted = shop_has[sku] + r.choice((-1, 1))
                stock.adjust(sku, to=counted, reason="shop count", location=state["shop"], date=day)
                on_hand[sku] += counted - shop_has[sku]
                shop_has[sku] = counted
            moves += 1
    def can_send(sku: str) -> Decimal:
        has = in_warehouse(sku)
        return (has * 2).to_integral_value(rounding="ROUND_FLOOR") / 2 if state["unit"][sku] == "kg" else has

    # What has sold out is not sold: the customer takes something else the shop has (about the
    # same cost of goods), else that line is not delivered.
    sending: dict[str, Decimal] = defaultdict(Decimal)
    cost, popular = state["cost"], state["popular"]
    for sku, q in sorted(lines.items()):
        if can_send(sku) - sending[sku] < q:
            others = [o for o in sorted(cost) if o not in lines and can_send(o) - sending[o] > 0]
            if others:
                other = r.choices(others, [popular[o] for o in others])[0]
                q2 = q * cost[sku] / cost[other]
                q2 = (Decimal(max(1, round(q2))) if state["unit"][other] == "pcs"
                      else max(Decimal("0.5"), (q2 * 2).to_integral_value() / 2))
                sku, q = other, q2
        q = min(q, can_send(sku) - sending[sku])
        if q > 0:
            sending[sku] += q
    out = [MoveIn(sku, q, None, state["main"]) for sku, q in sorted(sending.items()) if q > 0]
    if out:
        stock.move("delivery", out, date=day, source=(SOURCE_ISSUE, None), ref=f"dispatch {day}",
                   memo=f"The day's dispatch: {ref}")
        moves += len(out)
    return {"stock moves": moves}


def _sales(books, start: dt.date, end: dt.date) -> list[tuple[dt.date, str | None, Decimal]]:
    """The ledger part's sales: (date, invoice code or None for a cash sale, net sale),
    in the order they were booked."""
    from bizsuite.erp.ledger.models import Entry, Line

    sales_id = books.ledger.role_account("sales").id
    rows = books.session.execute(
        select(Entry.date, Entry.code, Line.amount)
        .join(Line, Line.entry_id == Entry.id)
        .where(Line.account_id == sales_id, Entry.date >= start, Entry.date <= end,
               (Entry.memo == "Cash sale") | Entry.memo.like("Invoice INV-%"))
        .order_by(Entry.date, Entry.id)).all()
    return [(d, code, -Decimal(amount)) for d, code, amount in rows]
