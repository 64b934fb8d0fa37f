"""``python tests/frozen_bizsuite.py NOW ARGS…``: the ``bizsuite`` command line with the clock frozen.

A test-only launcher (the program itself reads no time from the environment): freeze
:mod:`bizsuite.core.clock` at NOW (ISO 8601; UTC when it has no offset), then run
``bizsuite ARGS…`` exactly as the console script does.
"""

import sys
from datetime import datetime

from bizsuite.core import clock

clock.set_now(datetime.fromisoformat(sys.argv[1]))
sys.argv = ["bizsuite", *sys.argv[2:]]

from bizsuite.cli import main  # noqa: E402  (after freezing, as the command would)

main()
