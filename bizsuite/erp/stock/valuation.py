"""Moving-average cost: the one place stock is valued.

A product's stock is a quantity ``Q`` and a value ``V`` (integer minor units of the currency),
every location together. Moves are taken in their order (date, then id):

- a move **in at a price** (a receipt at its line's price, opening stock, a customer return at
  its original cost, a count that found more at a given cost) adds ``q`` and its value
  ``round(q × unit cost)``: the average becomes ``V / Q``;
- a move **at the average** (a delivery, a return to the supplier, an adjustment out, an
  adjustment in with no cost given) is worth ``round(V × q / Q)``, half-even, to the minor unit —
  and when it takes every unit left (``q = Q``) it takes ``V`` itself, so no cent of rounding is
  ever left on an empty shelf;
- a transfer moves units between locations and changes neither.

The average is per product, not per location (as Odoo's and ERPNext's default): a transfer keeps
the value. Only what came before a move (by date) values it, so a move dated later than today
changes nothing valued today; a move dated in the past changes the average from its date on, and
:func:`replay` says what each later move valued at the average should have been worth.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Iterator

from bizsuite.core.money import share


@dataclass
class State:
    """A product's stock at one point of its history."""

    quantity: Decimal
    value: int  # minor units

    def copy(self) -> "State":
        return State(self.quantity, self.value)


class NoAverage(ValueError):
    """A move at the average where there is no stock to take an average of."""


def value_out(state: State, quantity: Decimal) -> int:
    """What ``quantity`` units taken at the average of ``state`` are worth (minor units)."""
    if state.quantity <= 0:
        raise NoAverage("no stock to take an average cost of")
    if quantity > state.quantity:  # callers refuse it first (no negative stock); never valued past it
        raise NoAverage(f"{quantity} is more than the {state.quantity} there is")
    return share(state.value, quantity, state.quantity)


def value_in_at_average(state: State, quantity: Decimal) -> int:
    """What ``quantity`` units coming in at the average of ``state`` are worth."""
    if state.quantity <= 0:
        raise NoAverage("no stock to take an average cost of")
    return share(state.value, quantity, state.quantity)


def unit_cost(state: State, scale: int) -> Decimal:
    """The average cost of one unit (six decimals), 0 with no stock."""
    if state.quantity <= 0:
        return Decimal(0).quantize(Decimal("0.000001"))
    return (Decimal(state.value).scaleb(-scale) / state.quantity).quantize(Decimal("0.000001"))


@dataclass
class Step:
    """One move as the replay sees it."""

    id: int
    qty_delta: Decimal  # + in, − out, 0 a transfer
    quantity: Decimal
    value: int  # what it is worth now (its value and its revaluations), ≥ 0
    at_average: bool


@dataclass
class Change:
    step: Step
    new_value: int
    before: State

    @property
    def delta(self) -> int:
        """What the change does to the stock's value (a move out that takes more lowers it)."""
        sign = 1 if self.step.qty_delta > 0 else -1
        return sign * (self.new_value - self.step.value)


def apply(state: State, step: Step) -> None:
    """Move ``state`` past ``step`` at the value it has."""
    state.quantity += step.qty_delta
    if step.qty_delta > 0:
        state.value += step.value
    elif step.qty_delta < 0:
        state.value -= step.value


def replay(state: State, steps: Iterable[Step]) -> Iterator[Change]:
    """Walk ``steps`` (in order) from ``state``, valuing again each one at the average; yield a
    :class:`Change` for each whose value differs from the one it has. ``state`` ends at the end
    of the walk. :class:`NoAverage` when a move at the average finds no stock to value."""
    for step in steps:
        if step.at_average and step.qty_delta != 0:
            if step.qty_delta < 0:
                new = value_out(state, step.quantity)
            else:
                new = value_in_at_average(state, step.quantity)
            if new != step.value:
                change = Change(step, new, state.copy())
                step = Step(step.id, step.qty_delta, step.quantity, new, True)
                yield change
        apply(state, step)
