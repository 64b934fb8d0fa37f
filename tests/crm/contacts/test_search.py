"""Contact search, filters, sorting and paging — on SQLite (FTS5 trigram) and PostgreSQL (LIKE)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bizsuite.core import clock
from bizsuite.core.errors import Refused
from bizsuite.crm.contacts.models import ContactIn

PEOPLE = [
    ContactIn(name="Ann Lee", company="Acme Inc", email="ann.lee@acme.example", phone="(415) 555-0123",
              roles=["customer"], tags=["vip"], city="San Francisco"),
    ContactIn(name="Bob Stone", company="Globex", email="bob@globex.example", phone="+44 20 7946 0958",
              roles=["supplier"], tags=["wholesale"], city="London"),
    ContactIn(name="Cy Young", email="cy@example.org", roles=["lead", "customer"], tags=["vip", "golf"],
              city="Boston"),
    ContactIn(name="王小明", company="北京科技有限公司", roles=["supplier"], city="北京"),
    ContactIn(name="李四", city="上海"),
]

TRICKY = [
    '100% Cotton_Co "Best"',
    "1000 Widgets",
    "AB_C Trading",
    "ABXC Trading",
    "O'Brien & Sons",
    "Star*Co",
    "Sand Andover",
    "NEAR(x) Labs",
    "Foo-Bar",
    "Caret^Inc",
    r"Back\slash",
    "7-11 Shops",
]


@pytest.fixture
def people(store, owner):
    with store.transaction(owner) as b:
        for p in PEOPLE:
            b.contacts.add(p)
    return store


@pytest.fixture
def tricky(store, owner):
    with store.transaction(owner) as b:
        for name in TRICKY:
            b.contacts.add(ContactIn(name=name, kind="company"))
    return store


def names(store, owner, query="", **filters) -> list[str]:
    with store.read(owner) as b:
        page = b.contacts.page(query=query, limit=500, **filters)
        assert page.total == len(page.rows) == b.contacts.count(query=query, **filters)
        return sorted(r.name for r in page.rows)


BY_FIELD = [
        ("ann", ["Ann Lee"]),
        ("LEE", ["Ann Lee"]),
        ("ann lee", ["Ann Lee"]),  # every word must match ...
        ("ann stone", []),  # ... not any word
        ("acme", ["Acme Inc", "Ann Lee"]),  # the company and the person who works there
        ("globex", ["Bob Stone", "Globex"]),
        ("bob@globex", ["Bob Stone"]),
        ("example.org", ["Cy Young"]),
        ("5550123", ["Ann Lee"]),  # phone digits
        ("14155550123", ["Ann Lee"]),
        ("442079", ["Bob Stone"]),
        ("+1 415-555-0123", ["Ann Lee"]),  # a phone as it is written and shown ...
        ("(415) 555-0123", ["Ann Lee"]),
        ("+14155550123", ["Ann Lee"]),
        ("+44 20 7946 0958", ["Bob Stone"]),  # ... with its country code
        ("415 555", ["Ann Lee"]),  # short digit groups are words like any other
        ("vip", ["Ann Lee", "Cy Young"]),  # tag
        ("golf", ["Cy Young"]),
        ("london", ["Bob Stone"]),  # city
        ("san fran", ["Ann Lee"]),
        ("上海", ["李四"]),
        ("zzz", []),
]


def mismatches(store, owner, cases) -> list[str]:
    """Run every (query, expected) case on one set of books; list the ones that went wrong."""
    out = []
    for query, expected in cases:
        got = names(store, owner, query)
        if got != sorted(expected):
            out.append(f"{query!r}: expected {sorted(expected)}, got {got}")
    return out


def test_search_finds_by_any_field(people, owner):
    assert mismatches(people, owner, BY_FIELD) == []


CHINESE = [
        ("王", ["王小明"]),  # one character
        ("明", ["王小明"]),
        ("小明", ["王小明"]),  # two
        ("王小明", ["王小明"]),  # three
        ("李", ["李四"]),
        ("科技", ["北京科技有限公司", "王小明"]),  # a part of the company name finds it and its people
        ("北京科技", ["北京科技有限公司", "王小明"]),
        ("有限公司", ["北京科技有限公司", "王小明"]),
        ("北京", ["北京科技有限公司", "王小明"]),  # also the city
        ("王 科技", ["王小明"]),
        ("小红", []),
]


def test_chinese_names_are_found_by_any_part(people, owner):
    assert mismatches(people, owner, CHINESE) == []


LITERAL = [
        ("100%", ['100% Cotton_Co "Best"']),  # % is a literal, not LIKE's wildcard: no "1000 Widgets"
        ("0%", ['100% Cotton_Co "Best"']),
        ("100", ['100% Cotton_Co "Best"', "1000 Widgets"]),
        ("%", ['100% Cotton_Co "Best"']),
        ("_", ['100% Cotton_Co "Best"', "AB_C Trading"]),  # _ is a literal, matches only real underscores
        ("b_c", ["AB_C Trading"]),  # not ABXC
        ("ab_c", ["AB_C Trading"]),
        ("n_c", ['100% Cotton_Co "Best"']),
        ('"best"', ['100% Cotton_Co "Best"']),
        ('"', ['100% Cotton_Co "Best"']),
        ('co "best', ['100% Cotton_Co "Best"']),
        ("o'brien", ["O'Brien & Sons"]),
        ("'", ["O'Brien & Sons"]),
        ("&", ["O'Brien & Sons"]),
        ("*", ["Star*Co"]),
        ("star*", ["Star*Co"]),
        ("st*", []),  # not a prefix query: no "Stone"/"Star" wildcard
        ("AND", ["Sand Andover"]),  # FTS operators are text: "and" inside Sand/Andover
        ("sand AND andover", ["Sand Andover"]),
        ("OR", []),  # no contact contains "or"
        ("NEAR(", ["NEAR(x) Labs"]),
        ("near(x)", ["NEAR(x) Labs"]),
        ("-", ["Foo-Bar", "7-11 Shops"]),
        ("7-11", ["7-11 Shops"]),  # digits with punctuation that are not a phone stay literal
        ("foo-bar", ["Foo-Bar"]),
        ("-bar", ["Foo-Bar"]),  # not "NOT bar"
        ("^", ["Caret^Inc"]),
        ("^inc", ["Caret^Inc"]),
        ("\\", [r"Back\slash"]),
        ("k\\s", [r"Back\slash"]),
        ("(", ["NEAR(x) Labs"]),
        (":", []),
]


def test_characters_a_user_types_are_searched_literally(tricky, owner):
    assert mismatches(tricky, owner, LITERAL) == []


def test_search_never_fails_on_odd_input(tricky, owner):
    with tricky.read(owner) as b:
        for q in ['"""', "a\"b", "((", "NOT", "* *", "NEAR(a b, 3)", "col:val", "{a b}", "x OR y", "' OR 1=1 --"]:
            b.contacts.page(query=q)  # raises on a syntax error in the FTS/LIKE expression
        assert b.contacts.page(query="   ").total == len(TRICKY)  # blank: no filter


