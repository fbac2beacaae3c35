"""The funnel and outcomes reports: exact counts on a small cohort, CSV, CLI, arguments."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from community_node.eligibility.models import EligibilityDecision
from community_node.eligibility.models import Outcome as Eligibility
from community_node.extensions import db
from community_node.matches.models import Match, MatchStatus, MatchTransition
from community_node.outcomes.models import OutcomeCategory
from community_node.participants.models import Connectee, ProfileStatus
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
    ReferralFactory,
)

URL = "/api/v1/reports"
S, C = MatchStatus, OutcomeCategory


def _person(
    intake: str | None, occupation: str | None, status: ProfileStatus, **kw: Any
) -> Connectee:
    return ConnecteeFactory(  # type: ignore[no-any-return]
        intake_date=dt.date.fromisoformat(intake) if intake else None,
        target_occupation=occupation,
        status=status,
        **kw,
    )


def _decide(connectee: Connectee, outcome: Eligibility, *, current: bool = True) -> None:
    db.session.add(
        EligibilityDecision(
            connectee_id=connectee.id,
            ruleset_version="test",
            outcome=outcome,
            decided_by="test",
            current=current,
        )
    )
    db.session.commit()


def _match(connectee: Connectee, status: MatchStatus, met: str | None = None) -> Match:
    return MatchFactory(  # type: ignore[no-any-return]
        connectee=connectee,
        connector=ConnectorFactory(),
        status=status,
        first_met_on=dt.date.fromisoformat(met) if met else None,
    )


@pytest.fixture
def cohort(app: Any) -> dict[str, Connectee]:
    """Seven applicants and a draft across 2025-Q1 and 2025-Q2 (see the expected rows)."""
    a = _person("2025-01-15", "29-1141", ProfileStatus.APPROVED)
    m = _match(a, S.REFERRED, met="2025-02-01")
    for _ in range(3):
        ReferralFactory(match=m, tier=1)
    FollowUpOutcomeFactory(
        connectee=a, milestone_months=3, category=C.STILL_SEARCHING, attributed_to_program=None
    )
    FollowUpOutcomeFactory(connectee=a, milestone_months=6, category=C.EMPLOYED_IN_FIELD)

    b = _person("2025-02-10", "29-1141", ProfileStatus.SUBMITTED)
    _decide(b, Eligibility.ELIGIBLE)
    _match(b, S.INTRODUCED)

    c = _person("2025-03-31", "15-1252", ProfileStatus.SUBMITTED)
    _decide(c, Eligibility.ELIGIBLE, current=False)
    _decide(c, Eligibility.INELIGIBLE)
    declined = _match(c, S.DECLINED)
    db.session.add_all(
        [
            MatchTransition(
                match_id=declined.id, from_status=S.PROPOSED, to_status=S.INTRODUCED, by="t"
            ),
            MatchTransition(
                match_id=declined.id, from_status=S.INTRODUCED, to_status=S.DECLINED, by="t"
            ),
        ]
    )
    db.session.commit()
    _match(c, S.PROPOSED)

    d = _person("2025-03-01", None, ProfileStatus.APPROVED)
    m = _match(d, S.REFERRALS_PENDING, met="2025-03-20")
    ReferralFactory(match=m, tier=1)
    ReferralFactory(match=m, tier=1)
    ReferralFactory(match=m, tier=2)
    FollowUpOutcomeFactory(
        connectee=d,
        milestone_months=12,
        category=C.EMPLOYED_OUTSIDE_FIELD,
        attributed_to_program=False,
    )
    # A declined match that never got past the proposal does not make D "matched" twice.
    _match(d, S.DECLINED)

    draft = _person("2025-01-20", "29-1141", ProfileStatus.DRAFT)
    _match(draft, S.MET, met="2025-02-20")

    # No intake date: the cohort is the UTC day the record was created (2025-04-01).
    f = _person(
        None,
        "29-2061",
        ProfileStatus.WAITLISTED,
        created_at=dt.datetime(2025, 4, 1, 0, 30, tzinfo=dt.UTC),
    )
    _decide(f, Eligibility.WAITLISTED)
    _match(f, S.PROPOSED)

    g = _person("2025-06-30", "15-1252", ProfileStatus.APPROVED)
    _match(g, S.MET, met="2025-07-02")
    FollowUpOutcomeFactory(
        connectee=g,
        milestone_months=3,
        category=C.EDUCATION_OR_CREDENTIALING,
        attributed_to_program=None,
    )
    FollowUpOutcomeFactory(connectee=g, milestone_months=6, category=C.EMPLOYED_RELATED_FIELD)

    h = _person("2025-05-20", "29-1141", ProfileStatus.APPROVED)
    _match(h, S.CLOSED, met="2025-06-01")
    return {"a": a, "b": b, "c": c, "d": d, "f": f, "g": g, "h": h, "draft": draft}


def _funnel(
    period: str,
    group: str,
    counts: tuple[int, int, int, int, int, int, int],
    placement: float | None,
    in_field: float | None,
) -> dict[str, Any]:
    titles = {
        "all": "All occupations",
        "unknown": "No target occupation",
        "15": "Computer and Mathematical Occupations",
        "29": "Healthcare Practitioners and Technical Occupations",
    }
    names = ("applied", "eligible", "matched", "met", "referred", "employed", "employed_in_field")
    return {
        "period": period,
        "major_group": group,
        "major_group_title": titles[group],
        **dict(zip(names, counts, strict=True)),
        "placement_rate": placement,
        "employed_in_field_rate": in_field,
    }


def test_funnel_by_quarter(api: Any, cohort: dict[str, Connectee]) -> None:
    response = api.get(f"{URL}/funnel", query_string={"period": "quarter"})
    assert response.status_code == 200, response.json
    assert response.json == [
        _funnel("2025-Q1", "all", (4, 3, 4, 2, 1, 2, 1), 1.0, 0.5),
        _funnel("2025-Q2", "all", (3, 2, 2, 2, 0, 1, 0), 0.5, 0.0),
    ]


def test_funnel_by_quarter_and_major_group(api: Any, cohort: dict[str, Connectee]) -> None:
    response = api.get(f"{URL}/funnel", query_string={"group_by": "major_group"})
    assert response.status_code == 200, response.json
    assert response.json == [
        _funnel("2025-Q1", "15", (1, 0, 1, 0, 0, 0, 0), None, None),
        _funnel("2025-Q1", "29", (2, 2, 2, 1, 1, 1, 1), 1.0, 1.0),
        _funnel("2025-Q1", "unknown", (1, 1, 1, 1, 0, 1, 0), 1.0, 0.0),
        _funnel("2025-Q2", "15", (1, 1, 1, 1, 0, 1, 0), 1.0, 0.0),
        _funnel("2025-Q2", "29", (2, 1, 1, 1, 0, 0, 0), 0.0, 0.0),
    ]


def test_funnel_by_month_year_and_all(api: Any, cohort: dict[str, Connectee]) -> None:
    months = api.get(f"{URL}/funnel", query_string={"period": "month"}).json
    assert [(r["period"], r["applied"]) for r in months] == [
        ("2025-01", 1),
        ("2025-02", 1),
        ("2025-03", 2),
        ("2025-04", 1),
        ("2025-05", 1),
        ("2025-06", 1),
    ]
    year = api.get(f"{URL}/funnel", query_string={"period": "year"}).json
    assert year == [_funnel("2025", "all", (7, 5, 6, 4, 1, 3, 1), 0.75, 0.25)]
    total = api.get(f"{URL}/funnel", query_string={"period": "all"}).json
    assert total == [{**year[0], "period": "all"}]


def test_funnel_date_range_is_inclusive_on_the_cohort_day(
    api: Any, cohort: dict[str, Connectee]
) -> None:
    q2 = api.get(f"{URL}/funnel", query_string={"from": "2025-04-01", "to": "2025-06-30"}).json
    assert q2 == [_funnel("2025-Q2", "all", (3, 2, 2, 2, 0, 1, 0), 0.5, 0.0)]
    last_day = api.get(
        f"{URL}/funnel", query_string={"from": "2025-03-31", "to": "2025-03-31"}
    ).json
    assert [(r["period"], r["applied"], r["matched"]) for r in last_day] == [
        (
            "2025-Q1",
            1,
            1,
        )
    ]
    assert api.get(f"{URL}/funnel", query_string={"from": "2030-01-01"}).json == []


def test_empty_program_reports_no_rows(api: Any) -> None:
    assert api.get(f"{URL}/funnel").json == []
    assert api.get(f"{URL}/outcomes").json == []
    csv_text = api.get(f"{URL}/funnel.csv").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").splitlines() == [
        "period,major_group,major_group_title,applied,eligible,matched,met,referred,"
        "employed,employed_in_field,placement_rate,employed_in_field_rate"
    ]


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _as_cells(row: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in row.items()}


@pytest.mark.parametrize("report", ["funnel", "outcomes"])
def test_csv_equals_json(api: Any, cohort: dict[str, Connectee], report: str) -> None:
    args = {"period": "quarter", "group_by": "major_group"}
    as_json = api.get(f"{URL}/{report}", query_string=args).json
    response = api.get(f"{URL}/{report}.csv", query_string=args)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{report}-quarter-major_group.csv"' in response.headers["Content-Disposition"]
    assert as_json
    assert _csv(response.get_data(as_text=True)) == [_as_cells(r) for r in as_json]


def _outcome(
    period: str, months: int, category: str, counts: tuple[int, int, int, int], share: float | None
) -> dict[str, Any]:
    names = ("outcomes", "attributed", "not_attributed", "attribution_unknown")
    return {
        "period": period,
        "major_group": "all",
        "major_group_title": "All occupations",
        "milestone_months": months,
        "category": category,
        **dict(zip(names, counts, strict=True)),
        "attribution_share": share,
    }


def test_outcomes_per_milestone_and_category(api: Any, cohort: dict[str, Connectee]) -> None:
    FollowUpOutcomeFactory(
        connectee=cohort["h"],
        milestone_months=6,
        category=C.EMPLOYED_RELATED_FIELD,
        attributed_to_program=False,
    )
    response = api.get(f"{URL}/outcomes", query_string={"period": "quarter"})
    assert response.status_code == 200, response.json
    assert response.json == [
        _outcome("2025-Q1", 3, "still_searching", (1, 0, 0, 1), None),
        _outcome("2025-Q1", 6, "employed_in_field", (1, 1, 0, 0), 1.0),
        _outcome("2025-Q1", 12, "employed_outside_field", (1, 0, 1, 0), 0.0),
        _outcome("2025-Q2", 3, "education_or_credentialing", (1, 0, 0, 1), None),
        _outcome("2025-Q2", 6, "employed_related_field", (2, 1, 1, 0), 0.5),
    ]
    grouped = api.get(f"{URL}/outcomes", query_string={"period": "year", "group_by": "major_group"})
    assert [(r["major_group"], r["milestone_months"], r["category"]) for r in grouped.json] == [
        ("15", 3, "education_or_credentialing"),
        ("15", 6, "employed_related_field"),
        ("29", 3, "still_searching"),
        ("29", 6, "employed_in_field"),
        ("29", 6, "employed_related_field"),
        ("unknown", 12, "employed_outside_field"),
    ]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"period": "week"}, "period"),
        ({"from": "2025-02-01", "to": "2025-01-31"}, "to"),
        ({"from": "01/02/2025"}, "from"),
        ({"group_by": "country"}, "group_by"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_arguments_answer_422(api: Any, args: dict[str, str], field: str) -> None:
    for path in ("funnel", "funnel.csv", "outcomes", "outcomes.csv"):
        response = api.get(f"{URL}/{path}", query_string=args)
        assert response.status_code == 422, path
        assert set(response.json["errors"]["query"]) == {field}


def test_viewers_may_read_reports_and_strangers_may_not(viewer_api: Any, client: Any) -> None:
    assert viewer_api.get(f"{URL}/funnel").status_code == 200
    assert viewer_api.get(f"{URL}/outcomes.csv").status_code == 200
    assert client.get(f"{URL}/funnel").status_code == 401
    assert client.get(f"{URL}/funnel.csv").status_code == 401


def test_cli_prints_the_same_csv(api: Any, runner: Any, cohort: dict[str, Connectee]) -> None:
    result = runner.invoke(args=["report", "funnel", "--period", "quarter", "--csv"])
    assert result.exit_code == 0, result.output
    from_api = api.get(f"{URL}/funnel.csv", query_string={"period": "quarter"})
    assert _csv(result.output) == _csv(from_api.get_data(as_text=True))
    assert result.output.startswith("period,major_group,")


def test_cli_json_lines_and_errors(runner: Any, cohort: dict[str, Connectee]) -> None:
    result = runner.invoke(
        args=[
            "report",
            "outcomes",
            "--period",
            "year",
            "--from",
            "2025-04-01",
            "--to",
            "2025-12-31",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 2
    assert '"category": "education_or_credentialing"' in result.output
    bad = runner.invoke(args=["report", "funnel", "--from", "2025-02-01", "--to", "2025-01-01"])
    assert bad.exit_code != 0
    assert "--to must not be before --from" in bad.output
