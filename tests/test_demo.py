"""The demo company: reproducible, realistic, valid, and never in the way of real books."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.errors import Refused
from bizsuite.core.store import Store
from bizsuite.crm.contacts.models import Activity, Contact, ContactIn, ContactTag
from bizsuite.core import clock
from bizsuite.demo import BASE, demo_today, prepare_demo

CJK = re.compile(r"[\u3400-\u9fff]")
REGIONS = {"China": "CN", "United States": "US", "United Kingdom": "GB", "Germany": "DE",
           "France": "FR", "Australia": "AU", "Canada": "CA"}


def loc(path: Path) -> Location:
    return Location(to_url(str(path)), "test")


def build(path: Path, **kw) -> list[str]:
    """The demo as it is built on BASE's day (the same on any day the tests run)."""
    said: list[str] = []
    with clock.freeze(BASE):
        prepare_demo(loc(path), echo=said.append, **kw)
    return said


def digest(path: Path) -> str:
    """A digest of every contact row, tag and activity (the audit log's times are real ones)."""
    h = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for sql in ("SELECT * FROM contacts ORDER BY id", "SELECT * FROM contact_tags ORDER BY 1, 2",
                    "SELECT * FROM contact_activities ORDER BY id"):
            for row in conn.execute(sql):
                h.update(repr(row).encode())
    return h.hexdigest()


def file_bytes(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name)}


@pytest.fixture
def small_demo(small_demo_file) -> Path:
    return small_demo_file()  # built once per worker (tests/conftest.py), read here


@pytest.fixture
def quick_build(monkeypatch, small_demo_file) -> list[dict]:
    """``prepare_demo``'s decisions — reuse, rebuild, fill, refuse — without the half minute a
    build takes: its ``_build`` copies the run's build of that seed into the file and says how it
    was asked (a build itself is what ``small_demo_file``, ``test_db_option_fills_initialised_…``,
    ``test_a_demo_built_later…`` and the command-line tests make). Its calls, in order."""
    calls: list[dict] = []
    for seed in (7, 8):  # the real builds first (once per run): they go through _build too
        small_demo_file(seed)

    def copy(location, *, size, seed, refuse_data, progress):
        path = location.path
        found = path.stat().st_size if path.exists() else None  # None: what was there is gone
        calls.append({"path": path, "found": found, "size": size, "seed": seed, "refuse_data": refuse_data})
        location.path.parent.mkdir(parents=True, exist_ok=True)
        small_demo_file(seed, into=location.path)
        return {"contacts": 200}

    monkeypatch.setattr("bizsuite.demo._build", copy)
    return calls


@pytest.fixture
def demo_books(small_demo):
    store = Store.open(loc(small_demo))
    with store.read(store.actor_for(os_login())) as books:
        yield books
    store.close()


# -- same seed, same company --------------------------------------------------------------------


def test_same_seed_gives_the_same_company_and_another_seed_another(small_demo, small_demo_file):
    assert digest(small_demo_file(7, copy="again")) == digest(small_demo)  # a build of its own
    assert digest(small_demo_file(8)) != digest(small_demo)


# -- what is in it ------------------------------------------------------------------------------


def test_small_demo_has_about_200_contacts_in_two_scripts(demo_books):
    s = demo_books.session
    contacts = s.execute(select(Contact)).scalars().all()
    assert 180 <= len(contacts) <= 220
    chinese = [c for c in contacts if CJK.search(c.name)]
    latin = [c for c in contacts if not CJK.search(c.name)]
    assert 0.15 * len(contacts) <= len(chinese) <= 0.45 * len(contacts)
    assert len(latin) > len(chinese)
    assert any(c.kind == "company" and c.name.endswith("有限公司") for c in contacts)
    # companies with their people, and freelancers with none
    people_by_company: dict[int, int] = {}
    for c in contacts:
        if c.company_id:
            people_by_company[c.company_id] = people_by_company.get(c.company_id, 0) + 1
    assert len(people_by_company) >= 15
    assert any(c.kind == "person" and c.company_id is None for c in contacts)
    # every role, several countries, tags, notes
    for role in ("customer", "supplier", "lead", "employee"):
        assert any(role in c.roles for c in contacts), role
    assert {"China", "United States", "United Kingdom"} <= {c.country for c in contacts}
    assert any(c.notes for c in contacts)
    tags = dict(demo_books.contacts.all_tags())
    assert {"vip", "newsletter", "trade-show-2026"} <= set(tags)


