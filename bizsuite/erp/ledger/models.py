"""Ledger tables and the input/output models of the ledger module.

Three tables hold the books:

- ``ledger_accounts``: the chart of accounts. ``name`` is the full hierarchical name
  (``assets:bank:checking``, ``资产:银行存款``); ``parent_id`` points at the account one level up
  (parents are created with their children, as hledger does implicitly).
- ``ledger_entries``: one row per journal entry, draft or posted, with its source (``manual``,
  ``import``, ``reversal``, ``close_year`` or a module's document such as ``sales_invoice`` #42).
- ``ledger_lines``: the lines of **posted** entries only, one signed amount each (debit
  positive, credit negative), with a copy of the entry's date so reports need no join.
  Nothing ever updates or deletes a row here: database triggers refuse it (see migration
  0002_ledger). Draft lines live in ``ledger_draft_lines`` and move here when posted.

Amounts are :class:`~bizsuite.core.money.Amount` columns: ``Decimal`` in Python, integer cents
in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bizsuite.core import chain as _chain
from bizsuite.core.money import Amount, zero_like
from bizsuite.core.types import UTCDateTime
from bizsuite.core.versioning import Versioned

ACCOUNT_TYPES = ("asset", "liability", "equity", "income", "expense")
STATUSES = ("draft", "posted")

# The accounts other modules post to; each is the setting ``ledger.account.<role>``.
ROLES: dict[str, str] = {
    "bank": "bank account that receives and pays money",
    "cash": "cash on hand",
    "receivable": "accounts receivable (customers owe us)",
    "payable": "accounts payable (we owe suppliers)",
    "inventory": "stock on hand, at cost",
    "grni": "goods received not invoiced",
    "sales": "sales revenue",
    "cogs": "cost of goods sold",
    "tax_payable": "sales tax / VAT payable",
    "wages": "wages and salaries expense",
    "payroll_liabilities": "payroll owed to employees and withholdings",
    "retained_earnings": "retained earnings (year-end close)",
    "opening_balances": "opening balances",
}



def all_roles() -> dict[str, str]:
    """The ledger's account roles and those the installed modules add (``Module.accounts``:
    stock's ``stock_adjustment``…), each with what it is for."""
    from bizsuite.core.modules import account_roles

    return {**ROLES, **{role: need.description for role, need in account_roles().items()}}


# Sources that the ledger itself writes; modules use their own document kinds.
SOURCE_MANUAL = "manual"
SOURCE_IMPORT = "import"
SOURCE_REVERSAL = "reversal"
SOURCE_CLOSE = "close_year"
SOURCE_DEMO = "demo"
# Sources that only ledger.write may post (modules' documents may post under their own permission).
LEDGER_SOURCES = frozenset({SOURCE_MANUAL, SOURCE_IMPORT, SOURCE_REVERSAL, SOURCE_CLOSE, SOURCE_DEMO})

class _SourcePermissions(Mapping):
    """Who may post an entry of each source kind: the ledger decides, from the kind the caller
    names (a warehouse clerk's receipt posts under purchasing.receive, not under ledger.write).
    Its own kinds need ledger.write; each installed module declares the kinds of entry its
    documents post and the permission each needs (``Module.posts``). A kind missing here is
    refused."""

    def _all(self) -> dict[str, str]:
        from bizsuite.core.modules import installed

        out = {kind: "ledger.write" for kind in sorted(LEDGER_SOURCES)}
        for m in installed():
            for kind, permission in m.posts.items():
                if kind in out:
                    raise LookupError(f"module {m.name} posts {kind!r}, which is already someone else's kind")
                out[kind] = permission
        return out

    def __getitem__(self, kind: str) -> str:
        return self._all()[kind]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


SOURCE_PERMISSIONS: Mapping[str, str] = _SourcePermissions()