def test_filters_by_role_tag_kind_and_combined_with_search(people, owner):
    assert names(people, owner, role="customer") == ["Ann Lee", "Cy Young"]
    assert names(people, owner, role="supplier") == ["Bob Stone", "王小明"]
    assert names(people, owner, role="lead") == ["Cy Young"]
    assert names(people, owner, role="employee") == []
    assert names(people, owner, tag="vip") == ["Ann Lee", "Cy Young"]
    assert names(people, owner, tag="VIP") == ["Ann Lee", "Cy Young"]  # tags are case-insensitive
    assert names(people, owner, kind="company") == ["Acme Inc", "Globex", "北京科技有限公司"]
    assert len(names(people, owner, kind="person")) == len(PEOPLE)
    assert names(people, owner, role="customer", tag="golf") == ["Cy Young"]
    assert names(people, owner, "acme", kind="person") == ["Ann Lee"]
    assert names(people, owner, "bo", role="customer", kind="person", tag="vip") == ["Cy Young"]
    with people.read(owner) as b:
        acme = b.contacts.resolve("Acme Inc")
        assert [r.name for r in b.contacts.page(company_id=acme.id).rows] == ["Ann Lee"]
        with pytest.raises(Refused, match="role"):
            b.contacts.page(role="boss")
        with pytest.raises(Refused, match="kind"):
            b.contacts.page(kind="robot")


