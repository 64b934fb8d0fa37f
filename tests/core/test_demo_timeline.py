"""bizsuite/demo.py's timeline: every setup first, in module order, then each day of the year
with every daily callback in module order, each with its own rng and state."""

from __future__ import annotations

import sys
import types
from datetime import timedelta

from bizsuite.core import clock
from bizsuite.core.db import Location, to_url
from bizsuite import demo as demo_mod
from bizsuite.demo import BASE, DAYS, Part, prepare_demo


def test_setups_then_the_days_in_module_order(tmp_path, monkeypatch):
    calls: list[tuple] = []
    probe = types.ModuleType("demo_timeline_probe")

    def setup(name):
        def fn(books, rng, size, *, base, seed, progress, **kw):
            calls.append(("setup", name, "state" in kw))
            if "state" in kw:
                kw["state"]["days"] = 0
            return {f"{name} things": 1}
        return fn

    def daily(name):
        def fn(books, rng, day, state):
            state["days"] += 1
            calls.append(("day", name, day, state["days"]))
            return {f"{name} things": 1} if day.day == 1 else {}
        return fn

    probe.a, probe.b, probe.c = setup("a"), setup("b"), setup("c")
    probe.a_day, probe.c_day = daily("a"), daily("c")
    monkeypatch.setitem(sys.modules, "demo_timeline_probe", probe)
    monkeypatch.setattr(demo_mod, "parts", lambda: [
        Part("a", "demo_timeline_probe:a", 1, "demo_timeline_probe:a_day"),
        Part("b", "demo_timeline_probe:b", 1),  # no daily callback: as before
        Part("c", "demo_timeline_probe:c", 1, "demo_timeline_probe:c_day"),
    ])
    seen: list[tuple[int, int]] = []
    said: list[str] = []
    with clock.freeze(BASE):
        prepare_demo(Location(to_url(str(tmp_path / "t.sqlite")), "test"), echo=said.append,
                     progress=lambda d, t: seen.append((d, t)))
    assert calls[:3] == [("setup", "a", True), ("setup", "b", False), ("setup", "c", True)]
    days = calls[3:]
    assert len(days) == 2 * DAYS
    first = BASE.date() - timedelta(days=DAYS - 1)
    for i in range(DAYS):
        day = first + timedelta(days=i)
        assert days[2 * i] == ("day", "a", day, i + 1) and days[2 * i + 1] == ("day", "c", day, i + 1)
    months = sum(1 for i in range(DAYS) if (first + timedelta(days=i)).day == 1)
    assert f"{1 + months} a things" in said[-1] and "1 b things" in said[-1]
    assert seen[-1][0] == seen[-1][1] and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
