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
    importer.apply_columns(file, importer.map_columns(file, importer.ALIASES, {}, required=("name",)))
    todo = [(r.line, r.values) for r in file.rows]
    one = importer._validate(todo, "bizsuite", "US", "import many.csv", workers=1, progress=None, total=len(todo))
    monkeypatch.setattr(importer, "PARALLEL_FROM", 100)
    many = importer._validate(todo, "bizsuite", "US", "import many.csv", workers=2, progress=None, total=len(todo))
    assert [x[0] for x in many] == [x[0] for x in one]  # same rows, same order
    assert many == one
    assert sum(1 for _, errors, _, _ in many if errors) == len(range(0, 3000, 97))

    # and the whole import lands the same rows through the parallel path
    with store.transaction(owner) as books:
        report = importer.import_contacts(books, path, skip_invalid=True, workers=2)
    assert report.imported == 3000 - len(range(0, 3000, 97))
    assert len(report.rejected) == len(range(0, 3000, 97))
    with store.read(owner) as books:
        assert books.contacts.count() == report.imported + 13  # people plus their 13 firms
