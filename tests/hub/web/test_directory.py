"""The directory pages: national staff search the anonymized profiles and see coverage gaps."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from hub.communities.models import CommunityStatus
from hub.communities.services import Credentials, add_community, set_status
from hub.directory import coverage as coverage_module
from hub.directory.coverage import coverage
from tests.hub.federation.conftest import Api, profile, ref, tombstone
from tests.hub.outcomes.test_rollup import cell


def outcomes(api: Api, period: str, *groups: tuple[str, int | None, int | None]) -> None:
    """Send a period's eligible and matched counts per group (None: withheld)."""
    cells = [
        cell(group, metric, value)
        for group, eligible, matched in groups
        for metric, value in (("eligible", eligible), ("matched", matched))
    ]
    response = api.put(f"/api/v1/outcomes/{period}", json={"cells": cells})
    assert response.status_code == 200, response.get_json()


def demand(api: Api, **signals: float) -> None:
    body = {"signals": [{"major_group": g.strip("_"), "signal": s} for g, s in signals.items()]}
    assert api.put("/api/v1/demand", json=body).status_code == 200


@pytest.fixture
def network(
    halifax_api: Api, stlouis_api: Api, api_for: Any, halifax: Credentials
) -> dict[str, Any]:
    """Two live communities and a suspended one, with profiles, outcomes and demand."""
    assert (
        halifax_api.batch(
            profile(1),  # a nurse, accepting, remote: open to a cross-city introduction
            profile(
                2,
                occupation="15-1252",
                languages=[{"language": "fra", "level": "C2"}],
                skills=["python"],
                availability=["weekday_evenings"],
                accepting=False,
                cross_city_ok=True,
            ),
            profile(3),
            tombstone(3, 2),
        ).status_code
        == 200
    )
    assert (
        stlouis_api.batch(
            profile(10, cross_city_ok=True, remote_ok=False),
            profile(
                11,
                occupation="29-2061",
                languages=[{"language": "spa", "level": "native"}],
                accepting=False,
            ),
        ).status_code
        == 200
    )
    portland = add_community("portland", "Portland", region="OR", actor="test")
    portland_api = api_for(portland)
    assert portland_api.batch(profile(20, occupation="47-2061")).status_code == 200
    outcomes(portland_api, "2026-Q3", ("47", 40, 0))
    set_status("portland", CommunityStatus.SUSPENDED, actor="test", reason="Test")

    outcomes(halifax_api, "2026-Q3", ("29", 9, 5), ("43", 12, 0), ("15", None, 0))
    outcomes(halifax_api, "2026-Q2", ("43", 30, 10))
    outcomes(stlouis_api, "2026-Q3", ("29", 20, 20), ("15", 7, 0))
    demand(halifax_api, _29=0.8, _43=0.5)
    demand(stlouis_api, _29=0.6, _15=0.9)
    return {"portland": portland}


