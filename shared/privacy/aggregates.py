"""Small-cell suppression of aggregate tables (node side) and public thresholds (hub side).

Node side: a count of 1..threshold-1 is never published (primary suppression). A line of
the table (a column, or a row) whose total is published must not give a suppressed cell
away (complementary suppression): in such a line the suppressed cells number 0, or at
least 2 with a sum large enough that each of them could still be any value from 1 to
threshold-1. Zeros are published: a zero reveals no person.

Hub side: public figures below `suppress_below` are withheld, the rest rounded to `base`;
rates are computed from the rounded public figures, never from a withheld numerator.
Figures published at several groupings of one table must be protected together, not one
by one: `shared.privacy.disclosure` does that with these thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

NODE_THRESHOLD = 5
HUB_SUPPRESS_BELOW = 10
HUB_ROUND_BASE = 5
TOTAL_ROW = "all"

Key = tuple[str, str]


def suppress_table(
    cells: Mapping[Key, int],
    threshold: int = NODE_THRESHOLD,
    *,
    total_row: str | None = TOTAL_ROW,
    total_col: str | None = None,
) -> dict[Key, int | None]:
    """Return the cells with small counts and their complements replaced by None.

    Cells are keyed (row, column). The row named `total_row` holds each column's total
    (the node's "all" row of per-metric totals); the column named `total_col`, if any,
    holds each row's total. Lines without a total cell are not protected by totals.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError("threshold must be an int ≥ 1")
    for key, value in cells.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"cell {key} must be an int, got {value!r}")
        if value < 0:
            raise ValueError(f"cell {key} is negative: {value}")
    values = dict(cells)
    suppressed = {key for key, value in values.items() if 0 < value < threshold}
    lines = _lines(values, total_row, total_col)
    changed = True
    while changed:
        changed = False
        for total, members in lines:
            if total in suppressed or _protected(values, suppressed, total, members, threshold):
                continue
            candidates = [m for m in members if m not in suppressed and values[m] > 0]
            if candidates:
                suppressed.add(min(candidates, key=lambda m: (values[m], m)))
            else:
                # Every non-zero member is hidden and still too revealing: hide the total.
                suppressed.add(total)
            changed = True
    return {key: None if key in suppressed else value for key, value in values.items()}


def suppress_with_totals(
    rows: Mapping[str, Mapping[str, int]],
    threshold: int = NODE_THRESHOLD,
    *,
    total_row: str = TOTAL_ROW,
) -> dict[Key, int | None]:
    """Add the total row (column sums) to per-row counts and suppress the whole table.

    Every row gets every column that any row has (missing counts are 0), so the table
    sent is complete and its totals add up.
    """
    if total_row in rows:
        raise ValueError(f"rows already contain the total row {total_row!r}")
    columns = sorted({column for counts in rows.values() for column in counts})
    cells: dict[Key, int] = {}
    for row, counts in rows.items():
        for column in columns:
            cells[(row, column)] = counts.get(column, 0)
    for column in columns:
        cells[(total_row, column)] = sum(counts.get(column, 0) for counts in rows.values())
    return suppress_table(cells, threshold, total_row=total_row)


def line_is_protected(
    published: Mapping[Key, int | None],
    total: Key,
    members: Iterable[Key],
    threshold: int = NODE_THRESHOLD,
) -> bool:
    """Tell whether a published line gives none of its suppressed members away.

    Sees only what the recipient sees: the published values, None for suppressed ones.
    """
    total_value = published.get(total)
    if total_value is None:
        return True
    present = [m for m in members if m in published]
    hidden = [m for m in present if published[m] is None]
    if not hidden:
        return True
    hidden_sum = total_value - sum(published[m] or 0 for m in present)
    # Each hidden cell is ≥ 1 (zeros are published), so one of them can be anything in
    # 1..hidden_sum - (len(hidden) - 1); that range must cover 1..threshold-1.
    return len(hidden) >= 2 and hidden_sum - (len(hidden) - 1) >= threshold - 1


def table_lines(
    keys: Iterable[Key], total_row: str | None = TOTAL_ROW, total_col: str | None = None
) -> list[tuple[Key, list[Key]]]:
    """Return every (total cell, member cells) line of a table whose total cell exists."""
    return _lines(dict.fromkeys(keys, 0), total_row, total_col)


def public_value(
    value: int | None,
    suppress_below: int = HUB_SUPPRESS_BELOW,
    base: int = HUB_ROUND_BASE,
) -> int | None:
    """Return a count as the hub may show it: None below the threshold, else rounded.

    0 stays 0 (it reveals no one). Rounding is to the nearest multiple of `base`, halves
    up, and never turns a non-zero count into 0.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"value must be an int or None, got {value!r}")
    if value < 0:
        raise ValueError(f"count cannot be negative: {value}")
    if base < 1 or suppress_below < 0:
        raise ValueError("base must be ≥ 1 and suppress_below ≥ 0")
    if value == 0:
        return 0
    if value < suppress_below:
        return None
    return max(base, (value + base // 2) // base * base)


def public_rate(
    numerator: int | None,
    denominator: int | None,
    suppress_below: int = HUB_SUPPRESS_BELOW,
    base: int = HUB_ROUND_BASE,
    digits: int = 3,
) -> float | None:
    """Return numerator/denominator from their public (rounded) values, or None.

    None when either count is withheld or the denominator is 0. Using the rounded
    figures means a rate never reveals more than the two counts shown beside it.
    """
    shown_numerator = public_value(numerator, suppress_below, base)
    shown_denominator = public_value(denominator, suppress_below, base)
    if shown_numerator is None or not shown_denominator:
        return None
    return round(shown_numerator / shown_denominator, digits)


def _protected(
    values: Mapping[Key, int],
    suppressed: set[Key],
    total: Key,
    members: list[Key],
    threshold: int,
) -> bool:
    published = {m: None if m in suppressed else values[m] for m in members}
    published[total] = values[total]
    return line_is_protected(published, total, members, threshold)


def _lines(
    values: Mapping[Key, int], total_row: str | None, total_col: str | None
) -> list[tuple[Key, list[Key]]]:
    rows = sorted({row for row, _ in values})
    columns = sorted({column for _, column in values})
    lines: list[tuple[Key, list[Key]]] = []
    if total_row is not None:
        for column in columns:
            total = (total_row, column)
            members = [(row, column) for row in rows if row != total_row]
            if total in values:
                lines.append((total, [m for m in members if m in values]))
    if total_col is not None:
        for row in rows:
            total = (row, total_col)
            members = [(row, column) for column in columns if column != total_col]
            if total in values:
                lines.append((total, [m for m in members if m in values]))
    return lines