def test_our_own_company_has_its_staff_as_employees_and_users(demo_books):
    ours = demo_books.session.get(Contact, 1)
    assert ours.kind == "company" and ours.name == demo_books.company
    staff = demo_books.session.scalars(select(Contact).where(Contact.company_id == ours.id)).all()
    assert staff and all(p.is_employee for p in staff)
    users = {u.name: u.role for u in demo_books.admin.users()}
    assert users[os_login()] == "owner"
    assert {"mei": "sales", "tom": "support", "ana": "accountant"}.items() <= users.items()


def test_activity_timeline_by_the_owner_and_the_demo_users(demo_books):
    s = demo_books.session
    acts = s.scalars(select(Activity)).all()
    assert len(acts) >= 150
    assert {a.kind for a in acts} == {"note", "call", "meeting", "email"}
    assert {a.author for a in acts} <= {os_login(), "mei", "tom", "ana"}
    assert len({a.author for a in acts}) >= 3
    created = dict(s.execute(select(Contact.id, Contact.created_at)).all())
    assert all(created[a.contact_id] <= a.occurred_at for a in acts)
    assert max(a.occurred_at for a in acts) <= BASE
    some = acts[0].contact_id
    assert demo_books.contacts.timeline(some)


def test_the_demo_company_s_today_is_the_last_close_of_business():
    from datetime import datetime, timezone

    utc = timezone.utc
    assert demo_today(datetime(2026, 11, 27, 10, 0, tzinfo=utc)) == datetime(2026, 11, 26, 17, 30, tzinfo=utc)
    assert demo_today(datetime(2026, 11, 27, 17, 30, tzinfo=utc)) == datetime(2026, 11, 27, 17, 30, tzinfo=utc)
    assert demo_today(datetime(2026, 11, 27, 23, 0, tzinfo=utc)) == datetime(2026, 11, 27, 17, 30, tzinfo=utc)
    assert demo_today(datetime(2025, 1, 1, tzinfo=utc)) == BASE  # a clock set back never goes before it


def test_a_demo_built_later_is_a_business_running_now(tmp_path, owner_name):
    """Built months after BASE, the books run up to that day: the ledger's year ends there, the
    timeline's latest activity is recent, tickets are of the last weeks."""
    from datetime import datetime, timedelta, timezone

    from bizsuite.crm.tickets.models import Ticket

    now = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    today = demo_today(now)
    path = tmp_path / "later.sqlite"
    with clock.freeze(now):
        prepare_demo(loc(path), echo=lambda m: None)
    store = Store.open(loc(path))
    try:
        with store.read(store.actor_for(owner_name)) as b:
            last = b.ledger.journal_page(limit=1).rows[0].date
            first = b.ledger.journal_page(newest_first=False, limit=1).rows[0].date
            assert today.date() - timedelta(days=4) <= last <= today.date()
            assert (today.date() - first).days == 364
            latest = b.session.scalar(select(func.max(Activity.occurred_at)))
            assert today - timedelta(days=30) <= latest.replace(tzinfo=timezone.utc) <= today
            newest_ticket = b.session.scalar(select(func.max(Ticket.created_at)))
            assert now - timedelta(days=7) <= newest_ticket.replace(tzinfo=timezone.utc) <= now
    finally:
        store.close()


