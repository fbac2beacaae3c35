"""Suggestions, batch proposals and next candidates on the node."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select

from community_node.extensions import db
from community_node.matches.models import MatchStatus
from community_node.matching import services
from community_node.matching.models import NextCandidate
from community_node.participants.models import (
    ConnectorLanguage,
    ConsentPurpose,
    LanguageLevel,
    ProfileStatus,
)
from community_node.sync.connection import HubUnreachable
from community_node.sync.models import HubConnection
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    ConsentFactory,
    MatchFactory,
)
from tests.community_node.introductions.fakehub import FakeIntrosHub

SUGGEST = "/api/v1/matching/suggestions"


def arabic() -> list[ConnectorLanguage]:
    return [ConnectorLanguage(language="ara", level=LanguageLevel.NATIVE)]


@pytest.fixture
def nurse_seeker() -> Any:
    return ConnecteeFactory(status=ProfileStatus.APPROVED)


def test_ranks_local_connectors_with_reasons(api: Any, nurse_seeker: Any) -> None:
    nurse = ConnectorFactory(occupation="29-1141", languages=arabic())
    related = ConnectorFactory(occupation="29-1171")
    ConnectorFactory(occupation="15-1252")
    ConnectorFactory(occupation="29-1141", available=False)
    ConnectorFactory(occupation="29-1141", unavailable_until=dt.date.today() + dt.timedelta(days=9))
    ConnectorFactory(occupation="29-1141", status=ProfileStatus.SUBMITTED)
    response = api.get(f"{SUGGEST}/{nurse_seeker.id}?k=5")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    ids = [s["connector_id"] for s in body["local"]]
    assert ids[:2] == [nurse.id, related.id] and len(ids) == 3
    best = body["local"][0]
    assert best["name"] == nurse.full_name
    assert abs(sum(best["contributions"].values()) - best["score"]) < 1e-3
    assert any("Registered Nurses" in r for r in best["reasons"])
    assert body["best_local_score"] == best["score"]
    assert body["cross_city_status"] == "not_needed" and body["cross_city"] == []
    assert len(api.get(f"{SUGGEST}/{nurse_seeker.id}?k=1").get_json()["local"]) == 1


def test_errors(api: Any, viewer_api: Any, nurse_seeker: Any) -> None:
    assert api.get(f"{SUGGEST}/999").status_code == 404
    assert api.get(f"{SUGGEST}/{nurse_seeker.id}?k=0").status_code == 422
    assert viewer_api.get(f"{SUGGEST}/{nurse_seeker.id}").status_code == 200
    assert viewer_api.post("/api/v1/matching/proposals", json={}).status_code == 403


def test_full_connectors_and_tried_ones_are_left_out(api: Any, nurse_seeker: Any) -> None:
    full = ConnectorFactory(capacity=1)
    MatchFactory(connector=full, connectee=ConnecteeFactory(status=ProfileStatus.APPROVED))
    tried = ConnectorFactory()
    MatchFactory(connector=tried, connectee=nurse_seeker, status=MatchStatus.DECLINED)
    fresh = ConnectorFactory()
    ids = [s["connector_id"] for s in api.get(f"{SUGGEST}/{nurse_seeker.id}").get_json()["local"]]
    assert ids == [fresh.id]


@pytest.mark.parametrize(
    "app_config",
    [{"MATCHING_WEIGHTS": "[matching]\noccupation = 1.0\nskills = 0\nexperience = 0\n"
      "language = 0\navailability = 0\ndemand = 0\nload = 0\n"}],
)  # fmt: skip
def test_weights_from_toml(api: Any, nurse_seeker: Any) -> None:
    ConnectorFactory(occupation="29-1141")
    best = api.get(f"{SUGGEST}/{nurse_seeker.id}").get_json()["local"][0]
    assert best["score"] == 1.0 and best["contributions"]["occupation"] == 1.0


@pytest.mark.parametrize("app_config", [{"MATCHING_WEIGHTS": {"occupation": -1}}])
def test_bad_weights_are_a_clear_error(api: Any, nurse_seeker: Any) -> None:
    response = api.get(f"{SUGGEST}/{nurse_seeker.id}")
    assert response.status_code == 503 and "MATCHING_WEIGHTS" in response.get_json()["message"]


@pytest.fixture
def hub(app: Any) -> FakeIntrosHub:
    fake = FakeIntrosHub(
        hits=[
            {
                "profile": {"id": 77, "community": "stlouis", "occupation": "29-1141",
                            "occupation_title": "Registered Nurses", "experience_band": "10-19",
                            "languages": [{"language": "ara", "level": "native"}]},
                "score": 0.81,
                "contributions": {"occupation": 0.35},
                "reasons": ["same occupation: Registered Nurses"],
            }
        ]
    )  # fmt: skip
    app.config["INTROS_CLIENT_FACTORY"] = lambda connection: fake
    db.session.add(HubConnection(url="http://127.0.0.1:1", client_id="x", client_secret="y",
                                 community="halifax"))  # fmt: skip
    db.session.commit()
    return fake


def test_cross_city_when_local_ones_are_weak(
    api: Any, nurse_seeker: Any, hub: FakeIntrosHub
) -> None:
    ConnectorFactory(occupation="15-1252")  # a weak local match
    body = api.get(f"{SUGGEST}/{nurse_seeker.id}").get_json()
    assert body["local"][0]["contributions"]["occupation"] == 0
    assert body["cross_city_status"] == "no_consent" and hub.calls == []
    ConsentFactory(connectee_id=nurse_seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    body = api.get(f"{SUGGEST}/{nurse_seeker.id}").get_json()
    assert body["cross_city_status"] == "searched"
    (hit,) = body["cross_city"]
    assert hit["directory_profile_id"] == 77 and hit["community"] == "stlouis"
    assert "name" not in hit
    # The hub got the anonymized pitch: occupation, band, languages, skill ids; no name.
    ((_, seeker),) = hub.calls
    assert seeker["target_occupation"] == "29-1141" and seeker["experience_band"] == "5-9"
    assert seeker["languages"] == {"ara": "native", "eng": "B2"}
    assert nurse_seeker.first_name not in repr(seeker)


@pytest.mark.parametrize("app_config", [{"CROSS_CITY_THRESHOLD": 0.99}])
def test_cross_city_below_the_threshold(api: Any, nurse_seeker: Any, hub: FakeIntrosHub) -> None:
    ConnectorFactory(occupation="29-1141", languages=arabic())
    ConsentFactory(connectee_id=nurse_seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    body = api.get(f"{SUGGEST}/{nurse_seeker.id}").get_json()
    assert body["threshold"] == 0.99 and body["cross_city_status"] == "searched"


def test_good_local_match_needs_no_hub(api: Any, nurse_seeker: Any, hub: FakeIntrosHub) -> None:
    ConnectorFactory(occupation="29-1141", languages=arabic())
    ConsentFactory(connectee_id=nurse_seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    body = api.get(f"{SUGGEST}/{nurse_seeker.id}").get_json()
    assert body["cross_city_status"] == "not_needed" and hub.calls == []


def test_cross_city_without_a_hub(api: Any, nurse_seeker: Any) -> None:
    ConsentFactory(connectee_id=nurse_seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    body = api.get(f"{SUGGEST}/{nurse_seeker.id}").get_json()
    assert body["local"] == [] and body["cross_city_status"] == "no_hub"


def test_the_hub_is_asked_through_the_port_matching_is_given(app: Any, nurse_seeker: Any) -> None:
    """Matching searches other communities only through the ``ask_hub`` it receives."""
    ConsentFactory(connectee_id=nurse_seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    assert services.suggestions(nurse_seeker.id)["cross_city_status"] == "no_hub"
    asked: list[dict[str, Any]] = []

    def ask_hub(pitch: Mapping[str, Any], k: int = 10) -> list[dict[str, Any]]:
        asked.append(dict(pitch))
        return [{"directory_profile_id": 9, "community": "stlouis"}]

    body = services.suggestions(nurse_seeker.id, ask_hub=ask_hub)
    assert body["cross_city_status"] == "searched"
    assert body["cross_city"] == [{"directory_profile_id": 9, "community": "stlouis"}]
    assert asked[0]["target_occupation"] == "29-1141" and "first_name" not in asked[0]

    def down(pitch: Mapping[str, Any], k: int = 10) -> list[dict[str, Any]]:
        raise HubUnreachable("timed out")

    body = services.suggestions(nurse_seeker.id, ask_hub=down)
    assert body["cross_city_status"] == "unavailable: timed out"


def test_batch_proposal_then_accept(api: Any) -> None:
    seekers = [ConnecteeFactory(status=ProfileStatus.APPROVED) for _ in range(3)]
    ConnecteeFactory(status=ProfileStatus.SUBMITTED)  # not waiting
    busy = ConnecteeFactory(status=ProfileStatus.APPROVED)
    connector = ConnectorFactory(capacity=2)
    MatchFactory(connectee=busy, connector=ConnectorFactory())  # has an open match
    response = api.post("/api/v1/matching/proposals", json={})
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    assert batch["status"] == "draft"
    rows = {r["connectee_id"]: r for r in batch["rows"]}
    assert set(rows) == {s.id for s in seekers}
    proposed = [r for r in rows.values() if r["connector_id"] is not None]
    # The connector has two slots, so at most two of the three are proposed to it.
    assert all(r["reasons"] for r in proposed)
    assert sum(1 for r in proposed if r["connector_id"] == connector.id) <= 2

    accept = [proposed[0]["id"]]
    url = f"/api/v1/matching/proposals/{batch['id']}/accept"
    done = api.post(url, json={"rows": accept})
    assert done.status_code == 200, done.get_json()
    result = {r["id"]: r for r in done.get_json()["rows"]}
    assert result[accept[0]]["status"] == "accepted" and result[accept[0]]["match_id"]
    assert all(r["status"] == "skipped" for i, r in result.items() if i != accept[0])
    assert done.get_json()["status"] == "reviewed"
    assert api.post(url, json={"rows": accept}).status_code == 409
    match = api.get(f"/api/v1/matches/{result[accept[0]]['match_id']}").get_json()
    assert match["status"] == "proposed"


def test_proposal_errors(api: Any) -> None:
    waiting = ConnecteeFactory(status=ProfileStatus.SUBMITTED)
    post = api.post
    assert post("/api/v1/matching/proposals", json={"connectee_ids": [999]}).status_code == 422
    response = post("/api/v1/matching/proposals", json={"connectee_ids": [waiting.id]})
    assert response.status_code == 422
    assert post("/api/v1/matching/proposals", json={"other": 1}).status_code == 422
    batch = post("/api/v1/matching/proposals", json={}).get_json()
    url = f"/api/v1/matching/proposals/{batch['id']}/accept"
    assert post(url, json={"rows": [12345]}).status_code == 422
    assert api.post("/api/v1/matching/proposals/999/accept", json={"rows": []}).status_code == 404


def test_declined_match_offers_the_next_candidate(api: Any, nurse_seeker: Any) -> None:
    first = ConnectorFactory(occupation="29-1141", languages=arabic())
    second = ConnectorFactory(occupation="29-1171")
    created = api.post(
        "/api/v1/matches", json={"connectee_id": nurse_seeker.id, "connector_id": first.id}
    ).get_json()
    assert api.get(f"/api/v1/matching/next/{created['id']}").status_code == 409
    moved = api.post(
        f"/api/v1/matches/{created['id']}/transitions",
        json={"to": "declined", "note": "Too busy this month."},
    )
    assert moved.status_code in (200, 201), moved.get_json()
    offer = db.session.query(NextCandidate).one()
    assert offer.match_id == created["id"] and offer.connector_id == second.id
    body = api.get(f"/api/v1/matching/next/{created['id']}").get_json()
    assert body["connector_id"] == second.id and body["reasons"]


def test_expired_matches_get_an_offer_on_tick(runner: Any, nurse_seeker: Any) -> None:
    import datetime as dt

    first = ConnectorFactory()
    ConnectorFactory()
    MatchFactory(
        connectee=nurse_seeker,
        connector=first,
        expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    result = runner.invoke(args=["tick", "--now", "2026-02-01"])
    assert "Expired 1" in result.output, result.output
    offer = db.session.query(NextCandidate).one()
    assert offer.connector_id not in (None, first.id)
    assert runner.invoke(args=["matching", "next"]).output.startswith(
        "Offered next candidates for 0"
    )


def test_an_auditing_accountant_meets_an_audit_accountant(api: Any) -> None:
    # Word forms name one ESCO skill, and the reason names it once.
    seeker = ConnecteeFactory(
        status=ProfileStatus.APPROVED, target_occupation="13-2011", skills=["auditing"]
    )
    auditor = ConnectorFactory(occupation="13-2011", skills=["audit"])
    body = api.get(f"{SUGGEST}/{seeker.id}").get_json()
    [best] = [s for s in body["local"] if s["connector_id"] == auditor.id]
    assert best["contributions"]["skills"] > 0
    [reason] = [r for r in best["reasons"] if "shared skill" in r]
    assert reason.startswith("1 shared skill: ")
    label = reason.removeprefix("1 shared skill: ")
    assert label and label.split()[0] not in label.split()[1:]


def test_a_connector_stored_under_an_oews_code_meets_its_detailed_occupation(api: Any) -> None:
    seeker = ConnecteeFactory(status=ProfileStatus.APPROVED, target_occupation="13-1021")
    buyer = ConnectorFactory(occupation="13-1020")  # stored from the OEWS list
    ConnectorFactory(occupation="15-1252")
    body = api.get(f"{SUGGEST}/{seeker.id}").get_json()
    assert body["local"][0]["connector_id"] == buyer.id
    assert any("Buyers and Purchasing Agents" in r for r in body["local"][0]["reasons"])


def test_candidates_read_as_rows_equal_the_connectors_as_stored(app: Any) -> None:
    """local_candidates reads plain columns; each candidate must say what the connector's
    row and relationships say (languages in order, capacity left per period, consent)."""
    from community_node.matching.adapters import capacity_used, local_candidates
    from community_node.participants.models import CapacityPeriod, Connector

    now = dt.datetime.now(dt.UTC)
    spoken = [
        [],
        [ConnectorLanguage(language="fra", level=LanguageLevel.C1)],
        [
            ConnectorLanguage(language="ara", level=LanguageLevel.NATIVE),
            ConnectorLanguage(language="eng", level=LanguageLevel.B2),
        ],
    ]
    connectors = [
        ConnectorFactory(
            languages=spoken[n % 3],
            capacity=1 + n % 3,
            capacity_period=list(CapacityPeriod)[n % 2],
            years_in_field=None if n % 4 == 0 else n,
            remote_ok=n % 2 == 0,
            cross_city_ok=n % 3 == 0,
            skills=["auditing", "Python"] if n % 2 else [],
            availability=["weekends"] if n % 3 else [],
        )
        for n in range(12)
    ]
    ConnectorFactory(available=False)
    ConsentFactory(
        connector_id=connectors[4].id,
        purpose=ConsentPurpose.LOCAL_PROCESSING,
        withdrawn_at=now,
    )
    for connector in connectors[:5]:
        MatchFactory(connector=connector, status=MatchStatus.PROPOSED)
    db.session.commit()

    got = {c.id: c for c in local_candidates("halifax", now)}
    assert sorted(got) == sorted(c.id for c in connectors)
    used = capacity_used(now)
    for connector in db.session.scalars(select(Connector).where(Connector.id.in_(list(got)))):
        candidate = got[connector.id]
        assert candidate.languages == {x.language: x.level.value for x in connector.languages}
        assert list(candidate.languages) == sorted(candidate.languages)
        taken = used.get((connector.id, connector.capacity_period), 0)
        assert candidate.capacity_left == max(0, connector.capacity - taken)
        assert candidate.years == (
            None if connector.years_in_field is None else float(connector.years_in_field)
        )
        assert candidate.availability == frozenset(connector.availability)
        assert (candidate.remote_ok, candidate.cross_city_ok, candidate.community) == (
            connector.remote_ok,
            connector.cross_city_ok,
            "halifax",
        )
        assert candidate.consented is (connector.id != connectors[4].id)
    assert any(c.capacity_left < c.capacity for c in got.values())
    assert any(c.skills for c in got.values())