def rows(html: str, table: str, key: str = "data-id") -> dict[str, list[str]]:
    """A table's rows by their key attribute, as the text of each cell."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = {}
    for name, row in re.findall(rf'<tr {key}="([^"]+)">(.*?)</tr>', body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        found[name] = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells]
    return found


def found(client: FlaskClient, query: str = "") -> list[list[str]]:
    response = client.get(f"/directory{query}")
    assert response.status_code == 200, response.text
    return list(rows(response.text, "profiles").values())


def communities_of(client: FlaskClient, query: str) -> list[tuple[str, str]]:
    return sorted((r[0], r[1]) for r in found(client, query))


# --- search ------------------------------------------------------------------------------

NURSES = [("Halifax", "Registered Nurses"), ("St. Louis", "Registered Nurses")]


def test_the_directory_needs_a_login(hub_client: FlaskClient, network: Any) -> None:
    for url in ("/directory", "/directory/coverage"):
        response = hub_client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_listed_profile_of_live_communities_shows_without_personal_data(
    viewer: FlaskClient, network: Any
) -> None:
    html = viewer.get("/directory").text
    assert "4 connectors." in html
    listed = rows(html, "profiles")
    assert sorted(r[:2] for r in listed.values()) == [
        ["Halifax", "Registered Nurses"],
        ["Halifax", "Software Developers"],
        ["St. Louis", "Licensed Practical and Licensed Vocational Nurses"],
        ["St. Louis", "Registered Nurses"],
    ]
    nurse = next(r for r in listed.values() if r[:2] == ["Halifax", "Registered Nurses"])
    assert nurse[2:7] == [
        "5-9 years",
        "Arabic (native), English (C1)",
        nurse[4],  # the skill's label, checked below
        "Weekends",
        "Accepting introductions and remote meetings",
    ]
    assert "triage" in nurse[4].lower()
    developer = next(r for r in listed.values() if r[1] == "Software Developers")
    assert developer[3:7] == [
        "French (C2)",
        developer[4],
        "Weekday evenings",
        "Not accepting introductions, other cities, and remote meetings",
    ]
    # Anonymized: the node's refs, and the suspended community, appear nowhere.
    for n in (1, 2, 10, 11, 20):
        assert ref(n) not in html
    assert "Portland" not in html.split('id="profiles"', 1)[1]
    assert 'aria-current="page">Search connectors' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?occupation=Registered+Nurses", NURSES),
        ("?occupation=29-1141&community=stlouis", [("St. Louis", "Registered Nurses")]),
        ("?occupation=registered+nurses&related=minor", NURSES),
        (
            "?occupation=Registered+Nurses&related=major",
            [
                ("Halifax", "Registered Nurses"),
                ("St. Louis", "Licensed Practical and Licensed Vocational Nurses"),
                ("St. Louis", "Registered Nurses"),
            ],
        ),
        ("?group=15", [("Halifax", "Software Developers")]),
        ("?language=es", [("St. Louis", "Licensed Practical and Licensed Vocational Nurses")]),
        (
            "?accepting=false",
            [
                ("Halifax", "Software Developers"),
                ("St. Louis", "Licensed Practical and Licensed Vocational Nurses"),
            ],
        ),
        ("?cross_city_ok=true&accepting=true", [("St. Louis", "Registered Nurses")]),
        ("?remote_ok=true&community=halifax&language=ar", [("Halifax", "Registered Nurses")]),
        ("?group=47", []),
    ],
)  # fmt: skip
def test_filters_return_the_matching_profiles(
    viewer: FlaskClient, network: Any, query: str, expected: list[tuple[str, str]]
) -> None:
    assert communities_of(viewer, query) == expected


def test_a_title_picks_the_best_occupation_and_says_which(
    viewer: FlaskClient, network: Any
) -> None:
    html = viewer.get("/directory?occupation=registered+nur").text
    assert "2 connectors for <strong>Registered Nurses</strong>." in html
    assert '<option value="Registered Nurses">' in html  # the box suggests titles


def test_no_match_says_so(viewer: FlaskClient, network: Any) -> None:
    html = viewer.get("/directory?group=47").text
    assert "No connector matches these filters." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?occupation=qqqzzz", "No occupation matches “qqqzzz”."),
        ("?occupation=29-1141&group=29", "Choose an occupation or a group, not both."),
        ("?related=major", "Give an occupation to relate to."),
        ("?language=xx", "Not a valid choice."),
        ("?accepting=maybe", "Not a valid choice."),
        ("?group=99", "Not a valid choice."),
        ("?community=nowhere", "Not a valid choice."),
        ("?page=0", "Must be greater than or equal to 1"),
        ("?page=99999999999", "Must be greater than or equal to 1"),
        ("?occupation=%00", "NUL character"),
    ],
)
def test_bad_filters_are_422_with_the_message_beside_them(
    viewer: FlaskClient, network: Any, query: str, message: str
) -> None:
    response = viewer.get(f"/directory{query}")
    assert response.status_code == 422
    assert message in response.text
    assert 'id="profiles"' not in response.text


def test_pages_of_25(viewer: FlaskClient, halifax_api: Api) -> None:
    items = [profile(n) for n in range(1, 28)]
    assert halifax_api.batch(*items).status_code == 200
    first = viewer.get("/directory?community=halifax").text
    assert len(rows(first, "profiles")) == 25
    assert "27 connectors, page 1 of 2." in first
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert next_url and "page=2" in next_url[1] and "community=halifax" in next_url[1]
    second = viewer.get(next_url[1].replace("&amp;", "&")).text
    assert len(rows(second, "profiles")) == 2
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert not set(rows(first, "profiles")) & set(rows(second, "profiles"))


# --- coverage ----------------------------------------------------------------------------


def test_coverage_numbers_match_the_seeded_data(network: Any) -> None:
    result = coverage()
    groups = {g.major: g for g in result.groups}
    nurses = groups["29"]
    assert (nurses.connectors, nurses.open_connectors, nurses.communities_with_connectors) == (
        3,
        2,
        2,
    )
    assert (nurses.waiting, nurses.withheld_in, nurses.demand, nurses.demand_reporting) == (
        4,
        0,
        0.7,
        2,
    )
    computing = groups["15"]
    assert (computing.connectors, computing.open_connectors, computing.waiting) == (1, 0, 7)
    assert (computing.withheld_in, computing.demand) == (1, 0.9)
    office = groups["43"]
    assert (office.connectors, office.waiting, office.demand) == (0, 32, 0.5)
    # The suspended community's connector and waiting connectees count nowhere.
    assert (groups["47"].connectors, groups["47"].waiting) == (0, 0)
    assert [g.major for g in result.empty_groups] == [
        g.major for g in result.groups if g.major not in ("15", "29")
    ]
    gaps = {(c.community, c.major): c for c in result.gaps}
    assert set(gaps) == {("halifax", "43"), ("stlouis", "15")}
    assert (gaps[("halifax", "43")].waiting, gaps[("halifax", "43")].open_elsewhere) == (32, 0)
    assert (gaps[("stlouis", "15")].waiting, gaps[("stlouis", "15")].demand) == (7, 0.9)
    assert set(result.communities) == {"halifax", "stlouis"}


def test_only_the_newest_quarters_count(
    network: Any, halifax_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coverage_module, "WAITING_QUARTERS", 1)
    office = next(g for g in coverage().groups if g.major == "43")
    assert office.waiting == 12  # 2026-Q2's 20 are older than the newest quarter


def test_coverage_page_shows_the_same_numbers_in_tables_and_charts(
    viewer: FlaskClient, network: Any
) -> None:
    response = viewer.get("/directory/coverage")
    assert response.status_code == 200
    html = response.text
    empty = rows(html, "empty-groups-table", "data-group")
    assert "29" not in empty and "15" not in empty
    assert empty["43"] == ["Office and Administrative Support Occupations", "32", "0.50"]
    gaps = rows(html, "gaps-table", "data-key")
    assert gaps == {
        "halifax/43": [
            "Halifax",
            "Office and Administrative Support Occupations",
            "32",
            "0",
            "0.50",
        ],
        "stlouis/15": ["St. Louis", "Computer and Mathematical Occupations", "7", "0", "0.90"],
    }
    groups = rows(html, "groups-table", "data-group")
    assert groups["29"] == [
        "Healthcare Practitioners and Technical Occupations",
        "3",
        "2",
        "2",
        "4",
        "0.70",
        "2",
    ]
    assert groups["15"][4] == "7 + a few withheld"
    chart = json.loads(re.search(r'id="chart-groups-data">(.*?)</script>', html, re.S)[1])
    at = chart["labels"].index("Healthcare Practitioners and Technical Occupations")
    assert [d["data"][at] for d in chart["datasets"]] == [3, 4, 0.7]
    # The first community is shown until another is chosen.
    assert rows(html, "community-table", "data-group")["43"] == [
        "Office and Administrative Support Occupations gap",
        "0",
        "32",
        "0.50",
        "0",
    ]
    assert 'aria-current="page">Coverage gaps' in html


def test_coverage_of_another_community(viewer: FlaskClient, network: Any) -> None:
    html = viewer.get("/directory/coverage?community=stlouis").text
    table = rows(html, "community-table", "data-group")
    assert table == {
        "15": ["Computer and Mathematical Occupations gap", "0", "7", "0.90", "0"],
        "29": ["Healthcare Practitioners and Technical Occupations", "2", "0", "0.60", "1"],
    }
    chart = json.loads(re.search(r'id="chart-community-data">(.*?)</script>', html, re.S)[1])
    assert chart["labels"] == [table["15"][0].removesuffix(" gap"), table["29"][0]]
    assert [d["data"] for d in chart["datasets"]] == [[0, 2], [7, 0], [0.9, 0.6]]


def test_a_suspended_or_unknown_community_is_not_offered(viewer: FlaskClient, network: Any) -> None:
    for slug in ("portland", "nowhere"):
        response = viewer.get(f"/directory/coverage?community={slug}")
        assert response.status_code == 422
        assert 'id="community-error"' in response.text
        assert 'id="community-table"' not in response.text


def test_coverage_with_nothing_reported(viewer: FlaskClient) -> None:
    html = viewer.get("/directory/coverage").text
    assert "No community is registered yet." in html
    assert "No gaps" in html
    assert len(rows(html, "empty-groups-table", "data-group")) == 23  # 55: military


def test_the_pages_styles_and_chart_script_are_served(viewer: FlaskClient) -> None:
    html = viewer.get("/directory/coverage").text
    for asset in ("staff.css", "charts.css", "charts.js"):
        url = f"/shared-web/static/{asset}"
        assert f'"{url}?v=' in html  # versioned: browsers may keep it (shared/web/assets.py)
        response = viewer.get(url)
        response.close()  # a static file is streamed: close it
        assert response.status_code == 200
