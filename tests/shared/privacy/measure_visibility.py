"""Measure how much of the published roll-up stays visible, today's method against ours.

Run: ``PYTHONPATH=. python -m tests.shared.privacy.measure_visibility [networks] [seed]
[node_threshold]``.
Each network is 2-5 communities × 4-12 SOC major groups with Poisson funnel counts (a
few large groups and many small ones, as the demo generator's cities have), sent
through the node's own suppression (1-4 and complements, with "all" totals; a
``node_threshold`` of 1 sends exact counts, to see the hub's method alone). It prints,
per method, the share of all table cells (body and margins, every measure) that is
published, the share of the non-zero ones, and how many withheld cells an attacker
pins to fewer than 5 values.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import numpy as np

from shared.privacy.aggregates import public_value, suppress_with_totals
from shared.privacy.disclosure import (
    TOTAL,
    complete_table,
    feasible_ranges,
    protect_table,
    spans,
)
from shared.protocol import EMPLOYED_METRICS, METRICS

Cell = tuple[str, str]


def funnel(rng: np.random.Generator, enrolled: int) -> dict[str, int]:
    counts = {"enrolled": enrolled}
    last = enrolled
    for metric, share in zip(METRICS[1:5], (0.9, 0.7, 0.8, 0.6), strict=True):
        last = int(rng.binomial(last, share))
        counts[metric] = last
    employed = rng.multinomial(int(rng.binomial(last, 0.6)), [0.6, 0.25, 0.15])
    counts.update(zip(EMPLOYED_METRICS, (int(n) for n in employed), strict=True))
    return counts


def network(
    rng: np.random.Generator, node_threshold: int
) -> dict[str, dict[tuple[str, str], int | None]]:
    """Per community, the cells its node sends: (group, metric) → value or None."""
    rows = int(rng.integers(2, 6))
    columns = int(rng.integers(4, 13))
    groups = [str(g) for g in rng.choice(range(11, 55, 2), columns, replace=False)]
    sent = {}
    for r in range(rows):
        scale = rng.choice([3, 8, 20, 40], size=columns, p=[0.4, 0.3, 0.2, 0.1])
        counts = {g: funnel(rng, int(rng.poisson(s))) for g, s in zip(groups, scale, strict=True)}
        sent[f"c{r}"] = suppress_with_totals(counts, node_threshold)
    return sent


def tables(
    sent: Mapping[str, Mapping[tuple[str, str], int | None]], metric: str
) -> tuple[dict[Cell, int | None], dict[str, int | None]]:
    inner = {
        (slug, g): v for slug, cells in sent.items() for (g, m), v in cells.items()
        if m == metric and g != TOTAL
    }  # fmt: skip
    totals = {slug: cells[(TOTAL, metric)] for slug, cells in sent.items()}
    return inner, totals


def main(networks: int = 40, seed: int = 12, node_threshold: int = 5) -> None:
    rng = np.random.default_rng(seed)
    shown = {"today": 0, "ours": 0}
    shown_nonzero = {"today": 0, "ours": 0}
    pinned = {"today": 0, "ours": 0}
    withheld = {"today": 0, "ours": 0}
    cells = nonzero = 0
    for _ in range(networks):
        sent = network(rng, node_threshold)
        for metric in METRICS:
            inner, totals = tables(sent, metric)
            truth = complete_table(inner, totals)
            protected = protect_table(inner, totals)
            today = {cell: public_value(v) for cell, v in truth.items()}
            for name, published in (("today", today), ("ours", dict(protected.published))):
                visible = [c for c, v in published.items() if v is not None]
                shown[name] += len(visible)
                shown_nonzero[name] += sum(1 for c in visible if truth[c] != 0)
                ranges = feasible_ranges(published, protected.rows, protected.columns)
                withheld[name] += len(ranges)
                pinned[name] += sum(1 for r in ranges.values() if not spans(r))
            cells += len(truth)
            nonzero += sum(1 for v in truth.values() if v != 0)
    print(
        f"{networks} networks, {cells} table cells ({nonzero} not zero), seed {seed}, "
        f"node threshold {node_threshold}"
    )
    for name in ("today", "ours"):
        print(
            f"{name:>5}: visible {shown[name] / cells:.1%} of cells, "
            f"{shown_nonzero[name] / nonzero:.1%} of non-zero cells; "
            f"withheld {withheld[name]}, pinned to < 5 values {pinned[name]}"
        )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
