"""Pipeline tables and the records the pipeline repository gives.

- ``pipeline_stages``: the stages a deal goes through, in ``position`` order, each with the
  probability a deal in it gets by default and a kind: ``open`` (lead, qualified, proposal,
  negotiation), ``won`` or ``lost`` (exactly one of each). Configurable (``pipeline
  add-stage``); the defaults (lead 10 %, qualified 25 %, proposal 50 %, negotiation 75 %, won,
  lost) are written by the module's first revision.
- ``pipeline_reasons``: the lists a won or a lost deal takes its reason from (configurable).
- ``deals``: numbered ``D-00001`` (series ``pipeline.deal``, gapless); a customer (a contact with
  the customer or lead role), an amount in the books' currency, a stage, a probability (the
  stage's unless set by hand: ``probability_set``), an expected close date, an owner (a bizsuite
  user), a source, notes. ``status`` is the stage's kind, kept on the deal for the lists;
  ``reason`` and ``closed_on`` are set when it is won or lost and cleared when it is reopened.
- ``deal_tags``: a deal's tags (any number, case kept, unique by case-folded text).
- ``deal_stage_changes``: every move of every deal (from, to, when, by whom, the reason of a win
  or a loss) — never changed; the pipeline's conversion rates and times per stage come from it,
  and ``reopen`` takes a deal back to the stage it closed from.
- ``deal_activities``: what was done or is to be done about a deal — a call, a meeting, an
  email, a task or a note — by whom; one with a ``due`` date is a follow-up, open until it is
  marked done (``done_at``), overdue once its day has passed. Its text never changes; a follow-up
  may be moved to another day or marked done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bizsuite.core.money import Amount, Percent
from bizsuite.core.types import fk, sql_in, UTCDateTime
from bizsuite.core.versioning import Versioned

OPEN, WON, LOST = "open", "won", "lost"
KINDS = (OPEN, WON, LOST)
ACTIVITY_KINDS = ("call", "meeting", "email", "task", "note")


class Stage(SQLModel, table=True):
    __tablename__ = "pipeline_stages"
    __table_args__ = (
        CheckConstraint(sql_in("kind", KINDS), name="kind"),
        CheckConstraint("probability >= 0 AND probability <= 1000000", name="probability"),  # 0-100 %, scale 4
        UniqueConstraint("name_key", name="uq_pipeline_stages_name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    name_key: str = Field(max_length=40)  # case-folded: one stage per name, any case
    position: int = Field()
    probability: Decimal = Field(sa_type=Percent)
    kind: str = Field(max_length=10)
    active: bool = Field(default=True)


class Reason(SQLModel, table=True):
    __tablename__ = "pipeline_reasons"
    __table_args__ = (
        CheckConstraint(sql_in("kind", (WON, LOST)), name="kind"),
        UniqueConstraint("kind", "text_key", name="uq_pipeline_reasons_kind_text_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    text: str = Field(max_length=100)
    text_key: str = Field(max_length=100)
    active: bool = Field(default=True)


class Deal(Versioned, SQLModel, table=True):
    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint(sql_in("status", KINDS), name="status"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("probability >= 0 AND probability <= 1000000", name="probability"),
        Index("ix_deals_stage_id", "stage_id"),
        Index("ix_deals_customer_id", "customer_id"),
        Index("ix_deals_status_close", "status", "close"),
        Index("ix_deals_owner", "owner"),
        Index("ix_deals_import_key", "import_key", unique=True),  # an index, not a constraint: adding it rebuilds no table
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    title: str = Field(max_length=200)
    customer_id: int = Field(sa_column=fk("contacts"))
    amount: Decimal = Field(sa_type=Amount)
    stage_id: int = Field(sa_column=fk("pipeline_stages"))
    status: str = Field(default=OPEN, max_length=10)
    probability: Decimal = Field(sa_type=Percent)
    probability_set: bool = Field(default=False)  # set by hand: a move keeps it
    close: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))  # expected close
    owner: str = Field(max_length=64)
    source: str | None = Field(default=None, max_length=60)
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str | None = Field(default=None, max_length=100)  # why it was won or lost
    import_key: str | None = Field(default=None, max_length=200)  # a re-run import finds it (unique)
    closed_on: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    version: int = Field(default=1)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=100)


class DealTag(SQLModel, table=True):
    __tablename__ = "deal_tags"

    deal_id: int = Field(sa_column=Column(Integer, ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True))
    tag_key: str = Field(max_length=40, primary_key=True)
    tag: str = Field(max_length=40)


class StageChange(SQLModel, table=True):
    __tablename__ = "deal_stage_changes"
    __table_args__ = (Index("ix_deal_stage_changes_deal_id", "deal_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(sa_column=fk("deals"))
    from_stage_id: int | None = Field(default=None, sa_column=fk("pipeline_stages", nullable=True))
    to_stage_id: int = Field(sa_column=fk("pipeline_stages"))
    reason: str | None = Field(default=None, max_length=100)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    by: str = Field(max_length=100)


class Activity(SQLModel, table=True):
    __tablename__ = "deal_activities"
    __table_args__ = (
        CheckConstraint(sql_in("kind", ACTIVITY_KINDS), name="kind"),
        Index("ix_deal_activities_deal_id", "deal_id", "id"),
        Index("ix_deal_activities_due", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(sa_column=fk("deals"))
    kind: str = Field(max_length=10)
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(max_length=64)  # who is to do it (the deal's owner unless said)
    due: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))  # a follow-up's day
    done_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    done_by: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


# -- what the repository gives ----------------------------------------------------------------


@dataclass
class DealRow:
    """One line of ``pipeline list`` (PRODUCT.md's columns, and what the screens need)."""

    id: int
    number: str
    title: str
    customer_id: int
    customer: str
    stage: str
    status: str
    amount: Decimal
    probability: Decimal
    weighted: Decimal  # amount × probability, rounded once to the currency
    close: dt.date | None
    owner: str
    follow_up: dt.date | None = None  # the earliest open follow-up's day


@dataclass
class ChangeView:
    at: dt.datetime
    by: str
    from_stage: str | None
    to_stage: str
    reason: str | None


@dataclass
class ActivityView:
    id: int
    deal_id: int
    kind: str
    text: str
    owner: str
    due: dt.date | None
    done_at: dt.datetime | None
    done_by: str | None
    created_at: dt.datetime
    created_by: str

    def overdue_days(self, today: dt.date) -> int:
        """Days past its due date (0: not a follow-up, done, or not yet due)."""
        if self.due is None or self.done_at is not None or self.due >= today:
            return 0
        return (today - self.due).days


@dataclass
class FollowUpRow(ActivityView):
    """An open follow-up with its deal, for ``pipeline follow-ups``."""

    deal: str = ""
    title: str = ""
    customer: str = ""


@dataclass
class DealView(DealRow):
    source: str | None = None
    notes: str | None = None
    reason: str | None = None
    closed_on: dt.date | None = None
    probability_set: bool = False
    tags: list[str] = field(default_factory=list)
    version: int = 1
    history: list[ChangeView] = field(default_factory=list)
    activities: list[ActivityView] = field(default_factory=list)


@dataclass
class ForecastRow:
    key: str  # the month (YYYY-MM, or "no date"), the owner or the stage
    deals: int
    amount: Decimal
    weighted: Decimal


@dataclass
class StageStats:
    """How deals went through one stage (``pipeline stats``): how many ever entered it, how many
    went on from it to a later stage or a win, how many of those were won in the end, how many
    are there now, and the average days a deal stayed (over the stays that ended)."""

    stage: str
    entered: int
    advanced: int | None  # None for the won stage: there is nowhere to go on to
    won: int
    now: int
    avg_days: Decimal | None

    @property
    def conversion(self) -> Decimal | None:  # % that went on
        return None if self.advanced is None else _rate(self.advanced, self.entered)

    @property
    def to_won(self) -> Decimal | None:  # % that were won in the end
        return _rate(self.won, self.entered)


@dataclass
class SourceStats:
    source: str
    deals: int
    open: int
    won: int
    lost: int
    won_amount: Decimal

    @property
    def win_rate(self) -> Decimal | None:  # % of the closed ones that were won
        return _rate(self.won, self.won + self.lost)


def _rate(part: int, whole: int) -> Decimal | None:
    """A percentage to one decimal (half-even), None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))