def test_every_row_is_what_the_repository_would_store(demo_books):
    """Emails, phones, names, tags and the derived columns pass the app's own validation unchanged."""
    import phonenumbers

    repo = demo_books.contacts
    s = demo_books.session
    tags: dict[int, list[str]] = {}
    for cid, tag in s.execute(select(ContactTag.contact_id, ContactTag.tag)):
        tags.setdefault(cid, []).append(tag)
    for c in s.scalars(select(Contact)):
        errors = []
        cleaned = repo.clean(ContactIn(name=c.name, kind=c.kind, email=c.email, phone=c.phone,
                                       roles=c.roles, tags=tags.get(c.id, []), address=c.address,
                                       city=c.city, country=c.country, notes=c.notes), errors=errors)
        assert not errors, (c.name, errors)
        assert (cleaned.name, cleaned.email, cleaned.phone) == (c.name, c.email, c.phone)
        assert sorted(cleaned.tags) == sorted(tags.get(c.id, []))
        if c.phone:
            number = phonenumbers.parse(c.phone)
            assert phonenumbers.is_valid_number(number), c.phone
            assert phonenumbers.region_code_for_number(number) == REGIONS[c.country], (c.phone, c.country)


def test_likely_duplicates_to_show(demo_books):
    pairs = demo_books.contacts.all_duplicates()
    assert any(reason == "same email" for _, _, reason in pairs)
    same_email = next((a, b) for a, b, reason in pairs if reason == "same email")
    a, b = (demo_books.session.get(Contact, i) for i in same_email)
    assert a.email == b.email and a.name != b.name
    assert any(d.reason == "same email" for d in demo_books.contacts.duplicates_of(b.id))


def test_search_finds_both_scripts(demo_books):
    page = demo_books.contacts.page(query="有限公司", limit=50)
    assert page.total >= 3
    assert demo_books.contacts.page(query="@", limit=5).total >= 150


def test_integrity_check_passes(demo_books):
    results = demo_books.admin.check()
    assert results and all(r.ok for r in results), [(r.name, r.detail) for r in results if not r.ok]


def test_stock_demo_has_about_150_products_in_two_scripts_and_two_locations(demo_books):
    from bizsuite.erp.stock.models import Location as StockLocation, Product

    s = demo_books.session
    products = s.scalars(select(Product)).all()
    assert 140 <= len(products) <= 160
    chinese = [p for p in products if CJK.search(p.name)]
    assert 0.4 * len(products) <= len(chinese) <= 0.6 * len(products)
    by_weight = [p for p in products if p.unit == "kg"]
    assert by_weight and len(by_weight) < len(products)
    from bizsuite.erp.stock.models import Move

    weighed = s.scalars(select(Move.quantity).where(Move.product_id.in_([p.id for p in by_weight]))).all()
    assert any(q != q.to_integral_value() for q in weighed)  # half kilograms
    assert all(p.on_hand >= 0 and p.value >= 0 for p in products)
    locations = s.scalars(select(StockLocation)).all()
    assert len(locations) == 2 and sum(1 for x in locations if x.is_default) == 1
    page = demo_books.stock.products(search="茶")
    assert page.rows and all("茶" in r.name for r in page.rows)


def test_stock_moves_of_every_kind_over_the_year(demo_books):
    from datetime import timedelta

    from bizsuite.erp.stock.models import Move

    s = demo_books.session
    kinds = dict(s.execute(select(Move.kind, func.count()).group_by(Move.kind)).all())
    assert {"opening", "delivery", "receipt", "transfer", "adjustment"} <= set(kinds), kinds
    assert kinds["delivery"] >= 200 and kinds["receipt"] >= 50
    first, last = s.execute(select(func.min(Move.date), func.max(Move.date))).one()
    today = BASE.date()
    assert (today - first).days == 364
    assert today - timedelta(days=7) <= last <= today
    assert s.scalar(select(func.min(Move.date)).where(Move.kind != "opening")) > first


def test_inventory_account_is_the_stock_valuation_and_the_check_says_so(demo_books):
    ledger = demo_books.ledger
    inventory = ledger.role_account("inventory")
    value = demo_books.stock.total_value()
    assert value > 0
    assert ledger.balance(inventory.id) == value
    results = {r.name: r for r in demo_books.admin.check()}
    name = "the inventory account equals the stock valuation at every month end"
    assert name in results and results[name].ok, results[name].detail


