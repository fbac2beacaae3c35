"""The attacker's test of issue 12: no withheld figure of the public roll-up can be pinned.

The figures are read as anyone reads them, from ``/api/v1/rollup`` and
``/api/v1/rollup.csv`` at every grouping; the input goes in as nodes send it (their own
suppression of 1-4 and its complements, with their "all" totals). An integer programme
over all of a period's figures (``tests.shared.privacy.attacker``) then bounds every
withheld cell, and each must span at least 5 integers.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.communities.models import CommunityRef
from hub.communities.services import add_community
from hub.outcomes.services import ROLLUP_LEVELS, replace_cells
from shared.privacy import suppress_with_totals
from shared.protocol import EMPLOYED_METRICS, METRICS
from tests.shared.privacy.attacker import ALL, Cell, narrow, solve

#: Per community, per major group, per metric: a count as the node counted it.
Counts = Mapping[str, Mapping[str, Mapping[str, int]]]
Figures = dict[tuple[str, str], list[tuple[Cell, int | None]]]

_periods = itertools.count()


def fresh_period() -> str:
    """A quarter no other example used (the hub keeps every example's cells)."""
    n = next(_periods)
    return f"{2100 + n // 4}-Q{n % 4 + 1}"


def send(communities: Mapping[str, CommunityRef], period: str, counts: Counts) -> None:
    """Send each community's cells as its node would: suppressed 1-4, with totals."""
    for slug, groups in counts.items():
        table = suppress_with_totals(groups)
        cells = [
            {"major_group": g, "metric": m, "value": v, "suppressed": v is None}
            for (g, m), v in sorted(table.items())
        ]
        replace_cells(communities[slug], period, cells, "test")


def published(client: FlaskClient, period: str) -> Figures:
    """Every figure of the period, from every grouping's JSON and CSV: (cell, figure)."""
    figures: Figures = defaultdict(list)
    for by in ROLLUP_LEVELS:
        response = client.get(f"/api/v1/rollup?by={by}&period={period}")
        assert response.status_code == 200
        json_rows = response.get_json()["rows"]
        for row in json_rows:
            cell = (row["community"] or ALL, row["major_group"])
            parts = [row[m] for m in EMPLOYED_METRICS]
            # "employed" is the sum of the published parts, so it adds nothing to solve.
            if row["employed"] is not None:
                assert row["employed"] == sum(parts)
            for metric in METRICS:
                if metric in row["suppressed"]:
                    figures[(period, metric)].append((cell, None))
                elif row[metric] is not None:
                    figures[(period, metric)].append((cell, row[metric]))
        text = client.get(f"/api/v1/rollup.csv?by={by}&period={period}").get_data(as_text=True)
        csv_rows = list(csv.DictReader(io.StringIO(text)))
        assert len(csv_rows) == len(json_rows)
        for row in csv_rows:
            cell = (row["community"] or ALL, row["major_group"])
            for metric in METRICS:
                if row[metric] == "x":
                    figures[(period, metric)].append((cell, None))
                elif row[metric] != "":
                    figures[(period, metric)].append((cell, int(row[metric])))
    return figures


def truth(counts: Counts, metric: str) -> dict[Cell, int]:
    """The true table of one metric, margins included."""
    cells: dict[Cell, int] = defaultdict(int)
    for slug, groups in counts.items():
        for group, metrics in groups.items():
            value = metrics[metric]
            for cell in ((slug, group), (slug, ALL), (ALL, group), (ALL, ALL)):
                cells[cell] += value
    return cells


def assert_nothing_pinned(figures: Figures, counts_by_period: Mapping[str, Counts]) -> int:
    """Solve every (period, metric) table; return how many withheld cells were bounded."""
    withheld = 0
    for (period, metric), seen in figures.items():
        ranges = solve(seen)
        assert not narrow(ranges), (period, metric, narrow(ranges))
        true = truth(counts_by_period[period], metric)
        for cell, (low, high) in ranges.items():
            assert low <= true[cell] and (high is None or true[cell] <= high)
        withheld += len(ranges)
    return withheld


def test_the_issue_example_cannot_be_pinned(hub_client: FlaskClient, hub_app: Any) -> None:
    communities = {
        slug: add_community(slug, slug.title(), country="US", actor="test").community
        for slug in ("portland", "pittsburgh")
    }
    period = fresh_period()
    enrolled = {"portland": {"13": 23, "15": 6, "29": 23}, "pittsburgh": {"13": 14, "15": 12}}
    counts = {
        slug: {g: {m: v if m == "enrolled" else 0 for m in METRICS} for g, v in groups.items()}
        for slug, groups in enrolled.items()
    }
    send(communities, period, counts)
    figures = published(hub_client, period)
    assert (("portland", "15"), None) in figures[(period, "enrolled")]
    assert assert_nothing_pinned(figures, {period: counts}) > 0


@st.composite
def network(draw: st.DrawFn) -> dict[str, Counts]:
    """A few periods of counts shaped like a real funnel: each stage thins the last."""
    rows = draw(st.integers(2, 5))
    columns = draw(st.integers(2, 6))
    periods = draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    groups = [str(g) for g in rng.choice(range(11, 55, 2), columns, replace=False)]
    result: dict[str, Counts] = {}
    for _ in range(periods):
        counts: dict[str, dict[str, dict[str, int]]] = {}
        for r in range(rows):
            scale = rng.choice([3, 8, 20, 40])
            counts[f"c{r}"] = {g: funnel(rng, int(rng.poisson(scale))) for g in groups}
        result[fresh_period()] = counts
    return result


def funnel(rng: np.random.Generator, enrolled: int) -> dict[str, int]:
    counts = {"enrolled": enrolled}
    last = enrolled
    for metric, share in zip(METRICS[1:5], (0.9, 0.7, 0.8, 0.6), strict=True):
        last = int(rng.binomial(last, share))
        counts[metric] = last
    employed = rng.multinomial(int(rng.binomial(last, 0.6)), [0.6, 0.25, 0.15])
    counts.update(zip(EMPLOYED_METRICS, (int(n) for n in employed), strict=True))
    return counts


@pytest.fixture
def network_communities(hub_app: Any) -> dict[str, CommunityRef]:
    """Five communities, registered once for all of a property test's examples."""
    return {
        f"c{r}": add_community(f"c{r}", f"City {r}", country="US", actor="test").community
        for r in range(5)
    }


@settings(
    max_examples=30,
    deadline=None,
    # The fixtures serve every example: each example writes to periods of its own.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=network())
def test_no_withheld_figure_of_random_tables_can_be_pinned(
    hub_client: FlaskClient, network_communities: dict[str, CommunityRef], data: dict[str, Counts]
) -> None:
    for period, counts in data.items():
        send(network_communities, period, counts)
        assert_nothing_pinned(published(hub_client, period), data)
