"""The import framework every module's ``import`` uses.

Reading: UTF-8 with or without BOM; quoted fields with commas and newlines; the line each
record starts on; bytes that are not UTF-8 and rows with the wrong number of cells are
problems of that line, not crashes. Mapping: a module declares its fields with header aliases;
known foreign formats are recognised by their headers; ``--map SOURCE=FIELD`` covers the rest.

Writing is the module's job, but the rules are shared: all-or-nothing unless
``skip_invalid``; ``dry_run`` validates only; rejected rows can be written to a rejects file
with their reasons; problems print as ``FILE:LINE: field: problem``.
"""

from __future__ import annotations

import csv
import gc
import io
from contextlib import contextmanager
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar, Iterable, Sequence

from bizsuite.core.errors import Refused

Progress = Callable[[int, int], None]


@dataclass
class Problem:
    file: str
    line: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ImportFailed(Refused):
    """The import was refused as a whole; ``problems`` lists every bad line."""

    def __init__(self, problems: Sequence[Problem], limit: int = 200):
        self.items = list(problems)
        lines = [str(p) for p in self.items[:limit]]
        if len(self.items) > limit:
            lines.append(f"… and {len(self.items) - limit} more problems")
        super().__init__(*lines)


@dataclass
class SourceRow:
    line: int  # the physical line the record starts on (1 = the header)
    cells: list[str]
    values: dict[str, str] = field(default_factory=dict)  # by field name, after mapping
    problems: list[Problem] = field(default_factory=list)


@dataclass
class CsvFile:
    name: str
    header: list[str]
    rows: list[SourceRow]


_BAD_BYTES = re.compile(r"[\udc80-\udcff]")


def source_name(name: str, *, limit: int | None = None) -> str:
    """The name of an import file as the books keep it (an entry's ``source_ref`` FILE:LINE, the
    audit's "import FILE"): the one text rule, :func:`bizsuite.core.parsing.clean_text`, like
    every other text. A name with a control character or an escape code is refused (one line
    that does not repeat it) before the file is read, so it reaches neither the books nor the
    terminal in a later FILE:LINE message."""
    from bizsuite.core.parsing import clean_text

    return clean_text(name, "the file's name", limit=limit) or name


