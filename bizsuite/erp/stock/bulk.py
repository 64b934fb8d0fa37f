"""Stock history in bulk: many products' moves in one go (the large demo, bench/stock.py).

:func:`load_moves` takes moves in date order (a stable sort puts them in it when they are not)
and does what :meth:`StockRepository.move` would do for each, one after the other, but writes
once: every move is valued by the module's one rule (:mod:`bizsuite.erp.stock.valuation`: in at
its unit cost, out at the moving average, the last unit taking all that is left), refused when
it would take a location below zero, and the moves, the quants, the products' totals (on hand,
value, last move) and the ledger are written in bulk (``core.db.insert_rows``, the ledger's
bulk writer, sealed at commit).

**The ledger, summarised.** The normal path posts one entry per document with a line per move;
here the moves of one day, one ledger kind, one document (``source_id``; none for stock's own
kinds) and one direction share one entry: inventory against the kind's counter account (GRNI
for receipts, COGS for deliveries, opening balances, the adjustment account), the sum of their
values. Every move's ``entry_id`` points at its entry, so the inventory account equals the
valuation on every day, as ``bizsuite check`` proves. A transfer keeps value and posts nothing.

**What it refuses** (one line, nothing written — the caller's unit of work is rolled back): the
permissions the normal path checks (``stock.read`` and each ledger kind's posting permission),
a date on or before the lock date, an unknown product or location, an inactive location, an
inactive product moving in, a quantity that is not positive or has more decimals than its unit,
a receipt or opening without a unit cost, an adjustment without a reason, a move out of more
than its location holds then, and a move dated before its product's last move already in the
books: the load appends to each product's history and never re-values what is there (a
backdated move goes through :meth:`StockRepository.move`, which posts the revaluations).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable, NamedTuple

from sqlalchemy import select, text

from bizsuite.core import audit, clock
from bizsuite.core.db import insert_rows, reserve_ids
from bizsuite.core.errors import Refused
from bizsuite.core.money import QUANTITY_SCALE, UNIT_PRICE_SCALE, line_problem, line_value, to_minor
from bizsuite.erp.stock import valuation
from bizsuite.erp.stock.models import COUNTER_ROLES, KIND_LABELS, Location, Move, Product, Quant
from bizsuite.erp.stock.repository import (
    QTY_MAX,
    raw,
    SOURCE_ADJUST,
    SOURCE_OPENING,
    SOURCE_TRANSFER,
    _qty,
    unit_decimals,
)

SOURCE_ISSUE = "stock_issue"  # a delivery with no document of its own (declared in stock's posts)
DEFAULT_SOURCES = {"opening": SOURCE_OPENING, "adjustment": SOURCE_ADJUST, "transfer": SOURCE_TRANSFER,
                   "delivery": SOURCE_ISSUE}
OUT_ONLY = ("delivery", "return_out")
CHUNK = 100_000
_UNIT = {d: Decimal(1).scaleb(-d) for d in range(0, 5)}
_MILLIONTH = Decimal(1).scaleb(-UNIT_PRICE_SCALE)


class BulkMove(NamedTuple):
    """One move to load. ``quantity`` is positive, except an adjustment's (− takes units out);
    ``location_id`` is where it comes from (out, transfer) or goes to (in), None the default;
    ``unit_cost`` what one unit coming in cost (None: the average of its moment; a receipt and
    an opening need one). ``source`` is the ledger kind that posts it (stock's own by default:
    opening, adjustment, transfer, ``stock_issue`` for a delivery; a receipt names its
    document's), ``source_id``/``ref`` the document, ``contact_id`` the entry's contact."""

    product_id: int
    kind: str
    date: dt.date
    quantity: Decimal
    location_id: int | None = None
    unit_cost: Decimal | None = None
    to_location_id: int | None = None
    source: str | None = None
    source_id: int | None = None
    ref: str | None = None
    reason: str | None = None
    contact_id: int | None = None


@dataclass
class Loaded:
    moves: int = 0
    entries: int = 0
    move_ids: list[int] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)


def _refuse(n: int, message: str) -> Refused:
    return Refused(f"move {n}: {message}")


def load_moves(books, moves: Iterable[BulkMove], *, audit_source: str = "bulk load",
               progress: Callable[[int, int], None] | None = None) -> Loaded:
    """Load ``moves`` (see the module doc) in the caller's unit of work; returns what was written."""
    from bizsuite.erp.ledger.importer import NewEntry, write_entries

    books.require("stock.read")
    ledger = books.ledger
    s = books.session
    report = progress or (lambda done, total: None)
    moves = list(moves)
    if not moves:
        return Loaded()
    if any(moves[i].date > moves[i + 1].date for i in range(len(moves) - 1)):
        moves.sort(key=lambda m: m.date)  # stable: a day's moves keep their order

    # -- what may be posted: the kinds' permissions, the lock date --------------------------------
    sources: dict[tuple[str, str | None], str] = {}
    for m in moves:
        k = (m.kind, m.source)
        if k not in sources:
            if m.kind not in KIND_LABELS:
                raise Refused(f"{m.kind!r} is not a kind of stock move")
            src = m.source or DEFAULT_SOURCES.get(m.kind)
            if src is None:
                raise Refused(f"a {KIND_LABELS[m.kind]} needs the ledger kind of its document (source)")
            ledger._require_posting(src)
            sources[k] = src
    for day in sorted({m.date for m in moves}):
        why = ledger._check_open(day, "the move's date ")
        if why:
            raise Refused(why)
    s.flush()
    scale = ledger.scale

    # -- the products (locked in id order, as every stock operation takes them), locations, quants
    wanted = sorted({m.product_id for m in moves})
    _P = Product.__table__
    prod: dict[int, tuple] = {}
    for i in range(0, len(wanted), 5_000):
        part = wanted[i:i + 5_000]
        q = (select(_P.c.id, _P.c.sku, _P.c.unit, _P.c.active, raw(_P.c.on_hand), raw(_P.c.value), _P.c.last_move)
             .where(_P.c.id.in_(part)).order_by(_P.c.id).with_for_update())
        for pid, sku, unit, active, on_hand, value, last in s.execute(q):  # the held integers: turned once below
            prod[pid] = (sku, unit, active, on_hand, value, last)
    locs = {loc.id: loc for loc in s.scalars(select(Location))}
    default = books.stock.default_location().id
    _Q = Quant.__table__
    quants: dict[tuple[int, int], int] = {}
    existing_quants: set[tuple[int, int]] = set()
    for i in range(0, len(wanted), 5_000):
        part = wanted[i:i + 5_000]
        for pid, lid, qty in s.execute(text(
                "SELECT product_id, location_id, quantity FROM stock_quants WHERE product_id IN "
                f"({', '.join(str(p) for p in part)})")):
            quants[pid, lid] = int(qty)
            existing_quants.add((pid, lid))
    states: dict[int, valuation.State] = {}
    for pid, (_, _, _, on_hand, value, _) in prod.items():
        states[pid] = valuation.State(Decimal(on_hand).scaleb(-QUANTITY_SCALE), int(value))

    inventory = ledger.role_account("inventory").id
    counters: dict[str, int] = {}
    date_proc = Move.__table__.c.date.type._cached_bind_processor(s.connection().dialect) or (lambda v: v)
    dates: dict[dt.date, object] = {}

    # -- every move, in order: valued, checked, counted into its entry ------------------------------
    groups: dict[tuple, int] = {}  # (day, source, source_id, counter, sign, contact) → group number
    group_sum: list[int] = []
    group_info: list[list] = []  # [day, kind, source, source_id, counter, contact, ref, moves]
    rows: list[list] = []
    last_move: dict[int, dt.date] = {}
    value_out, value_in_avg, unit_cost_of, NoAverage = (valuation.value_out, valuation.value_in_at_average,
                                                        valuation.unit_cost, valuation.NoAverage)
    total = len(moves)
    for n, m in enumerate(moves, 1):
        pid, kind, day, q = m.product_id, m.kind, m.date, m.quantity
        p = prod.get(pid)
        if p is None:
            raise _refuse(n, f"no product #{pid}")
        sku, unit, active, _, _, before = p
        if before is not None and day < before:
            raise _refuse(n, f"{sku} has moves up to {before}; a bulk load only adds moves on or after a "
                             f"product's last one (a backdated move goes through stock adjust/move)")
        if not isinstance(q, Decimal) or not q.is_finite():
            raise _refuse(n, f"{sku}: the quantity {q!r} is not a Decimal number")
        if kind == "adjustment":
            if q == 0:
                raise _refuse(n, f"{sku}: quantity: must not be zero")
            if not m.reason:
                raise _refuse(n, f"{sku}: an adjustment needs a reason (a count, breakage, …)")
            sign = 1 if q > 0 else -1
            q = -q if q < 0 else q
        elif q <= 0:
            raise _refuse(n, f"{sku}: quantity: must be more than zero, not {q}")
        else:
            sign = 0 if kind == "transfer" else -1 if kind in OUT_ONLY else 1
        decimals = unit_decimals(unit)
        if q.as_tuple().exponent < -decimals and q != q.quantize(_UNIT[decimals]):
            raise _refuse(n, f"{sku}: {q} has more than {decimals} decimal places for {unit}"
                          if decimals else f"{sku}: {q} is not a whole number of {unit}")
        if q > QTY_MAX:
            raise _refuse(n, f"{sku}: {q} is more than one move may carry")
        lid = m.location_id if m.location_id is not None else default
        loc = locs.get(lid)
        if loc is None:
            raise _refuse(n, f"no location #{lid}")
        if not loc.active:
            raise _refuse(n, f"location {loc.name} is inactive")
        units_q = int(q.scaleb(QUANTITY_SCALE))
        st = states[pid]
        from_id = to_id = None
        at_average = False
        if sign > 0:
            to_id = lid
            if not active and kind in ("receipt", "opening", "return"):
                raise _refuse(n, f"{sku} is inactive; activate it before moving it in")
            if m.unit_cost is not None:
                uc = m.unit_cost
                if not isinstance(uc, Decimal) or uc < 0 or uc != uc.quantize(_MILLIONTH):
                    raise _refuse(n, f"{sku}: unit_cost: {uc!r} is not a Decimal of at most six decimals, ≥ 0")
                units = to_minor(line_value(q, uc, scale), scale)
                if line_problem(units, scale):
                    raise _refuse(n, f"{sku}: {line_problem(units, scale, 'value')}")
            elif kind in ("receipt", "opening"):
                raise _refuse(n, f"{sku}: a {KIND_LABELS[kind]} needs a unit cost")
            else:
                try:
                    units = value_in_avg(st, q)
                except NoAverage:
                    raise _refuse(n, f"{sku} has no stock on {day} to take an average cost from; "
                                     f"give the unit cost") from None
                at_average = True
                uc = (Decimal(units).scaleb(-scale) / q).quantize(_MILLIONTH)
            quants[pid, lid] = quants.get((pid, lid), 0) + units_q
        else:
            from_id = lid
            have = quants.get((pid, lid), 0)
            if units_q > have:
                raise _refuse(n, f"{sku} at {loc.name} on {day}: {_qty(q - Decimal(have).scaleb(-QUANTITY_SCALE), unit)}"
                                 f" short (on hand {_qty(Decimal(have).scaleb(-QUANTITY_SCALE), unit)}, taking "
                                 f"{_qty(q, unit)})")
            quants[pid, lid] = have - units_q
            if sign == 0:
                to = locs.get(m.to_location_id) if m.to_location_id is not None else None
                if to is None:
                    raise _refuse(n, f"{sku}: a transfer needs a location to go to")
                if to.id == lid:
                    raise _refuse(n, f"{sku}: {to.name} is where it comes from")
                if not to.active:
                    raise _refuse(n, f"location {to.name} is inactive")
                to_id = to.id
                quants[pid, to_id] = quants.get((pid, to_id), 0) + units_q
                units, uc = 0, unit_cost_of(st, scale)
            else:
                units = value_out(st, q)  # the quants hold at least q, so the product does too
                at_average = True
                uc = (Decimal(units).scaleb(-scale) / q).quantize(_MILLIONTH)
        st.quantity += q * sign
        st.value += units * sign
        if last_move.get(pid) is None or day > last_move[pid]:
            last_move[pid] = day
        src = sources[kind, m.source]
        counter = COUNTER_ROLES.get(kind) if units else None
        g = None
        if units:
            key = (day, src, m.source_id, counter, sign, m.contact_id)
            g = groups.get(key)
            if g is None:
                g = groups[key] = len(group_sum)
                group_sum.append(0)
                group_info.append([day, kind, src, m.source_id, counter, m.contact_id, m.ref, 0])
            group_sum[g] += units * sign
            info = group_info[g]
            info[7] += 1
            if info[6] != m.ref:
                info[6] = None
        d = dates.get(day)
        if d is None:
            d = dates[day] = date_proc(day)
        rows.append([pid, kind, d, units_q, from_id, to_id, units_q * sign, to_minor(uc, UNIT_PRICE_SCALE), units,
                     units * sign, at_average, g, counter, src, m.source_id, m.ref, m.reason])
        if n % 50_000 == 0:
            report(n // 2, total)

    # -- the ledger: one entry per group, then the moves pointing at them ------------------------
    entries = []
    for (day, kind, src, source_id, counter, contact, ref, count), amount in zip(group_info, group_sum):
        acct = counters.get(counter)
        if acct is None:
            acct = counters[counter] = ledger.role_account(counter).id
        label = KIND_LABELS[kind].capitalize()
        memo = (f"{label} {ref}" if ref else f"{label}, {count} move{'s' if count != 1 else ''} of {day}")
        entries.append(NewEntry(date=day, memo=memo, code=None, mark="", comment=None, source_ref=ref,
                                import_key=None, contact_id=contact, source_id=source_id,
                                lines=[(inventory, amount, None, None), (acct, -amount, None, None)]))
    entry_ids: list[int] = []
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, info in enumerate(group_info):
        by_source[info[2]].append(i)
    ids_of = [0] * len(entries)
    for src, idx in by_source.items():
        made = write_entries(books, [entries[i] for i in idx], source_kind=src,
                             audit_summary={"entries": len(idx), "source": f"{audit_source}: stock moves"})
        for i, eid in zip(idx, made):
            ids_of[i] = eid
        entry_ids += made
    report(total * 6 // 10, total)

    conn = s.connection()
    move_ids = reserve_ids(s, Move.__table__, len(rows))
    now, who = clock.now(), books.actor.name
    variable = ["id", "product_id", "kind", "date", "quantity", "from_location_id", "to_location_id", "qty_delta",
                "unit_cost", "value", "value_delta", "at_average", "entry_id", "counter_role", "source_kind",
                "source_id", "source_ref", "reason"]
    constant = {"counted": None, "created_at": now, "created_by": who}
    for i in range(0, len(rows), CHUNK):
        batch = []
        for mid, r in zip(move_ids[i:i + CHUNK], rows[i:i + CHUNK]):
            g = r[11]
            r[11] = ids_of[g] if g is not None else None
            batch.append((mid, *r))
        insert_rows(conn, Move.__table__, variable, constant, batch)
        report(total * 6 // 10 + (i + len(batch)) * 3 // 10, total)

    # -- what the repository keeps beside the moves: quants and the products' totals --------------
    touched = {(r[0], r[4]) for r in rows if r[4] is not None} | {(r[0], r[5]) for r in rows if r[5] is not None}
    new_q = [(pid, lid, quants[pid, lid], 0) for pid, lid in sorted(touched - existing_quants)]
    old_q = [(quants[pid, lid], pid, lid) for pid, lid in sorted(touched & existing_quants)]
    insert_rows(conn, _Q, ["product_id", "location_id", "quantity", "reserved"], {}, new_q)
    pg = conn.dialect.name == "postgresql"
    if old_q:
        if pg:
            conn.exec_driver_sql(
                "UPDATE stock_quants q SET quantity = v.q FROM unnest(%s::bigint[], %s::int[], %s::int[]) "
                "AS v(q, p, l) WHERE q.product_id = v.p AND q.location_id = v.l", tuple(map(list, zip(*old_q))))
        else:
            conn.exec_driver_sql("UPDATE stock_quants SET quantity = ? WHERE product_id = ? AND location_id = ?",
                                 old_q)
    totals = [(int(states[pid].quantity.scaleb(QUANTITY_SCALE)), states[pid].value, dates[day], pid)
              for pid, day in last_move.items()]
    if pg:
        conn.exec_driver_sql(
            "UPDATE stock_products p SET on_hand = v.q, value = v.v, last_move = v.d "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::int[]) AS v(q, v, d, id) WHERE p.id = v.id",
            tuple(map(list, zip(*totals))))
    else:
        conn.exec_driver_sql("UPDATE stock_products SET on_hand = ?, value = ?, last_move = ? WHERE id = ?", totals)
    audit.record_load(s, "stock_moves", move_ids, {"moves": len(move_ids), "entries": len(entry_ids),
                                                   "source": audit_source})
    s.expire_all()  # the ORM's copies of the products and quants are older than the rows now
    report(total, total)
    return Loaded(moves=len(move_ids), entries=len(entry_ids), move_ids=move_ids, entry_ids=entry_ids)
