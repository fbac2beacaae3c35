"""Time to match and referrals per connector: the service, the API and its CSV."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from community_node.matches.models import Match, MatchStatus, ReferralResult
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.reports import services
from shared.web.csv import write_xlsx
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    MatchFactory,
    ReferralFactory,
)

URL = "/api/v1/reports"


def _connectee(intake: str, occupation: str = "29-1141") -> Connectee:
    return ConnecteeFactory(  # type: ignore[no-any-return]
        intake_date=dt.date.fromisoformat(intake),
        target_occupation=occupation,
        status=ProfileStatus.APPROVED,
    )


def _match(
    connectee: Connectee, proposed: str, status: MatchStatus, connector: Connector | None = None
) -> Match:
    return MatchFactory(  # type: ignore[no-any-return]
        connectee=connectee,
        connector=connector or ConnectorFactory(),
        status=status,
        proposed_at=dt.datetime.fromisoformat(f"{proposed}T15:00:00+00:00"),
    )


@pytest.fixture
def matched(app: Any) -> None:
    a = _connectee("2025-01-15")
    _match(a, "2025-01-25", MatchStatus.INTRODUCED)  # 10 days
    _match(a, "2025-03-01", MatchStatus.MET)  # a later match does not count
    b = _connectee("2025-02-01", "15-1252")
    _match(b, "2025-01-20", MatchStatus.DECLINED)  # never introduced: not the first
    _match(b, "2025-02-21", MatchStatus.MET)  # 20 days
    c = _connectee("2025-03-10")
    _match(c, "2025-03-01", MatchStatus.CLOSED)  # proposed before the intake date: 0 days
    d = _connectee("2025-03-11")
    _match(d, "2025-03-12", MatchStatus.PROPOSED)  # not matched yet
    e = _connectee("2025-05-01")
    _match(e, "2025-05-31", MatchStatus.REFERRED)  # 30 days, next quarter


def test_time_to_match_per_quarter(matched: None) -> None:
    rows = services.time_to_match("quarter")

    assert [(r.period, r.matched, r.median_days, r.mean_days, r.max_days) for r in rows] == [
        ("2025-Q1", 3, 10.0, 10.0, 20),
        ("2025-Q2", 1, 30.0, 30.0, 30),
    ]


def test_time_to_match_by_group_and_range(matched: None) -> None:
    rows = services.time_to_match(
        "all", start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31), group_by="major_group"
    )

    assert [(r.major_group, r.major_group_title, r.matched, r.median_days) for r in rows] == [
        ("15", "Computer and Mathematical Occupations", 1, 20.0),
        ("29", "Healthcare Practitioners and Technical Occupations", 2, 5.0),
    ]


def test_time_to_match_api_and_csv_agree(api: Any, matched: None) -> None:
    as_json = api.get(f"{URL}/time-to-match", query_string={"period": "year"}).json
    assert as_json == [
        {
            "period": "2025",
            "major_group": "all",
            "major_group_title": "All occupations",
            "matched": 4,
            "median_days": 15.0,
            "mean_days": 15.0,
            "max_days": 30,
        }
    ]
    text = api.get(f"{URL}/time-to-match.csv", query_string={"period": "year"}).text
    assert text.lstrip("\ufeff").splitlines()[1] == "2025,all,All occupations,4,15.0,15.0,30"


@pytest.fixture
def referrals(app: Any) -> dict[str, Connector]:
    grace = ConnectorFactory(first_name="Grace", last_name="Hopper")
    ada = ConnectorFactory(first_name="Ada", last_name="Lovelace")
    first = _match(_connectee("2025-01-01"), "2025-01-02", MatchStatus.REFERRED, grace)
    second = _match(_connectee("2025-01-03"), "2025-01-04", MatchStatus.MET, grace)
    for day in (10, 11, 12):
        ReferralFactory(match=first, tier=1, referred_on=dt.date(2025, 2, day))
    ReferralFactory(
        match=second, tier=2, referred_on=dt.date(2025, 3, 1), result=ReferralResult.HIRED
    )
    other = _match(_connectee("2025-01-05"), "2025-01-06", MatchStatus.MET, ada)
    ReferralFactory(match=other, tier=1, referred_on=dt.date(2025, 6, 1))
    _match(_connectee("2025-01-07"), "2025-01-08", MatchStatus.MET)  # no referrals
    return {"grace": grace, "ada": ada}


def test_referrals_per_connector(referrals: dict[str, Connector]) -> None:
    rows = services.referrals_per_connector()

    assert [
        (r.connector_name, r.matches, r.referrals, r.tier1, r.tier2, r.hired) for r in rows
    ] == [
        ("Grace Hopper", 2, 4, 3, 1, 1),
        ("Ada Lovelace", 1, 1, 1, 0, 0),
    ]
    assert rows[0].connector_id == referrals["grace"].id


def test_referrals_per_connector_in_a_date_range(api: Any, referrals: dict[str, Connector]) -> None:
    args = {"from": "2025-02-11", "to": "2025-03-01"}
    as_json = api.get(f"{URL}/referrals-per-connector", query_string=args).json

    assert [(r["connector_name"], r["referrals"], r["hired"]) for r in as_json] == [
        ("Grace Hopper", 3, 1)
    ]
    text = api.get(f"{URL}/referrals-per-connector.csv", query_string=args).text
    assert text.lstrip("\ufeff").splitlines()[0] == (
        "connector_id,connector_name,matches,referrals,tier1,tier2,hired"
    )
    bad = api.get(
        f"{URL}/referrals-per-connector", query_string={"from": "2025-03-01", "to": "2025-01-01"}
    )
    assert bad.status_code == 422


def test_xlsx_keeps_numbers_and_defuses_formulas() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    body = write_xlsx(
        [
            (
                "Referrals",
                ["connector_name", "referrals"],
                [{"connector_name": "=HYPERLINK(1)", "referrals": 3}],
            )
        ]
    )

    sheet = load_workbook(BytesIO(body)).active
    assert sheet is not None
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["connector_name", "referrals"],
        ["'=HYPERLINK(1)", 3],
    ]
