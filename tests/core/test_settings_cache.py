"""Books.setting remembers what each key holds for one unit of work, and never answers stale."""

from __future__ import annotations

from sqlalchemy import event

from bizsuite.core.models import Setting


def _selects(store):
    seen: list[str] = []

    def count(conn, cursor, statement, *a):
        if statement.lstrip().upper().startswith("SELECT") and "settings" in statement:
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(store.engine, "before_cursor_execute", count)


def test_a_missing_setting_is_looked_up_once_per_unit_of_work(store, owner):
    seen, stop = _selects(store)
    try:
        with store.transaction(owner) as books:
            for _ in range(20):
                assert books.setting("demo.nothing", "fallback") == "fallback"
        assert len(seen) == 1
        with store.transaction(owner) as books:  # a new unit of work asks again
            assert books.setting("demo.nothing") is None
        assert len(seen) == 2
        with store.transaction(owner) as books:  # a key that is there, too
            for _ in range(20):
                assert books.setting("company.currency") == books.currency
        assert len(seen) == 3
    finally:
        stop()


def test_written_in_the_same_unit_of_work_it_is_seen(store, owner):
    with store.transaction(owner) as books:
        assert books.setting("demo.k") is None
        books.set_setting("demo.k", "one")
        assert books.setting("demo.k") == "one"
        books.set_setting("demo.k", "two")
        assert books.setting("demo.k") == "two"
        assert books.setting("demo.other") is None
        books.session.add(Setting(key="demo.other", value="added directly"))
        assert books.setting("demo.other") == "added directly"
    with store.transaction(owner) as books:
        assert (books.setting("demo.k"), books.setting("demo.other")) == ("two", "added directly")
        books.session.get(Setting, "demo.other").value = "assigned directly"
        assert books.setting("demo.other") == "assigned directly"
        books.session.delete(books.session.get(Setting, "demo.k"))
        books.session.flush()
        assert books.setting("demo.k") is None


def test_a_rolled_back_savepoint_forgets_what_it_knew(store, owner):
    with store.transaction(owner) as books:
        books.set_setting("demo.k", "kept")
        books.session.flush()
        sp = books.session.begin_nested()
        books.session.delete(books.session.get(Setting, "demo.k"))
        books.session.flush()
        assert books.setting("demo.k") is None
        sp.rollback()
        assert books.setting("demo.k") == "kept"