def test_ledger_part_leaves_inventory_to_the_stock_and_purchasing_documents(demo_books):
    """With stock installed no hand-made entry touches inventory, COGS or supplier payables: the
    moves and purchasing's bills and payments post them."""
    from bizsuite.erp.ledger.models import Entry, Line, SOURCE_DEMO

    s = demo_books.session
    ledger = demo_books.ledger
    kept = [ledger.role_account(role).id for role in ("inventory", "cogs", "payable")]
    by_source = dict(s.execute(
        select(Entry.source_kind, func.count(func.distinct(Entry.id))).join(Line, Line.entry_id == Entry.id)
        .where(Line.account_id.in_(kept)).group_by(Entry.source_kind)).all())
    assert SOURCE_DEMO not in by_source, by_source
    assert {"stock_opening", "stock_issue", "purchase_receipt", "supplier_bill", "supplier_payment"} <= set(by_source)
    assert s.scalar(select(func.count()).select_from(Entry).where(
        Entry.memo.in_(("Opening stock purchase", "Supplier bill", "Supplier payment")))) == 0
    assert ledger.balance(ledger.role_account("cogs").id) > 0
    invoices = select(func.count()).select_from(Entry).where(Entry.memo.like("Invoice INV-%"))
    if demo_books.has("sales"):  # the invoices are the sales part's documents (fewer, larger: orders)
        assert s.scalar(invoices.where(Entry.source_kind == SOURCE_DEMO)) == 0
        assert s.scalar(invoices.where(Entry.source_kind == "sales_invoice")) >= 150
    else:
        assert s.scalar(invoices) >= 300


def test_purchase_orders_in_every_status_that_agree_with_their_documents(demo_books):
    from bizsuite.erp.purchasing.models import STATUSES, PurchaseOrder

    s = demo_books.session
    statuses = dict(s.execute(select(PurchaseOrder.status, func.count()).group_by(PurchaseOrder.status)).all())
    assert set(statuses) == set(STATUSES), statuses
    assert sum(statuses.values()) >= 80
    suppliers = set(s.scalars(select(PurchaseOrder.supplier_id)))
    assert all(demo_books.session.get(Contact, c).is_supplier for c in suppliers)
    assert len(suppliers) >= 5
    purchasing = demo_books.purchasing
    closed = purchasing.orders(status="closed")
    assert closed
    order = purchasing.order(closed[0].number)
    assert all(ln.received == ln.ordered and ln.billed == ln.received for ln in order.lines)
    aging = purchasing.aging()
    assert aging  # some bills still owed
    results = [r for r in demo_books.admin.check() if not r.ok]
    assert not results, [(r.name, r.detail) for r in results]


def test_audit_records_the_demo(demo_books):
    entries = demo_books.admin.audit(entity="contacts")
    # the load is one row; later rows are the year's own changes (a lead's order makes it a customer)
    load = [e for e in entries if "demo small, seed 7" in e.changes]
    assert len(load) == 1 and load[0].actor == os_login()
    assert all(e.actor == os_login() for e in entries)


def test_unknown_size_is_refused(tmp_path):
    with pytest.raises(Refused, match="size"):
        build(tmp_path / "x.sqlite", size="huge")
    assert not (tmp_path / "x.sqlite").exists()


# -- its own file: reuse or rebuild -------------------------------------------------------------


def _poke(path: Path, value: str) -> None:
    """Leave a mark in the books, to see whether they are rebuilt."""
    store = Store.open(loc(path))
    try:
        with store.transaction(store.actor_for(os_login())) as books:
            books.set_setting("test.mark", value)
    finally:
        store.close()


def _setting(path: Path, key: str) -> str | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def test_dedicated_file_is_reused_for_the_same_demo(tmp_path, small_demo_file):
    path = small_demo_file(into=tmp_path / "demo.sqlite")
    _poke(path, "kept")
    said = build(path)  # how fast a reuse is: a figure of bench/cli.py, not a test
    assert "reusing" in said[-1]
    assert _setting(path, "test.mark") == "kept"


