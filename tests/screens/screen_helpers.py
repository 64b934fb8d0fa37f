"""What the screen tests share: the terminal size clerks use, and waiting for the app to settle.

A module of its own (not ``conftest``): several test folders have a conftest.py, and which one
``from conftest import …`` finds depends on what pytest collected before.
"""

from __future__ import annotations

SIZE = (80, 24)


async def settle(pilot) -> None:
    """Let every worker finish and every message land, so what is on screen is final."""
    app = pilot.app
    for _ in range(50):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            busy = [t for t in app.screen.query("PagedTable") if t.is_loading]
            if not busy:
                return
        await pilot.pause(0.02)
    raise AssertionError("the app did not settle")
