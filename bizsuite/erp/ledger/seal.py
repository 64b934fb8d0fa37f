"""Sealing entries the bulk writer has just inserted, from the rows it has at hand.

The end-of-unit-of-work sealer (core/chain.py) reads unsealed entries back with their lines;
for an import of 100k entries that read costs as much as the hashing. ``importer._write_rows``
calls :func:`seal_written` right after the lines are in: it hands the sealer (``chain.prepare``)
each entry's canonical bytes (:func:`bizsuite.core.chain.encode` of the entry as
:meth:`Chain.records` reads it back) built from the very rows inserted — written directly, the
parts every entry shares encoded once, text through the JSON encoder's own string escaping:
3x quicker than building the content and encoding it (tests hold the bytes equal to
``chain.encode`` on awkward text, and the seals equal to what ``check`` recomputes on both
databases; ``bizsuite check`` would name any entry where they differ). The seals are still
written at commit, with the chain's lock taken there, as for every other write.
"""

from __future__ import annotations

from datetime import timezone
from json.encoder import encode_basestring  # what chain.encode's encoder (ensure_ascii=False) uses

from bizsuite.core import chain
from bizsuite.erp.ledger.models import LEDGER_CHAIN

TIME = "%Y-%m-%d %H:%M:%S.%f"


def _text(d) -> str:
    return d if type(d) is str else d.isoformat()


def _j(value) -> str:
    """One value as JSON: text, an integer, or null."""
    if value is None:
        return "null"
    return encode_basestring(value) if type(value) is str else str(int(value))


def encoded(entry_rows: list[tuple], plain_lines: list[tuple], full_lines: list[tuple],
            constant: dict) -> list[tuple[int, bytes]]:
    """(id, canonical bytes) of each entry of ``importer._write_rows`` (entries in
    ``ENTRY_VARIABLE`` order, lines ``(entry_id, line_no, date, account_id, cents[, memo,
    contact_id])``, ``constant`` columns), in id order."""
    J = encode_basestring
    # the few distinct dates (and marks) encoded once each
    days = {d: J(_text(d)) for d in {r[1] for r in entry_rows} | {r[2] for r in plain_lines}
            | {r[2] for r in full_lines}}
    lines: dict[int, list] = {}
    for eid, n, d, aid, c in plain_lines:
        got = lines.get(eid)
        if got is None:
            got = lines[eid] = []
        got.append((n, f"[{n},{days[d]},{aid},{c},null,null]"))
    mixed = set()
    for eid, n, d, aid, c, memo, cid in full_lines:
        lines.setdefault(eid, []).append(
            (n, f"[{n},{days[d]},{aid},{c},{'null' if memo is None else J(memo)},{_j(cid)}]"))
        mixed.add(eid)
    created = constant["created_at"].astimezone(timezone.utc).strftime(TIME)
    posted = constant["posted_at"].astimezone(timezone.utc).strftime(TIME)
    kind = "," + _j(constant["source_kind"]) + ","
    # reverses_id (null), created_at, created_by, posted_at, posted_by, then the lines
    tail = f",null,{_j(created)},{_j(constant['created_by'])},{_j(posted)},{_j(constant['posted_by'])},["
    marks: dict = {}
    j = _j
    out = []
    for eid, d, memo, code, mark, comment, source_id, source_ref, contact_id, _key in entry_rows:
        mine = lines.get(eid, ())
        if eid in mixed:
            mine.sort()
        m = marks.get(mark)
        if m is None:
            m = marks[mark] = j(mark)
        text = (f"[{eid},{days[d]},{J(memo)},{'null' if code is None else J(code)},{m},"
                f"{'null' if comment is None else J(comment)}{kind}{j(source_id)},"
                f"{'null' if source_ref is None else J(source_ref)},{j(contact_id)}{tail}"
                f"{','.join([t for _, t in mine])}]]")
        out.append((eid, text.encode("utf-8")))
    out.sort(key=lambda r: r[0])
    return out


def seal_written(books, entry_rows: list[tuple], plain_lines: list[tuple], full_lines: list[tuple],
                 constant: dict) -> None:
    """Seal the entries of ``importer._write_rows`` (see :func:`encoded`)."""
    if not entry_rows:
        return
    chain.prepare(books.session, LEDGER_CHAIN, encoded(entry_rows, plain_lines, full_lines, constant))
