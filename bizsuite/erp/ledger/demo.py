"""The ledger part of the demo company: a year of believable books.

From a year before the demo's "today" (``base``) up to it: the owner's capital and a bank loan
to start; every business day sales invoices (receivable, sales, sales tax, and the cost of the
goods out of inventory) and a few cash sales; customers paying most invoices 10–60 days later
(the latest ones still open, so receivables show); stock bought from suppliers on account and
paid about a month later; rent and utilities every month; payroll twice a month (wages, the
withholdings owed, net pay from the bank) and the withholdings paid over monthly; sales tax paid
every quarter; bank fees and loan interest monthly. ``small`` makes about 2,000 entries,
``large`` about 100,000 (more sales per day, same shape).

Invoices, payments and purchases name their customer or supplier (``contact_id`` on the entry
and its lines), taken from the demo's contacts; payroll lines name the employees.

Accounts come from the books' own account settings (bank, receivable, sales, …), so the demo
works on the standard chart and on 小企业会计准则 books alike; the few other accounts it needs
(rent, utilities, …) are created when missing. Books without any account get the standard
chart (``cn-small`` when the books are in CNY).

**When another module keeps the inventory** (stock is installed: every stock move posts its own
inventory entry, and ``bizsuite check`` holds the inventory account to the stock valuation), this
part leaves inventory alone: no opening-stock purchase, no cost-of-goods lines on the invoices and
cash sales, no supplier bills or payments for stock — the stock and purchasing parts of the demo
post those from their documents (deliveries, opening stock, receipts, bills, payments).

**When sales is installed** (``books.has("sales")``) this part leaves the selling to the sales part
the same way: no "Invoice INV-…" entries and no customers' "Payment for INV-…" (the sales part's
invoices and payments post those from their documents, and its deliveries the cost of goods),
and no quarterly "Sales tax paid" (most of the output tax is then on the sales part's invoices:
it pays the tax account's balance over on the same days). The cash sales over the counter stay
here. The random draws are the same in every case, so the rest of the books do not change.

Everything comes from ``rng`` and ``base`` (the demo's "today", never the clock itself), so a seed
gives the same books on the same day; rows are written in bulk (:func:`importer.write_entries`) with one summary audit row, as
the contacts part does.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Callable

from bizsuite.erp.ledger.importer import NewEntry, write_entries
from bizsuite.erp.ledger.models import SOURCE_DEMO

SIZES = {"small": 2_000, "large": 100_000}  # entries, about
BUSIER = {"small": 1, "large": 66}  # sales per day relative to the small company (gives SIZES)
TAX_RATE_PCT = 8  # sales tax, percent
MARGIN_COST_PCT = (45, 65)  # cost of goods as a percentage of the net sale

# Accounts the demo needs beyond the roles: (english chart name, 小企业会计准则 name, type)
EXTRA = {
    "capital": ("equity:owner capital", "所有者权益:实收资本", "equity"),
    "loan": ("liabilities:loans", "负债:长期借款", "liability"),
    "rent": ("expenses:rent", "费用:管理费用:房租", "expense"),
    "utilities": ("expenses:utilities", "费用:管理费用:水电费", "expense"),
    "bank_fees": ("expenses:bank fees", "费用:财务费用:手续费", "expense"),
    "interest": ("expenses:interest expense", "费用:财务费用:利息", "expense"),
}
ROLES_USED = ("bank", "cash", "receivable", "payable", "inventory", "sales", "cogs", "tax_payable", "wages",
              "payroll_liabilities")


def add_demo_ledger(books, rng: random.Random, size: str, *, base: dt.datetime, seed: int = 0,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    if size not in SIZES:
        raise ValueError(f"size {size!r} is not one of {', '.join(SIZES)}")
    books.require("ledger.write")
    ledger = books.ledger
    if not ledger.accounts():
        ledger.load_chart("cn-small" if books.currency == "CNY" else "standard")
    chinese = "资产" in {a.name for a in ledger.accounts()} and "assets" not in {a.name for a in ledger.accounts()}
    acct = {role: ledger.role_account(role).id for role in ROLES_USED}
    for key, (en, cn, type_) in EXTRA.items():
        name = cn if chinese else en
        try:
            acct[key] = ledger.account(name).id
        except Exception:  # noqa: BLE001 - a missing account is created
            acct[key] = ledger.add_account(name, type=type_).id

    customers = [c.id for c in books.contacts.page(role="customer", kind="company", limit=600,
                                                   with_total=False).rows]
    suppliers = [c.id for c in books.contacts.page(role="supplier", kind="company", limit=200,
                                                   with_total=False).rows]
    employees = [c.id for c in books.contacts.page(role="employee", kind="person", limit=150,
                                                   with_total=False).rows]
    stock_kept = books.has("stock")  # stock's moves (and purchasing's documents) post the inventory
    sales_kept = books.has("sales")  # sales' invoices, payments and deliveries post the selling
    r = rng
    k = BUSIER[size]  # how much busier than the small company
    end = base.date() if isinstance(base, dt.datetime) else base
    start = end - dt.timedelta(days=364)
    report = progress or (lambda done, total: None)
    entries: list[tuple[dt.date, int, NewEntry]] = []
    seq = 0

    def add(day: dt.date, memo: str, lines, *, contact: int | None = None, code: str | None = None) -> None:
        nonlocal seq
        seq += 1
        entries.append((day, seq, NewEntry(date=day, memo=memo, code=code, mark="", comment=None, source_ref=None,
                                           import_key=None, contact_id=contact, lines=lines)))

    def money(lo: int, hi: int) -> int:
        """Cents between lo and hi (whole currency units), rounded to whole units for big amounts."""
        cents = r.randint(lo * 100, hi * 100)
        return cents - cents % 100 if cents > 500_00 else cents

    # -- opening: capital and a loan ----------------------------------------------------------
    capital = int(150_000_00 * k)
    loan = int(60_000_00 * k)
    add(start, "Owner's capital contribution", [(acct["bank"], capital, None, None), (acct["capital"], -capital, None, None)])
    add(start, "Bank loan received", [(acct["bank"], loan, None, None), (acct["loan"], -loan, None, None)])
    if not stock_kept:
        add(start, "Opening stock purchase", [(acct["inventory"], int(40_000_00 * k), None, None),
                                              (acct["bank"], -int(40_000_00 * k), None, None)])

    n_invoice = 0
    open_tax = 0
    withholding = 0
    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    per_day_sales = 2.55 * k
    per_day_cash = 1.0 * k
    salaries = {e: r.randint(2_800, 5_200) * 100 for e in employees} or {None: 5_000_00}
    loan_left = loan
    cogs_since_purchase = 0
    cash_on_hand = 0
    stock = int(40_000_00 * k)
    for i, day in enumerate(days):
        weekday = day.weekday() < 5
        # sales invoices (with their cost of goods), and the customers' payments later
        if weekday:
            for _ in range(_poisson(r, per_day_sales)):
                n_invoice += 1
                customer = r.choice(customers) if customers else None
                net = money(150, 4_800)
                tax = (net * TAX_RATE_PCT + 50) // 100
                cost = net * r.randint(*MARGIN_COST_PCT) // 100
                code = f"INV-{n_invoice:06d}"
                goods = [] if stock_kept else [(acct["cogs"], cost, None, None), (acct["inventory"], -cost, None, None)]
                if not sales_kept:
                    add(day, f"Invoice {code}", [
                        (acct["receivable"], net + tax, None, customer), (acct["sales"], -net, None, None),
                        (acct["tax_payable"], -tax, None, None)] + goods, contact=customer, code=code)
                    open_tax += tax
                stock -= cost
                cogs_since_purchase += cost
                paid = day + dt.timedelta(days=r.randint(10, 60))
                if paid <= end and r.random() < 0.93 and not sales_kept:
                    add(paid, f"Payment for {code}", [(acct["bank"], net + tax, None, None),
                                                      (acct["receivable"], -(net + tax), None, customer)],
                        contact=customer, code=code)
            for _ in range(_poisson(r, per_day_cash)):
                net = money(5, 180)
                tax = (net * TAX_RATE_PCT + 50) // 100
                cost = net * r.randint(*MARGIN_COST_PCT) // 100
                goods = [] if stock_kept else [(acct["cogs"], cost, None, None), (acct["inventory"], -cost, None, None)]
                add(day, "Cash sale", [(acct["cash"], net + tax, None, None), (acct["sales"], -net, None, None),
                                       (acct["tax_payable"], -tax, None, None)] + goods)
                open_tax += tax
                stock -= cost
                cogs_since_purchase += cost
                cash_on_hand += net + tax
        # restock on account from a supplier when a week's goods are sold; pay about a month later
        while 3 * cogs_since_purchase > 2_500_00 * k and weekday:  # a third of 2,500.00 a day, in cents
            amount = min(cogs_since_purchase, money(800, 6_000) * max(1, round(k / 4)))
            supplier = r.choice(suppliers) if suppliers else None
            pay = day + dt.timedelta(days=r.randint(20, 40))
            stock += amount
            cogs_since_purchase -= amount
            if stock_kept:  # purchasing's orders, receipts, bills and payments instead
                continue
            add(day, "Supplier bill", [(acct["inventory"], amount, None, None),
                                       (acct["payable"], -amount, None, supplier)], contact=supplier)
            if pay <= end:
                add(pay, "Supplier payment", [(acct["payable"], amount, None, supplier),
                                              (acct["bank"], -amount, None, None)], contact=supplier)
        # monthly: rent, utilities, bank fees, loan interest; cash banked
        if day.day == 1:
            rent = int(4_200_00 * k)
            add(day, "Office and warehouse rent", [(acct["rent"], rent, None, None), (acct["bank"], -rent, None, None)])
            interest = loan_left * 6 // 1200
            repay = min(loan_left, loan // 60)
            loan_left -= repay
            add(day, "Loan interest and repayment", [(acct["interest"], interest, None, None),
                                                     (acct["loan"], repay, None, None),
                                                     (acct["bank"], -(interest + repay), None, None)])
            if withholding:
                add(day, "Payroll withholdings paid over", [(acct["payroll_liabilities"], withholding, None, None),
                                                            (acct["bank"], -withholding, None, None)])
                withholding = 0
        if day.day == 12:
            bill = int(money(380, 720) * k)
            add(day, "Electricity, water and internet", [(acct["utilities"], bill, None, None),
                                                         (acct["bank"], -bill, None, None)])
        if day.day == 28:
            fees = int(money(25, 90) * k)
            add(day, "Bank fees", [(acct["bank_fees"], fees, None, None), (acct["bank"], -fees, None, None)])
            if cash_on_hand > 0:
                add(day, "Cash takings banked", [(acct["bank"], cash_on_hand, None, None),
                                                 (acct["cash"], -cash_on_hand, None, None)])
                cash_on_hand = 0
        # payroll on the 15th and the last day of the month
        last = (day + dt.timedelta(days=1)).month != day.month
        if day.day == 15 or last:
            lines = []
            gross_total = 0
            for e, monthly in salaries.items():
                gross = int(monthly * k) // 2 if e is None else monthly // 2
                lines.append((acct["wages"], gross, None, e))
                gross_total += gross
            held = gross_total * 22 // 100
            withholding += held
            lines += [(acct["payroll_liabilities"], -held, None, None), (acct["bank"], -(gross_total - held), None, None)]
            add(day, f"Payroll {day:%Y-%m} {'1st' if day.day == 15 else '2nd'} half", lines)
        # quarterly: sales tax paid over
        if day.day == 20 and day.month in (1, 4, 7, 10) and open_tax and not sales_kept:  # else sales pays it
            add(day, "Sales tax paid", [(acct["tax_payable"], open_tax, None, None), (acct["bank"], -open_tax, None, None)])
            open_tax = 0
        if i % 30 == 0:
            report(i, len(days) * 2)
    entries.sort(key=lambda x: (x[0], x[1]))
    made = [e for _, _, e in entries]
    ids = write_entries(books, made, source_kind=SOURCE_DEMO,
                        audit_summary={"entries": len(made), "source": f"demo {size}, seed {seed}"},
                        progress=lambda d, t: report(len(days) + d * len(days) // max(t, 1), len(days) * 2))
    report(1, 1)
    return {"ledger entries": len(ids)}


def _poisson(r: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth for small means, a normal approximation for large)."""
    if mean > 30:
        return max(0, round(r.gauss(mean, mean ** 0.5)))
    import math

    limit = math.exp(-mean)
    n, p = 0, r.random()
    while p > limit:
        n += 1
        p *= r.random()
    return n
