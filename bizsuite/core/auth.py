"""Users, roles and what each role may do — the one place the matrix lives.

The acting user is the OS login (``pwd.getpwuid(os.getuid())``), never an environment
variable. The owner may act as another user (``--as``); the audit log then records both.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass

from bizsuite.core.errors import PermissionDenied

ROLES: dict[str, str] = {
    "owner": "everything, including users, backup, restore and the audit log",
    "accountant": "ledger, bills, invoices, payments and reports; reads contacts, stock, orders",
    "hr": "payroll and employees; reads contacts",
    "sales": "contacts, pipeline, quotes and orders; reads stock",
    "support": "contacts and tickets",
    "warehouse": "stock, receipts and deliveries; reads contacts and orders",
    "viewer": "reads everything except payroll",
}

# Every permission in the product. ``<area>.read`` lets a user see an area, ``<area>.write``
# change it; a few actions are split out because roles share a document but not its steps.
PERMISSIONS: tuple[str, ...] = (
    "contacts.read", "contacts.write",
    "ledger.read", "ledger.write",
    "reports.read",
    "stock.read", "stock.write",
    "purchasing.read", "purchasing.write", "purchasing.receive", "purchasing.bill",
    "purchasing.pay",
    "sales.read", "sales.write", "sales.deliver", "sales.invoice", "sales.pay",
    "pipeline.read", "pipeline.write",
    "payroll.read", "payroll.write",
    "tickets.read", "tickets.write",
    "audit.read", "admin",
)

_READ_ALL_BUT_PAYROLL = {
    p for p in PERMISSIONS if p.endswith(".read") and not p.startswith(("payroll", "audit"))
}

MATRIX: dict[str, frozenset[str]] = {
    "owner": frozenset(PERMISSIONS),
    "accountant": frozenset({
        "contacts.read", "ledger.read", "ledger.write", "reports.read",
        "stock.read", "purchasing.read", "purchasing.bill", "purchasing.pay",
        "sales.read", "sales.invoice", "sales.pay", "pipeline.read",
    }),
    "hr": frozenset({"contacts.read", "payroll.read", "payroll.write"}),
    "sales": frozenset({
        "contacts.read", "contacts.write", "pipeline.read", "pipeline.write",
        "sales.read", "sales.write", "stock.read",
    }),
    "support": frozenset({"contacts.read", "contacts.write", "tickets.read", "tickets.write"}),
    "warehouse": frozenset({
        "contacts.read", "stock.read", "stock.write", "purchasing.read", "purchasing.receive",
        "sales.read", "sales.deliver",
    }),
    "viewer": frozenset(_READ_ALL_BUT_PAYROLL),
}

assert set(MATRIX) == set(ROLES)


def os_login() -> str:
    """The OS login of this process — the only identity bizsuite trusts."""
    return pwd.getpwuid(os.getuid()).pw_name


@dataclass(frozen=True)
class Actor:
    """Who is doing something: a bizsuite user, and the owner behind them when ``--as`` is used."""

    name: str
    role: str
    via: str | None = None  # the owner acting as this user

    def can(self, permission: str) -> bool:
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")
        return permission in MATRIX[self.role]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            area, _, action = permission.partition(".")
            verb = {"read": "see", "write": "change", "": "manage"}.get(action, action)
            raise PermissionDenied(
                f"{self.name} ({self.role}) may not {verb} {area}; ask the owner for a role that may"
            )

    @property
    def label(self) -> str:
        return f"{self.name} (as by {self.via})" if self.via else self.name


SYSTEM = Actor(name="bizsuite", role="owner")


def matrix_markdown() -> str:
    """The role matrix as the README shows it (a test keeps the two equal)."""
    areas: list[str] = []
    for p in PERMISSIONS:
        area = p.split(".")[0]
        if area not in areas:
            areas.append(area)
    lines = ["| role | " + " | ".join(areas) + " |", "|---" * (len(areas) + 1) + "|"]
    for role in ROLES:
        cells = []
        for area in areas:
            perms = [
                p.split(".")[1] if "." in p else "yes"
                for p in PERMISSIONS
                if p.split(".")[0] == area and p in MATRIX[role]
            ]
            cells.append(", ".join(perms) if perms else "—")
        lines.append(f"| {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
