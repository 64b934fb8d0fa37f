"""Document numbers (core/numbering.py): gapless and never twice, with eight clerks at once, on
SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading

import pytest

from bizsuite.core import numbering
from bizsuite.core.errors import Refused


def test_a_series_counts_from_its_first_number_and_a_rollback_gives_the_number_back(store, owner):
    with store.transaction(owner) as b:
        assert numbering.peek(b, "purchasing.po", first=100) == 100
        assert [numbering.take(b, "purchasing.po", first=100) for _ in range(3)] == [100, 101, 102]
        assert numbering.take(b, "sales.invoice") == 1  # series are independent
    with pytest.raises(RuntimeError), store.transaction(owner) as b:
        assert numbering.take(b, "purchasing.po") == 103
        raise RuntimeError("the document was not saved")
    with store.transaction(owner) as b:
        assert numbering.take(b, "purchasing.po") == 103  # given back: no gap
        assert numbering.label(103, prefix="PO-") == "PO-00103"


def test_many_numbers_at_once_follow_the_single_ones_without_a_gap(store, owner):
    with store.transaction(owner) as b:
        assert numbering.take(b, "pipeline.deal") == 1
        assert list(numbering.take_many(b, "pipeline.deal", 4)) == [2, 3, 4, 5]
        assert list(numbering.take_many(b, "pipeline.deal", 0)) == []
        assert list(numbering.take_many(b, "pipeline.deal", 1)) == [6]
        assert list(numbering.take_many(b, "sales.order", 3, first=10)) == [10, 11, 12]  # a new series
    with pytest.raises(RuntimeError), store.transaction(owner) as b:
        numbering.take_many(b, "pipeline.deal", 50)
        raise RuntimeError("the import was refused")
    with store.transaction(owner) as b:
        assert numbering.take(b, "pipeline.deal") == 7
        assert [numbering.parse_label(t, "D-") for t in ("d-7", " D-00007 ", "D-٧", "x")] == \
            ["D-00007", "D-00007", "D-٧", "X"]


@pytest.mark.parametrize("series", ["", "po", "Purchasing.PO", "purchasing.po; drop table x", "a." + "b" * 60])
def test_a_series_is_named_module_dot_document(store, owner, series):
    with store.transaction(owner) as b, pytest.raises(Refused, match="is not a number series"):
        numbering.take(b, series)


def test_eight_clerks_at_once_never_share_a_number_and_leave_no_gap(store, owner):
    """Eight threads, each taking numbers in its own units of work, a third of which roll back:
    the committed numbers are 1..N, each once."""
    committed: list[int] = []
    guard = threading.Lock()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def clerk(seed: int) -> None:
        rnd = random.Random(seed)
        try:
            start.wait()
            for _ in range(12):
                try:
                    with store.transaction(owner) as b:
                        n = numbering.take(b, "sales.invoice")
                        if rnd.random() < 0.33:
                            raise LookupError("abandoned")
                except LookupError:
                    continue
                with guard:
                    committed.append(n)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(committed) > 8 * 12 // 2  # most of them committed: the race was real
    assert sorted(committed) == list(range(1, len(committed) + 1))
