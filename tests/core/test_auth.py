from pathlib import Path

import pytest

from bizsuite.core.auth import MATRIX, PERMISSIONS, ROLES, Actor, matrix_markdown
from bizsuite.core.errors import PermissionDenied

README = Path(__file__).resolve().parents[2] / "README.md"


def test_owner_may_do_everything_and_viewer_never_sees_payroll():
    assert MATRIX["owner"] == set(PERMISSIONS)
    assert not {p for p in MATRIX["viewer"] if p.startswith("payroll") or not p.endswith(".read")}
    for role in ROLES:
        if role not in ("owner", "hr"):
            assert not any(p.startswith("payroll") for p in MATRIX[role]), role


@pytest.mark.parametrize(
    "role,permission,allowed",
    [
        ("support", "tickets.write", True), ("support", "ledger.read", False),
        ("sales", "contacts.write", True), ("sales", "ledger.read", False),
        ("warehouse", "contacts.write", False), ("accountant", "ledger.write", True),
        ("hr", "contacts.read", True), ("hr", "tickets.read", False),
        ("viewer", "tickets.read", True), ("viewer", "contacts.write", False),
    ],
)
def test_matrix(role, permission, allowed):
    actor = Actor(name="x", role=role)
    assert actor.can(permission) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied, match=f"x \\({role}\\) may not"):
            actor.require(permission)


def test_readme_shows_the_matrix_the_code_enforces():
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- roles:begin -->")[1].split("<!-- roles:end -->")[0].strip()
    assert block == matrix_markdown()
