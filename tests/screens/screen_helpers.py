"""What the screen tests share: the terminal size clerks use, and waiting for the app to settle.

A module of its own (not ``conftest``): several test folders have a conftest.py, and which one
``from conftest import …`` finds depends on what pytest collected before.
"""

from __future__ import annotations

SIZE = (80, 24)


async def settle(pilot) -> None:
    """Let every worker finish and every message land, so what is on screen is final."""
    app = pilot.app
    quiet = 0
    for _ in range(60):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers) and not any(
                t.is_loading for t in app.screen.query("PagedTable")):
            # quiet three times in a row, 50 ms apart: a dismissed dialog's callback may start its worker only on
            # the next turn of the loop (seen on a loaded CI machine: the ticket heading read
            # before the assignment's worker had even started)
            quiet += 1
            if quiet == 3:
                return
            await pilot.pause(0.05)
            continue
        quiet = 0
        await pilot.pause(0.02)
    raise AssertionError("the app did not settle")