def read_csv(path: str | Path, *, display: str | None = None) -> CsvFile:
    """Read a whole CSV file; rows with undecodable bytes or a wrong cell count carry problems.
    ``display`` (or the path): the file's name in problems and records (:func:`source_name`)."""
    p = Path(path)
    name = source_name(display or str(path))
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise Refused(f"{name}: no such file") from None
    except OSError as exc:
        raise Refused(f"{name}: cannot read: {exc.strerror}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("utf-8", errors="surrogateescape")
    if not text.strip():
        raise Refused(f"{name}: the file is empty")
    undecodable = _BAD_BYTES.search(text) is not None  # one scan; rows are looked at only if so
    # Outlook and Excel end rows with CRLF, and the line breaks inside a quoted cell too: the
    # reader keeps those as "\r\n". A line break in a cell is "\n", whoever wrote the file.
    carriage = "\r" in text
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[SourceRow] = []
    start = 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if carriage:
                cells = [_line_breaks(c) for c in cells]
            if header is None:
                if _BAD_BYTES.search("".join(cells)):
                    raise Refused(f"{name}:{line}: the header is not valid UTF-8")
                header = [c.strip() for c in cells]
                if not any(header):
                    raise Refused(f"{name}:{line}: the first line must be a header row")
                continue
            if not "".join(cells).strip():
                continue  # blank line
            row = SourceRow(line=line, cells=cells)
            if undecodable and any(_BAD_BYTES.search(c) for c in cells):
                row.problems.append(Problem(name, line, "not valid UTF-8 text (save the file as UTF-8)"))
                row.cells = [c.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for c in cells]
            if len(cells) != len(header):
                row.problems.append(
                    Problem(name, line, f"has {len(cells)} cells but the header has {len(header)}")
                )
            rows.append(row)
    except csv.Error as exc:
        raise Refused(f"{name}:{start}: not valid CSV: {exc}") from None
    if header is None:
        raise Refused(f"{name}: the file is empty")
    return CsvFile(name=name, header=header, rows=rows)


def _line_breaks(cell: str) -> str:
    """CRLF and lone CR (old Mac files) line breaks inside a cell, as "\n"."""
    if "\r" not in cell:
        return cell
    return cell.replace("\r\n", "\n").replace("\r", "\n")


def header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


def parse_maps(items: Iterable[str], fields: Iterable[str]) -> dict[str, str]:
    """``--map "E-mail=email"`` options → {source header key: field}."""
    known = set(fields)
    out: dict[str, str] = {}
    for item in items:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise Refused(f"--map {item!r}: write it as SOURCE=FIELD")
        if target.strip() not in known:
            raise Refused(f"--map {item!r}: {target.strip()!r} is not a field; fields are: {', '.join(sorted(known))}")
        out[header_key(source)] = target.strip()
    return out


def map_columns(file: CsvFile, aliases: dict[str, Sequence[str]], user_map: dict[str, str],
                *, required: Sequence[str] = ()) -> dict[str, int]:
    """Which column feeds each field: ``--map`` first, then the field name, then its aliases."""
    keys = [header_key(h) for h in file.header]
    columns: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k in user_map:
            columns[user_map[k]] = i
    unknown_maps = [src for src in user_map if src not in keys]
    if unknown_maps:
        raise Refused(f"{file.name}:1: --map names columns the file does not have: {', '.join(unknown_maps)}")
    for fname, names in aliases.items():
        if fname in columns:
            continue
        for candidate in (fname, *names):
            ck = header_key(candidate)
            if ck in keys:
                columns[fname] = keys.index(ck)
                break
    missing = [f for f in required if f not in columns]
    if missing:
        raise Refused(
            f"{file.name}:1: no column for {', '.join(missing)} "
            f"(the header has: {', '.join(file.header)}); use --map SOURCE=FIELD"
        )
    return columns


def apply_columns(file: CsvFile, columns: dict[str, int]) -> None:
    for row in file.rows:
        row.values = {f: (row.cells[i].strip() if i < len(row.cells) else "") for f, i in columns.items()}


@dataclass
class ImportReport:
    """What an import did, for every module: the CLI prints it the same way for all of them.

    ``counts`` holds what else the import did, in the module's own words, filled by its
    importer: ``{"companies created": 2}`` for contacts, ``{"accounts to create": 3}`` for a
    ledger dry run. The summary line shows the non-zero ones in that order.
    """

    UNIT: ClassVar[str] = "rows"  # what ``read`` counts, in the summary ("entries" for the ledger)
    NATIVE_FORMATS: ClassVar[tuple[str, ...]] = ("", "bizsuite")  # formats the summary does not name

    file: str
    read: int = 0
    imported: int = 0
    unchanged: int = 0  # already present: re-running an import adds nothing
    rejected: list = field(default_factory=list)  # rows (or entries) with their ``problems``
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    format: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def created_related(self) -> int:
        """How many other records the import made for its rows (companies for people, contacts
        for tickets): the sum of ``counts``."""
        return sum(self.counts.values())

    @property
    def problems(self) -> list[Problem]:
        """Why each rejected row was rejected, in the order of the file."""
        return sorted((p for r in self.rejected for p in r.problems), key=lambda p: p.line)

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        parts = [f"{self.file}: {self.read} {self.UNIT} read", f"{verb} {self.imported}"]
        parts += [f"{n} {words}" for words, n in self.counts.items() if n]
        if self.unchanged:
            parts.append(f"{self.unchanged} already present")
        if self.rejected:
            parts.append(f"{len(self.rejected)} rejected")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warnings")
        line = ", ".join(parts)
        if self.format not in self.NATIVE_FORMATS:
            line += f" (format: {self.format})"
        return line


def write_rejects(path: str | Path, file: CsvFile, rejected: Sequence[SourceRow]) -> None:
    """The bad rows as they were, plus ``line`` and ``error`` columns, for fixing and re-importing."""
    try:
        fh = open(path, "w", newline="", encoding="utf-8")
    except OSError as exc:
        raise Refused(f"{path}: cannot write the rejects file: {exc.strerror}") from None
    with fh:
        w = csv.writer(fh)
        w.writerow([*file.header, "line", "error"])
        for row in rejected:
            cells = list(row.cells) + [""] * max(0, len(file.header) - len(row.cells))
            reasons = "; ".join(
                f"{p.field}: {p.message}" if p.field else p.message for p in row.problems
            )
            w.writerow([*cells[: len(file.header)], row.line, reasons])


def settle(file: CsvFile, *, skip_invalid: bool) -> tuple[list[SourceRow], list[SourceRow]]:
    """Split rows into good and bad; without ``skip_invalid`` any bad row refuses the import."""
    good = [r for r in file.rows if not r.problems]
    bad = [r for r in file.rows if r.problems]
    if bad and not skip_invalid:
        raise ImportFailed([p for r in bad for p in r.problems])
    return good, bad


@contextmanager
def gc_paused():
    """Bulk loads build hundreds of thousands of short-lived objects; Python's cyclic garbage
    collector would rescan them over and over (a third of an import's time). Nothing here makes
    reference cycles, so it waits until the load is done."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with a quote (OWASP CSV injection)."""
    if cell and cell.startswith(_FORMULA):
        return "'" + cell
    return cell
