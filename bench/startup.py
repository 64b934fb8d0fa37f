"""How fast a command starts and finishes on small books, as a whole process, beside the floor.

    .venv/bin/python bench/startup.py [--runs N] [--quick]

Figures (the fastest of N runs; the median beside it):

- the floor: ``python -c pass``, and ``python`` running the same query with the raw ``sqlite3``
  module (what any Python program pays to answer the question);
- ``bizsuite --help`` with the shipped modules, and with seven modules declared (four more
  declarations like the test suite's memos module, so the root's cost per module shows);
- ``bizsuite contacts list`` and ``bizsuite ledger trial-balance`` on books with a few rows;
- which modules' models a command imported (a command loads only the modules it uses).

Targets (issue 7): a command under 0.3 s; ``--help`` under 0.1 s with seven modules declared.
Run it on a quiet machine: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import Figure, bizsuite_exe, env_for, secs  # noqa: E402

SEVEN = """
import sys
from bizsuite.core import modules
from bizsuite.core.modules import Module
extra = [Module(name=n, title=n.title(), description=f"the {n} module", key=k, screen="x:y", cli="x:y",
                cli_help=f"the {n} module: list, show, add", permissions={f"{n}.read": ("owner",)})
         for n, k in (("stock", "s"), ("purchasing", "p"), ("sales", "a"), ("payroll", "y"))]
modules._installed = modules.resolve([*modules.installed(), *extra])
from bizsuite.cli import main
sys.argv = ["bizsuite", "--help"]
main()
"""

WHICH_MODELS = """
import sys
sys.argv = ["bizsuite", *sys.argv[1:]]
def said():
    loaded = sorted(m.rsplit(".", 2)[-2] for m in sys.modules if m.endswith(".models") and m.startswith("bizsuite."))
    sys.stderr.write("MODELS " + ",".join(loaded) + "\\n")
from bizsuite import cli
try:
    cli.app()
except SystemExit:
    pass
said()
"""


def run_times(args: list[str], env: dict[str, str], runs: int) -> tuple[float | None, float | None, str]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        took = time.perf_counter() - t
        if done.returncode != 0:
            return None, None, (done.stderr.strip().splitlines() or ["failed"])[-1][:70]
        times.append(took)
    return min(times), statistics.median(times), ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--quick", action="store_true", help="3 runs each (CI smoke test)")
    args = ap.parse_args()
    runs = 3 if args.quick else args.runs
    exe = bizsuite_exe()
    py = sys.executable
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = env_for(home)
        db = str(Path(tmp) / "small.sqlite")
        for step in (["init", "--company", "Bench Co"],
                     ["contacts", "add", "Ada Lovelace", "--kind", "person", "--email", "ada@example.org"],
                     ["ledger", "post", "--date", "2026-11-02", "--memo", "opening",
                      "--line", "assets:bank:checking 1000", "--line", "equity:opening balances"]):
            done = subprocess.run([*exe, "--db", db, *step], env=env, capture_output=True, text=True)
            if done.returncode:
                print(f"set-up failed: {' '.join(step)}: {done.stderr.strip()}", file=sys.stderr)
                return 1

        def add(name, target, argv, note=""):
            best, median, err = run_times(argv, env, runs)
            figures.append(Figure(name, target, best, note=err or (f"median {secs(median)}" + (f"; {note}" if note else ""))))
            return best

        floor = add("floor: python -c pass", None, [py, "-c", "pass"])
        raw = add("floor: python + sqlite3, the contact list's query", None,
                  [py, "-c", f"import sqlite3; c = sqlite3.connect({db!r}); "
                             "print(c.execute('SELECT id, name, email FROM contacts ORDER BY name LIMIT 50').fetchall())"])
        add("bizsuite --help (shipped modules)", 0.1, [*exe, "--help"])
        add("bizsuite --help (seven modules declared)", 0.1, [py, "-c", SEVEN])
        add("bizsuite contacts list", 0.3, [*exe, "--db", db, "contacts", "list"])
        add("bizsuite ledger trial-balance", 0.3, [*exe, "--db", db, "ledger", "trial-balance"])
        for what in (["contacts", "list"], ["ledger", "trial-balance"]):
            done = subprocess.run([py, "-c", WHICH_MODELS, "--db", db, *what], env=env, capture_output=True, text=True)
            line = next((ln for ln in done.stderr.splitlines() if ln.startswith("MODELS ")), "MODELS ?")
            figures.append(Figure(f"  models loaded by `{' '.join(what)}`", None, None, note=line[7:] or "none"))

    w = max(len(f.name) for f in figures)
    print(f"\nbizsuite start-up bench: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}, fastest of {runs}\n")
    print(f"{'figure':<{w}}  {'target':>9}  {'measured':>9}  {'':4}  note")
    for f in figures:
        target = secs(f.target) if f.target else ""
        ratio = f"{f.measured / floor:.1f}x python" if f.measured and floor else ""
        print(f"{f.name:<{w}}  {target:>9}  {secs(f.measured) if f.measured else '':>9}  {f.verdict if f.measured else '':4}  "
              + "  ".join(x for x in (ratio, f.note) if x))
    return 0


if __name__ == "__main__":
    sys.exit(main())