def _where(condition: str) -> dict:
    """A partial index, the same on SQLite and PostgreSQL."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Account(Versioned, SQLModel, table=True):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            "type IN ('asset', 'liability', 'equity', 'income', 'expense')", name="type"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, unique=True)
    code: str | None = Field(default=None, max_length=20, unique=True)
    type: str = Field(max_length=10)
    parent_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), index=True),
    )
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=64)
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = Field(max_length=64)

    @property
    def depth(self) -> int:
        return self.name.count(":") + 1

    @property
    def leaf(self) -> str:
        return self.name.rsplit(":", 1)[-1]

    @property
    def label(self) -> str:
        """``1002 资产:银行存款`` — the code, when there is one, and the name."""
        return f"{self.code} {self.name}" if self.code else self.name


class Entry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'posted')", name="status"),
        CheckConstraint("mark IN ('', '*', '!')", name="mark"),
        Index("ix_ledger_entries_date_id", "date", "id"),  # the journal, newest first
        # Partial indexes: most entries (imports) have no document, contact or reversal, and
        # leaving them out of these indexes keeps a 100k-entry import fast.
        Index("ix_ledger_entries_source_kind_source_id", "source_kind", "source_id",
              **_where("source_id IS NOT NULL")),
        Index("ix_ledger_entries_contact_id", "contact_id", **_where("contact_id IS NOT NULL")),
        Index("uq_ledger_entries_reverses_id", "reverses_id", unique=True,
              **_where("reverses_id IS NOT NULL")),
        # An imported entry lands once: the importer skips keys already in the books (under the
        # lock "ledger.import"), and this index refuses a second copy whatever raced past that.
        Index("uq_ledger_entries_import_key", "import_key", unique=True, **_where("import_key IS NOT NULL")),
        Index("uq_ledger_entries_seal_no", "seal_no", unique=True),
        # posted entries waiting for their seal (this unit of work's) and drafts: a small index
        Index("ix_ledger_entries_unsealed", "id", **_where("seal IS NULL")),
        # a posted entry's contact is part of its seal: contacts merge cannot move it
        {"info": {"contact_fixed_when": "status = 'posted'"}},
    )
    __audit_exclude__ = ("import_key", "seal_no", "seal")

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    memo: str = Field(default="", max_length=500)
    code: str | None = Field(default=None, max_length=40)
    mark: str = Field(default="", max_length=1)  # journal status: '' , '*' cleared, '!' pending
    comment: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default="draft", max_length=10)
    source_kind: str = Field(default=SOURCE_MANUAL, max_length=40)
    source_id: int | None = Field(default=None)
    source_ref: str | None = Field(default=None, max_length=300)  # e.g. "bank.journal:120"
    contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="RESTRICT")),
    )
    reverses_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("ledger_entries.id", ondelete="RESTRICT")),
    )
    # A content hash of an imported entry (and its occurrence in the file): importing the same
    # journal again adds nothing; unique (uq_ledger_entries_import_key).
    import_key: str | None = Field(default=None, max_length=40)
    version: int = Field(default=1)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=64)
    posted_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    posted_by: str | None = Field(default=None, max_length=64)
    # The hash chain of posted entries (LEDGER_CHAIN below, core/chain.py): set when the unit of
    # work that posts the entry commits, once; from then on no line can be added to it.
    seal_no: int | None = Field(default=None)
    seal: str | None = Field(default=None, max_length=64)

    @property
    def source(self) -> tuple[str, int | None]:
        return (self.source_kind, self.source_id)


class Line(SQLModel, table=True):
    """A line of a posted entry. Never updated, never deleted (the database refuses)."""

    __tablename__ = "ledger_lines"
    __table_args__ = (
        UniqueConstraint("entry_id", "line_no"),
        # Covering index: the trial balance, the P&L and the register (by date, then in posting
        # order) read this index alone.
        Index("ix_ledger_lines_account_id_date_id_amount", "account_id", "date", "id", "amount"),
        Index("ix_ledger_lines_contact_id", "contact_id", **_where("contact_id IS NOT NULL")),
        {"info": {"contact_fixed_when": "1 = 1"}},  # every line is posted (see Entry)
    )
    __audit_exclude__ = ("date",)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ledger_entries.id", ondelete="RESTRICT"), nullable=False)
    )
    line_no: int
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    account_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), nullable=False)
    )
    amount: Decimal = Field(sa_column=Column(Amount, nullable=False))
    memo: str | None = Field(default=None, max_length=500)
    contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="RESTRICT")),
    )


# Posted entries form a hash chain (core/chain.py): each entry's seal covers its content and
# every line, and the seal of the entry posted before it. Sealed when the unit of work that
# posts it commits, whatever wrote the rows (the ORM, the importer's executemany, INSERT …
# SELECT); ``bizsuite check`` (checks.py) names the first entry that no longer matches.
CHAIN_LOCK = "ledger.chain"
LEDGER_CHAIN = _chain.register(_chain.Chain(
    name="ledger", table="ledger_entries", noun="entry", lock=CHAIN_LOCK, module="ledger", model=Entry,
    columns=("t.date", "t.memo", "t.code", "t.mark", "t.comment", "t.source_kind", "t.source_id", "t.source_ref",
             "t.contact_id", "t.reverses_id", "t.created_at", "t.created_by", "t.posted_at", "t.posted_by"),
    eligible="t.status = 'posted'",
    join="LEFT JOIN ledger_lines c ON c.entry_id = t.id",
    children=("c.line_no", "c.date", "c.account_id", "c.amount", "c.memo", "c.contact_id"),
    child_order="c.line_no",
    dates=("t.date", "c.date"), times=("t.created_at", "t.posted_at"),
))


class DraftLine(SQLModel, table=True):
    """A line of a draft entry: may lack an amount, and the draft need not balance."""

    __tablename__ = "ledger_draft_lines"
    __table_args__ = (UniqueConstraint("entry_id", "line_no"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ledger_entries.id", ondelete="CASCADE"), nullable=False)
    )
    line_no: int
    account_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), nullable=False,
                         index=True)
    )
    amount: Decimal | None = Field(default=None, sa_column=Column(Amount))
    memo: str | None = Field(default=None, max_length=500)
    contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="RESTRICT"), index=True),
    )


class Closing(SQLModel, table=True):
    """A closed year: at most one row per year (the primary key), so a year is closed once.

    ``entry_id`` is the closing entry (None when the year had no income or expense to move);
    ``lock_before`` the lock date before the year was closed, which reopening the year puts
    back. Reopening (owner only) reverses the closing entry and deletes this row; both are in the
    audit log.
    """

    __tablename__ = "ledger_closings"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    entry_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("ledger_entries.id", ondelete="RESTRICT"), unique=True),
    )
    lock_before: dt.date | None = Field(default=None, sa_column=Column(Date))
    closed_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closed_by: str = Field(max_length=64)


# -- input and output models -------------------------------------------------------------------


@dataclass
class LineIn:
    """One line of an entry as given: an account (id, code or full name) and a signed amount.

    A positive amount is a debit, a negative one a credit; ``None`` means "whatever balances the
    entry" (at most one line per entry). :meth:`debit` and :meth:`credit` read better in code
    that posts documents.
    """

    account: int | str
    amount: Decimal | None = None
    memo: str | None = None
    contact_id: int | None = None

    @classmethod
    def debit(cls, account: int | str, amount: Decimal, memo: str | None = None,
              contact_id: int | None = None) -> "LineIn":
        return cls(account, Decimal(amount), memo, contact_id)

    @classmethod
    def credit(cls, account: int | str, amount: Decimal, memo: str | None = None,
               contact_id: int | None = None) -> "LineIn":
        return cls(account, -Decimal(amount), memo, contact_id)


@dataclass
class LineOut:
    line_no: int
    account_id: int
    account: str  # the account's current name (a rename shows everywhere)
    code: str | None
    amount: Decimal | None
    memo: str | None
    contact_id: int | None

    @property
    def debit(self) -> Decimal | None:
        return self.amount if self.amount is not None and self.amount > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return -self.amount if self.amount is not None and self.amount < 0 else None


@dataclass
class EntryDetail:
    """An entry with its lines: all of them, or one page (``offset``) when read with a limit;
    ``line_count``, ``debits`` and ``credits`` are then the whole entry's (summed by the database)."""

    entry: Entry
    lines: list[LineOut]
    reversed_by: int | None = None  # the entry that reverses this one
    line_count: int | None = None  # every line of the entry (None: ``lines`` are all of them)
    debits: Decimal | None = None
    credits: Decimal | None = None
    offset: int = 0  # the first of ``lines`` is line ``offset + 1`` of the entry

    @property
    def total(self) -> Decimal:
        """The sum of the debits."""
        if self.debits is not None:
            return self.debits
        return sum((ln.amount for ln in self.lines if ln.amount and ln.amount > 0), self._zero)

    @property
    def difference(self) -> Decimal:
        if self.debits is not None and self.credits is not None:
            return self.debits - self.credits
        return sum((ln.amount for ln in self.lines if ln.amount is not None), self._zero)

    @property
    def count(self) -> int:
        """How many lines the entry has."""
        return self.line_count if self.line_count is not None else len(self.lines)

    @property
    def _zero(self) -> Decimal:
        return zero_like(ln.amount for ln in self.lines)


