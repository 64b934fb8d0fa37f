"""``python tests/launch_bizsuite.py [--now=ISO] [--pause-before=MODULE:NAME] [--] ARGS…``

A test-only launcher for a real ``bizsuite`` process (the program itself reads no time and no
hooks from the environment). It sets things up in the new process, then runs ``bizsuite ARGS…``
exactly as the console script does:

``--now=ISO``
    freeze :mod:`bizsuite.core.clock` at that moment (ISO 8601; UTC when it has no offset).
``--pause-before=MODULE:NAME[@N]`` (``--pause-after=…``)
    wrap the function NAME of MODULE: before its first call (or after its Nth call returned), the
    process writes ``paused at MODULE:NAME[@N]`` and a newline on stderr and then blocks until its
    stdin is closed or given a line — so a test can act at a known point (kill it mid-write, save
    while it validates) instead of sleeping and hoping.
"""

import functools
import importlib
import sys
from datetime import datetime


def _pause_at(spec: str, *, after: bool) -> None:
    module_name, _, name = spec.partition(":")
    name, _, nth = name.partition("@")
    at_call = int(nth or 1)
    module = importlib.import_module(module_name)
    original = getattr(module, name)
    paused = False
    calls = 0

    def pause() -> None:
        nonlocal paused
        if paused:
            return
        paused = True
        sys.stderr.write(f"paused at {spec}\n")
        sys.stderr.flush()
        sys.stdin.readline()

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        nonlocal calls
        calls += 1
        if not after and calls == at_call:
            pause()
        result = original(*args, **kwargs)
        if after and calls == at_call:
            pause()
        return result

    setattr(module, name, wrapper)


def main() -> None:
    args = sys.argv[1:]
    while args and args[0].startswith("--") and args[0].split("=")[0] in ("--now", "--pause-before",
                                                                          "--pause-after", "--"):
        option, _, value = args.pop(0).partition("=")
        if option == "--":
            break
        if option == "--now":
            from bizsuite.core import clock

            clock.set_now(datetime.fromisoformat(value))
        else:
            _pause_at(value, after=option == "--pause-after")
    sys.argv = ["bizsuite", *args]

    from bizsuite.cli import main as bizsuite

    bizsuite()


if __name__ == "__main__":
    main()
