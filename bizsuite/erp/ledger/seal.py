"""Sealing entries the bulk writer has just inserted, from the rows it has at hand.

The end-of-unit-of-work sealer (core/chain.py) reads unsealed entries back with their lines;
for an import of 100k entries that read costs as much as the hashing. ``importer._write_rows``
calls :func:`seal_written` right after the lines are in: it hands the sealer (``chain.prepare``)
each entry's content built from the very rows inserted, in the form :meth:`Chain.records` reads
them back (tests hold the two equal on both databases, and ``bizsuite check`` would name any
entry where they differ). The seals are still written at commit, with the chain's lock taken
there, as for every other write.
"""

from __future__ import annotations

from datetime import timezone

from bizsuite.core import chain
from bizsuite.erp.ledger.models import LEDGER_CHAIN

TIME = "%Y-%m-%d %H:%M:%S.%f"


def _text(d) -> str:
    return d if type(d) is str else d.isoformat()


def seal_written(books, entry_rows: list[tuple], plain_lines: list[tuple], full_lines: list[tuple],
                 constant: dict) -> None:
    """Seal the entries of ``importer._write_rows`` (entries in ``ENTRY_VARIABLE`` order, lines
    ``(entry_id, line_no, date, account_id, cents[, memo, contact_id])``, ``constant`` columns)."""
    if not entry_rows:
        return
    lines: dict[int, list] = {}
    for eid, n, d, aid, c in plain_lines:
        lines.setdefault(eid, []).append((n, _text(d), aid, c, None, None))
    for eid, n, d, aid, c, memo, cid in full_lines:
        lines.setdefault(eid, []).append((n, _text(d), aid, c, memo, cid))
    created = constant["created_at"].astimezone(timezone.utc).strftime(TIME)
    posted = constant["posted_at"].astimezone(timezone.utc).strftime(TIME)
    kind, by, posted_by = constant["source_kind"], constant["created_by"], constant["posted_by"]
    rows = []
    for eid, d, memo, code, mark, comment, source_id, source_ref, contact_id, _key in entry_rows:
        mine = lines.get(eid, [])
        mine.sort()
        rows.append((eid, (_text(d), memo, code, mark, comment, kind, source_id, source_ref, contact_id, None,
                           created, by, posted, posted_by, mine)))
    rows.sort(key=lambda r: r[0])
    chain.prepare(books.session, LEDGER_CHAIN, rows)
