"""Disclosure control of a two-way table published with all its margins.

The hub publishes the same counts by community, by occupation group, by community × group
and nationally. Protecting each figure on its own lets an attacker subtract one published
grouping from another and pin a withheld cell; so the whole table, margins included, is
protected at once:

1. Primary suppression: a count of 1 … ``suppress_below - 1`` is withheld, and so is a
   cell whose value the publisher does not know (a node suppressed it or one of its parts).
2. Every other count is published rounded to ``base`` (halves up); a true 0 is published
   as 0. Zeros are never withheld, so a withheld cell is known to be ≥ 1.
3. Complementary suppression: the publisher solves what an attacker would solve, the
   smallest and largest value of each withheld cell given every published figure's
   rounding interval, and withholds one more cell of a line (row or column, totals
   included) of a withheld cell that spans fewer than ``min_span`` integers, until none
   does. Withholding a cell only relaxes the attacker's constraints, so a cell that
   passed keeps passing and the loop ends.

The table's constraint matrix (each row sums to its total, each column to its total, both
margins to the grand total) is totally unimodular and every bound is an integer, so the
linear programme's optimum is the integer programme's: ``feasible_ranges`` is exact.
Everything is deterministic (sorted keys, fixed tie-breaks), so the same input always
publishes the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from shared.privacy.aggregates import HUB_ROUND_BASE, HUB_SUPPRESS_BELOW, TOTAL_ROW, public_value

#: The row and column key that hold totals: ``(TOTAL, group)`` is a group's national
#: total, ``(community, TOTAL)`` a community's, ``(TOTAL, TOTAL)`` the national total.
TOTAL = TOTAL_ROW
#: A withheld cell's feasible values must span at least this many integers.
MIN_SPAN = 5

Cell = tuple[str, str]
#: A feasible range: smallest and largest value, the largest None when unbounded.
Range = tuple[int, int | None]


@dataclass(frozen=True)
class ProtectedTable:
    """A table as published: each cell's public figure, None where withheld."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    published: Mapping[Cell, int | None]

    @property
    def withheld(self) -> frozenset[Cell]:
        return frozenset(cell for cell, value in self.published.items() if value is None)


def complete_table(
    inner: Mapping[Cell, int | None], row_totals: Mapping[str, int | None] | None = None
) -> dict[Cell, int | None]:
    """Return the table with every margin: None where a value is unknown to the publisher.

    ``inner`` holds (row, column) counts, None for one suppressed upstream; a missing
    cell of a known row and column is a true 0. ``row_totals`` gives a row's total when
    it is known without its cells (a node's own total over its suppressed cells).
    """
    given = dict(row_totals or {})
    rows = sorted({r for r, _ in inner} | set(given))
    columns = sorted({c for _, c in inner})
    if TOTAL in rows or TOTAL in columns:
        raise ValueError(f"{TOTAL!r} names the margins; it cannot be a row or a column")
    table: dict[Cell, int | None] = {}
    for cell, value in inner.items():
        if value is not None and (isinstance(value, bool) or value < 0):
            raise ValueError(f"cell {cell} must be a count ≥ 0, got {value!r}")
        table[cell] = value
    reported = {r for r, _ in inner}
    for row in rows:
        for column in columns:
            # A row that gave only its total hides how it splits: its cells are unknown.
            table.setdefault((row, column), 0 if row in reported else None)
        parts = _sum(table[(row, column)] for column in columns) if columns else None
        # The sum of known parts is the true total; a row's own total serves when a part
        # is unknown.
        table[(row, TOTAL)] = parts if parts is not None else given.get(row)
    for column in columns:
        table[(TOTAL, column)] = _sum(table[(row, column)] for row in rows)
    by_rows = _sum(table[(row, TOTAL)] for row in rows)
    by_columns = _sum(table[(TOTAL, column)] for column in columns) if columns else None
    table[(TOTAL, TOTAL)] = by_rows if by_rows is not None else by_columns
    return table


def protect_table(
    inner: Mapping[Cell, int | None],
    row_totals: Mapping[str, int | None] | None = None,
    *,
    suppress_below: int = HUB_SUPPRESS_BELOW,
    base: int = HUB_ROUND_BASE,
    min_span: int = MIN_SPAN,
) -> ProtectedTable:
    """Protect the table with its margins as one: see the module docstring."""
    table = complete_table(inner, row_totals)
    key = tuple(sorted(table.items()))
    return _protect(key, suppress_below, base, min_span)


