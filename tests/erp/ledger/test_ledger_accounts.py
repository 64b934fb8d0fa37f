"""The chart of accounts: shipped charts, types, hierarchy, rename, deactivate, delete, roles."""

from __future__ import annotations

import pytest
from ledger_helpers import D, counts

from bizsuite.core.errors import NotFound, PermissionDenied, Refused, ValidationFailed
from bizsuite.erp.ledger.accounts import read_chart
from bizsuite.erp.ledger.models import ROLES


def test_standard_chart_has_every_role_and_english_top_levels(store, owner):
    with store.transaction(owner) as b:
        added = b.ledger.load_chart("standard")
        roles = b.ledger.role_accounts()
        names = {a.name: a for a in b.ledger.accounts()}
    assert added == len(read_chart("standard")) == 44
    assert all(roles[r] is not None for r in ROLES), roles
    assert {n for n in names if ":" not in n} == {"assets", "liabilities", "equity", "income", "expenses"}
    assert roles["bank"].name == "assets:bank:checking" and roles["bank"].code == "1010"
    assert names["assets:bank"].type == "asset" and names["assets:bank:checking"].parent_id == names["assets:bank"].id
    assert roles["retained_earnings"].type == "equity" and roles["cogs"].type == "expense"


def test_cn_small_chart_has_the_official_codes_and_names(store, owner):
    official = {
        "1001": "库存现金", "1002": "银行存款", "1012": "其他货币资金", "1122": "应收账款", "1403": "原材料",
        "1405": "库存商品", "1601": "固定资产", "1602": "累计折旧", "2001": "短期借款", "2202": "应付账款",
        "2211": "应付职工薪酬", "2221": "应交税费", "3001": "实收资本", "3103": "本年利润", "3104": "利润分配",
        "4001": "生产成本", "5001": "主营业务收入", "5051": "其他业务收入", "5401": "主营业务成本",
        "5403": "税金及附加", "5601": "销售费用", "5602": "管理费用", "5603": "财务费用", "5711": "营业外支出",
        "5801": "所得税费用",
    }
    with store.transaction(owner) as b:
        b.ledger.load_chart("cn-small")
        by_code = {a.code: a for a in b.ledger.accounts() if a.code}
        roles = b.ledger.role_accounts()
    # the 66 accounts of 财会〔2011〕17号 plus two detail accounts (220201 暂估应付款, 222101 进项税额)
    assert len(by_code) == 68
    for code, leaf in official.items():
        assert by_code[code].leaf == leaf, code
    assert by_code["1002"].name == "资产:银行存款" and by_code["1002"].type == "asset"
    assert by_code["2221"].type == "liability" and by_code["3104"].type == "equity"
    assert by_code["5001"].type == "income" and by_code["5602"].type == "expense"
    assert by_code["4001"].type == "asset"  # 成本类: work in progress, 存货 on the balance sheet
    assert roles["bank"].code == "1002" and roles["receivable"].code == "1122" and roles["payable"].code == "2202"
    assert roles["sales"].code == "5001" and roles["cogs"].code == "5401" and roles["tax_payable"].code == "2221"
    assert roles["retained_earnings"].code == "3104" and roles["grni"].code == "220201"
    assert all(roles[r] is not None for r in ROLES)


def test_loading_a_chart_twice_adds_nothing_and_keeps_changed_settings(books_store, owner):
    with books_store.transaction(owner) as b:
        b.ledger.set_role_account("bank", "assets:bank:savings")
        assert b.ledger.load_chart("standard") == 0
        assert b.ledger.role_account("bank").name == "assets:bank:savings"
    with books_store.transaction(owner) as b, pytest.raises(Refused, match="chart: "):
        b.ledger.load_chart("martian")


