"""The pipeline API (``books.pipeline``): stages, deals, their moves, won and lost, the forecast.

**A deal's stage is its state.** ``add`` puts a deal in an open stage (the first by default);
``move`` takes an open deal to another open stage; ``won`` and ``lost`` close it (a lost deal
needs a reason from the lost list, a won deal may give one from the won list); a closed deal
moves only by ``reopen``, which takes it back to the stage it closed from. Every change of stage
is a ``deal_stage_changes`` row, never changed.

**Probability** is the stage's default unless set by hand (``probability=``, then kept through
moves); a won deal is at 100 %, a lost one at 0 %. **Weighted** = amount × probability, rounded
once to the currency's decimals (half-even, :func:`bizsuite.core.money.quantize`); a forecast
group's weighted is the sum of its deals' (so the list and the forecast agree to the cent).

**Concurrency.** Every change locks the deal's row first (``FOR UPDATE``; SQLite's writer lock
does the same) and saves with its version: a clerk saving from an older copy (``expect_version``)
is refused and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Iterable

from sqlalchemy import func, or_, select

from bizsuite.core import clock, numbering, versioning
from bizsuite.core.db import LIKE_ESCAPE, like_contains
from bizsuite.core.errors import FieldError, NotFound, Refused, ValidationFailed
from bizsuite.core.models import User
from bizsuite.core.money import clean_amount, money_scale, quantize
from bizsuite.core.parsing import BadDate, fits, parse_date, record_id, text_field
from bizsuite.crm.pipeline.models import (
    ACTIVITY_KINDS,
    LOST,
    OPEN,
    WON,
    Activity,
    ActivityView,
    ChangeView,
    Deal,
    DealRow,
    DealTag,
    DealView,
    FollowUpRow,
    ForecastRow,
    Reason,
    SourceStats,
    Stage,
    StageChange,
    StageStats,
)

SERIES, PREFIX = "pipeline.deal", "D-"
FORECAST_BY = ("month", "owner", "stage")
STATS_BY = ("stage", "source")
NO_SOURCE = "(no source)"
_HUNDRED = Decimal(100)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()



def _day(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return parse_date(value, field)
    except BadDate as exc:
        raise ValidationFailed([FieldError(field, str(exc).split(": ", 1)[-1])]) from None


def _percent(value, field: str = "probability") -> Decimal:
    try:
        p = value if isinstance(value, Decimal) else Decimal(str(value).strip().rstrip("%"))
    except ArithmeticError:
        raise ValidationFailed([FieldError(field, f"{value!r} is not a percentage (0-100)")]) from None
    if not p.is_finite() or p < 0 or p > 100 or p != p.quantize(Decimal("0.0001")):
        raise ValidationFailed([FieldError(field, f"{value} is not a percentage from 0 to 100 (at most 4 decimals)")])
    return p


def number_of(text: str) -> str:
    """``d-12`` → ``D-00012``: a deal's number as typed, in its stored form."""
    return numbering.parse_label(text, PREFIX)


def _activity_view(a: Activity) -> ActivityView:
    return ActivityView(a.id, a.deal_id, a.kind, a.text, a.owner, a.due, a.done_at, a.done_by, a.created_at,
                        a.created_by)