@dataclass
class EntryRow:
    """One entry in the journal list (paged, newest first)."""

    id: int
    date: dt.date
    status: str
    memo: str
    code: str | None
    source_kind: str
    source_id: int | None
    total: Decimal
    accounts: str  # "assets:bank, income:sales" (the first few)
    reverses_id: int | None
    reversed_by: int | None


@dataclass
class TrialBalanceRow:
    account_id: int
    account: str
    code: str | None
    type: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass
class StatementRow:
    """A row of the P&L or the balance sheet: an account (and its sub-accounts) or a total."""

    label: str
    type: str  # an account type, or "total" / "earnings" for computed rows
    depth: int  # 1 = top level (indentation in a table)
    amounts: list[Decimal]  # one per column, in the statement's natural sign
    account_id: int | None = None
    code: str | None = None
    is_parent: bool = False


@dataclass
class Statement:
    title: str
    columns: list[str]  # e.g. ["2025-01", "2025-02", …, "total"] or ["2025-12-31"]
    sections: list[tuple[str, list[StatementRow]]]  # ("income", rows…)
    totals: list[StatementRow] = field(default_factory=list)

    @property
    def rows(self) -> list[StatementRow]:
        out: list[StatementRow] = []
        for _, rows in self.sections:
            out.extend(rows)
        out.extend(self.totals)
        return out


@dataclass
class RegisterRow:
    line_id: int
    entry_id: int
    date: dt.date
    memo: str
    account: str
    other_accounts: str
    amount: Decimal
    balance: Decimal  # running balance after this line
    contact_id: int | None


@dataclass
class RegisterPage:
    account: str
    rows: list[RegisterRow]
    total: int
    offset: int
    limit: int


@dataclass
class AccountNode:
    """An account with its balance, for the accounts tree."""

    account: Account
    depth: int
    own: Decimal  # this account's own postings
    total: Decimal  # with its sub-accounts
    has_children: bool
    postings: int


@dataclass
class Page:
    rows: list
    total: int
    offset: int
    limit: int
