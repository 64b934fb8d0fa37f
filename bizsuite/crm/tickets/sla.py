"""SLA clocks in business hours: the calendar, the policy, and what a ticket's history means.

A :class:`Calendar` knows the working days, the working hours of a day (one or more ranges) and
the holidays, in one time zone; it answers "how much business time lies between two moments"
and "when will this much business time have passed". A :class:`Policy` is a calendar plus the
targets per priority (first response, resolution). Both come from TOML: the shipped
``bizsuite/data/sla/default.toml``, overridden by the books' setting ``tickets.sla_policy``.

:func:`evaluate` turns a ticket's status history into its two clocks. Only time spent in an
*active* status (new, open) counts: pending and on hold pause both clocks, resolved and closed
stop them (a ticket reopened from resolved resumes where it stopped). The first-response clock
also stops at the first public reply. For each clock:

- ``due`` is the moment the target is (or was) reached: known while the clock runs, and kept
  once it has been reached; unknown (``None``) while paused or stopped short of the target.
- it is *breached* when ``due`` came before the clock stopped (or before now, while it runs).

The repository stores the results on the ticket (``response_due``, ``resolution_due``, the
queue's ``sla_due`` and ``sla_missed``) every time the status, the priority or the first reply
changes, so that SQL can sort the queue and filter breached tickets without this module; a
ticket that is left alone keeps the same due times, so nothing needs recomputing as time passes.
Everything here is pure: "now" is a parameter (callers pass :func:`bizsuite.core.clock.now`).
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence

from bizsuite.core.errors import Refused
from bizsuite.crm.tickets.models import FINISHED_STATUSES

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "sla" / "default.toml"
SETTING = "tickets.sla_policy"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRIORITIES = ("low", "normal", "high", "urgent")
METRICS = ("first_response", "resolution")
ACTIVE = frozenset({"new", "open"})  # the clocks run only in these statuses
FINISHED = frozenset(FINISHED_STATUSES)  # the clocks stop for good (until a reopening)
MAX_TARGET = timedelta(days=3650)  # a target longer than ten years is a typing mistake
SOON = timedelta(hours=1)  # "due soon": due within the hour
_MAX_DAYS = 3660  # a calendar with no business hours for ten years is refused, not looped on
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*([mhd])", re.ASCII)


class PolicyError(Refused):
    """A policy file that cannot be used; one line per problem."""


# -- the calendar -------------------------------------------------------------------------------


class Calendar:
    """Working days, hours and holidays in one time zone (``None``: the machine's local zone)."""

    def __init__(self, *, working_days: Iterable[int], hours: Sequence[tuple[int, int]],
                 holidays: Iterable[date] = (), tz: str | None = None) -> None:
        self.working_days = frozenset(working_days)
        self.hours = tuple(hours)  # (start, end) in seconds after midnight, sorted, disjoint
        self.holidays = frozenset(holidays)
        self._holiday_list = sorted(self.holidays)
        self.tz_name = tz
        if tz is None:
            self._zone = None
        else:
            from zoneinfo import ZoneInfo

            self._zone = ZoneInfo(tz)
        self.day = timedelta(seconds=sum(b - a for a, b in self.hours))
        self._week = self.day * len(self.working_days)
        self._ranges: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        if not self.working_days or not self.day:
            raise PolicyError("the calendar has no working hours at all")

    # local wall-clock time (naive) <-> UTC
    def _local(self, moment: datetime) -> datetime:
        if self._zone is None:
            return moment.astimezone().replace(tzinfo=None)
        return moment.astimezone(self._zone).replace(tzinfo=None)

    def _utc(self, local: datetime) -> datetime:
        if self._zone is None:
            return local.astimezone(timezone.utc)  # a naive datetime is read as local time
        return local.replace(tzinfo=self._zone).astimezone(timezone.utc)

    def is_working_day(self, d: date) -> bool:
        return d.weekday() in self.working_days and d not in self.holidays

    def ranges(self, d: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working ranges of a day, as local wall-clock datetimes (none on days off)."""
        found = self._ranges.get(d)
        if found is None:
            if self.is_working_day(d):
                midnight = datetime.combine(d, time())
                found = tuple((midnight + timedelta(seconds=a), midnight + timedelta(seconds=b))
                              for a, b in self.hours)
            else:
                found = ()
            if len(self._ranges) > 4000:
                self._ranges.clear()
            self._ranges[d] = found
        return found

    def _holidays_in_week(self, start: date) -> int:
        """Working days lost to holidays in the seven days from ``start``."""
        i = bisect_left(self._holiday_list, start)
        end = start + timedelta(days=7)
        n = 0
        while i < len(self._holiday_list) and self._holiday_list[i] < end:
            if self._holiday_list[i].weekday() in self.working_days:
                n += 1
            i += 1
        return n

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from ``start`` to ``end`` (zero when ``end`` is not after ``start``)."""
        if end <= start:
            return timedelta(0)
        a, b = self._local(start), self._local(end)
        total = timedelta(0)
        d, last = a.date(), b.date()
        while d <= last:
            if d > a.date() and (last - d).days > 7:
                # whole weeks strictly between the ends: no need to look at each day
                total += self._week - self.day * self._holidays_in_week(d)
                d += timedelta(days=7)
                continue
            for lo, hi in self.ranges(d):
                s, e = max(a, lo), min(b, hi)
                if e > s:
                    total += e - s
            d += timedelta(days=1)
        return total

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The first moment at which ``amount`` of business time has passed since ``start``."""
        a = self._local(start)
        left = amount
        d = a.date()
        for _ in range(_MAX_DAYS):
            for lo, hi in self.ranges(d):
                s = max(a, lo)
                if hi <= s:
                    continue
                if left <= hi - s:
                    return self._utc(s + left)
                left -= hi - s
            d += timedelta(days=1)
        raise PolicyError("the calendar has no working hours in the next ten years")


# -- the policy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    calendar: Calendar
    targets: dict[str, tuple[timedelta, timedelta]]  # priority -> (first response, resolution)
    source: str  # "shipped default" or "the books' setting"
    text: str  # the TOML it was read from (what `tickets sla` shows)
    holiday_names: dict[date, str] = field(default_factory=dict)

    def target(self, priority: str, metric: str) -> timedelta:
        first, resolution = self.targets[priority]
        return first if metric == "first_response" else resolution


def _weekdays(value, problems: list[str]) -> list[int]:
    if not isinstance(value, list) or not value:
        problems.append("working_days: give a list such as [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]")
        return []
    out = []
    for v in value:
        key = str(v).strip().lower()[:3]
        if key not in WEEKDAYS:
            problems.append(f"working_days: {v!r} is not one of: {', '.join(WEEKDAYS)}")
        elif WEEKDAYS.index(key) not in out:
            out.append(WEEKDAYS.index(key))
    return out


def _hours(value, problems: list[str]) -> list[tuple[int, int]]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value:
        problems.append("hours: give one or more ranges such as [\"09:00-17:00\"]")
        return []
    out = []
    for v in value:
        m = _RANGE.match(str(v))
        if not m:
            problems.append(f"hours: {v!r} is not a range such as \"09:00-17:00\"")
            continue
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        a, b = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or b > 86400 or a >= b:
            problems.append(f"hours: {v!r} does not run forwards within one day")
            continue
        out.append((a, b))
    out.sort()
    for (a1, b1), (a2, b2) in zip(out, out[1:]):
        if a2 < b1:
            problems.append("hours: the ranges overlap")
            break
    return out


def _holidays(value, problems: list[str]) -> dict[date, str]:
    if value is None:
        return {}
    if not isinstance(value, list):
        problems.append("holidays: give a list of { date = YYYY-MM-DD, name = \"…\" }")
        return {}
    out: dict[date, str] = {}
    for v in value:
        raw, name = (v.get("date"), str(v.get("name", ""))) if isinstance(v, dict) else (v, "")
        if isinstance(raw, datetime):
            raw = raw.date()
        if isinstance(raw, str):
            try:
                raw = date.fromisoformat(raw.strip())
            except ValueError:
                pass
        if not isinstance(raw, date):
            problems.append(f"holidays: {v!r} has no date in the form YYYY-MM-DD")
            continue
        out[raw] = name
    return out


def parse_duration(text: str, day: timedelta) -> timedelta:
    """``"30m"``, ``"4h"``, ``"1d"`` (business days of ``day`` length), ``"1d 4h"``."""
    raw = str(text).strip().lower()
    parts = _AMOUNT.findall(raw)
    if not parts or _AMOUNT.sub("", raw).strip():
        raise ValueError(f"{text!r} is not a duration such as \"30m\", \"4h\" or \"2d\"")
    total = timedelta(0)
    unit_us = {"m": 60_000_000, "h": 3_600_000_000, "d": day // timedelta(microseconds=1)}
    limit = MAX_TARGET // timedelta(microseconds=1)
    micros = 0
    for number, unit in parts:
        if len(number.split(".")[0].lstrip("0")) > 12:  # no int() of a million digits
            micros = limit + 1
            break
        # exact: "1.5h" is 5,400 s, "0.1d" a tenth of the business day to the microsecond
        micros += int(Decimal(number) * unit_us[unit])
    if micros > limit:
        raise ValueError(f"{str(text)[:40]!r} is longer than {MAX_TARGET.days} days")
    total = timedelta(microseconds=micros)
    if total <= timedelta(0):
        raise ValueError(f"{text!r} must be more than nothing")
    return total


def format_duration(amount: timedelta, day: timedelta | None = None) -> str:
    """A business-time amount for people: ``45m``, ``3h 20m``, ``2d 1h`` (days of ``day``)."""
    minutes = int(abs(amount).total_seconds() // 60)
    sign = "-" if amount < timedelta(0) else ""
    if day is not None and day and minutes >= day.total_seconds() // 60:
        per_day = int(day.total_seconds() // 60)
        d, rest = divmod(minutes, per_day)
        h = rest // 60
        return f"{sign}{d}d {h}h" if h else f"{sign}{d}d"
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{sign}{h}h {m}m"
    return f"{sign}{h}h" if h else f"{sign}{m}m"


def _merged(data: dict, default: dict) -> dict:
    out = dict(default)
    for k, v in data.items():
        if k == "targets" and isinstance(v, dict):
            targets = {p: dict(t) for p, t in default.get("targets", {}).items()}
            for p, t in v.items():
                targets[p] = {**targets.get(p, {}), **t} if isinstance(t, dict) else t
            out["targets"] = targets
        else:
            out[k] = v
    return out


_CACHE: dict[tuple[str | None, str], Policy] = {}


def default_text() -> str:
    return DEFAULT_FILE.read_text(encoding="utf-8")


def load_policy(text: str | None = None, *, source: str | None = None) -> Policy:
    """The policy of a TOML text (keys it leaves out come from the shipped default)."""
    key = (text, source or "")
    found = _CACHE.get(key)
    if found is not None:
        return found
    default = tomllib.loads(default_text())
    if text is None:
        data, src, shown = default, source or "shipped default", default_text()
    else:
        try:
            own = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"not valid TOML: {exc}") from None
        unknown = sorted(set(own) - {"timezone", "working_days", "hours", "holidays", "targets"})
        if unknown:
            raise PolicyError(f"unknown keys: {', '.join(unknown)} (see {DEFAULT_FILE.name})")
        data, src, shown = _merged(own, default), source or "the books' setting", text
    problems: list[str] = []
    tz = str(data.get("timezone", "local")).strip() or "local"
    zone: str | None = None
    if tz.lower() != "local":
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
            zone = tz
        except Exception:  # noqa: BLE001 - any failure means "not a zone we know"
            problems.append(f"timezone: {tz!r} is not \"local\" or a time zone such as \"Europe/London\"")
    days = _weekdays(data.get("working_days"), problems)
    hours = _hours(data.get("hours"), problems)
    holidays = _holidays(data.get("holidays"), problems)
    if problems:
        raise PolicyError(*problems)
    calendar = Calendar(working_days=days, hours=hours, holidays=holidays, tz=zone)
    targets: dict[str, tuple[timedelta, timedelta]] = {}
    raw_targets = data.get("targets") or {}
    for p in raw_targets:
        if p not in PRIORITIES:
            problems.append(f"targets: {p!r} is not one of: {', '.join(PRIORITIES)}")
    for p in PRIORITIES:
        t = raw_targets.get(p)
        if not isinstance(t, dict):
            problems.append(f"targets.{p}: give first_response and resolution")
            continue
        got = []
        for metric in METRICS:
            try:
                got.append(parse_duration(t.get(metric, ""), calendar.day))
            except ValueError as exc:
                problems.append(f"targets.{p}.{metric}: {exc}")
        if len(got) == 2:
            if got[0] > got[1]:
                problems.append(f"targets.{p}: the first response cannot be due after the resolution")
            targets[p] = (got[0], got[1])
    if problems:
        raise PolicyError(*problems)
    policy = Policy(calendar=calendar, targets=targets, source=src, text=shown, holiday_names=holidays)
    if len(_CACHE) > 32:
        _CACHE.clear()
    _CACHE[key] = policy
    return policy


# -- a ticket's clocks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One SLA clock of one ticket (see the module doc for ``due``)."""

    metric: str  # "first_response" or "resolution"
    target: timedelta
    due: datetime | None
    used: timedelta  # business time counted until now, or until the clock stopped
    done_at: datetime | None  # when it was met: the first public reply; resolved or closed
    running: bool
    finished: bool = False  # the ticket is resolved or closed: this clock will not run again

    @property
    def label(self) -> str:
        return "first response" if self.metric == "first_response" else "resolution"

    @property
    def left(self) -> timedelta:
        """Business time left before the target (negative once past it)."""
        return self.target - self.used

    def breached(self, now: datetime) -> bool:
        end = self.done_at or now
        return self.due is not None and self.due < end

    def state(self, now: datetime) -> str:
        """met, missed, overdue, due soon, running, paused, or not needed (the ticket was
        finished before the target; a first reply that never came and was never due)."""
        if self.done_at is not None:
            return "missed" if self.breached(now) else "met"
        if self.finished:
            return "missed" if self.breached(now) else "not needed"
        if self.breached(now):
            return "overdue"
        if self.running:
            return "due soon" if self.due is not None and self.due - now < SOON else "running"
        return "paused"


@dataclass(frozen=True)
class SlaState:
    """A ticket's two clocks, and the columns the repository stores from them."""

    response: Clock
    resolution: Clock
    finished: bool

    @property
    def clocks(self) -> tuple[Clock, Clock]:
        return (self.response, self.resolution)

    @property
    def sla_due(self) -> datetime | None:
        """The queue's sort key: the nearest due time of a clock not met yet (past ones too)."""
        if self.finished:
            return None
        dues = [c.due for c in self.clocks if c.done_at is None and c.due is not None]
        return min(dues) if dues else None

    @property
    def sla_missed(self) -> bool:
        """A target missed for good: met late, or the ticket finished after it passed."""
        for c in self.clocks:
            if c.due is None:
                continue
            if c.done_at is not None and c.due < c.done_at:
                return True
            if c.done_at is None and c.finished:
                return True
        return False

    def breached(self, now: datetime) -> bool:
        due = self.sla_due
        return self.sla_missed or (due is not None and due < now)

    def columns(self) -> dict:
        """What the repository stores on the ticket."""
        r, s = self.response, self.resolution
        return {
            "response_due": r.due,
            "resolution_due": s.due,
            "sla_due": self.sla_due,
            "sla_missed": self.sla_missed,
            "response_secs": int(r.used.total_seconds()) if r.done_at is not None else None,
            "resolution_secs": int(s.used.total_seconds()) if s.done_at is not None else None,
        }


def _clock(calendar: Calendar, metric: str, target: timedelta,
           intervals: list[tuple[datetime, datetime | None, str]], stop: datetime | None,
           done_at: datetime | None, now: datetime) -> Clock:
    used = timedelta(0)
    due: datetime | None = None
    running = False
    for start, end, status in intervals:
        if stop is not None:
            if start >= stop:
                break
            if end is None or end > stop:
                end = stop
        if status not in ACTIVE:
            continue
        if end is None:  # the current interval, still running
            running = True
            if due is None:
                due = calendar.add(start, target - used)
            used += calendar.between(start, now)
            break
        spent = calendar.between(start, end)
        if due is None and used + spent >= target:
            due = calendar.add(start, target - used)
        used += spent
    return Clock(metric=metric, target=target, due=due, used=used, done_at=done_at, running=running)


def evaluate(policy: Policy, priority: str, history: Sequence[tuple[datetime, str]],
             first_response_at: datetime | None, now: datetime,
             priority_changes: Sequence[tuple[datetime, str]] = ()) -> SlaState:
    """The clocks of a ticket from its status history: ``[(when, status), …]`` in order, the
    first entry being its creation. ``now`` matters only for ``used`` and the states.

    ``priority_changes`` are the moments the priority changed, each with the priority it had
    until then (``[(when, old priority), …]``, in order). A breach is a fact: a clock whose
    target, under the priority then in force, had already passed when the priority changed
    stays breached, with that due time; the clocks not breached then run to the targets of
    ``priority`` (the business time already used counts against them)."""
    if not history:
        raise ValueError("a ticket's history starts with its creation")
    intervals: list[tuple[datetime, datetime | None, str]] = []
    finished_at: datetime | None = None
    previous: str | None = None
    for i, (at, status) in enumerate(history):
        end = history[i + 1][0] if i + 1 < len(history) else None
        intervals.append((at, end, status))
        if status in FINISHED and (previous is None or previous not in FINISHED):
            finished_at = at
        elif status not in FINISHED:
            finished_at = None
        previous = status
    finished = history[-1][1] in FINISHED
    cal = policy.calendar
    clocks = []
    for metric, stop, done_at in (("first_response", first_response_at, first_response_at),
                                  ("resolution", None, finished_at if finished else None)):
        c = replace(_clock(cal, metric, policy.target(priority, metric), intervals, stop, done_at, now),
                    finished=finished)
        missed = _missed_before(cal, policy, metric, intervals, stop, priority_changes)
        if missed is not None:
            c = replace(c, due=missed if c.due is None else min(missed, c.due))
        clocks.append(c)
    return SlaState(response=clocks[0], resolution=clocks[1], finished=finished)


def _missed_before(calendar: Calendar, policy: Policy, metric: str,
                   intervals: list[tuple[datetime, datetime | None, str]], stop: datetime | None,
                   priority_changes: Sequence[tuple[datetime, str]]) -> datetime | None:
    """The due time this clock had already missed when a priority changed (the first such), if any."""
    for at, old in priority_changes:
        if old not in policy.targets:
            continue
        end = at if stop is None else min(stop, at)
        then = _clock(calendar, metric, policy.target(old, metric), intervals, end, None, at)
        if then.due is not None and then.used > then.target:  # business time ran on past the target
            return then.due
    return None