class PipelineRepository:
    def __init__(self, books):
        self.books = books
        self.session = books.session

    @property
    def scale(self) -> int:
        return money_scale(self.session.get_bind())

    # -- stages and reasons ---------------------------------------------------------------------
    def stages(self, *, include_inactive: bool = False) -> list[Stage]:
        self.books.require("pipeline.read")
        q = select(Stage).order_by(Stage.position, Stage.id)
        if not include_inactive:
            q = q.where(Stage.active.is_(True))
        return list(self.session.scalars(q))

    def stage(self, ref: int | str) -> Stage:
        """A stage by name (any case) or id."""
        if isinstance(ref, int):
            st = self.session.get(Stage, ref)
        else:
            st = self.session.scalars(select(Stage).where(Stage.name_key == _key(ref))).first()
        if st is None or not st.active:
            names = ", ".join(s.name for s in self.stages())
            raise NotFound(f"no stage {ref!r} (the stages: {names})")
        return st

    def _kind_stage(self, kind: str) -> Stage:
        return self.session.scalars(select(Stage).where(Stage.kind == kind).order_by(Stage.position)).first()

    def add_stage(self, name: str, probability, *, after: str | None = None) -> Stage:
        """A new open stage, after ``after`` (default: the last open stage)."""
        self.books.require("pipeline.admin")
        title = text_field(name, "name", 40)
        if not title:
            raise ValidationFailed([FieldError("name", "a stage needs a name")])
        if self.session.scalars(select(Stage.id).where(Stage.name_key == _key(title))).first() is not None:
            raise Refused(f"there is already a stage {title!r}")
        p = _percent(probability)
        stages = [s for s in self.stages() if s.kind == OPEN]
        prev = self.stage(after) if after else (stages[-1] if stages else None)
        if prev is not None and prev.kind != OPEN:
            raise ValidationFailed([FieldError("after", f"{prev.name} is a closing stage; a new stage comes before it")])
        at = prev.position + 1 if prev is not None else 1
        for s in self.session.scalars(select(Stage).where(Stage.position >= at)):
            s.position += 1
        st = Stage(name=title, name_key=_key(title), position=at, probability=p, kind=OPEN)
        self.session.add(st)
        self.session.flush()
        return st

    def reasons(self, kind: str) -> list[str]:
        self.books.require("pipeline.read")
        return list(self.session.scalars(select(Reason.text).where(Reason.kind == kind, Reason.active.is_(True))
                                         .order_by(Reason.id)))

    def add_reason(self, kind: str, text: str) -> str:
        self.books.require("pipeline.admin")
        if kind not in (WON, LOST):
            raise ValidationFailed([FieldError("kind", f"{kind!r} is not won or lost")])
        t = text_field(text, "reason", 100)
        if not t:
            raise ValidationFailed([FieldError("reason", "is required")])
        if self.session.scalars(select(Reason.id).where(Reason.kind == kind, Reason.text_key == _key(t))).first():
            raise Refused(f"{t!r} is already a reason a deal is {kind}")
        self.session.add(Reason(kind=kind, text=t, text_key=_key(t)))
        self.session.flush()
        return t

    def _reason(self, kind: str, text, *, required: bool) -> str | None:
        t = text_field(text, "reason", 100)
        if not t:
            if required:
                raise ValidationFailed([FieldError("reason", f"a {kind} deal needs a reason: "
                                                             f"{', '.join(self.reasons(kind))}")])
            return None
        found = self.session.scalars(select(Reason.text).where(Reason.kind == kind, Reason.text_key == _key(t),
                                                               Reason.active.is_(True))).first()
        if found is None:
            raise ValidationFailed([FieldError("reason", f"{t!r} is not one of the reasons a deal is {kind}: "
                                                         f"{', '.join(self.reasons(kind))} "
                                                         f"(bizsuite pipeline add-reason {kind} TEXT adds one)")])
        return found

    # -- deals ----------------------------------------------------------------------------------
    def _deal(self, ref: int | str, *, lock: bool = False) -> Deal:
        """A deal by its number (``D-00012``, any case) or its id (``12``, ``#12``)."""
        n = ref if isinstance(ref, int) else record_id(ref)
        if n is not None:
            q = select(Deal).where(Deal.id == n) if fits(n) else None
        else:
            q = select(Deal).where(Deal.number == number_of(str(ref)))
        d = None
        if q is not None:
            if lock:
                q = q.with_for_update().execution_options(populate_existing=True)
            d = self.session.scalars(q).first()
        if d is None:
            raise NotFound(f"no deal {str(ref).strip()!r}")
        return d

    def _customer(self, ref):
        if ref in (None, ""):
            raise ValidationFailed([FieldError("customer", "a deal needs a customer (--customer: #id, email or name)")])
        try:
            c = self.books.contacts.get(ref) if isinstance(ref, int) else self.books.contacts.resolve(str(ref))
        except Refused as exc:
            raise ValidationFailed([FieldError("customer", exc.problems[0])]) from None
        if not (c.is_customer or c.is_lead):
            raise ValidationFailed([FieldError("customer", f"{c.name} (#{c.id}) is neither a customer nor a lead; "
                                                           f"give the contact one of those roles first")])
        return c

    def _owner(self, name) -> str:
        if name in (None, ""):
            return self.books.actor.name
        u = self.session.scalars(select(User).where(User.name == str(name).strip())).first()
        if u is None or not u.active:
            raise ValidationFailed([FieldError("owner", f"{name!r} is not a bizsuite user (bizsuite users list)")])
        return u.name

    def _amount(self, value) -> Decimal:
        if value in (None, ""):
            raise ValidationFailed([FieldError("amount", "is required")])
        try:
            a = clean_amount(value if isinstance(value, Decimal) else str(value).strip(), self.scale)
        except ValueError as exc:
            raise ValidationFailed([FieldError("amount", str(exc).removeprefix("amount "))]) from None
        if a < 0:
            raise ValidationFailed([FieldError("amount", f"must not be negative, not {a}")])
        return a

    def _tags(self, tags: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for t in tags or ():
            for part in str(t).split(";"):
                x = text_field(part, "tags", 40)
                if x:
                    out.setdefault(_key(x), x)
        return out

    def add(self, title: str, *, customer, amount, stage=None, close=None, owner=None, probability=None,
            source=None, notes=None, tags: Iterable[str] = ()) -> DealView:
        """A new deal in an open stage (the first by default)."""
        self.books.require("pipeline.write")
        errors: list[FieldError] = []

        def field(fn):
            try:
                return fn()
            except ValidationFailed as exc:
                errors.extend(exc.errors)
            except Refused as exc:
                errors.append(FieldError("stage", exc.problems[0]))

        t = field(lambda: text_field(title, "title", 200))
        if not t and not any(e.field == "title" for e in errors):
            errors.append(FieldError("title", "a deal needs a title"))
        c = field(lambda: self._customer(customer))
        a = field(lambda: self._amount(amount))
        st = field(lambda: self.stage(stage) if stage not in (None, "") else
                   next(s for s in self.stages() if s.kind == OPEN))
        if st is not None and st.kind != OPEN:
            errors.append(FieldError("stage", f"{st.name} closes a deal; add it to an open stage, then "
                                              f"bizsuite pipeline {st.kind} DEAL"))
        day = field(lambda: _day(close, "close"))
        who = field(lambda: self._owner(owner))
        p = field(lambda: _percent(probability)) if probability not in (None, "") else None
        src = field(lambda: text_field(source, "source", 60))
        note = field(lambda: text_field(notes, "notes", 10_000, multiline=True))
        tagged = field(lambda: self._tags(tags))
        if errors:
            raise ValidationFailed(errors)
        now, by = clock.now(), self.books.actor.name
        d = Deal(number=numbering.label(numbering.take(self.books, SERIES), prefix=PREFIX), title=t,
                 customer_id=c.id, amount=a, stage_id=st.id, status=OPEN,
                 probability=p if p is not None else st.probability, probability_set=p is not None,
                 close=day, owner=who, source=src, notes=note,
                 created_at=now, created_by=by, updated_at=now, updated_by=by)
        self.session.add(d)
        self.session.flush()
        for k, x in (tagged or {}).items():
            self.session.add(DealTag(deal_id=d.id, tag_key=k, tag=x))
        self.session.add(StageChange(deal_id=d.id, from_stage_id=None, to_stage_id=st.id, at=now, by=by))
        self.session.flush()
        return self.deal(d.id)

    def _change(self, d: Deal, to: Stage, *, reason: str | None = None, expect_version: int | None = None) -> None:
        versioning.expect(d, expect_version, d.number)
        now, by = clock.now(), self.books.actor.name
        self.session.add(StageChange(deal_id=d.id, from_stage_id=d.stage_id, to_stage_id=to.id, reason=reason,
                                     at=now, by=by))
        d.stage_id = to.id
        d.status = to.kind
        if to.kind == WON:
            d.probability = Decimal(100)
        elif to.kind == LOST:
            d.probability = Decimal(0)
        elif not d.probability_set:
            d.probability = to.probability
        d.reason = reason if to.kind != OPEN else None
        d.closed_on = clock.today() if to.kind != OPEN else None
        versioning.touch(d, by, now)
        self.session.flush()

    def move(self, ref, stage, *, expect_version: int | None = None) -> DealView:
        """An open deal to another open stage."""
        self.books.require("pipeline.write")
        d = self._deal(ref, lock=True)
        to = self.stage(stage)
        if d.status != OPEN:
            raise Refused(f"{d.number} is {d.status}; a {d.status} deal moves only by being reopened: "
                          f"bizsuite pipeline reopen {d.number}")
        if to.kind != OPEN:
            raise Refused(f"{to.name} closes a deal: bizsuite pipeline {to.kind} {d.number}"
                          + (" --reason R" if to.kind == LOST else ""))
        if to.id == d.stage_id:
            raise Refused(f"{d.number} is already at {to.name}")
        self._change(d, to, expect_version=expect_version)
        return self.deal(d.id)

    def won(self, ref, *, reason=None, expect_version: int | None = None) -> DealView:
        self.books.require("pipeline.write")
        d = self._deal(ref, lock=True)
        if d.status != OPEN:
            raise Refused(f"{d.number} is already {d.status}" + ("" if d.status == WON else
                                                                  f"; reopen it first: bizsuite pipeline reopen {d.number}"))
        why = self._reason(WON, reason, required=False)
        self._change(d, self._kind_stage(WON), reason=why, expect_version=expect_version)
        return self.deal(d.id)

    def lost(self, ref, *, reason, expect_version: int | None = None) -> DealView:
        self.books.require("pipeline.write")
        d = self._deal(ref, lock=True)
        if d.status != OPEN:
            raise Refused(f"{d.number} is already {d.status}" + ("" if d.status == LOST else
                                                                  f"; reopen it first: bizsuite pipeline reopen {d.number}"))
        why = self._reason(LOST, reason, required=True)
        self._change(d, self._kind_stage(LOST), reason=why, expect_version=expect_version)
        return self.deal(d.id)

    def reopen(self, ref, *, expect_version: int | None = None) -> DealView:
        """A won or lost deal back to the open stage it closed from."""
        self.books.require("pipeline.write")
        d = self._deal(ref, lock=True)
        if d.status == OPEN:
            raise Refused(f"{d.number} is open; only a won or lost deal is reopened")
        back = self.session.scalars(select(StageChange.from_stage_id).where(StageChange.deal_id == d.id)
                                    .order_by(StageChange.id.desc()).limit(1)).first()
        st = self.session.get(Stage, back) if back is not None else None
        if st is None or st.kind != OPEN or not st.active:
            st = next(s for s in self.stages() if s.kind == OPEN)
        self._change(d, st, expect_version=expect_version)
        return self.deal(d.id)

    # -- reading ----------------------------------------------------------------------------------
    def _weighted(self, amount: Decimal, probability: Decimal) -> Decimal:
        return quantize(amount * probability / _HUNDRED, self.scale)

    def _rows_query(self, *, stage=None, owner=None, status: str | None = OPEN, customer=None):
        from bizsuite.crm.contacts.models import Contact

        follow_up = (select(func.min(Activity.due)).where(Activity.deal_id == Deal.id, Activity.due.is_not(None),
                                                         Activity.done_at.is_(None))
                     .correlate(Deal).scalar_subquery())
        q = (select(Deal.id, Deal.number, Deal.title, Deal.customer_id, Contact.name, Stage.name, Deal.status,
                    Deal.amount, Deal.probability, Deal.close, Deal.owner, follow_up)
             .join(Contact, Contact.id == Deal.customer_id).join(Stage, Stage.id == Deal.stage_id))
        if stage not in (None, ""):
            q = q.where(Deal.stage_id == self.stage(stage).id)
        elif status not in (None, "", "all"):
            q = q.where(Deal.status == status)
        if owner not in (None, ""):
            q = q.where(Deal.owner == str(owner).strip())
        if customer not in (None, ""):
            c = self.books.contacts.get(customer) if isinstance(customer, int) else self.books.contacts.resolve(customer)
            q = q.where(Deal.customer_id == c.id)
        return q

    def list(self, *, stage=None, owner=None, status: str | None = OPEN, customer=None,
             limit: int | None = None, offset: int = 0) -> list[DealRow]:
        """Deals by stage order, then expected close (none last), then number. ``status``: open
        (the default), won, lost or all; ``stage`` (any, closed ones too) overrides it."""
        self.books.require("pipeline.read")
        if status not in (None, "", "all", OPEN, WON, LOST):
            raise ValidationFailed([FieldError("status", f"{status!r} is not one of open, won, lost, all")])
        q = self._rows_query(stage=stage, owner=owner, status=status, customer=customer)
        q = q.order_by(Stage.position, Deal.close.is_(None), Deal.close, Deal.number).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return self._rows(q)

    def deal(self, ref) -> DealView:
        self.books.require("pipeline.read")
        d = self._deal(ref)
        from bizsuite.crm.contacts.models import Contact

        names = {s.id: s.name for s in self.session.scalars(select(Stage))}
        customer = self.session.get(Contact, d.customer_id)
        tags = list(self.session.scalars(select(DealTag.tag).where(DealTag.deal_id == d.id).order_by(DealTag.tag_key)))
        history = [ChangeView(c.at, c.by, names.get(c.from_stage_id) if c.from_stage_id else None,
                              names[c.to_stage_id], c.reason)
                   for c in self.session.scalars(select(StageChange).where(StageChange.deal_id == d.id)
                                                 .order_by(StageChange.id))]
        activities = [_activity_view(a) for a in self.session.scalars(
            select(Activity).where(Activity.deal_id == d.id).order_by(Activity.id))]
        follow_up = min((a.due for a in activities if a.due is not None and a.done_at is None), default=None)
        return DealView(d.id, d.number, d.title, d.customer_id, customer.name, names[d.stage_id], d.status, d.amount,
                        d.probability, self._weighted(d.amount, d.probability), d.close, d.owner, follow_up,
                        source=d.source, notes=d.notes, reason=d.reason, closed_on=d.closed_on,
                        probability_set=d.probability_set, tags=tags, version=d.version, history=history,
                        activities=activities)

    def forecast(self, *, by: str = "month", owner=None) -> list[ForecastRow]:
        """Open deals grouped by expected-close month (YYYY-MM; "no date" last), owner or stage
        (in stage order): how many, their amount and their weighted amount (each deal's weighted,
        as the list shows it, summed)."""
        self.books.require("pipeline.read")
        if by not in FORECAST_BY:
            raise ValidationFailed([FieldError("by", f"{by!r} is not one of {', '.join(FORECAST_BY)}")])
        q = (select(Deal.close, Deal.owner, Stage.name, Stage.position, Deal.amount, Deal.probability)
             .join(Stage, Stage.id == Deal.stage_id).where(Deal.status == OPEN))
        if owner not in (None, ""):
            q = q.where(Deal.owner == str(owner).strip())
        groups: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
        for close, own, sname, pos, amount, prob in self.session.execute(q):
            if by == "month":
                k = (0, close.strftime("%Y-%m")) if close is not None else (1, "no date")
            elif by == "owner":
                k = (0, own)
            else:
                k = (pos, sname)
            g = groups[k]
            g[0] += 1
            g[1] += amount
            g[2] += self._weighted(amount, prob)
        return [ForecastRow(k[1], n, a, w) for k, (n, a, w) in sorted(groups.items())]

    # -- activities and follow-ups --------------------------------------------------------------
    def log(self, ref, text: str, *, kind: str = "note", due=None, owner=None) -> ActivityView:
        """Something done or to do about a deal: a call, meeting, email, task or note. With
        ``due`` it is a follow-up for ``owner`` (the deal's owner unless said) on that day."""
        self.books.require("pipeline.write")
        d = self._deal(ref)
        errors: list[FieldError] = []
        k = (kind or "note").strip().lower()
        if k not in ACTIVITY_KINDS:
            errors.append(FieldError("kind", f"{kind!r} is not one of {', '.join(ACTIVITY_KINDS)}"))
        t = None
        try:
            t = text_field(text, "text", 2000, multiline=True)
            if not t:
                errors.append(FieldError("text", "say what was done or is to be done"))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        day = who = None
        try:
            day = _day(due, "due")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        try:
            who = self._owner(owner) if owner not in (None, "") else d.owner
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        if errors:
            raise ValidationFailed(errors)
        a = Activity(deal_id=d.id, kind=k, text=t, owner=who, due=day, created_at=clock.now(),
                     created_by=self.books.actor.name)
        self.session.add(a)
        self.session.flush()
        return _activity_view(a)

    def _activity(self, ref, *, lock: bool = False) -> Activity:
        n = ref if isinstance(ref, int) else record_id(ref)
        a = None
        if n is not None and fits(n):
            q = select(Activity).where(Activity.id == n)
            if lock:
                q = q.with_for_update().execution_options(populate_existing=True)
            a = self.session.scalars(q).first()
        if a is None:
            raise NotFound(f"no activity {str(ref).strip()!r} (the numbers are in bizsuite pipeline show DEAL)")
        return a

    def done(self, ref) -> ActivityView:
        """Mark a follow-up done (once: a second time is refused, saying when and by whom)."""
        self.books.require("pipeline.write")
        a = self._activity(ref, lock=True)
        if a.due is None:
            raise Refused(f"activity #{a.id} is a record of what was done, not a follow-up")
        if a.done_at is not None:
            raise Refused(f"activity #{a.id} was already done, at {a.done_at:%Y-%m-%d %H:%M} UTC by {a.done_by}")
        a.done_at, a.done_by = clock.now(), self.books.actor.name
        self.session.flush()
        return _activity_view(a)

    def reschedule(self, ref, due) -> ActivityView:
        """Move an open follow-up to another day."""
        self.books.require("pipeline.write")
        a = self._activity(ref, lock=True)
        if a.done_at is not None:
            raise Refused(f"activity #{a.id} is done; log a new follow-up instead")
        day = _day(due, "due")
        if day is None:
            raise ValidationFailed([FieldError("due", "is required")])
        a.due = day
        self.session.flush()
        return _activity_view(a)

    def follow_ups(self, *, owner=None, until=None, overdue: bool = False, deal=None,
                   limit: int | None = None) -> list[FollowUpRow]:
        """Open follow-ups, the most overdue first: ``owner``'s, due on or before ``until``, or
        only the overdue ones (due before today)."""
        self.books.require("pipeline.read")
        from bizsuite.crm.contacts.models import Contact

        q = (select(Activity, Deal.number, Deal.title, Contact.name).join(Deal, Deal.id == Activity.deal_id)
             .join(Contact, Contact.id == Deal.customer_id)
             .where(Activity.due.is_not(None), Activity.done_at.is_(None)))
        if owner not in (None, ""):
            q = q.where(Activity.owner == str(owner).strip())
        if overdue:
            q = q.where(Activity.due < clock.today())
        if until not in (None, ""):
            q = q.where(Activity.due <= _day(until, "until"))
        if deal not in (None, ""):
            q = q.where(Activity.deal_id == self._deal(deal).id)
        q = q.order_by(Activity.due, Activity.id)
        if limit is not None:
            q = q.limit(limit)
        out = []
        for a, number, title, customer in self.session.execute(q):
            v = _activity_view(a)
            out.append(FollowUpRow(**vars(v), deal=number, title=title, customer=customer))
        return out

    # -- how the pipeline converts ----------------------------------------------------------------
    def stats(self, *, by: str = "stage", since=None) -> list[StageStats] | list[SourceStats]:
        """``by="stage"``: for each stage in order (won included; lost is what the rest is), the
        deals that ever entered it, went on from it (to a later stage, or won), were won in the
        end, are there now, and the average days a stay lasted (stays that ended). ``by="source"``:
        deals, open, won, lost, won amount and win rate (won of the closed) per source. ``since``:
        deals created on or after that day."""
        self.books.require("pipeline.read")
        if by not in STATS_BY:
            raise ValidationFailed([FieldError("by", f"{by!r} is not one of {', '.join(STATS_BY)}")])
        start = _day(since, "since")
        deals = select(Deal.id)
        if start is not None:
            deals = deals.where(Deal.created_at >= dt.datetime.combine(start, dt.time(), dt.timezone.utc))
        if by == "source":
            q = (select(Deal.source, Deal.status, func.count(), func.sum(Deal.amount))
                 .where(Deal.id.in_(deals)).group_by(Deal.source, Deal.status))
            groups: dict[str, list] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
            for src, status, n, total in self.session.execute(q):
                g = groups[src or NO_SOURCE]
                g[{OPEN: 0, WON: 1, LOST: 2}[status]] += n
                if status == WON:
                    g[3] += Decimal(total or 0)
            rows = [SourceStats(src, o + w + lo, o, w, lo, quantize(amount, self.scale))
                    for src, (o, w, lo, amount) in groups.items()]
            return sorted(rows, key=lambda r: (r.source == NO_SOURCE, -(r.win_rate if r.win_rate is not None else -1),
                                               r.source))
        stages = {st.id: st for st in self.stages(include_inactive=True)}
        status_of = dict(self.session.execute(select(Deal.id, Deal.status).where(Deal.id.in_(deals))).all())
        stage_now = dict(self.session.execute(select(Deal.id, Deal.stage_id).where(Deal.id.in_(deals))).all())
        q = (select(StageChange.deal_id, StageChange.to_stage_id, StageChange.at)
             .where(StageChange.deal_id.in_(deals)).order_by(StageChange.deal_id, StageChange.id))
        entered: dict[int, set] = defaultdict(set)
        advanced: dict[int, set] = defaultdict(set)
        stay_days: dict[int, list] = defaultdict(lambda: [Decimal(0), 0])
        prev = None  # (deal, stage, at)
        for deal_id, to_id, at in self.session.execute(q):
            entered[to_id].add(deal_id)
            if prev is not None and prev[0] == deal_id:
                left = stages[prev[1]]
                here = stages[to_id]
                if here.kind == WON or (here.kind == OPEN and left.kind == OPEN and here.position > left.position):
                    advanced[prev[1]].add(deal_id)
                if left.kind == OPEN:
                    acc = stay_days[prev[1]]
                    acc[0] += Decimal((at - prev[2]).total_seconds()) / 86400
                    acc[1] += 1
            prev = (deal_id, to_id, at)
        won_deals = {i for i, st in status_of.items() if st == WON}
        here_now: dict[int, int] = defaultdict(int)
        for sid in stage_now.values():
            here_now[sid] += 1
        out = []
        for st in sorted(stages.values(), key=lambda x: x.position):
            if st.kind == LOST or (not st.active and not entered.get(st.id)):
                continue
            total, n = stay_days.get(st.id, (Decimal(0), 0))
            out.append(StageStats(st.name, len(entered[st.id]), len(advanced[st.id]) if st.kind == OPEN else None,
                                  len(entered[st.id] & won_deals), here_now.get(st.id, 0),
                                  (total / n).quantize(Decimal("0.1")) if n else None))
        return out

    def search(self, query: str, *, limit: int = 10) -> list[DealRow]:
        """Deals by number (``D-00012``, ``d-12``) first, then by words of the title or the
        customer's name (any case), open ones first — in SQL, a page at most."""
        self.books.require("pipeline.read")
        from bizsuite.crm.contacts.models import Contact

        wanted = " ".join((query or "").split())
        if not wanted:
            return []
        number = number_of(wanted)
        q = self._rows_query(status=None)
        exact = [r for r in self._rows(q.where(Deal.number == number).limit(1))] if number.startswith(PREFIX) else []
        from bizsuite.crm.contacts.normalise import sort_key

        q = q.where(Deal.number != number, or_(Deal.title.ilike(like_contains(wanted), escape=LIKE_ESCAPE),
                                               Contact.sort_name.like(like_contains(sort_key(wanted)), escape=LIKE_ESCAPE)))
        q = q.order_by(Deal.status != OPEN, Deal.close.is_(None), Deal.close, Deal.number).limit(max(0, limit - len(exact)))
        return exact + self._rows(q)

    def _rows(self, q) -> list[DealRow]:
        return [DealRow(i, n, t, cid, cname, sname, status_, a, p, self._weighted(a, p), close, own, fu)
                for i, n, t, cid, cname, sname, status_, a, p, close, own, fu in self.session.execute(q)]

    @staticmethod
    def number_of(text: str) -> str:
        return number_of(text)

    def summary(self) -> dict:
        """Open deals, their weighted total (each deal's, as the list rounds it), and the open
        follow-ups past their day — for the home screen."""
        self.books.require("pipeline.read")
        n, weighted = 0, Decimal(0)
        for a, p in self.session.execute(select(Deal.amount, Deal.probability).where(Deal.status == OPEN)):
            n += 1
            weighted += self._weighted(a, p)
        overdue = self.session.scalar(select(func.count()).select_from(Activity).where(
            Activity.due < clock.today(), Activity.done_at.is_(None)))
        return {"open": n, "weighted": quantize(weighted, self.scale), "overdue": int(overdue or 0)}

    def counts(self) -> dict[str, int]:
        rows = dict(self.session.execute(select(Deal.status, func.count()).group_by(Deal.status)).all())
        return {"deals": sum(rows.values()), OPEN: rows.get(OPEN, 0), WON: rows.get(WON, 0), LOST: rows.get(LOST, 0)}


    def stage_totals(self, *, owner=None) -> list[ForecastRow]:
        """The kanban board's column headers: per open stage, in stage order (empty ones too),
        its open deals, their amount and their weighted amount — each deal's weighted rounded as
        the list rounds it, so a column agrees with ``forecast(by="stage")`` to the cent. One
        grouped query: deals of the same stage, amount and probability have the same weighted,
        so each group is rounded once and multiplied by its count."""
        self.books.require("pipeline.read")
        q = (select(Deal.stage_id, Deal.amount, Deal.probability, func.count())
             .where(Deal.status == OPEN).group_by(Deal.stage_id, Deal.amount, Deal.probability))
        if owner not in (None, ""):
            q = q.where(Deal.owner == str(owner).strip())
        groups: dict[int, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
        for stage_id, amount, prob, n in self.session.execute(q):
            g = groups[stage_id]
            g[0] += n
            g[1] += amount * n
            g[2] += self._weighted(amount, prob) * n
        return [ForecastRow(s.name, *groups.get(s.id, (0, Decimal(0), Decimal(0))))
                for s in self.stages() if s.kind == OPEN]

    def versions(self, ids: Iterable[int]) -> dict[int, int]:
        """The version of each of these deals (id → version), for a screen that lists deals and
        changes one of them with ``expect_version`` (the list rows carry no version)."""
        self.books.require("pipeline.read")
        wanted = sorted({int(i) for i in ids})
        out: dict[int, int] = {}
        for start in range(0, len(wanted), 500):
            out.update(self.session.execute(select(Deal.id, Deal.version)
                                            .where(Deal.id.in_(wanted[start:start + 500]))).all())
        return out


def deal_documents(books, deal_id: int) -> list[dict]:
    """What the modules that keep documents for a deal (sales) say of it, through the
    ``pipeline.deal_documents`` hook: each ``{"orders": [rows with id, number, date, status,
    total, delivered, invoiced, paid], "invoiced": total, "paid": total, "opens": the record kind
    an order opens as}``; a module whose documents the user's role may not read answers None and
    is left out."""
    from bizsuite.core import modules

    found = (fn(books, deal_id) for fn in modules.hooks("pipeline.deal_documents"))
    return [doc for doc in found if doc is not None]
