"""Tests for small-cell suppression at the node and the hub's public thresholds."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.privacy import (
    line_is_protected,
    public_rate,
    public_value,
    suppress_table,
    suppress_with_totals,
    table_lines,
)

Key = tuple[str, str]


def table(rows: Mapping[str, Mapping[str, int]]) -> dict[Key, int]:
    return {(row, col): value for row, counts in rows.items() for col, value in counts.items()}


# --- suppress_table: worked examples --------------------------------------------------------


def test_counts_one_to_four_are_suppressed_and_zero_is_published() -> None:
    cells = {("29", "met"): 0, ("29", "enrolled"): 4, ("15", "met"): 1, ("15", "enrolled"): 5}
    assert suppress_table(cells, total_row=None) == {
        ("29", "met"): 0,
        ("29", "enrolled"): None,
        ("15", "met"): None,
        ("15", "enrolled"): 5,
    }


def test_a_lone_suppressed_cell_gets_a_complement_in_its_column() -> None:
    result = suppress_with_totals(
        {"29": {"met": 3, "enrolled": 12}, "15": {"met": 7, "enrolled": 0}, "11": {"met": 9}}
    )
    # met: 3 is hidden; the smallest other non-zero count (7) is hidden with it.
    assert result[("29", "met")] is None
    assert result[("15", "met")] is None
    assert result[("11", "met")] == 9
    assert result[("all", "met")] == 19
    # enrolled has nothing small: published whole; the missing count is filled with 0.
    assert result[("29", "enrolled")] == 12
    assert result[("11", "enrolled")] == 0
    assert result[("all", "enrolled")] == 12


def test_two_hidden_ones_are_not_enough_protection() -> None:
    # 7 = 5 + 1 + 1: with 1 and 1 hidden, both would have to be 1; the 5 is hidden too.
    result = suppress_with_totals({"a": {"m": 5}, "b": {"m": 1}, "c": {"m": 1}})
    assert result == {("a", "m"): None, ("b", "m"): None, ("c", "m"): None, ("all", "m"): 7}


def test_the_total_is_hidden_when_no_member_can_protect_the_line() -> None:
    # Five 1s: hiding all of them still pins each one to 1 under a published total of 5.
    rows = {name: {"m": 1} for name in "abcde"}
    result = suppress_with_totals(rows)
    assert set(result.values()) == {None}


def test_a_small_total_is_suppressed_itself() -> None:
    result = suppress_with_totals({"a": {"m": 3}, "b": {"m": 0}})
    assert result == {("a", "m"): None, ("b", "m"): 0, ("all", "m"): None}


def test_without_a_total_row_only_primary_suppression_applies() -> None:
    cells = {("a", "m"): 3, ("b", "m"): 8}
    assert suppress_table(cells) == {("a", "m"): None, ("b", "m"): 8}


def test_row_totals_are_protected_too_when_a_total_column_is_given() -> None:
    cells = table(
        {
            "a": {"x": 2, "y": 9, "z": 20, "sum": 31},
            "b": {"x": 8, "y": 6, "z": 30, "sum": 44},
            "all": {"x": 10, "y": 15, "z": 50, "sum": 75},
        }
    )
    result = suppress_table(cells, total_row="all", total_col="sum")
    assert result[("a", "x")] is None
    for total, members in table_lines(cells, "all", "sum"):
        assert line_is_protected(result, total, members)
    # Column x needs a complement (8), row a needs one (9): the cheapest in each line.
    assert result[("b", "x")] is None
    assert result[("a", "y")] is None


def test_threshold_is_configurable() -> None:
    cells = {("a", "m"): 9, ("b", "m"): 12}
    assert suppress_table(cells, threshold=10, total_row=None) == {("a", "m"): None, ("b", "m"): 12}
    assert suppress_table(cells, threshold=1, total_row=None) == cells


def test_input_is_not_modified() -> None:
    cells = {("a", "m"): 3, ("b", "m"): 8, ("all", "m"): 11}
    before = dict(cells)
    suppress_table(cells)
    assert cells == before


@pytest.mark.parametrize("threshold", [0, -1, True])
def test_bad_threshold_is_refused(threshold: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        suppress_table({("a", "m"): 1}, threshold)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_table({("a", "m"): -1})
    with pytest.raises(TypeError):
        suppress_table({("a", "m"): 1.5})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        suppress_table({("a", "m"): None})  # type: ignore[dict-item]


def test_rows_may_not_already_hold_the_total_row() -> None:
    with pytest.raises(ValueError, match="total row"):
        suppress_with_totals({"all": {"m": 5}})


def test_line_is_protected_from_the_recipients_view() -> None:
    lines = [("a", "m"), ("b", "m"), ("c", "m")]
    total = ("all", "m")
    assert line_is_protected(
        {total: 20, ("a", "m"): 20, ("b", "m"): 0, ("c", "m"): 0}, total, lines
    )
    assert line_is_protected({total: None, ("a", "m"): None, ("b", "m"): 7}, total, lines)
    assert not line_is_protected({total: 10, ("a", "m"): None, ("b", "m"): 7}, total, lines)
    assert not line_is_protected(
        {total: 9, ("a", "m"): None, ("b", "m"): None, ("c", "m"): 7}, total, lines
    )
    assert line_is_protected(
        {total: 12, ("a", "m"): None, ("b", "m"): None, ("c", "m"): 7}, total, lines
    )


# --- suppress_table: properties ---------------------------------------------------------------

ROWS = ["11", "15", "29", "43", "unknown"]
METRICS = ["enrolled", "eligible", "matched", "met", "referred", "employed_in_field"]
# Mostly small counts, so suppression has work to do; some zeros and some large ones.
counts = st.one_of(st.integers(0, 6), st.integers(0, 40))
row_tables = st.dictionaries(
    st.sampled_from(ROWS),
    st.dictionaries(st.sampled_from(METRICS), counts, min_size=1),
    min_size=1,
)


def attacker_can_narrow(
    published: Mapping[Key, int | None], total: Key, members: list[Key], threshold: int
) -> bool:
    """Tell whether the line rules out some value 1..threshold-1 for a hidden member.

    Written from the recipient's side, independently of the implementation: the hidden
    members are ≥ 1 each (zeros are published) and sum to what the total leaves over.
    """
    total_value = published.get(total)
    hidden = [m for m in members if m in published and published[m] is None]
    if total_value is None or not hidden:
        return False
    left = total_value - sum(published[m] or 0 for m in members if m in published)
    others = len(hidden) - 1
    for value in range(1, threshold):
        rest = left - value
        feasible = rest == 0 if others == 0 else rest >= others
        if not feasible:
            return True
    return False


def check_suppressed(
    original: Mapping[Key, int],
    result: Mapping[Key, int | None],
    threshold: int,
    total_row: str | None,
    total_col: str | None,
) -> None:
    assert set(result) == set(original)
    for key, value in result.items():
        if value is None:
            continue
        assert value == original[key]
        assert not 0 < value < threshold, key
    for key, value in original.items():
        if 0 < value < threshold:
            assert result[key] is None
    for total, members in table_lines(original, total_row, total_col):
        if result[total] is None:
            continue
        hidden = sum(result[m] is None for m in members)
        assert hidden == 0 or hidden >= 2, (total, members)
        assert not attacker_can_narrow(result, total, members, threshold)
        assert line_is_protected(result, total, members, threshold)


@settings(max_examples=300, deadline=None)
@given(row_tables, st.integers(2, 11))
def test_suppression_with_a_total_row(rows: dict[str, dict[str, int]], threshold: int) -> None:
    result = suppress_with_totals(rows, threshold)
    columns = {col for counts in rows.values() for col in counts}
    original = {(row, col): counts.get(col, 0) for row, counts in rows.items() for col in columns}
    for col in columns:
        original[("all", col)] = sum(counts.get(col, 0) for counts in rows.values())
    check_suppressed(original, result, threshold, "all", None)
    # Nothing is hidden without a reason: a table with no small count is published whole.
    if not any(0 < v < threshold for v in original.values()):
        assert None not in result.values()


@settings(max_examples=300, deadline=None)
@given(row_tables, st.integers(2, 11))
def test_suppression_with_row_and_column_totals(
    rows: dict[str, dict[str, int]], threshold: int
) -> None:
    columns = sorted({col for counts in rows.values() for col in counts})
    full = {row: {col: counts.get(col, 0) for col in columns} for row, counts in rows.items()}
    for counts in full.values():
        counts["sum"] = sum(counts.values())
    full["all"] = {col: sum(full[row][col] for row in rows) for col in [*columns, "sum"]}
    cells = table(full)
    result = suppress_table(cells, threshold, total_row="all", total_col="sum")
    check_suppressed(cells, result, threshold, "all", "sum")


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["r1", "r2", "r3", "all"]), st.sampled_from(["c1", "c2"])),
        counts,
    ),
)
def test_suppression_of_inconsistent_or_partial_tables(cells: dict[Key, int]) -> None:
    # Totals that do not add up, or missing cells, must not break the guarantees either.
    result = suppress_table(cells)
    check_suppressed(cells, result, 5, "all", None)


# --- public_value / public_rate -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, None),
        (0, 0),
        (1, None),
        (9, None),
        (10, 10),
        (12, 10),
        (13, 15),
        (17, 15),
        (18, 20),
        (1234, 1235),
    ],
)
def test_public_value(value: int | None, shown: int | None) -> None:
    assert public_value(value) == shown


def test_public_value_options() -> None:
    assert public_value(19, suppress_below=20) is None
    assert public_value(24, suppress_below=20, base=10) == 20
    assert public_value(25, suppress_below=20, base=10) == 30
    # Rounding never shows a non-zero count as 0.
    assert public_value(1, suppress_below=1, base=5) == 5


def test_public_value_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        public_value(-1)
    with pytest.raises(TypeError):
        public_value(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        public_value(12, base=0)


@given(st.integers(min_value=0, max_value=10**6))
def test_public_values_are_zero_or_rounded_and_at_least_ten(value: int) -> None:
    shown = public_value(value)
    if value == 0:
        assert shown == 0
    elif value < 10:
        assert shown is None
    else:
        assert shown is not None
        assert shown % 5 == 0
        assert shown >= 10
        assert abs(shown - value) <= 2


def test_public_rate() -> None:
    # From the rounded figures shown (15 / 20), not from the true 13 / 20.
    assert public_rate(13, 20) == 0.75
    assert public_rate(0, 20) == 0.0
    assert public_rate(9, 20) is None  # suppressed numerator
    assert public_rate(20, 9) is None
    assert public_rate(None, 20) is None
    assert public_rate(20, None) is None
    assert public_rate(0, 0) is None
    assert public_rate(10, 30) == 0.333


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=5000))
def test_public_rate_reveals_nothing_beyond_the_public_counts(num: int, den: int) -> None:
    assume(num <= den)
    rate = public_rate(num, den)
    shown_num, shown_den = public_value(num), public_value(den)
    if shown_num is None or not shown_den:
        assert rate is None
    else:
        assert rate == round(shown_num / shown_den, 3)
        assert 0.0 <= rate <= 1.0
