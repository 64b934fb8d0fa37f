"""Stock posts to the ledger's roles; the role it adds (``stock_adjustment``, Module.accounts) is
given an account the first time books need it: the shipped chart's for the role, or the
module's default — so books made before stock was installed adjust stock without a set-up step."""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import delete

from stock_helpers import product, receive

from bizsuite.core.models import Setting
from bizsuite.erp.stock.models import MoveIn


def _forget_role(store, owner, role):
    with store.transaction(owner) as b:
        b.session.execute(delete(Setting).where(Setting.key == f"ledger.account.{role}"))


def test_books_without_the_role_get_the_charts_account(stock_store, owner):
    _forget_role(stock_store, owner, "stock_adjustment")
    with stock_store.transaction(owner) as b:
        product(b, "P")
        receive(b, "P", 2, 5)
        done = b.stock.adjust("P", by=-1, reason="broken")
        entry = b.ledger.entry(done.entry_ids[0])
        assert {ln.account for ln in entry.lines} == {"assets:inventory", "expenses:inventory adjustments"}
        assert b.ledger.role_accounts()["stock_adjustment"].code == "5100"


def test_chinese_books_without_the_role_use_the_chinese_charts_account(store, owner):
    with store.transaction(owner) as b:
        b.ledger.load_chart("cn-small")
        b.stock.add_location("主仓库")
    _forget_role(store, owner, "stock_adjustment")
    with store.transaction(owner) as b:
        product(b, "茶-1", name="龙井茶", unit="千克")
        receive(b, "茶-1", "2.5", "480")
        done = b.stock.adjust("茶-1", by="-0.5", reason="盘亏")
        lines = {ln.account: ln.amount for ln in b.ledger.entry(done.entry_ids[0]).lines}
        assert lines == {"资产:库存商品": D("-240.00"), "资产:待处理财产损溢": D("240.00")}


def test_books_with_no_chart_get_the_modules_default(store, owner):
    with store.transaction(owner) as b:
        b.ledger.add_account("assets:stock", type="asset")
        b.ledger.add_account("equity:opening", type="equity")
        b.ledger.set_role_account("inventory", "assets:stock")
        b.ledger.set_role_account("opening_balances", "equity:opening")
        b.stock.add_location("Main")
        product(b, "Q")
        b.stock.opening([MoveIn("Q", D(3), D(2))])
        done = b.stock.adjust("Q", by=-1, reason="lost")
        assert {ln.account for ln in b.ledger.entry(done.entry_ids[0]).lines} == {
            "assets:stock", "expenses:inventory adjustments"}
        assert b.ledger.role_accounts()["stock_adjustment"].type == "expense"
