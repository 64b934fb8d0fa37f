"""How every list in bizsuite is sorted: one spelling, one parser, one way to build ORDER BY.

A list's order is spelt ``KEY``, ``KEY:asc`` or ``KEY:desc`` (the CLI's ``--sort``, the screens'
``o``/``O`` keys, a repository's ``sort=`` argument all take it). A bare ``KEY`` is that key's
natural direction: names A to Z, "changed" newest first, amounts largest first. Each repository
declares which keys its list can be sorted by, as a :class:`Sorts` table, and builds its ORDER
BY with :meth:`Sorts.order_by`: the key's expressions in the asked direction, empty values last
either way, then a unique tie-breaker so that pages never overlap or skip a row.

    SORTS = Sorts({"name": Key("name", (c.sort_name,)), "updated": Key("recently changed",
                   (c.updated_at,), descending=True)}, tiebreak=c.id)
    stmt = stmt.order_by(*SORTS.order_by(sort))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from bizsuite.core.errors import Refused

ASC, DESC = "asc", "desc"


@dataclass(frozen=True)
class Sort:
    """A parsed sort: which key, which way."""

    key: str
    descending: bool

    def spec(self) -> str:
        return f"{self.key}:{DESC if self.descending else ASC}"

    def reversed(self) -> "Sort":
        return Sort(self.key, not self.descending)


@dataclass(frozen=True)
class Key:
    """One key a list can be sorted by: what people call it, and the values it orders by
    (SQL expressions, or callables of a row for lists sorted in memory)."""

    label: str
    by: Sequence[Any] = ()
    descending: bool = False  # the natural direction


class Sorts:
    """The keys one list can be sorted by (in the order the ``o`` key steps through them)."""

    def __init__(self, keys: Mapping[str, Key], *, tiebreak: Any = None, default: str | None = None) -> None:
        self.keys = dict(keys)
        self.tiebreak = tiebreak
        self.default = default or next(iter(self.keys))

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def __iter__(self):
        return iter(self.keys)

    def parse(self, spec: "str | Sort | None", field: str = "sort") -> Sort:
        """``KEY``, ``KEY:asc`` or ``KEY:desc`` (case and spaces ignored); refused with the keys listed."""
        if isinstance(spec, Sort):
            spec = spec.spec()
        text = (spec or self.default).strip().lower()
        key, _, direction = text.partition(":")
        key, direction = key.strip(), direction.strip()
        if key not in self.keys:
            raise Refused(f"{field}: {key!r} is not one of: {', '.join(self.keys)} "
                          f"(add :asc or :desc to choose the direction)")
        if direction not in ("", ASC, DESC):
            raise Refused(f"{field}: {direction!r} is not asc or desc")
        descending = self.keys[key].descending if not direction else direction == DESC
        return Sort(key, descending)

    def label(self, sort: Sort) -> str:
        return self.keys[sort.key].label

    def order_by(self, spec: "str | Sort | None") -> list:
        """SQL ORDER BY clauses: the key's expressions in the asked direction with NULLs last,
        then the tie-breaker in the same direction."""
        sort = self.parse(spec)
        out = []
        for expr in self.keys[sort.key].by:
            out.append((expr.desc() if sort.descending else expr.asc()).nulls_last())
        if self.tiebreak is not None:
            out.append(self.tiebreak.desc() if sort.descending else self.tiebreak.asc())
        return out

    def sort_rows(self, rows: list, spec: "str | Sort | None") -> list:
        """For lists sorted in memory: ``Key.by`` holds callables of a row. Empty values last."""
        sort = self.parse(spec)
        fns: list[Callable[[Any], Any]] = list(self.keys[sort.key].by)

        def present(row):
            return tuple(fn(row) for fn in fns)

        filled, empty = [], []
        for r in rows:
            (filled if all(v is not None and v != "" for v in present(r)) else empty).append(r)
        filled.sort(key=present, reverse=sort.descending)
        return filled + empty


__all__ = ["ASC", "DESC", "Key", "Sort", "Sorts"]