@lru_cache(maxsize=512)
def _protect(
    key: tuple[tuple[Cell, int | None], ...], suppress_below: int, base: int, min_span: int
) -> ProtectedTable:
    # Cached: every view of a period asks for the same tables, and the answer is a pure
    # function of them.
    table = dict(key)
    rows = tuple(sorted({r for r, _ in table if r != TOTAL}))
    columns = tuple(sorted({c for _, c in table if c != TOTAL}))
    withheld = {
        cell for cell, value in table.items() if value is None or 0 < value < suppress_below
    }
    lines = _lines(rows, columns)
    pending = sorted(withheld)
    while pending:
        published = _publish(table, withheld, suppress_below, base)
        ranges = feasible_ranges(published, rows, columns, base, only=pending)
        failing = [cell for cell in pending if not spans(ranges[cell], min_span)]
        if not failing:
            break
        complement = _complement(failing[0], table, withheld, lines)
        if complement is None:
            # Every non-zero cell of the table is withheld already: nothing more to hide.
            break
        withheld.add(complement)
        pending = sorted({*failing, complement})
    final = MappingProxyType(_publish(table, withheld, suppress_below, base))
    return ProtectedTable(rows, columns, final)


def spans(found: Range, min_span: int = MIN_SPAN) -> bool:
    """Tell whether a feasible range holds at least ``min_span`` integers."""
    low, high = found
    return high is None or high - low + 1 >= min_span


def public_bounds(value: int | None, base: int = HUB_ROUND_BASE) -> Range:
    """Return the true values a published figure allows (None: withheld, so ≥ 1)."""
    if value is None:
        return (1, None)
    if value == 0:
        return (0, 0)
    return (max(0, value - base // 2), value + (base - 1) // 2)


def feasible_ranges(
    published: Mapping[Cell, int | None],
    rows: Iterable[str],
    columns: Iterable[str],
    base: int = HUB_ROUND_BASE,
    *,
    only: Iterable[Cell] | None = None,
) -> dict[Cell, Range]:
    """Return each withheld cell's smallest and largest value consistent with the table.

    Seen as the attacker sees it: the published figures with their rounding intervals,
    withheld cells ≥ 1, and the table's additivity.
    """
    from scipy.optimize import linprog  # on use: ~0.3 s to import, paid by every process

    row_keys = [*rows, TOTAL]
    column_keys = [*columns, TOTAL]
    cells = [(r, c) for r in row_keys for c in column_keys]
    index = {cell: i for i, cell in enumerate(cells)}
    equations: list[dict[Cell, int]] = []
    for total, members in _lines(tuple(rows), tuple(columns)):
        equations.append({total: -1, **dict.fromkeys(members, 1)})
    a_eq = np.zeros((len(equations), len(cells)))
    for i, equation in enumerate(equations):
        for cell, coefficient in equation.items():
            a_eq[i, index[cell]] = coefficient
    b_eq = np.zeros(len(equations))
    bounds = [public_bounds(published.get(cell, 0), base) for cell in cells]
    targets = (
        sorted(only)
        if only is not None
        else [cell for cell in cells if published.get(cell, 0) is None]
    )
    found: dict[Cell, Range] = {}
    for cell in targets:
        objective = np.zeros(len(cells))
        objective[index[cell]] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status != 0:
            raise ValueError(f"the published table is inconsistent: {low.message}")
        # The minimum exists, so a maximum that is not found is unbounded (HiGHS says
        # 3, or 4 when it cannot tell unbounded from infeasible).
        found[cell] = (round(low.fun), round(-high.fun) if high.status == 0 else None)
    return found


def _publish(
    table: Mapping[Cell, int | None], withheld: set[Cell], suppress_below: int, base: int
) -> dict[Cell, int | None]:
    return {
        cell: None if cell in withheld else public_value(value, suppress_below, base)
        for cell, value in table.items()
    }


def _complement(
    failing: Cell,
    table: Mapping[Cell, int | None],
    withheld: set[Cell],
    lines: list[tuple[Cell, list[Cell]]],
) -> Cell | None:
    """Choose the next cell to withhold for a cell still pinned too narrowly.

    From the lines through it, the published non-zero cell that costs least: a cell of
    the table's body before a margin, then the smallest value, then the first key.
    Failing that, the cheapest such cell anywhere in the table.
    """

    def candidates(cells: Iterable[Cell]) -> list[Cell]:
        return [c for c in cells if c not in withheld and (table[c] or 0) > 0]

    def cost(cell: Cell) -> tuple[bool, int, Cell]:
        return (TOTAL in cell, table[cell] or 0, cell)

    near = candidates(
        cell
        for total, members in lines
        if failing == total or failing in members
        for cell in (total, *members)
    )
    if near:
        return min(near, key=cost)
    anywhere = candidates(table)
    return min(anywhere, key=cost) if anywhere else None


def _lines(rows: tuple[str, ...], columns: tuple[str, ...]) -> list[tuple[Cell, list[Cell]]]:
    """Every (total, members) equation of the table with its margins."""
    lines: list[tuple[Cell, list[Cell]]] = []
    # Without columns a row's total stands alone: it is no sum of anything published.
    for row in (*rows, TOTAL) if columns else ():
        lines.append(((row, TOTAL), [(row, column) for column in columns]))
    for column in (*columns, TOTAL):
        lines.append(((TOTAL, column), [(row, column) for row in rows]))
    return lines


def _sum(values: Iterable[int | None]) -> int | None:
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total
