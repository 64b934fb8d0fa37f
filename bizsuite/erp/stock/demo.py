"""The stock part of the demo company: what it sells, where it keeps it, and every unit that left.

About 150 products (half with Chinese names, the spices, teas and rice sold by the kilogram),
two locations (the warehouse, the default, and the shop), opening stock on the first day of the
demo's year (a year before ``base``) against opening balances, each business day's dispatch: one
delivery carrying the goods of every sale the ledger part booked that day (its invoices and cash
sales, found by their memos; valued at the moving average — the cost of goods comes from stock
now, see the ledger part), and through the year a few transfers to the shop and adjustments
(counts, breakage) there. One delivery a day rather than one per invoice, of the three products
that sold that day, keeps the small demo quick (each move is a real one, with its ledger entry).

Every quantity change goes through :meth:`StockRepository.move` (and ``opening``, ``adjust``,
``transfer``), in date order, so each posts its own entry and ``bizsuite check`` finds the
inventory account equal to the valuation at every month end. The opening stock covers the whole
year's deliveries (the purchasing part's receipts come after, dated back, at each product's cost,
so they do not move the average); quantities in kg are whole or half kilograms and costs even
cents, so every value is exact.

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
                   progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    from bizsuite.erp.stock.models import MoveIn, ProductIn

    if size not in ("small", "large"):
        raise ValueError(f"size {size!r} is not one of small, large")
    books.require("stock.write")
    stock = books.stock
    r = rng
    report = progress or (lambda done, total: None)
    end = base.date() if isinstance(base, dt.datetime) else base
    start = end - dt.timedelta(days=364)
    suppliers = [c.id for c in books.contacts.page(role="supplier", kind="company", limit=200,
                                                   with_total=False).rows]

    # -- products and locations ---------------------------------------------------------------
    n = SIZES["small"]
    combos = [(i, v) for v in range(len(VARIANTS)) for i in range(len(ITEMS))]
    products: list[tuple[str, str, Decimal]] = []  # sku, unit, cost
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
        reorder = 20 if unit == "pcs" else 10
        stock.add_product(ProductIn(sku=sku, name=name, unit=unit, price=price, tax_rate=r.choice(TAX_RATES),
                                    reorder_point=str(reorder), reorder_qty=str(reorder * 3),
                                    supplier=r.choice(suppliers) if suppliers and r.random() < 0.9 else None))
        products.append((sku, unit, cost))
    main = stock.default_location()
    shop = stock.add_location(SHOP)
    report(1, 10)

    # -- the year's deliveries: each day's dispatch, the goods of the sales the ledger booked --
    sales = _sales(books, start, end)
    plan: list[tuple[dt.date, str, dict[str, Decimal]]] = []
    needed: dict[str, Decimal] = defaultdict(Decimal)
    for day in sorted({d for d, _, _ in sales}):
        todays = [(code, net) for d, code, net in sales if d == day]
        lines: dict[str, Decimal] = defaultdict(Decimal)
        featured = r.sample(products, 3)  # what sells that day (few lines a day keep the demo quick)
        for code, net in todays:
            target = net * r.randint(*MARGIN_COST_PCT) / 100  # what the goods cost, about
            picks = r.sample(featured, r.choice((1, 1, 2)))
            for sku, unit, cost in picks:
                q = target / len(picks) / cost
                q = Decimal(max(1, round(q))) if unit == "pcs" else max(Decimal("0.5"), (q * 2).to_integral_value() / 2)
                lines[sku] += q
                needed[sku] += q
        codes = [c for c, _ in todays if c]
        cash = len(todays) - len(codes)
        ref = (f"{codes[0]}–{codes[-1]}" if len(codes) > 1 else codes[0] if codes else "")
        ref = ", ".join(x for x in (ref, f"{cash} cash sale{'s' if cash != 1 else ''}" if cash else "") if x)
        plan.append((day, ref, lines))

    # -- opening stock: the year's deliveries and a buffer, a year before today ---------------
    buffer = {sku: Decimal(r.randint(30, 80)) for sku, _, _ in products}
    stock.opening([MoveIn(sku, needed[sku] + buffer[sku], cost, main.id) for sku, _, cost in products],
                  date=start, ref="opening stock")
    report(2, 10)

    # -- the year, in date order: transfers to the shop, counts there, and the deliveries ------
    events: list[tuple[dt.date, int, tuple]] = []
    for seq, (day, ref, lines) in enumerate(plan):
        events.append((day, 1, ("delivery", seq, ref, lines)))
    shop_has: dict[str, Decimal] = defaultdict(Decimal)
    month = start.replace(day=1)
    seq = 0
    while month <= end:
        for sku, unit, _ in r.sample(products, 3):
            day = month + dt.timedelta(days=r.randint(2, 9))
            if start < day <= end:
                seq += 1
                events.append((day, 0, ("transfer", seq, sku, Decimal(r.randint(2, 6)))))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    events.sort(key=lambda e: (e[0], e[1], e[2][1]))
    moves = len(products)  # the opening's
    counts = 0
    for i, (day, _, ev) in enumerate(events):
        if ev[0] == "transfer":
            _, _, sku, q = ev
            stock.transfer(sku, q, from_location=main.id, to_location=shop.id, date=day,
                           reason="shelves in the shop")
            shop_has[sku] += q
            moves += 1
            # now and then the shop counts one of its products, or something breaks
            if r.random() < 0.3 and shop_has[sku] >= 2:
                if r.random() < 0.5:
                    stock.adjust(sku, by=-1, reason="broken in the shop", location=shop.id, date=day)
                    shop_has[sku] -= 1
                else:
                    counted = shop_has[sku] + r.choice((-1, 1))
                    stock.adjust(sku, to=counted, reason="shop count", location=shop.id, date=day)
                    shop_has[sku] = counted
                moves += 1
                counts += 1
        else:
            _, _, ref, lines = ev
            stock.move("delivery", [MoveIn(sku, q, None, main.id) for sku, q in sorted(lines.items())], date=day,
                       source=(SOURCE_ISSUE, None), ref=f"dispatch {day}",
                       memo=f"The day's dispatch: {ref}")
            moves += len(lines)
        if i % 50 == 0:
            report(2 + i * 8 // max(len(events), 1), 10)
    report(1, 1)
    return {"products": len(products), "stock moves": moves}


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
