"""The attacker: an integer programme over every published figure of one table.

Written apart from ``shared.privacy.disclosure`` (scipy's ``milp``, its own reading of the
figures) so that the tests do not grade the publisher with its own arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

ALL = "all"
Cell = tuple[str, str]
Range = tuple[int, int | None]
#: A withheld cell's upper bound: finite, so the solver never meets an unbounded problem.
CAP = 10**6


def interval(figure: int | None) -> tuple[float, float]:
    """What one published figure says of the true count.

    Withheld: at least 1 (zeros are always published), any size. 0: exactly 0. Any
    other figure is a count rounded to 5: within 2 of it, never below 0.
    """
    if figure is None:
        return (1, CAP)
    if figure == 0:
        return (0, 0)
    return (max(0, figure - 2), figure + 2)


def solve(figures: Iterable[tuple[Cell, int | None]]) -> dict[Cell, Range]:
    """Return each withheld cell's smallest and largest value under every figure.

    ``figures`` are (cell, figure) pairs as read from every view; a cell seen twice must
    be shown the same. Rows and columns other than ``ALL`` are the table's body; a body
    cell never shown is a true 0 (nodes send every group they have).
    """
    shown: dict[Cell, set[int | None]] = defaultdict(set)
    for cell, figure in figures:
        shown[cell].add(figure)
    inconsistent = {cell: seen for cell, seen in shown.items() if len(seen) > 1}
    assert not inconsistent, f"one cell, several figures: {inconsistent}"
    rows = sorted({r for r, _ in shown if r != ALL})
    columns = sorted({c for _, c in shown if c != ALL})
    cells = [(r, c) for r in [*rows, ALL] for c in [*columns, ALL]]
    index = {cell: i for i, cell in enumerate(cells)}
    low = np.zeros(len(cells))
    high = np.full(len(cells), float(CAP))
    for cell in cells:
        seen = shown.get(cell)
        if seen is None:
            if ALL not in cell:
                high[index[cell]] = 0
            continue
        low[index[cell]], high[index[cell]] = interval(next(iter(seen)))

    equations = []
    # Without any group, a community's total is no sum of anything.
    for row in [*rows, ALL] if columns else []:
        equations.append({(row, ALL): -1, **{(row, c): 1 for c in columns}})
    for column in [*columns, ALL]:
        equations.append({(ALL, column): -1, **{(r, column): 1 for r in rows}})
    matrix = np.zeros((len(equations), len(cells)))
    for i, equation in enumerate(equations):
        for cell, coefficient in equation.items():
            matrix[i, index[cell]] = coefficient
    constraints = [LinearConstraint(matrix, 0, 0)] if equations else []
    integrality = np.ones(len(cells))
    bounds = Bounds(low, high)

    found: dict[Cell, Range] = {}
    for cell, seen in sorted(shown.items()):
        if seen != {None}:
            continue
        objective = np.zeros(len(cells))
        objective[index[cell]] = 1
        smallest = milp(objective, constraints=constraints, integrality=integrality, bounds=bounds)
        assert smallest.status == 0, f"the true table is not feasible: {smallest.message}"
        largest = milp(-objective, constraints=constraints, integrality=integrality, bounds=bounds)
        assert largest.status == 0, largest.message
        top = round(-largest.fun)
        found[cell] = (round(smallest.fun), None if top >= CAP else top)
    return found


def narrow(ranges: Mapping[Cell, Range], min_span: int = 5) -> dict[Cell, Range]:
    """The withheld cells whose feasible values span fewer than ``min_span`` integers."""
    return {
        cell: (lo, hi)
        for cell, (lo, hi) in ranges.items()
        if hi is not None and hi - lo + 1 < min_span
    }