def test_add_account_types_from_parent_or_top_level(store, owner):
    with store.transaction(owner) as b:
        a = b.ledger.add_account("Assets:Bank:Savings")
        assert a.type == "asset" and a.depth == 3
        # missing parents are created, with the same type
        assert b.ledger.account("Assets:Bank").type == "asset"
        assert b.ledger.add_account("资产:银行存款:工行", code="100201").type == "asset"
        assert b.ledger.add_account("负债:借款").type == "liability"
        assert b.ledger.add_account("所有者权益:实收资本").type == "equity"
        assert b.ledger.add_account("权益:资本").type == "equity"
        assert b.ledger.add_account("revenue:consulting").type == "income"
        assert b.ledger.add_account("收入:服务").type == "income"
        assert b.ledger.add_account("expense:travel").type == "expense"
        assert b.ledger.add_account("费用:差旅").type == "expense"
        assert b.ledger.add_account("成本:材料").type == "expense"
        # an unknown top level needs a type; given one, its children inherit it
        with pytest.raises(ValidationFailed, match="cannot tell the type of 'foo:bar'"):
            b.ledger.add_account("foo:bar")
        assert b.ledger.add_account("foo:bar", type="asset").type == "asset"
        assert b.ledger.add_account("foo:bar:baz").type == "asset"


@pytest.mark.parametrize("name, problem", [
    ("assets::bank", "empty part"),
    ("assets:bank  checking", "two spaces"),
    ("assets:bank\tchecking", "tab"),
    ("assets:bank;x", "';'"),
    ("(assets:bank)", "brackets"),
    ("", "required"),
])
def test_account_names_a_journal_could_not_read_back_are_refused(books_store, owner, name, problem):
    with books_store.transaction(owner) as b, pytest.raises(ValidationFailed, match=problem):
        b.ledger.add_account(name)


def test_duplicate_names_and_codes_are_refused(books_store, owner):
    with books_store.transaction(owner) as b:
        with pytest.raises(ValidationFailed, match="already exists"):
            b.ledger.add_account("assets:cash")
        with pytest.raises(ValidationFailed, match="1010 is already the code of assets:bank:checking"):
            b.ledger.add_account("assets:bank:other", code="1010")


def test_resolve_by_code_name_leaf_or_id(books_store, owner):
    with books_store.transaction(owner) as b:
        checking = b.ledger.account("assets:bank:checking")
        assert b.ledger.account("1010") is checking
        assert b.ledger.account("checking") is checking
        assert b.ledger.account("Assets:Bank:Checking") is checking
        assert b.ledger.account(f"#{checking.id}") is checking
        assert b.ledger.account(checking.id) is checking
        b.ledger.add_account("liabilities:checking")
        with pytest.raises(Refused, match="several accounts"):
            b.ledger.account("checking")
        with pytest.raises(NotFound, match="unknown account 'nope'"):
            b.ledger.account("nope")
        picks = [a.name for a in b.ledger.accounts_matching("ren")]
        assert picks[0] == "expenses:rent"


def test_rename_moves_sub_accounts_and_history_shows_the_new_name(books_store, owner):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-05", "deposit", [("assets:bank:checking", D(100)), ("owner capital", None)])
        b.ledger.rename_account("assets:bank", "assets:banks")
        assert b.ledger.account("assets:banks:checking").parent_id == b.ledger.account("assets:banks").id
        assert [ln.account for ln in b.ledger.entry(e.id).lines][0] == "assets:banks:checking"
        b.ledger.rename_account("assets:banks:checking", "assets:current:operating")
        assert b.ledger.account("assets:current").type == "asset"
        tb = {r.account for r in b.ledger.trial_balance()}
        assert "assets:current:operating" in tb and "assets:banks:checking" not in tb
        with pytest.raises(ValidationFailed, match="already exists"):
            b.ledger.rename_account("assets:cash", "assets:current:operating")
        with pytest.raises(ValidationFailed, match="under itself"):
            b.ledger.rename_account("assets:current", "assets:current:x")


