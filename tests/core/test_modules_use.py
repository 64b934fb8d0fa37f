"""``modules.use`` is for tests: it swaps one list for the whole process, so blocks nest within
one thread, one opened from another thread is refused, and one left out of order warns."""

from __future__ import annotations

import threading

import pytest

from bizsuite.core import modules

SHIPPED = modules.installed()
CONTACTS_ONLY = ["bizsuite.crm.contacts"]


def names() -> list[str]:
    return [m.name for m in modules.installed()]


def test_blocks_nest_in_one_thread_and_put_the_list_back():
    with modules.use(CONTACTS_ONLY):
        assert names() == ["contacts"]
        with modules.use(["bizsuite.crm.contacts", "bizsuite.erp.ledger"]):
            assert names() == ["contacts", "ledger"]
        assert names() == ["contacts"]
    assert modules.installed() == SHIPPED


def test_a_block_from_another_thread_is_refused_while_one_is_open():
    caught: list[BaseException] = []

    def other() -> None:
        try:
            with modules.use(CONTACTS_ONLY):
                pass
        except RuntimeError as exc:
            caught.append(exc)

    with modules.use(CONTACTS_ONLY):
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert names() == ["contacts"]  # the other thread changed nothing
    assert len(caught) == 1 and "another thread holds a use() block" in str(caught[0])
    assert modules.installed() == SHIPPED
    t = threading.Thread(target=other)  # with no block open, another thread may open one
    t.start()
    t.join()
    assert len(caught) == 1


def test_blocks_left_out_of_order_warn_and_restore():
    outer = modules.use(CONTACTS_ONLY)
    inner = modules.use(["bizsuite.crm.contacts", "bizsuite.erp.ledger"])
    outer.__enter__()
    inner.__enter__()
    with pytest.warns(RuntimeWarning, match="swapped inside this block"):
        outer.__exit__(None, None, None)  # the outer one ends first
    assert modules.installed() == SHIPPED
    with pytest.warns(RuntimeWarning, match="ended after the block around it"):
        inner.__exit__(None, None, None)  # too late: it leaves the list as the outer one put it back
    assert modules.installed() == SHIPPED