def test_dedicated_file_is_rebuilt_for_another_seed(tmp_path, small_demo_file, quick_build):
    path = small_demo_file(into=tmp_path / "demo.sqlite")
    _poke(path, "gone")
    said = build(path, seed=8)
    assert any("rebuilding" in line for line in said)
    assert quick_build == [{"path": path, "found": None, "size": "small", "seed": 8, "refuse_data": False}]
    assert _setting(path, "test.mark") is None
    assert _setting(path, "demo.seed") == "8"


@pytest.mark.parametrize("content", [b"not a database at all\n", "real books"])
def test_dedicated_file_holding_anything_else_is_rebuilt(tmp_path, content, small_demo, quick_build):
    path = tmp_path / "demo.sqlite"
    if content == "real books":
        store = Store.open_or_create_empty(loc(path))
        store.initialise(company="Real Co", currency="EUR", owner=os_login())
        with store.transaction(store.actor_for(os_login())) as books:
            books.contacts.add(ContactIn(name="A Real Customer", email="real@customer.com"))
        store.close()
    else:
        path.write_bytes(content)
    said = build(path)
    assert any("rebuilding" in line for line in said)
    assert quick_build == [{"path": path, "found": None, "size": "small", "seed": 7, "refuse_data": False}]
    assert _setting(path, "demo.size") == "small"
    assert digest(path) == digest(small_demo)


# -- --db: fill only new or empty books, never anything else -------------------------------------


def test_db_option_fills_a_missing_or_empty_file(tmp_path, small_demo, quick_build):
    missing = tmp_path / "sub" / "new.sqlite"
    build(missing, dedicated=False)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    build(empty, dedicated=False)
    # filled, not removed first; under the write lock the build looks again for someone else's data
    assert [(c["path"], c["found"], c["refuse_data"]) for c in quick_build] == [(missing, None, True),
                                                                                (empty, 0, True)]
    assert digest(missing) == digest(empty) == digest(small_demo)


