"""Tests for protecting a community × group table with all its margins as one."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.privacy.aggregates import public_value
from shared.privacy.disclosure import (
    TOTAL,
    ProtectedTable,
    complete_table,
    feasible_ranges,
    protect_table,
    public_bounds,
    spans,
)
from tests.shared.privacy.attacker import narrow, solve

Cell = tuple[str, str]

#: Issue 12's example: Portland's group 15 (6) was pinned exactly by the other views.
EXAMPLE: dict[Cell, int | None] = {
    ("portland", "13"): 23,
    ("portland", "15"): 6,
    ("portland", "29"): 23,
    ("pittsburgh", "13"): 14,
    ("pittsburgh", "15"): 12,
}


def attack(table: ProtectedTable) -> dict[Cell, tuple[int, int | None]]:
    return solve(table.published.items())


def test_the_issue_example_leaks_under_cell_by_cell_rounding() -> None:
    # Today's method, every figure on its own: the attacker pins Portland's 15 to 6.
    alone = {cell: public_value(v) for cell, v in complete_table(EXAMPLE).items()}
    assert attack(ProtectedTable((), (), alone))[("portland", "15")] == (6, 6)


def test_the_issue_example_is_protected() -> None:
    table = protect_table(EXAMPLE)
    assert table.published[("portland", "15")] is None
    ranges = attack(table)
    assert not narrow(ranges), ranges
    # The publisher's own exact ranges (a linear programme) agree with the attacker's.
    assert feasible_ranges(table.published, table.rows, table.columns) == ranges


def test_margins_are_sums_and_unknown_parts_make_them_unknown() -> None:
    table = complete_table({("a", "1"): 20, ("a", "2"): None, ("b", "1"): 30}, {"a": 45})
    assert table[("b", "2")] == 0  # b sent group 1 only: its group 2 is a true 0
    assert table[("a", TOTAL)] == 45  # a's own total stands in for its unknown part
    assert table[("b", TOTAL)] == 30
    assert table[(TOTAL, "1")] == 50
    assert table[(TOTAL, "2")] is None
    assert table[(TOTAL, TOTAL)] == 75


def test_a_row_that_gave_only_its_total_has_unknown_cells() -> None:
    table = complete_table({("a", "1"): 20}, {"b": 40})
    assert table[("b", "1")] is None and table[(TOTAL, "1")] is None
    assert table[(TOTAL, TOTAL)] == 60


def test_a_table_without_groups_is_its_totals() -> None:
    table = protect_table({}, {"a": 1000, "b": 3})
    assert dict(table.published) == {("a", TOTAL): 1000, ("b", TOTAL): None, (TOTAL, TOTAL): 1005}
    assert attack(table) == {("b", TOTAL): (1, 9)}


def test_zeros_are_published_and_never_withheld() -> None:
    table = protect_table({("a", "1"): 0, ("a", "2"): 40, ("b", "1"): 0, ("b", "2"): 7})
    assert table.published[("a", "1")] == 0 and table.published[(TOTAL, "1")] == 0
    assert table.published[("b", "2")] is None
    assert all(v is None or v % 5 == 0 for v in table.published.values())
    assert not narrow(attack(table))


def test_a_cell_suppressed_upstream_is_withheld_with_its_margins() -> None:
    table = protect_table({("a", "1"): None, ("a", "2"): 40, ("b", "1"): 30, ("b", "2"): 50})
    assert table.published[("a", "1")] is None
    assert table.published[(TOTAL, "1")] is None and table.published[("a", TOTAL)] is None
    assert not narrow(attack(table))


def test_it_is_deterministic_and_cached_results_cannot_be_changed() -> None:
    first = protect_table(EXAMPLE)
    assert protect_table(dict(reversed(list(EXAMPLE.items())))) == first
    with pytest.raises(TypeError):
        first.published[("portland", "13")] = 1  # type: ignore[index]


@pytest.mark.parametrize(
    ("value", "bounds"), [(None, (1, None)), (0, (0, 0)), (10, (8, 12)), (25, (23, 27))]
)
def test_public_bounds(value: int | None, bounds: tuple[int, int | None]) -> None:
    assert public_bounds(value) == bounds


def test_spans() -> None:
    assert spans((1, 5)) and spans((3, None)) and not spans((6, 9))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="count"):
        complete_table({("a", "1"): -1})
    with pytest.raises(ValueError, match="margins"):
        complete_table({(TOTAL, "1"): 3})


# --- property: no withheld cell of any random table is pinned -------------------------

counts = st.one_of(
    st.integers(0, 12), st.integers(0, 60), st.none()
)  # small counts are common, and a node may have suppressed a cell


@st.composite
def tables(draw: st.DrawFn) -> dict[Cell, int | None]:
    rows = draw(st.integers(2, 5))
    columns = draw(st.integers(2, 6))
    return {(f"c{r}", f"{11 + 2 * c}"): draw(counts) for r in range(rows) for c in range(columns)}


@settings(max_examples=40, deadline=None)
@given(tables())
def test_no_withheld_cell_of_a_random_table_is_pinned(inner: Mapping[Cell, int | None]) -> None:
    table = protect_table(inner)
    truth = complete_table(inner)
    for cell, figure in table.published.items():
        assert figure == (None if figure is None else public_value(truth[cell]))
        assert figure is not None or truth[cell] != 0
    ranges = attack(table)
    assert not narrow(ranges), ranges
    for cell, (low, high) in ranges.items():
        value = truth[cell]
        assert value is None or (low <= value and (high is None or value <= high))
