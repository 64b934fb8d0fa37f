"""The command line's tables: the same text Rich writes, without importing Rich.

Rich costs about 25 ms to import and 10 ms to draw the few rows of a ``bizsuite … list`` — a
tenth of a command on small books. When the table fits, Rich writes nothing but padded cells
(off a terminal), or the same with the title in italics and the header in bold (on one);
:func:`render` writes exactly that (tests hold it equal to Rich's output, on generated tables).
Anything it cannot promise to write byte for byte — colours forced or refused by the
environment, a dumb terminal, Windows, a table wider than the page, a title wider than the
table, a character whose width on screen is not one cell (CJK, combining marks, tabs, line
breaks) — it declines (returns None), and the caller draws the table with Rich.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Sequence

# Characters one cell wide on screen (Rich agrees, a test checks) that Rich never splits or
# strips in a cell that fits: printable ASCII, Latin-1 (less the no-break space and the soft
# hyphen), Latin Extended-A/B, and the dashes, quotes, ellipsis and euro sign of ordinary text.
_ONE_CELL = re.compile("[\x20-\x7e\xa1-\xac\xae-\u024f\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u20ac]*")

# Environment variables that make Rich write colours to a pipe (https://force-color.org/), or
# change what it writes to a terminal.
_FORCING = ("FORCE_COLOR", "TTY_COMPATIBLE")
_ON_A_TERMINAL = ("NO_COLOR", "TTY_INTERACTIVE", "JUPYTER_COLUMNS")

BOLD, ITALIC, RESET = "\x1b[1m", "\x1b[3m", "\x1b[0m"


def terminal_width() -> int | None:
    """The width Rich gives a console on this terminal (``$COLUMNS``, else the size of the first
    standard stream that is a terminal, else 80); None where Rich would not style the table as
    :func:`render` does (a dumb terminal, Windows)."""
    if sys.platform == "win32" or os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns) or 80
    width = None
    for stream in (sys.__stdin__, sys.__stdout__, sys.__stderr__):
        try:
            width = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80


def _plain(text: str) -> bool:
    return _ONE_CELL.fullmatch(text) is not None


def render(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[str]],
           right: Sequence[bool], *, width: int, terminal: bool = False) -> str | None:
    """The table as Rich prints it (``box=None``, cells padded by one space, ``title`` centred
    above; on a ``terminal``, the title in italics and the header in bold) on a console
    ``width`` cells wide; None when this cannot be promised (then use Rich)."""
    if not headers or any(os.environ.get(v) for v in _FORCING):
        return None
    if terminal and any(v in os.environ for v in _ON_A_TERMINAL):
        return None
    cells = [list(headers), *[list(r) for r in rows]]
    if any(len(r) != len(headers) for r in cells):
        return None
    for r in cells:
        for c in r:
            # a cell Rich might wrap or trim: leading/trailing spaces, or runs of them
            if not _plain(c) or c != c.strip(" ") or "  " in c:
                return None
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    table_width = sum(widths) + 2 * len(widths)
    if table_width > width or (terminal and 0 in widths):
        return None
    out = []
    if title:
        if not _plain(title) or len(title) > table_width or title != title.strip(" ") or "  " in title:
            return None
        excess = table_width - len(title)
        line = " " * (excess // 2) + title + " " * (excess - excess // 2)
        out.append(f"{ITALIC}{line}{RESET}" if terminal else line)
    for n, r in enumerate(cells):
        padded = [c.rjust(w) if right_ else c.ljust(w) for c, w, right_ in zip(r, widths, right)]
        if n == 0 and terminal:  # Rich writes each header cell as three bold segments
            pad = f"{BOLD} {RESET}"
            out.append("".join(f"{pad}{BOLD}{c}{RESET}{pad}" for c in padded))
        else:
            out.append("".join(f" {c} " for c in padded))
    return "\n".join(out) + "\n"
