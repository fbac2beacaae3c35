"""The matrix numbers distinct value combinations exactly as numpy's record sort did."""

from __future__ import annotations

from random import Random

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.matching.matrix import _factorize, _unique_rows


def _by_records(columns: list[npt.NDArray[np.generic]]) -> tuple[list[int], list[int]]:
    """The former numbering: np.unique over the rows as records (a field per column)."""
    _, first, inverse = np.unique(
        np.rec.fromarrays(columns), return_index=True, return_inverse=True
    )
    return inverse.reshape(-1).tolist(), first.tolist()


def _as_lists(found: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]) -> tuple[list[int], ...]:
    inverse, first = found
    assert inverse.dtype == np.intp and first.dtype == np.intp
    return inverse.tolist(), first.tolist()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 60), st.randoms(use_true_random=False))
def test_static_columns_are_numbered_as_records_were(rows: int, rng: Random) -> None:
    # The static facts' kinds: years (unknown as -1e300, and -0.0 beside 0.0), slot masks,
    # loads, and two flags; few distinct values, so combinations repeat.
    pick = rng.choice
    years = np.array([pick([-1e300, 0.0, -0.0, 2.5, 7.0, 30.0]) for _ in range(rows)])
    masks = np.array([pick([0, 1, 5, 12, 1 << 40]) for _ in range(rows)], dtype=np.int64)
    load = np.array([pick([0.0, 1 / 3, 0.5, 1.0]) for _ in range(rows)])
    eligible = np.array([pick([True, False]) for _ in range(rows)])
    cross_ok = np.array([pick([True, False]) for _ in range(rows)])
    columns = [years, masks, load, eligible, cross_ok]
    assert _as_lists(_factorize(columns)) == _by_records(columns)
    for column in columns:
        assert _as_lists(_factorize([column])) == _by_records([column])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(*[st.integers(-1, 3) for _ in range(4)]), min_size=0, max_size=50).map(
        lambda rows: np.array(rows, dtype=np.int32).reshape(-1, 4)
    )
)
def test_rows_are_numbered_as_unique_by_rows(rows: npt.NDArray[np.int32]) -> None:
    # Occupation prefixes (-1 below a code's level) and language level ranks.
    for array in (rows, rows.astype(np.int8)):
        distinct, first, inverse = np.unique(array, axis=0, return_index=True, return_inverse=True)
        found_inverse, found_first = _unique_rows(array)
        assert found_inverse.tolist() == inverse.reshape(-1).tolist()
        assert found_first.tolist() == first.tolist()
        assert array[found_first].tolist() == distinct.tolist()


def test_many_wide_columns_are_renumbered_before_their_key_overflows() -> None:
    # Eight columns of 1,000 distinct values: their product (10^24) exceeds an int64.
    rng = np.random.default_rng(3)
    columns = [rng.integers(0, 1_000, 5_000) for _ in range(8)]
    columns.append(columns[0].copy())  # and a repeated column changes nothing
    assert _as_lists(_factorize(columns)) == _by_records(columns)
    duplicated = [np.concatenate((c, c)) for c in columns]
    inverse, first = _factorize(duplicated)
    assert inverse[:5_000].tolist() == inverse[5_000:].tolist()
    assert first.max() < 5_000  # each combination's first row