def test_rows_carry_company_roles_and_tags(people, owner):
    with people.read(owner) as b:
        (ann,) = b.contacts.page(query="ann lee").rows
    assert (ann.company, ann.email, ann.phone, ann.roles, ann.tags, ann.city) == (
        "Acme Inc", "ann.lee@acme.example", "+14155550123", ["customer"], ["vip"], "San Francisco")
    with people.read(owner) as b:
        (cy,) = b.contacts.page(query="cy young").rows
    assert (cy.company, cy.roles, cy.tags) == (None, ["customer", "lead"], ["golf", "vip"])


def test_sort_orders(store, owner, frozen_clock):
    # created in the order b, C, a; then "b" is edited last
    with store.transaction(owner) as b:
        for i, n in enumerate(["bravo", "Charlie", "alpha"]):
            with clock.freeze(frozen_clock + timedelta(minutes=i)):
                b.contacts.add(ContactIn(name=n))
    with clock.freeze(frozen_clock + timedelta(hours=1)), store.transaction(owner) as b:
        c = b.contacts.resolve("bravo")
        data = b.contacts.as_input(c)
        data.city = "Rome"
        b.contacts.update(c.id, data)
    with store.read(owner) as b:
        order = lambda sort: [r.name for r in b.contacts.page(sort=sort).rows]  # noqa: E731
        assert order("name") == ["alpha", "bravo", "Charlie"]  # case-insensitive
        assert order("created") == ["alpha", "Charlie", "bravo"]  # newest first
        assert order("updated") == ["bravo", "alpha", "Charlie"]  # recently changed first
        with pytest.raises(Refused, match="sort"):
            b.contacts.page(sort="colour")


def test_paging_with_offset_limit_and_total(store, owner):
    with store.transaction(owner) as b:
        for i in range(23):
            b.contacts.add(ContactIn(name=f"Person {i:02d}", tags=["even" if i % 2 == 0 else "odd"]))
        b.contacts.add(ContactIn(name="Other"))
    with store.read(owner) as b:
        pages = [b.contacts.page(query="person", offset=o, limit=10) for o in (0, 10, 20, 30)]
        assert [len(p.rows) for p in pages] == [10, 10, 3, 0]
        assert {p.total for p in pages} == {23}
        seen = [r.name for p in pages for r in p.rows]
        assert seen == [f"Person {i:02d}" for i in range(23)]  # no gaps, no repeats, in order
        even = b.contacts.page(tag="even", offset=5, limit=4)
        assert even.total == 12 and [r.name for r in even.rows] == [f"Person {i:02d}" for i in (10, 12, 14, 16)]
        assert sum(1 for _ in b.contacts.iter_all(batch=7, query="person")) == 23


def test_search_follows_edits(store, owner):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann", email="ann@old.example", tags=["alpha"])).id
    with store.transaction(owner) as b:
        data = b.contacts.as_input(b.contacts.get(cid))
        data.email, data.tags = "ann@new.example", ["beta"]
        b.contacts.update(cid, data)
    assert names(store, owner, "old.example") == []
    assert names(store, owner, "new.example") == ["Ann"]
    assert names(store, owner, "alpha") == [] and names(store, owner, "beta") == ["Ann"]
    with store.transaction(owner) as b:
        b.contacts.delete(cid)
    assert names(store, owner, "new.example") == []


def test_companies_matching_for_pickers(people, owner):
    with people.read(owner) as b:
        assert [c.name for c in b.contacts.companies_matching("科技")] == ["北京科技有限公司"]
        assert [c.name for c in b.contacts.companies_matching("glo")] == ["Globex"]
        assert [c.name for c in b.contacts.companies_matching("")] == ["Acme Inc", "Globex", "北京科技有限公司"]