def test_inactive_accounts_take_no_new_postings_but_keep_history(books_store, owner):
    with books_store.transaction(owner) as b:
        b.ledger.post_entry("2025-01-05", "x", [("assets:cash", D(10)), ("owner capital", D(-10))])
        b.ledger.set_active("assets:cash", False)
    with books_store.transaction(owner) as b:
        before = counts(b)
        with pytest.raises(ValidationFailed, match="assets:cash is inactive"):
            b.ledger.post_entry("2025-01-06", "y", [("assets:cash", D(5)), ("owner capital", D(-5))])
        assert counts(b) == before
        assert {r.account: r.balance for r in b.ledger.trial_balance()}["assets:cash"] == D(10)
        b.ledger.set_active("assets:cash", True)
        b.ledger.post_entry("2025-01-06", "y", [("assets:cash", D(5)), ("owner capital", D(-5))])


def test_delete_only_when_never_used(books_store, owner):
    with books_store.transaction(owner) as b:
        b.ledger.post_entry("2025-01-05", "x", [("assets:cash", D(10)), ("owner capital", D(-10))])
        with pytest.raises(Refused, match="has entries; deactivate it instead"):
            b.ledger.delete_account("assets:cash")
        with pytest.raises(Refused, match="sub-accounts"):
            b.ledger.delete_account("assets:bank")
        with pytest.raises(Refused, match="is the bank account"):
            b.ledger.delete_account("assets:bank:checking")
        b.ledger.delete_account("expenses:travel")
        with pytest.raises(NotFound):
            b.ledger.account("expenses:travel")


def test_type_changes_only_while_unused(books_store, owner):
    with books_store.transaction(owner) as b:
        assert b.ledger.update_account("assets:prepaid expenses", type="expense").type == "expense"
        b.ledger.post_entry("2025-01-05", "x", [("assets:cash", D(10)), ("owner capital", D(-10))])
        with pytest.raises(ValidationFailed, match="has posted lines"):
            b.ledger.update_account("assets:cash", type="liability")
        assert b.ledger.update_account("assets:cash", code="1001").code == "1001"
        assert b.ledger.update_account("assets:cash", code="").code is None


def test_roles_point_at_accounts_and_say_how_to_set_them(store, owner):
    with store.transaction(owner) as b:
        with pytest.raises(Refused, match="no bank account is set; set one with: bizsuite ledger set-account bank"):
            b.ledger.role_account("bank")
        b.ledger.add_account("assets:bank:main")
        b.ledger.set_role_account("bank", "assets:bank:main")
        assert b.ledger.role_account("bank").name == "assets:bank:main"
        assert b.setting("ledger.account.bank") == str(b.ledger.account("assets:bank:main").id)
        with pytest.raises(Refused, match="not an account role"):
            b.ledger.set_role_account("piggybank", "assets:bank:main")


def test_permissions_by_role(books_store, owner):
    from bizsuite.core.auth import Actor

    with books_store.transaction(owner) as b:
        for name, role in (("ana", "accountant"), ("vic", "viewer"), ("sam", "sales")):
            b.admin.add_user(name, role)
    accountant, viewer, sales = Actor("ana", "accountant"), Actor("vic", "viewer"), Actor("sam", "sales")
    with books_store.transaction(accountant) as b:
        b.ledger.add_account("assets:petty cash")
        b.ledger.post_entry("2025-01-05", "x", [("assets:petty cash", D(10)), ("owner capital", None)])
    with books_store.transaction(viewer) as b:
        assert b.ledger.trial_balance()
        with pytest.raises(PermissionDenied, match="vic \\(viewer\\) may not change ledger"):
            b.ledger.add_account("assets:x")
        with pytest.raises(PermissionDenied):
            b.ledger.post_entry("2025-01-05", "x", [("assets:cash", D(1)), ("owner capital", None)])
    with books_store.transaction(sales) as b:
        with pytest.raises(PermissionDenied, match="may not see ledger"):
            b.ledger.trial_balance()
        with pytest.raises(PermissionDenied, match="may not see ledger"):
            b.ledger.accounts()
