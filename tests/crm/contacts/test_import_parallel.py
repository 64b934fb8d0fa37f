"""Large files are validated in worker processes; the outcome must equal the one-process path."""

import csv

from bizsuite.crm.contacts import importer


def _write(path, n):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "kind", "company", "email", "phone", "roles", "tags"])
        for i in range(n):
            bad_email = "not-an-email" if i % 97 == 0 else f"p{i}@example.com"
            w.writerow([f"Person {i}", "person", f"Firm {i % 13}", bad_email, f"+1 415 555 {i % 10000:04d}",
                        "customer" if i % 2 else "lead;supplier", "a;b"])


def test_parallel_validation_equals_sequential(tmp_path, monkeypatch, store, owner):
    if store.engine.dialect.name != "sqlite":
        return
    path = tmp_path / "many.csv"
    _write(path, 3000)
    file = importer.read_csv(path)
    layout = ("fields", tuple(importer.map_columns(file, importer.ALIASES, {}, required=("name",)).items()))
    todo = [(r.line, r.cells) for r in file.rows]
    one = importer._validate(todo, "bizsuite", layout, "US", "import many.csv", workers=1, progress=None,
                             total=len(todo))
    monkeypatch.setattr(importer, "PARALLEL_FROM", 100)
    many = importer._validate(todo, "bizsuite", layout, "US", "import many.csv", workers=2, progress=None,
                              total=len(todo))
    assert [x[0] for x in many] == [x[0] for x in one]  # same rows, same order
    assert many == one
    assert sum(1 for _, errors, _, _, _ in many if errors) == len(range(0, 3000, 97))

    # and the whole import lands the same rows through the parallel path
    with store.transaction(owner) as books:
        report = importer.import_contacts(books, path, skip_invalid=True, workers=2)
    assert report.imported == 3000 - len(range(0, 3000, 97))
    assert len(report.rejected) == len(range(0, 3000, 97))
    with store.read(owner) as books:
        assert books.contacts.count() == report.imported + 13  # people plus their 13 firms


def _indexes(store, owner):
    from sqlalchemy import text

    with store.read(owner) as books:
        return books.session.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")).all()


def test_people_before_their_company_row_are_linked_to_it(tmp_path, monkeypatch, store, owner):
    """A person read before the row of their company (in another worker's chunk, later) still
    ends up at that company, and no bare company is made for them."""
    path = tmp_path / "order.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "kind", "company", "email"])
        for i in range(1200):
            w.writerow([f"Person {i}", "person", f"firm {i % 7}", f"p{i}@example.com"])
        for k in range(7):
            w.writerow([f"Firm {k}", "company", "", f"info@firm{k}.example"])
    monkeypatch.setattr(importer, "PARALLEL_FROM", 100)
    with store.transaction(owner) as books:
        report = importer.import_contacts(books, path, workers=2)
    assert (report.imported, report.created_related) == (1207, 0)
    with store.read(owner) as books:
        firms = {r.email: r for r in books.contacts.iter_all(kind="company")}
        assert len(firms) == 7
        people = list(books.contacts.iter_all(kind="person"))
        assert len(people) == 1200
        for p in people:
            i = int(p.name.split()[1])
            assert p.company == f"Firm {i % 7}"  # the row's spelling: the company row, not a bare one
        assert books.contacts.count(query="firm") == 1207  # people are found by their company
    with store.transaction(owner) as books:
        bad = [r for r in books.admin.check() if not r.ok]
    assert not bad  # foreign keys and the search index are whole


def test_a_bad_row_late_in_a_big_file_leaves_nothing_written(tmp_path, monkeypatch, store, owner):
    path = tmp_path / "late.csv"
    _write(path, 3000)
    with open(path, "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(["Late Person", "person", "", "not-an-email", "", "", ""])
    monkeypatch.setattr(importer, "PARALLEL_FROM", 100)
    before = _indexes(store, owner) if store.engine.dialect.name == "sqlite" else None
    import pytest

    from bizsuite.core.importer import ImportFailed

    with pytest.raises(ImportFailed) as failed:
        with store.transaction(owner) as books:
            importer.import_contacts(books, path, workers=2)
    lines = {p.line for p in failed.value.items}
    assert 3002 in lines and len(lines) == len(range(0, 3000, 97)) + 1  # every bad row, the last too
    with store.read(owner) as books:
        assert books.contacts.count() == 0
        assert books.admin.audit(entity="contacts") == []
    if before is not None:
        assert _indexes(store, owner) == before
