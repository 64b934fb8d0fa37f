"""Products and opening stock CSV imports (bizsuite/erp/stock/importer.py), on SQLite and PostgreSQL.

All or nothing: a bad line is named ``FILE:LINE: field: problem`` and nothing is written; an
import killed half-way leaves the books as they were; re-importing adds nothing.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from cli_runner import Bizsuite  # the one CLI runner, tests/cli_runner.py

from bizsuite.core.errors import Refused
from bizsuite.core.importer import ImportFailed
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.erp.stock.importer import import_opening, import_products
from bizsuite.erp.stock.models import Move, Product

HEADER = "sku,name,unit,price,tax_rate,reorder_point,reorder_qty,supplier"


@pytest.fixture
def books_store(store, owner):
    """Books with the standard chart (inventory, opening balances) and a supplier."""
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.contacts.add(ContactIn(name="Acme Supply", kind="company", roles=["supplier"]))
        b.contacts.add(ContactIn(name="Just A Customer", kind="company", roles=["customer"]))
    return store


def write(path: Path, lines: list[str], *, bom: bool = False, crlf: bool = False) -> Path:
    end = "\r\n" if crlf else "\n"
    data = end.join(lines) + end
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def counts(store, owner) -> dict[str, int]:
    with store.read(owner) as b:
        s = b.session
        return {t: s.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                ("stock_products", "stock_moves", "stock_quants", "ledger_entries", "ledger_lines", "audit_log",
                 "stock_locations")}


def check_ok(store, owner) -> None:
    with store.read(owner) as b:
        bad = [r for r in b.admin.check() if not r.ok]
    assert not bad, bad


# -- products ---------------------------------------------------------------------------------


def test_products_import_with_bom_and_crlf_writes_what_the_file_says(books_store, owner, tmp_path):
    f = write(tmp_path / "p.csv", [
        HEADER,
        "AB-100,Widget,pcs,12.50,13,5,20,Acme Supply",
        "螺-1,螺丝钉 M3,千克,0.0125,,2.5,10.125,",
        'C-3,"Cable, 2 m",m,3,8.875,,,',
    ], bom=True, crlf=True)
    with books_store.transaction(owner) as b:
        report = import_products(b, f)
    assert (report.read, report.imported, report.unchanged, report.rejected) == (3, 3, 0, [])
    with books_store.read(owner) as b:
        ab = b.stock.product("ab-100")
        screw = b.stock.product("螺-1")
        cable = b.stock.product("C-3")
        acme = b.contacts.resolve("Acme Supply")
        assert (ab.sku, ab.name, ab.unit, ab.price, ab.tax_rate, ab.reorder_point, ab.reorder_qty, ab.supplier_id) == \
            ("AB-100", "Widget", "pcs", Decimal("12.5"), Decimal(13), Decimal(5), Decimal(20), acme.id)
        assert (screw.unit, screw.price, screw.reorder_point, screw.reorder_qty, screw.supplier_id) == \
            ("千克", Decimal("0.0125"), Decimal("2.5"), Decimal("10.125"), None)
        assert (cable.name, cable.tax_rate, cable.on_hand, cable.value, cable.active, cable.version) == \
            ("Cable, 2 m", Decimal("8.875"), 0, 0, True, 1)
        assert cable.created_by == owner.name
        # audited product by product, with the file it came from
        rows = b.session.execute(text("SELECT entity_id, changes FROM audit_log WHERE entity = 'stock_products' "
                                      "ORDER BY id")).all()
        assert sorted(int(r[0]) for r in rows) == sorted([ab.id, screw.id, cable.id])
        assert all(f"import {f}" in r[1] for r in rows)
        assert any('"name": [null, "螺丝钉 M3"]' in r[1] for r in rows)
        page = b.stock.products(search="螺丝")
        assert [r.sku for r in page.rows] == ["螺-1"]
    check_ok(books_store, owner)


def test_a_malformed_products_csv_is_named_by_line_and_nothing_is_written(books_store, owner, tmp_path):
    f = write(tmp_path / "bad.csv", [
        HEADER,
        "OK-1,Fine,pcs,1,,,,",
        "BAD 2,Space in SKU,pcs,1,,,,",
        "BAD-3,Half a piece,pcs,1,,1.5,,",
        "BAD-4,Bad price,pcs,-2,,,,",
        "BAD-5,,pcs,1,,,,",
        "BAD-6,Unknown unit,furlong,1,,,,",
        "BAD-7,Rate,pcs,1,101,,,",
        "BAD-8,Not a supplier,pcs,1,,,,Just A Customer",
        "BAD-9,Nobody,pcs,1,,,,Nobody Ltd",
        "OK-1,Fine but different,pcs,2,,,,",
        "too,few",
    ])
    before = counts(books_store, owner)
    with pytest.raises(ImportFailed) as exc:
        with books_store.transaction(owner) as b:
            import_products(b, f)
    problems = exc.value.problems
    named = {p.split(": ")[0] for p in problems}
    assert named == {f"{f}:{n}" for n in (3, 4, 5, 6, 7, 8, 9, 10, 11, 12)}, problems
    said = "\n".join(problems)
    for fragment in (f"{f}:3: sku: 'BAD 2' has a space", f"{f}:4: reorder_point: 1.5 is not a whole number of pcs",
                     f"{f}:5: price: must not be negative", f"{f}:6: name: is required",
                     f"{f}:7: unit: 'furlong' is not a unit", f"{f}:8: tax_rate: must be a percentage",
                     f"{f}:9: supplier: Just A Customer", "is not a supplier", f"{f}:10: supplier: no contact",
                     f"{f}:11: sku: OK-1 is also on line 2", f"{f}:12: has 2 cells but the header has 8"):
        assert fragment in said, said
    assert counts(books_store, owner) == before


def test_dry_run_and_skip_invalid_with_rejects(books_store, owner, tmp_path):
    f = write(tmp_path / "p.csv", [HEADER, "A-1,Apple,pcs,1,,,,", "B-2,Bad,pcs,x,,,,", "C-3,Cherry,kg,2.5,,,,"])
    before = counts(books_store, owner)
    with books_store.read(owner) as b:
        dry = import_products(b, f, dry_run=True, skip_invalid=True)
    assert (dry.imported, len(dry.rejected), dry.dry_run) == (2, 1, True)
    assert counts(books_store, owner) == before
    rejects = tmp_path / "rejects.csv"
    with books_store.transaction(owner) as b:
        report = import_products(b, f, skip_invalid=True, rejects=rejects)
    assert (report.imported, [r.line for r in report.rejected]) == (2, [3])
    assert rejects.read_text(encoding="utf-8").splitlines() == [
        HEADER + ",line,error", "B-2,Bad,pcs,x,,,,,3,price: not a number: 'x'"]
    with books_store.read(owner) as b:
        assert sorted(p.sku for p in b.session.scalars(select(Product))) == ["A-1", "C-3"]


def test_reimporting_products_adds_nothing_and_leaves_what_is_there(books_store, owner, tmp_path):
    f = write(tmp_path / "p.csv", [HEADER, "A-1,Apple,pcs,1,,,,", "b-2,Banana,kg,2,,,,", "B-2,Banana,kg,2,,,,"])
    with books_store.transaction(owner) as b:
        first = import_products(b, f)
    assert (first.imported, first.unchanged) == (2, 1)  # line 4 repeats line 3 (the SKU's case aside)
    assert first.warnings == [f"{f}:4: sku: the same product as line 3; skipped"]
    after_first = counts(books_store, owner)
    with books_store.transaction(owner) as b:
        again = import_products(b, f)
    assert (again.imported, again.unchanged, again.rejected) == (0, 3, [])
    assert counts(books_store, owner) == after_first
    # a SKU already there is left as it is, with a warning when the file says something else
    g = write(tmp_path / "changed.csv", [HEADER, "a-1,Apple renamed,pcs,9,,,,", "D-4,Date,pcs,1,,,,"])
    with books_store.transaction(owner) as b:
        third = import_products(b, g)
    assert (third.imported, third.unchanged) == (1, 1)
    assert len(third.warnings) == 1 and third.warnings[0].startswith(f"{g}:2: sku: A-1 is already in the books")
    with books_store.read(owner) as b:
        assert (b.stock.product("A-1").name, b.stock.product("A-1").price) == ("Apple", Decimal(1))
    check_ok(books_store, owner)


def test_a_large_products_import_is_audited_as_one_load(books_store, owner, tmp_path):
    from bizsuite.core import audit

    n = audit.EACH_UP_TO + 5
    f = write(tmp_path / "big.csv", [HEADER] + [f"P{i:06d},Product {i},pcs,{i % 100}.25,13,{i % 7},,"
                                                for i in range(n)])
    before = counts(books_store, owner)
    with books_store.transaction(owner) as b:
        report = import_products(b, f)
    assert report.imported == n
    after = counts(books_store, owner)
    assert after["stock_products"] == before["stock_products"] + n
    assert after["audit_log"] == before["audit_log"] + 1
    with books_store.read(owner) as b:
        ids = sorted(b.session.scalars(select(Product.id)))
        entity_id, changes = b.session.execute(text(
            "SELECT entity_id, changes FROM audit_log WHERE entity = 'stock_products'")).one()
        assert entity_id == f"{ids[0]}-{ids[-1]}"
        assert f'"products": [null, {n}]' in changes
        p = b.stock.product("P000042")
        assert (p.price, p.reorder_point, p.tax_rate) == (Decimal("42.25"), Decimal(0), Decimal(13))
    check_ok(books_store, owner)


# -- opening stock ------------------------------------------------------------------------------


@pytest.fixture
def with_products(books_store, owner, tmp_path):
    f = write(tmp_path / "products.csv", [HEADER, "A-1,Apple,pcs,2,,,,", "K-1,Rice,kg,3,,,,", "OLD-1,Old,pcs,1,,,,"])
    with books_store.transaction(owner) as b:
        import_products(b, f)
        b.stock.add_location("Main")
        b.stock.add_location("Back Room")
        b.stock.set_active("OLD-1", False)
    return books_store


def test_opening_stock_posts_moves_and_one_entry_against_opening_balances(with_products, owner, tmp_path):
    store = with_products
    f = write(tmp_path / "opening.csv", ["sku,location,quantity,unit_cost", "a-1,,10,1.50", "A-1,back room,5,1.80",
                                         "K-1,Main,2.5,4.001"], bom=True, crlf=True)
    with store.transaction(owner) as b:
        report = import_opening(b, f, date="2026-01-01")
    assert (report.imported, report.unchanged) == (3, 0)
    with store.read(owner) as b:
        onhand = {(r.sku, r.location): r.on_hand for r in b.stock.onhand()}
        assert onhand == {("A-1", "Main"): 10, ("A-1", "Back Room"): 5, ("K-1", "Main"): Decimal("2.5")}
        moves = list(b.session.scalars(select(Move).order_by(Move.id)))
        assert {m.kind for m in moves} == {"opening"} and len({m.entry_id for m in moves}) == 1
        assert {m.source_ref for m in moves} == {moves[0].source_ref} and moves[0].source_ref.startswith("opening stock #")
        assert b.stock.total_value() == Decimal("15.00") + Decimal("9.00") + Decimal("10.00")  # 2.5 × 4.001 = 10.0025
        ob = b.ledger.role_account("opening_balances")
        assert b.ledger.balance(ob.id) == Decimal("-34.00")
        assert all(m.date.isoformat() == "2026-01-01" for m in moves)
    check_ok(store, owner)


def test_a_malformed_opening_csv_is_named_by_line_and_nothing_is_written(with_products, owner, tmp_path):
    store = with_products
    f = write(tmp_path / "opening.csv", [
        "sku,location,quantity,unit_cost",
        "A-1,Main,3,1",
        "NOPE,Main,1,1",
        "A-1,Attic,1,1",
        "A-1,Main,1.5,1",
        "A-1,Main,0,1",
        "K-1,Main,2,",
        "K-1,Main,2,-1",
        "OLD-1,Main,1,1",
    ])
    before = counts(store, owner)
    with pytest.raises(ImportFailed) as exc:
        with store.transaction(owner) as b:
            import_opening(b, f)
    said = "\n".join(exc.value.problems)
    assert {p.split(": ")[0] for p in exc.value.problems} == {f"{f}:{n}" for n in range(3, 10)}, said
    for fragment in (f"{f}:3: sku: unknown SKU 'NOPE'", f"{f}:4: location: no location 'Attic'",
                     f"{f}:5: quantity: 1.5 is not a whole number of pcs", f"{f}:6: quantity: must be more than zero",
                     f"{f}:7: unit_cost: is required", f"{f}:8: unit_cost: must not be negative",
                     f"{f}:9: sku: OLD-1 is inactive"):
        assert fragment in said, said
    assert counts(store, owner) == before  # the unknown location was not created either


def test_reimporting_opening_stock_adds_nothing_whatever_the_date(with_products, owner, tmp_path):
    store = with_products
    f = write(tmp_path / "opening.csv", ["sku,location,quantity,unit_cost", "A-1,Main,3,1", "K-1,Back Room,1.25,2",
                                         "X-9,Main,1,1"])
    with store.transaction(owner) as b:
        first = import_opening(b, f, date="2026-01-01", skip_invalid=True)
    assert (first.imported, len(first.rejected)) == (2, 1)
    after = counts(store, owner)
    for date in ("2026-01-01", "2026-02-01"):
        with store.transaction(owner) as b:
            again = import_opening(b, f, date=date, skip_invalid=True)
        assert (again.imported, again.unchanged) == (0, 2)
    assert counts(store, owner) == after
    # other rows are another opening: they land
    g = write(tmp_path / "more.csv", ["sku,location,quantity,unit_cost", "A-1,Main,4,1"])
    with store.transaction(owner) as b:
        assert import_opening(b, g, date="2026-01-01").imported == 1
    with store.read(owner) as b:
        assert b.stock.product("A-1").on_hand == 7
    check_ok(store, owner)


def test_opening_stock_into_a_locked_period_is_refused_whole(with_products, owner, tmp_path):
    store = with_products
    with store.transaction(owner) as b:
        b.ledger.lock("2025-12-31")
    f = write(tmp_path / "opening.csv", ["sku,location,quantity,unit_cost", "A-1,Main,3,1"])
    before = counts(store, owner)
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            import_opening(b, f, date="2025-06-30")
    assert str(exc.value).startswith(f"{f}: ") and "2025-12-31" in str(exc.value)
    assert counts(store, owner) == before


# -- the command line, and an import killed half-way --------------------------------------------


def _write_locked(path: str) -> bool:
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        conn.close()


def _kill_at(cli: Bizsuite, db: str, pause: str, *args) -> None:
    proc = cli.popen(*args, db=db, pause_after=pause)
    try:
        said = proc.stderr.readline()
        assert said == f"paused at {pause}\n", said + proc.stderr.read()
        if db.startswith("sqlite"):
            assert _write_locked(db.split("///", 1)[1]), "the import does not hold the write lock while it writes"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_a_products_import_killed_half_way_leaves_nothing(books_store, owner, tmp_path):
    cli = Bizsuite(tmp_path)
    db = books_store.location.url
    f = write(tmp_path / "big.csv", [HEADER] + [f"K{i:06d},Kappa {i},pcs,1,,,," for i in range(25_000)])
    before = counts(books_store, owner)
    books_store.engine.dispose()
    # the rows go in by 20,000: stopped (tests/launch_bizsuite.py) after the first executemany and killed
    _kill_at(cli, db, "bizsuite.erp.stock.importer:insert_rows@1", "stock", "import", f)
    assert counts(books_store, owner) == before
    check_ok(books_store, owner)
    r = cli("stock", "import", f, db=db)  # and the books are not left locked
    assert r.rc == 0 and "imported 25000" in r.stdout, r


def test_an_opening_import_killed_half_way_leaves_nothing(with_products, owner, tmp_path):
    store = with_products
    cli = Bizsuite(tmp_path)
    db = store.location.url
    f = write(tmp_path / "opening.csv", ["sku,location,quantity,unit_cost", "A-1,Main,3,1", "K-1,Main,2,2"])
    before = counts(store, owner)
    store.engine.dispose()
    # stopped after the moves and their entry were written, before the commit, and killed
    _kill_at(cli, db, "bizsuite.erp.stock.importer:_post_chunk@1", "stock", "opening", f, "--date", "2026-01-01")
    assert counts(store, owner) == before
    check_ok(store, owner)
    r = cli("stock", "opening", f, "--date", "2026-01-01", db=db)
    assert r.rc == 0 and "imported 2" in r.stdout, r
    r = cli("stock", "opening", f, db=db)
    assert r.rc == 0 and "imported 0" in r.stdout and "2 already present" in r.stdout, r


def test_cli_import_reports_lines_and_exits_1(books_store, owner, tmp_path):
    cli = Bizsuite(tmp_path)
    db = books_store.location.url
    f = write(tmp_path / "p.csv", [HEADER, "A-1,Apple,pcs,1,,,,", "B-2,Bad,pcs,1,,0.5,,"])
    r = cli("stock", "import", f, db=db)
    assert r.rc == 1 and r.err_lines == [f"{f}:3: reorder_point: 0.5 is not a whole number of pcs"], r
    assert "Traceback" not in r.stderr
    r = cli("stock", "import", f, "--dry-run", db=db)
    assert r.rc == 1 and "would import 1" in r.stdout, r
    r = cli("stock", "import", f, "--rejects", str(tmp_path / "r.csv"), db=db)
    assert r.rc == 2, r
    r = cli("stock", "import", f, "--skip-invalid", db=db)
    assert r.rc == 0 and "imported 1" in r.stdout and "1 rejected" in r.stdout, r
    r = cli("stock", "opening", write(tmp_path / "o.csv", ["sku,location,quantity,unit_cost", "A-1,,2,1"]),
            "--date", "yesterday-ish", db=db)
    assert r.rc == 1 and len(r.err_lines) == 1 and r.err_lines[0].startswith("--date:"), r
    with books_store.read(owner) as b:
        assert b.session.scalar(select(func.count()).select_from(Product)) == 1


@pytest.mark.parametrize("text_", ["0", "12.5", "12.50", "007", "0.000001", "99999999999.999999", "100000000000",
                                   "1.0000001", "1,234.50", "-1", "+2", ".5", "1e3", " 3 "])
def test_the_price_fast_path_gives_what_parse_price_gives(text_):
    from bizsuite.erp.stock.importer import _price
    from bizsuite.erp.stock.repository import parse_price

    def outcome(fn):
        try:
            return str(fn(text_, "price"))
        except Refused as exc:
            return "refused: " + "; ".join(exc.problems)

    assert outcome(_price(parse_price)) == outcome(parse_price)


@pytest.mark.parametrize("text_", ["  Widget ", "螺丝钉 M3", "a\u202eb", "a\tb", "x" * 201, "\u3000a\u3000", "", "a\u2028b",
                                   "tab\t", "e\u0301"])
def test_the_text_fast_path_gives_what_clean_text_gives(text_):
    from bizsuite.core.parsing import BadText, clean_text
    from bizsuite.erp.stock.importer import _text

    try:
        expected, problem = clean_text(text_, "name", limit=200), []
    except BadText as exc:
        expected, problem = None, [str(exc).split(": ", 1)[1]]
    errors = []
    assert _text(text_, "name", 200, errors) == expected
    assert [e.message for e in errors] == problem
