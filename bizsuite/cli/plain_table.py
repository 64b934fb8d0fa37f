"""The command line's tables when they go to a pipe or a file: the same text Rich writes, without
importing Rich.

Rich costs about 25 ms to import and 10 ms to draw the few rows of a ``bizsuite … list`` — a
tenth of a command on small books. Off a terminal Rich writes no colours and, when the table
fits, nothing but padded cells; :func:`render` writes exactly that (a test holds it equal to
Rich's output, on generated tables). Anything it cannot promise to write byte for byte — a
terminal, colours forced by the environment, a table wider than the page, a title wider than
the table, a character whose width on screen is not one cell (CJK, combining marks, tabs, line
breaks) — it declines (returns None), and the caller draws the table with Rich.
"""

from __future__ import annotations

import os
import re
from typing import Sequence

# Characters one cell wide on screen (Rich agrees, a test checks) that Rich never splits or
# strips in a cell that fits: printable ASCII, Latin-1 (less the no-break space and the soft
# hyphen), Latin Extended-A/B, and the dashes, quotes, ellipsis and euro sign of ordinary text.
_ONE_CELL = re.compile("[\x20-\x7e\xa1-\xac\xae-\u024f\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u20ac]*")

# Environment variables that make Rich write colours to a pipe (https://force-color.org/).
_FORCING = ("FORCE_COLOR", "TTY_COMPATIBLE")


def _plain(text: str) -> bool:
    return _ONE_CELL.fullmatch(text) is not None


def render(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[str]],
           right: Sequence[bool], *, width: int) -> str | None:
    """The table as Rich prints it (``box=None``, cells padded by one space, ``title`` centred
    above) on a console ``width`` cells wide that is not a terminal; None when this cannot be
    promised (then use Rich)."""
    if not headers or any(os.environ.get(v) for v in _FORCING):
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
    if table_width > width:
        return None
    out = []
    if title:
        if not _plain(title) or len(title) > table_width or title != title.strip(" ") or "  " in title:
            return None
        excess = table_width - len(title)
        out.append(" " * (excess // 2) + title + " " * (excess - excess // 2))
    for r in cells:
        out.append("".join(
            f" {c.rjust(w) if right_ else c.ljust(w)} " for c, w, right_ in zip(r, widths, right)
        ))
    return "\n".join(out) + "\n"
