"""emit writes CSV and JSON a row at a time from any iterator: the JSON is exactly json.dump of the
whole list (indent 2), the CSV neutralises formula-like cells, and rows are read as they are written."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from bizsuite.cli.common import Fmt, emit

ROWS = [
    {"id": 1, "name": '=SUM("A1") 北京', "amount": Decimal("-10.80"), "day": dt.date(2025, 1, 2), "tags": ["a", "b"]},
    {"id": 2, "name": "plain\nline", "amount": None, "day": None, "tags": []},
    {"id": 3, "name": "@home", "amount": Decimal("0.00"), "day": dt.date(2025, 1, 3), "tags": [{"x": [1, 2]}]},
]
COLUMNS = ["id", "name", "amount", "day", "tags"]


@pytest.mark.parametrize("n", [0, 1, 3])
def test_json_from_an_iterator_is_json_dump_of_the_list(n):
    buf = io.StringIO()
    emit(iter(ROWS[:n]), COLUMNS, Fmt.json, numeric=["amount"], out=buf)
    expected = [{"id": r["id"], "name": r["name"], "amount": None if r["amount"] is None else f"{r['amount']:f}",
                 "day": r["day"].isoformat() if r["day"] else None, "tags": r["tags"]} for r in ROWS[:n]]
    assert buf.getvalue() == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


def test_rows_are_written_as_they_come():
    buf = io.StringIO()
    seen = []

    def rows():
        for r in ROWS:
            seen.append(buf.tell())  # what was written before this row was asked for
            yield r

    emit(rows(), COLUMNS, Fmt.csv, numeric=["amount"], out=buf)
    assert seen[0] > 0 and seen[0] < seen[1] < seen[2]
    assert buf.getvalue().splitlines()[:2] == ["id,name,amount,day,tags", "1,\"'=SUM(\"\"A1\"\") 北京\",-10.80,2025-01-02,a;b"]
    assert "'@home" in buf.getvalue()
