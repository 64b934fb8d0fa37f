"""Errors that mean "refused": a business rule, bad input, no permission, a conflict.

The CLI turns every :class:`Refused` into one line per problem on stderr and exit code 1;
screens show them beside the field or in a notification. Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class Refused(Exception):
    """A request that was refused. ``problems`` holds one line per reason."""

    def __init__(self, *problems: str):
        self.problems = [p for p in problems if p] or ["refused"]
        super().__init__("; ".join(self.problems))


class NotFound(Refused):
    pass


class PermissionDenied(Refused):
    pass


class BooksError(Refused):
    """The books cannot be opened: missing, corrupt, not bizsuite's, or unreachable."""


class StaleRecord(Refused):
    """Someone else saved the record since this copy was read."""


class Conflict(Refused):
    """The database refused the unit of work (a unique constraint, a trigger): nothing was saved."""


@dataclass
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationFailed(Refused):
    """Input that does not pass validation; ``errors`` says which field and why."""

    def __init__(self, errors: list[FieldError], prefix: str = ""):
        self.errors = errors
        super().__init__(*[f"{prefix}{e}" for e in errors])

    def for_field(self, name: str) -> str | None:
        for e in self.errors:
            if e.field == name:
                return e.message
        return None
