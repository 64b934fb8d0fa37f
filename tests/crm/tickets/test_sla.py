"""SLA math: business hours across nights, weekends, holidays, time zones, and paused clocks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bizsuite.crm.tickets import sla
from bizsuite.crm.tickets.sla import Calendar, PolicyError, evaluate, load_policy, parse_duration

UTC = timezone.utc
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A moment in 2026 (March by default; 16 March 2026 is a Monday), UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def utc_policy(extra: str = "") -> sla.Policy:
    return load_policy('timezone = "UTC"\n' + extra)


@pytest.fixture
def cal() -> Calendar:
    return utc_policy().calendar


# -- the calendar ------------------------------------------------------------------------------


def test_business_time_within_a_day_and_outside_hours(cal):
    assert cal.between(at(16, 10), at(16, 12, 30)) == 2.5 * H
    assert cal.between(at(16, 7), at(16, 10)) == 1 * H  # before opening counts nothing
    assert cal.between(at(16, 16), at(16, 23)) == 1 * H  # nor after closing
    assert cal.between(at(16, 12), at(16, 12)) == timedelta(0)
    assert cal.between(at(16, 12), at(16, 11)) == timedelta(0)


def test_business_time_across_a_night_and_a_weekend(cal):
    assert cal.between(at(16, 16), at(17, 10)) == 2 * H  # Mon 16:00 → Tue 10:00
    assert cal.between(at(20, 16), at(23, 10)) == 2 * H  # Fri 16:00 → Mon 10:00
    assert cal.between(at(21, 9), at(22, 17)) == timedelta(0)  # the whole weekend
    assert cal.between(at(16, 9), at(20, 17)) == 40 * H  # a working week


def test_holidays_have_no_business_hours(cal):
    # Thanksgiving 2026 is Thursday 26 November in the shipped calendar.
    assert cal.between(at(25, 16, month=11), at(27, 10, month=11)) == 2 * H
    assert cal.add(at(25, 16, month=11), 2 * H) == at(27, 10, month=11)
    assert not cal.is_working_day(date(2026, 11, 26))
    assert cal.is_working_day(date(2026, 11, 27))


def test_adding_business_time(cal):
    assert cal.add(at(16, 9, 30), 1 * H) == at(16, 10, 30)
    assert cal.add(at(16, 16), 1 * H) == at(16, 17)  # ends exactly at closing, not next morning
    assert cal.add(at(16, 16, 30), 1 * H) == at(17, 9, 30)  # over the night
    assert cal.add(at(20, 16, 30), 1 * H) == at(23, 9, 30)  # over the weekend
    assert cal.add(at(21, 12), 1 * H) == at(23, 10)  # from a Saturday
    assert cal.add(at(16, 7), 1 * H) == at(16, 10)  # from before opening
    assert cal.add(at(16, 9), 24 * H) == at(18, 17)  # three business days


def test_long_spans_skip_whole_weeks_but_count_holidays(cal):
    start, end = datetime(2026, 11, 2, 11, tzinfo=UTC), datetime(2026, 12, 30, 15, tzinfo=UTC)
    by_day = timedelta(0)
    d = start
    while d < end:  # an hour at a time, the slow way
        step = min(end, d + H)
        if cal.is_working_day(d.date()) and 9 <= d.hour < 17:
            by_day += step - d
        d = step
    assert cal.between(start, end) == by_day
    assert cal.add(start, by_day) == end


def test_working_hours_with_a_lunch_break():
    cal = utc_policy('hours = ["09:00-12:00", "13:00-17:00"]').calendar
    assert cal.day == 7 * H
    assert cal.add(at(16, 11, 30), 1 * H) == at(16, 13, 30)
    assert cal.between(at(16, 11), at(16, 14)) == 2 * H


def test_a_calendar_in_another_time_zone():
    cal = load_policy('timezone = "Asia/Shanghai"').calendar  # 09:00–17:00 is 01:00–09:00 UTC
    assert cal.add(at(16, 8, 30), 1 * H) == at(17, 1, 30)
    assert cal.between(at(16, 0), at(16, 12)) == 8 * H


def test_daylight_saving_time_changes_the_utc_hours_not_the_business_hours():
    cal = load_policy('timezone = "America/New_York"').calendar
    # Friday 6 March 16:00 EST (21:00 UTC); clocks go forward on Sunday 8 March.
    assert cal.add(at(6, 21), 2 * H) == at(9, 14)  # Monday 10:00 EDT
    assert cal.between(at(6, 21), at(9, 14)) == 2 * H


def test_the_local_zone_is_the_default(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        cal = load_policy(None).calendar
        assert cal.tz_name is None
        assert cal.add(at(16, 8, 30), 1 * H) == at(17, 1, 30)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


# -- the policy --------------------------------------------------------------------------------


def test_the_shipped_policy_has_the_documented_targets():
    p = load_policy(None)
    assert p.source == "shipped default"
    assert p.calendar.day == 8 * H
    assert p.calendar.working_days == {0, 1, 2, 3, 4}
    assert p.targets == {
        "urgent": (1 * H, 4 * H), "high": (4 * H, 8 * H), "normal": (8 * H, 24 * H), "low": (16 * H, 40 * H),
    }
    assert date(2026, 12, 25) in p.calendar.holidays
    assert p.holiday_names[date(2026, 11, 26)] == "Thanksgiving Day"


def test_a_partial_policy_takes_the_rest_from_the_shipped_one():
    p = load_policy('working_days = ["mon", "tue", "wed", "thu", "fri", "sat"]\n'
                    'holidays = []\n[targets]\nurgent = { first_response = "30m" }\n')
    assert p.targets["urgent"] == (30 * M, 4 * H)
    assert p.targets["low"] == (16 * H, 40 * H)
    assert 5 in p.calendar.working_days and not p.calendar.holidays


@pytest.mark.parametrize("text, problem", [
    ('working_days = ["mon", "someday"]', "working_days: 'someday' is not one of"),
    ('working_days = []', "working_days: give a list"),
    ('hours = ["9-5"]', "hours: '9-5' is not a range"),
    ('hours = ["17:00-09:00"]', "does not run forwards"),
    ('hours = ["09:00-13:00", "12:00-17:00"]', "hours: the ranges overlap"),
    ('timezone = "Mars/Olympus"', "timezone: 'Mars/Olympus' is not"),
    ('holidays = [{ name = "no date" }]', "holidays:"),
    ('[targets]\nurgent = { first_response = "soon" }', "targets.urgent.first_response: 'soon' is not a duration"),
    ('[targets]\nurgent = { first_response = "5h" }', "first response cannot be due after the resolution"),
    ('[targets]\nasap = { first_response = "1h", resolution = "2h" }', "targets: 'asap' is not one of"),
    ('colour = "blue"', "unknown keys: colour"),
    ('this is = not toml =', "not valid TOML"),
])
def test_a_bad_policy_is_refused_with_a_clear_line(text, problem):
    with pytest.raises(PolicyError) as exc:
        load_policy(text)
    assert any(problem in p for p in exc.value.problems), exc.value.problems


def test_durations():
    day = 8 * H
    assert parse_duration("30m", day) == 30 * M
    assert parse_duration("1.5h", day) == 90 * M
    assert parse_duration("2d", day) == 16 * H
    assert parse_duration("1d 4h", day) == 12 * H
    for bad in ("", "4", "h", "4 hours", "0h"):
        with pytest.raises(ValueError):
            parse_duration(bad, day)
    assert sla.format_duration(90 * M) == "1h 30m"
    assert sla.format_duration(12 * H, day) == "1d 4h"
    assert sla.format_duration(-45 * M) == "-45m"


# -- a ticket's clocks -------------------------------------------------------------------------


def test_a_new_urgent_ticket_is_due_in_business_hours():
    p = utc_policy()
    s = evaluate(p, "urgent", [(at(16, 9, 30), "new")], None, now=at(16, 9, 45))
    assert s.response.due == at(16, 10, 30)
    assert s.resolution.due == at(16, 13, 30)
    assert s.sla_due == at(16, 10, 30) and not s.sla_missed
    assert s.response.state(at(16, 9, 45)) == "due soon"
    assert s.response.used == 15 * M
    assert s.breached(at(16, 10, 31)) and not s.breached(at(16, 10, 29))


def test_created_at_night_the_clock_starts_next_morning():
    p = utc_policy()
    s = evaluate(p, "normal", [(at(20, 18), "new")], None, now=at(21, 12))  # Friday evening
    assert s.response.due == at(23, 17)  # one business day: Monday 09:00–17:00
    assert s.resolution.due == at(25, 17)
    assert s.response.used == timedelta(0)


def test_the_first_reply_stops_the_response_clock():
    p = utc_policy()
    s = evaluate(p, "urgent", [(at(16, 9, 30), "new"), (at(16, 10), "open")], at(16, 10), now=at(16, 12))
    assert s.response.state(at(16, 12)) == "met"
    assert s.response.used == 30 * M
    assert s.sla_due == at(16, 13, 30)  # now only the resolution is running
    assert s.columns()["response_secs"] == 1800


def test_pending_and_on_hold_pause_both_clocks():
    p = utc_policy()
    history = [(at(16, 9), "new"), (at(16, 10), "pending"), (at(17, 10), "open")]
    s = evaluate(p, "normal", history, None, now=at(17, 11))
    # 1 h counted before the pause; the other 7 h from Tuesday 10:00
    assert s.response.due == at(17, 17)
    # 24 h: 1 h Monday, 7 h Tuesday, 8 h Wednesday, 8 h Thursday
    assert s.resolution.due == at(19, 17)
    assert s.response.used == 2 * H
    paused = evaluate(p, "normal", history[:2], None, now=at(17, 9))
    assert paused.response.due is None and paused.resolution.due is None
    assert paused.sla_due is None and not paused.breached(at(30, 9))
    assert paused.response.state(at(17, 9)) == "paused"
    assert paused.response.left == 7 * H
    on_hold = evaluate(p, "normal", [(at(16, 9), "new"), (at(16, 10), "on_hold")], None, now=at(18, 9))
    assert on_hold.response.used == 1 * H and not on_hold.response.running


def test_a_target_missed_before_a_pause_stays_missed():
    p = utc_policy()
    history = [(at(16, 9), "new"), (at(16, 11), "pending")]
    s = evaluate(p, "urgent", history, None, now=at(17, 9))
    assert s.response.due == at(16, 10)  # reached at 10:00, while still open
    assert s.response.state(at(17, 9)) == "overdue"
    assert s.sla_due == at(16, 10) and s.breached(at(17, 9))
    assert s.resolution.due is None  # 2 h of 4 used, then paused


def test_resolved_late_is_missed_for_good():
    p = utc_policy()
    history = [(at(16, 9), "new"), (at(16, 9, 30), "open"), (at(16, 14), "resolved")]
    s = evaluate(p, "urgent", history, at(16, 9, 30), now=at(18, 9))
    assert s.resolution.due == at(16, 13) and s.resolution.done_at == at(16, 14)
    assert s.resolution.state(at(18, 9)) == "missed"
    assert s.sla_missed and s.sla_due is None and s.finished
    assert s.columns()["resolution_secs"] == 5 * 3600


def test_resolved_in_time_and_closed_later_is_met():
    p = utc_policy()
    history = [(at(16, 9), "new"), (at(16, 10), "open"), (at(16, 12), "resolved"), (at(23, 12), "closed")]
    s = evaluate(p, "urgent", history, at(16, 10), now=at(24, 9))
    assert s.resolution.done_at == at(16, 12)  # resolved, not closed, is when it was met
    assert not s.sla_missed and s.resolution.state(at(24, 9)) == "met"


def test_reopened_tickets_resume_where_the_clock_stopped():
    p = utc_policy()
    history = [(at(16, 9), "new"), (at(16, 9, 30), "open"), (at(16, 11), "resolved"), (at(17, 9), "open")]
    s = evaluate(p, "urgent", history, at(16, 9, 30), now=at(17, 9, 30))
    assert s.resolution.due == at(17, 11)  # 2 h used before; the other 2 h from Tuesday 09:00
    assert s.resolution.done_at is None and s.resolution.running
    assert s.sla_due == at(17, 11)


def test_finished_without_a_reply_before_the_target_is_not_a_miss():
    p = utc_policy()
    s = evaluate(p, "normal", [(at(16, 9), "new"), (at(16, 10), "closed")], None, now=at(20, 9))
    assert s.response.due is None and not s.sla_missed
    late = evaluate(p, "urgent", [(at(16, 9), "new"), (at(16, 11), "closed")], None, now=at(20, 9))
    assert late.sla_missed  # the reply was due at 10:00 and never came


def test_priority_targets_follow_the_policy():
    p = utc_policy('[targets]\nlow = { first_response = "3d", resolution = "10d" }')
    s = evaluate(p, "low", [(at(16, 9), "new")], None, now=at(16, 9))
    assert s.response.due == at(18, 17) and s.resolution.due == at(27, 17)


def test_a_finished_ticket_says_what_became_of_each_clock():
    """Whether a clock is finished is the domain's answer (the CLI and the screen only word it)."""
    p = utc_policy()
    closed = evaluate(p, "normal", [(at(16, 9), "new"), (at(16, 10), "closed")], None, now=at(20, 9))
    assert closed.response.finished and closed.response.state(at(20, 9)) == "not needed"
    assert closed.resolution.state(at(20, 9)) == "met"
    late = evaluate(p, "urgent", [(at(16, 9), "new"), (at(16, 11), "resolved")], None, now=at(20, 9))
    assert late.response.state(at(20, 9)) == "missed"  # never answered, and it was due at 10:00
    reopened = evaluate(p, "urgent", [(at(16, 9), "new"), (at(16, 9, 30), "resolved"), (at(16, 9, 45), "open")],
                        None, now=at(16, 9, 50))
    assert not reopened.response.finished and reopened.response.state(at(16, 9, 50)) == "due soon"
