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

# The core's own permissions; each module declares its own (``Module.permissions``: which roles
# have each one), and the matrix is the two together. ``<area>.read`` lets a user see an area,
# ``<area>.write`` change it; a few actions are split out because roles share a document but not
# its steps (``purchasing.receive`` for the warehouse, ``purchasing.bill`` for the accountant).
CORE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "audit.read": ("owner",),
    "admin": ("owner",),
}

_built: tuple[tuple[str, ...], dict[str, frozenset[str]]] | None = None


def _build() -> tuple[tuple[str, ...], dict[str, frozenset[str]]]:
    global _built
    if _built is None:
        from bizsuite.core import modules

        declared: dict[str, tuple[str, ...]] = {}
        for m in modules.installed():
            for perm, roles in m.permissions.items():
                if perm in declared or perm in CORE_PERMISSIONS:
                    raise LookupError(f"permission {perm!r} is declared twice (module {m.name})")
                unknown = set(roles) - set(ROLES)
                if unknown:
                    raise LookupError(f"module {m.name}: {perm} names unknown roles {sorted(unknown)}")
                declared[perm] = tuple(roles)
        declared.update(CORE_PERMISSIONS)
        matrix = {role: frozenset(p for p, roles in declared.items() if role in roles) for role in ROLES}
        _built = (tuple(declared), matrix)
    return _built


def _forget() -> None:
    global _built
    _built = None


def __getattr__(name: str):
    """``PERMISSIONS`` (every permission, modules' then the core's) and ``MATRIX`` (role → its
    permissions), built from the installed modules the first time they are asked for."""
    if name == "PERMISSIONS":
        return _build()[0]
    if name == "MATRIX":
        return _build()[1]
    raise AttributeError(name)


def _register() -> None:
    from bizsuite.core import modules

    modules.on_change(_forget)


_register()


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
        permissions, matrix = _build()
        if permission not in permissions:
            raise KeyError(f"unknown permission {permission!r}")
        return permission in matrix[self.role]

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
    permissions, matrix = _build()
    areas: list[str] = []
    for p in permissions:
        area = p.split(".")[0]
        if area not in areas:
            areas.append(area)
    lines = ["| role | " + " | ".join(areas) + " |", "|---" * (len(areas) + 1) + "|"]
    for role in ROLES:
        cells = []
        for area in areas:
            perms = [
                p.split(".")[1] if "." in p else "yes"
                for p in permissions
                if p.split(".")[0] == area and p in matrix[role]
            ]
            cells.append(", ".join(perms) if perms else "—")
        lines.append(f"| {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
