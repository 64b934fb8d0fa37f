"""Account names and types: the rules shared by the repository, the journal reader and charts."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bizsuite.erp.ledger.models import ACCOUNT_TYPES

# The type of an account created from its top-level name (imports, ``add-account`` without
# ``--type``). Latin names are matched case-insensitively.
TOP_LEVEL_TYPES: dict[str, str] = {
    "assets": "asset", "asset": "asset", "资产": "asset",
    "liabilities": "liability", "liability": "liability", "负债": "liability",
    "equity": "equity", "权益": "equity", "所有者权益": "equity",
    "income": "income", "revenue": "income", "revenues": "income", "收入": "income",
    "expenses": "expense", "expense": "expense", "费用": "expense", "成本": "expense",
}

# hledger/ledger account type tags (``account NAME  ; type: A``) and their full names.
TYPE_TAGS: dict[str, str] = {
    "a": "asset", "asset": "asset", "assets": "asset", "c": "asset", "cash": "asset",
    "l": "liability", "liability": "liability", "liabilities": "liability",
    "e": "equity", "equity": "equity", "v": "equity", "conversion": "equity",
    "r": "income", "revenue": "income", "revenues": "income", "income": "income",
    "x": "expense", "expense": "expense", "expenses": "expense",
}
TAG_OF_TYPE = {"asset": "A", "liability": "L", "equity": "E", "income": "R", "expense": "X"}

# Natural sign of each type in statements: assets and expenses are debit-normal.
DEBIT_NORMAL = {"asset": True, "expense": True, "liability": False, "equity": False, "income": False}

NAME_LIMIT = 300
CODE_LIMIT = 20


def type_from_top_level(name: str) -> str | None:
    top = name.split(":", 1)[0].strip()
    return TOP_LEVEL_TYPES.get(top.lower()) or TOP_LEVEL_TYPES.get(top)


def clean_account_name(text: str) -> tuple[str, str | None]:
    """Normalise an account name (spaces around ``:`` removed); return (name, problem).

    Names must read back the same from a journal in hledger and ledger-cli: no two spaces in a
    row, no tabs or line breaks (they end a name), no ``;`` (starts a comment), no empty parts,
    and no leading ``(`` or ``[`` (virtual postings).
    """
    raw = text or ""
    parts = [p.strip() for p in raw.strip().split(":")]
    name = ":".join(parts)
    if not name:
        return "", "an account name is required"
    if any(not p for p in parts):
        return name, f"{raw.strip()!r} has an empty part between colons"
    if "\t" in name or "\n" in name or "\r" in name:
        return name, f"{raw.strip()!r} contains a tab or a line break"
    if "  " in name:
        return name, f"{raw.strip()!r} contains two spaces in a row (a journal would read that as the end of the name)"
    if ";" in name:
        return name, f"{raw.strip()!r} contains ';' (a journal would read that as a comment)"
    if name[0] in "([" or name[-1] in ")]":
        return name, f"{raw.strip()!r} is in brackets (a journal would read that as a virtual posting)"
    if len(name) > NAME_LIMIT:
        return name, f"account names are at most {NAME_LIMIT} characters"
    return name, None


def ancestors(name: str) -> list[str]:
    """``a:b:c`` → ``["a", "a:b"]``."""
    parts = name.split(":")
    return [":".join(parts[:i]) for i in range(1, len(parts))]


def parent_name(name: str) -> str | None:
    return name.rsplit(":", 1)[0] if ":" in name else None


def truncate(name: str, depth: int | None) -> str:
    if not depth:
        return name
    parts = name.split(":")
    return ":".join(parts[:depth]) if len(parts) > depth else name


# -- shipped charts ----------------------------------------------------------------------------

CHARTS_DIR = Path(__file__).resolve().parents[2] / "data" / "charts"
CHARTS = {"standard": "standard.csv", "cn-small": "cn-small.csv"}


@dataclass
class ChartAccount:
    code: str | None
    name: str  # the full hierarchical name
    type: str
    roles: list[str]


def read_chart(chart: str) -> list[ChartAccount]:
    """A shipped chart (``data/charts/*.csv``: ``code,name,type,parent,role``), parents first.

    ``name`` is the account's own name (one level); ``parent`` names the account it sits
    under, by code or by full name; ``role`` makes it the default for ``ledger.account.ROLE``.
    """
    if chart not in CHARTS:
        raise ValueError(f"{chart!r} is not one of: {', '.join(CHARTS)}")
    path = CHARTS_DIR / CHARTS[chart]
    out: list[ChartAccount] = []
    by_key: dict[str, ChartAccount] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(line for line in fh if not line.startswith("#")), 2):
            code = (row.get("code") or "").strip() or None
            own = (row.get("name") or "").strip()
            parent = (row.get("parent") or "").strip()
            type_ = (row.get("type") or "").strip()
            roles = (row.get("role") or "").split()
            if parent:
                if parent not in by_key:
                    raise ValueError(f"{path.name}:{n}: parent {parent!r} is not defined above")
                full = f"{by_key[parent].name}:{own}"
            else:
                full = own
            if type_ not in ACCOUNT_TYPES:
                raise ValueError(f"{path.name}:{n}: type {type_!r} is not one of {', '.join(ACCOUNT_TYPES)}")
            acct = ChartAccount(code=code, name=full, type=type_, roles=roles)
            out.append(acct)
            by_key[full] = acct
            if code:
                by_key[code] = acct
    return out