def test_db_option_fills_initialised_books_with_no_contacts_and_keeps_their_name(tmp_path):
    """A real build (into books that exist but hold nothing), with its progress and summary line."""
    path = tmp_path / "books.sqlite"
    store = Store.open_or_create_empty(loc(path))
    store.initialise(company="Acme Widgets Ltd", currency="GBP", owner=os_login())
    store.close()
    seen: list[tuple[int, int]] = []
    said = build(path, dedicated=False, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(0 <= d <= t for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert re.fullmatch(r"demo: 200 contacts, \d+ companies, [\d,]+ activities, .* in \d+\.\d s", said[-1]), said
    store = Store.open(loc(path))
    with store.read(store.actor_for(os_login())) as books:
        assert books.company == "Acme Widgets Ltd"
        assert books.session.get(Contact, 1).name == "Acme Widgets Ltd"
        assert books.contacts.count() == 200
        assert all(r.ok for r in books.admin.check())
    store.close()


def test_db_option_reuses_the_same_demo(tmp_path, small_demo_file):
    path = small_demo_file(into=tmp_path / "books.sqlite")
    said = build(path, dedicated=False)
    assert "reusing" in said[-1]


def _sqlite_with_a_table(path: Path, _=None) -> None:
    with sqlite3.connect(path) as conn:  # someone else's database, in rollback-journal mode
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('mine')")


def _books_with_a_contact(path: Path, _=None) -> None:
    store = Store.open_or_create_empty(loc(path))
    store.initialise(company="Real Co", currency="EUR", owner=os_login())
    with store.transaction(store.actor_for(os_login())) as books:
        books.contacts.add(ContactIn(name="A Real Customer", email="real@customer.com"))
    store.close()


def _another_demo(path: Path, demos) -> None:
    demos(8, into=path)


@pytest.mark.parametrize("make", [
    pytest.param(lambda p, _: p.write_bytes(b"hello, I am a text file\n"), id="text-file"),
    pytest.param(_sqlite_with_a_table, id="foreign-sqlite"),
    pytest.param(_books_with_a_contact, id="books-with-contacts"),
    pytest.param(_another_demo, id="another-demo"),
])
def test_db_option_refuses_books_holding_other_data_and_writes_nothing(tmp_path, make, small_demo_file):
    path = tmp_path / "books.sqlite"
    make(path, small_demo_file)
    before = file_bytes(path)
    with pytest.raises(Refused) as caught:
        build(path, dedicated=False)
    assert caught.value.problems == [
        f"{path}: already holds other data; the demo fills only new or empty books"
    ]
    assert file_bytes(path) == before


def test_books_on_any_backend(demo_location):
    """The demo on a database URL (conftest's ``demo_location``: on PostgreSQL the run's build,
    made by ``prepare_demo`` on the URL) passes every check, is reused, and is never dropped."""
    location = demo_location
    said: list[str] = []
    store = Store.open(location)
    try:
        with store.read(store.actor_for(os_login())) as books:
            assert books.contacts.count() == 200
            assert all(r.ok for r in books.admin.check())
            if books.dialect == "postgresql":
                # the tables were written in bulk: the planner has their statistics (without them
                # one check's plan over 100k deals took minutes)
                unanalysed = books.session.scalars(text(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NULL AND relname IN "
                    "('contacts', 'deals', 'deal_stage_changes', 'ledger_entries', 'stock_moves')")).all()
                assert unanalysed == []
    finally:
        store.close()
    with clock.freeze(BASE):
        prepare_demo(location, echo=said.append)
    assert "reusing" in said[-1]
    if location.path is None:
        with pytest.raises(Refused):
            prepare_demo(location, seed=1, echo=said.append)


# -- the command line ---------------------------------------------------------------------------


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIZSUITE_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CACHE_HOME=str(home / ".cache"),
               PYTHONHASHSEED="random")
    return env


def _bizsuite(*args: str, home: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("bizsuite")
    return subprocess.run([str(exe), *args], env=_env(home), capture_output=True, text=True, timeout=120)


def test_cli_demo_with_db(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    books = tmp_path / "cli.sqlite"
    day = demo_today()
    done = _bizsuite("--db", str(books), "demo", "--no-open", home=home)
    assert done.returncode == 0, done.stderr
    assert f"demo books ready at {books}" in done.stdout
    assert re.search(r"demo: 200 contacts, .* in \d+\.\d s", done.stderr)
    here = tmp_path / "here.sqlite"
    prepare_demo(loc(here), echo=lambda m: None)  # today's demo, built in this process
    if demo_today() == day:  # (not across a close of business)
        assert digest(books) == digest(here)  # another process, another hash seed: same company
    check = _bizsuite("--db", str(books), "check", home=home)
    assert check.returncode == 0, check.stdout + check.stderr
    again = _bizsuite("--db", str(books), "demo", "--no-open", "--seed", "8", home=home)
    assert again.returncode == 1
    assert again.stderr.strip() == f"{books}: already holds other data; the demo fills only new or empty books"


def test_cli_demo_in_its_own_file(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = _bizsuite("demo", "--no-open", home=home)
    assert done.returncode == 0, done.stderr
    demo = home / ".local" / "share" / "bizsuite" / "demo.sqlite"
    assert demo.exists() and _setting(demo, "demo.seed") == "7"
    assert not (home / ".local" / "share" / "bizsuite" / "books.sqlite").exists()
    again = _bizsuite("demo", "--no-open", home=home)
    assert again.returncode == 0 and "reusing" in again.stderr


# -- large --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("BIZSUITE_TEST_LARGE"), reason="set BIZSUITE_TEST_LARGE=1")
def test_large_demo_is_100k_contacts_fast(tmp_path):
    path = tmp_path / "large.sqlite"
    build(path, size="large")  # how long it takes: bench/contacts.py's "demo --size large" figure
    store = Store.open(loc(path))
    with store.read(store.actor_for(os_login())) as books:
        assert books.contacts.count() == 100_000
        assert all(r.ok for r in books.admin.check())
        assert books.session.scalar(select(func.count()).select_from(Activity)) > 100_000
    store.close()
