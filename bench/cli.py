"""The command line under load, and the demo's reuse: figures that used to be test assertions.

    python bench/cli.py [--rows 200000] [--quick]

- a clerk's one-contact save while a big ``contacts import`` is still checking its rows (the
  import validates before it takes the write lock, so the save should not wait for it; the
  tests check that it succeeds, here is how long it takes);
- ``bizsuite demo`` run again on its existing file (it reuses the file instead of rebuilding).

Not a test: nothing fails the run. Every file lives in a temporary directory and is removed.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchlib import Figure, bizsuite_exe, env_for, print_figures, timed_process  # noqa: E402


def clerk_save_during_import(tmp: Path, env: dict[str, str], rows: int) -> Figure:
    exe = bizsuite_exe()
    books = tmp / "books.sqlite"
    done = subprocess.run([*exe, "--db", str(books), "init", "--company", "Bench Co", "--currency", "USD"],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return Figure("a clerk's save during a big import's validation", 5.0, None, note=done.stderr.strip())
    big = tmp / "big.csv"
    lines = ["name,email,phone"] + [f"Lambda {i},l{i}@example.com,+1 415 {i % 1000:03d} {i % 10000:04d}"
                                    for i in range(rows)]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = subprocess.Popen([*exe, "--db", str(books), "contacts", "import", str(big)], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)  # a bench may sleep: well into the validation of a file this size
        running = proc.poll() is None
        took, save = timed_process([*exe, "--db", str(books), "contacts", "add", "Clerk Save"], env)
        still = proc.poll() is None
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    note = f"{rows:,}-row import" + ("" if running and still else "; the import ended first: use more --rows")
    if save.returncode != 0:
        note += f"; the save failed: {save.stderr.strip()}"
    return Figure("a clerk's save during a big import's validation (process)", 5.0, took, note=note)


def demo_reuse(tmp: Path) -> Figure:
    from bizsuite.core.db import Location, to_url
    from bizsuite.demo import prepare_demo

    location = Location(to_url(str(tmp / "demo.sqlite")), "bench")
    prepare_demo(location, echo=lambda m: None)
    said: list[str] = []
    t = time.perf_counter()
    prepare_demo(location, echo=said.append)
    took = time.perf_counter() - t
    return Figure("demo again on its own file (reused, in-process)", 1.0, took,
                  note="" if said and "reusing" in said[-1] else "rebuilt, not reused")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000, help="rows of the big import")
    ap.add_argument("--quick", action="store_true", help="100,000 rows (a smoke test)")
    args = ap.parse_args()
    rows = 100_000 if args.quick else args.rows
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bizsuite-bench-") as tmp_:
        tmp = Path(tmp_)
        home = tmp / "home"
        home.mkdir()
        env = env_for(home)
        os.environ.update({k: env[k] for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")})
        os.environ.pop("BIZSUITE_DB", None)
        figures = [clerk_save_during_import(tmp, env, rows), demo_reuse(tmp)]
    print_figures(f"bizsuite cli bench: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs", figures, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
