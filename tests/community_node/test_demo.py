"""The demo community: deterministic, consistent with the lifecycle rules, loaded once."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from community_node.auth.models import ApiToken, Role, StaffUser
from community_node.auth.services import authenticate
from community_node.demo import DEMO_PASSWORD, load_demo
from community_node.demo.__main__ import main as demo_cli
from community_node.demo.catalog import FIELDS, MENTOR_TITLES, ORIGINS, SURVIVAL_JOBS
from community_node.demo.generator import (
    PERIOD_DAYS,
    SCENARIO_CONNECTORS,
    SCENARIO_OCCUPATION,
    SCENARIO_SEEKER,
    Plan,
    generate,
)
from community_node.eligibility.models import Outcome
from community_node.eligibility.rules import load_rules
from community_node.eligibility.services import STATUS_FOR, evaluate_connectee
from community_node.extensions import db
from community_node.matches.lifecycle import NOT_COUNTED_FOR_CAPACITY, TRANSITIONS
from community_node.matches.models import Match, MatchStatus, MatchTransition, Referral
from community_node.outcomes.models import FollowUpOutcome
from community_node.participants.models import (
    Connectee,
    Connector,
    Consent,
    ConsentPurpose,
    ProfileStatus,
)
from shared.privacy import ConnectorFacts, generalize
from shared.taxonomy import default_taxonomy

TODAY = dt.date(2026, 6, 30)
MET_OR_LATER = {
    MatchStatus.MET,
    MatchStatus.REFERRALS_PENDING,
    MatchStatus.REFERRED,
    MatchStatus.CLOSED,
}


def _plan(connectees: int = 30, connectors: int = 20, seed: int = 11) -> Plan:
    return generate(
        connectees=connectees, connectors=connectors, seed=seed, today=TODAY, staff_ids=[1, 2]
    )


@pytest.fixture(scope="module")
def crowded() -> Plan:
    """More connectees than connectors can take, so capacity limits really bind."""
    return _plan(connectees=300, connectors=40, seed=3)


def test_catalog_uses_only_real_soc_codes_and_languages() -> None:
    taxonomy = default_taxonomy()
    codes = {f.code for f in FIELDS} | set(MENTOR_TITLES) | set(SURVIVAL_JOBS)
    codes |= {m for f in FIELDS for m in f.mentors}
    assert sorted(c for c in codes if c not in taxonomy) == []
    assert len(FIELDS) >= 30
    assert all(len(o.country) == 2 and o.native for o in ORIGINS)


def test_generation_is_deterministic_for_a_seed() -> None:
    first, again, other = _plan(seed=11), _plan(seed=11), _plan(seed=12)
    assert first == again
    assert first.connectees != other.connectees
    assert len(first.connectees) == 30 and len(first.connectors) == 20


def test_people_are_plausible() -> None:
    plan = _plan(connectees=200, connectors=100, seed=4)
    taxonomy = default_taxonomy()
    emails = [p["email"] for p in plan.connectees + plan.connectors]
    assert len(emails) == len(set(emails))
    assert all(e.isascii() and e.split("@")[1].startswith("example.") for e in emails)
    for person in plan.connectees:
        assert person["target_occupation"] in taxonomy
        assert person["current_occupation"] is None or person["current_occupation"] in taxonomy
        assert TODAY - dt.timedelta(days=548) <= person["intake_date"] <= TODAY
    assert all(c["occupation"] in taxonomy for c in plan.connectors)
    # Several countries, statuses and intake quarters, so lists and reports have variety.
    assert len({p["country_of_origin"] for p in plan.connectees}) >= 8
    assert len({p["status"] for p in plan.connectees}) >= 5
    quarters = {(p["intake_date"].year, (p["intake_date"].month - 1) // 3) for p in plan.connectees}
    assert len(quarters) >= 5
    for langs in plan.connectee_languages:
        assert "eng" in dict(langs) and len(langs) == len(dict(langs))
    purposes = Counter(
        (("connectee" if "connectee_index" in c else "connector"), c["purpose"])
        for c in plan.consents
    )
    assert purposes["connectee", ConsentPurpose.LOCAL_PROCESSING] == 200
    assert purposes["connector", ConsentPurpose.LOCAL_PROCESSING] == 100
    assert 0.25 < purposes["connectee", ConsentPurpose.CROSS_CITY_INTRODUCTIONS] / 200 < 0.55
    assert 0.45 < purposes["connector", ConsentPurpose.DIRECTORY_LISTING] / 100 < 0.75


def test_statuses_follow_the_eligibility_decisions() -> None:
    plan = _plan(connectees=200, connectors=100, seed=4)
    decisions: dict[tuple[str, int], dict[str, Any]] = {}
    for d in plan.decisions:
        kind = "connectee" if "connectee_index" in d else "connector"
        decisions[kind, d[f"{kind}_index"]] = d
    assert {d["ruleset_version"] for d in plan.decisions} == {load_rules(None).version}
    for kind, people in (("connectee", plan.connectees), ("connector", plan.connectors)):
        for index, person in enumerate(people):
            decision = decisions.get((kind, index))
            status = person["status"]
            if status in (ProfileStatus.SUBMITTED, ProfileStatus.DRAFT):
                assert decision is None
                continue
            assert decision is not None and decision["criteria"]
            assert all(c["reason"] for c in decision["criteria"])
            if status is ProfileStatus.DEACTIVATED:
                assert decision["outcome"] is Outcome.ELIGIBLE
            else:
                assert STATUS_FOR[decision["outcome"]] is status
    statuses = Counter(p["status"] for p in plan.connectees)
    assert statuses[ProfileStatus.REJECTED] and statuses[ProfileStatus.WAITLISTED]
    assert statuses[ProfileStatus.APPROVED] > len(plan.connectees) / 3


def test_matches_follow_the_lifecycle(crowded: Plan) -> None:
    assert crowded.matches
    transitions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in crowded.transitions:
        transitions[t["match_index"]].append(t)
    statuses = Counter(m["status"] for m in crowded.matches)
    assert len(statuses) >= 6
    for index, match in enumerate(crowded.matches):
        steps = transitions[index]
        assert steps[0]["from_status"] is None and steps[0]["to_status"] is MatchStatus.PROPOSED
        for before, after in zip(steps, steps[1:], strict=False):
            assert after["from_status"] is before["to_status"]
            assert after["to_status"] in TRANSITIONS[before["to_status"]]
            assert after["at"] >= before["at"]
        assert steps[-1]["to_status"] is match["status"]
        assert match["status_changed_at"] == steps[-1]["at"]
        assert steps[-1]["at"].date() <= TODAY
        if match["status"] in MET_OR_LATER:
            assert match["first_met_on"] is not None
        if match["first_met_on"] is None:
            assert match["status"] not in MET_OR_LATER
        assert crowded.connectors[match["connector_index"]]["status"].value == "approved"
    tier1: Counter[int] = Counter(r["match_index"] for r in crowded.referrals if r["tier"] == 1)
    for index, match in enumerate(crowded.matches):
        if match["status"] in (MatchStatus.REFERRED, MatchStatus.CLOSED):
            assert tier1[index] >= 3
        if match["first_met_on"] is None:
            assert tier1[index] == 0


def test_connector_capacity_is_respected_in_every_period(crowded: Plan) -> None:
    counted: dict[int, list[dt.date]] = defaultdict(list)
    for match in crowded.matches:
        if match["status"] not in NOT_COUNTED_FOR_CAPACITY:
            counted[match["connector_index"]].append(match["proposed_at"].date())
    assert max(len(days) for days in counted.values()) >= 2
    for connector, days in counted.items():
        row = crowded.connectors[connector]
        span = dt.timedelta(days=PERIOD_DAYS[row["capacity_period"]])
        for start in days:
            in_window = sum(1 for d in days if start <= d < start + span)
            assert in_window <= row["capacity"], (connector, sorted(days))


def test_follow_ups_come_after_a_first_meeting(crowded: Plan) -> None:
    assert crowded.outcomes
    keys = [(o["connectee_index"], o["milestone_months"]) for o in crowded.outcomes]
    assert len(keys) == len(set(keys))
    for outcome in crowded.outcomes:
        match = crowded.matches[outcome["match_index"]]
        assert match["connectee_index"] == outcome["connectee_index"]
        met = match["first_met_on"]
        assert met is not None
        assert outcome["recorded_on"] >= met + dt.timedelta(days=28 * outcome["milestone_months"])
        assert outcome["recorded_on"] <= TODAY


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_load_inserts_the_plan_once_and_prints_a_working_token(app: Flask) -> None:
    result = load_demo(connectees=30, connectors=20, seed=11, today=TODAY)
    assert result.created and result.token
    expected = _plan(seed=11).counts()
    assert result.counts == expected
    assert _count(Connectee) == 30 and _count(Connector) == 20
    assert _count(Consent) == expected["consents"]
    assert _count(Match) == expected["matches"]
    assert _count(MatchTransition) == expected["match_transitions"]
    assert _count(Referral) == expected["referrals"]
    assert _count(FollowUpOutcome) == expected["follow_up_outcomes"]
    roles = {u.email: u.role for u in db.session.scalars(select(StaffUser))}
    assert roles == {"demo@example.org": Role.ADMIN, "coordinator@example.org": Role.COORDINATOR}
    admin = authenticate("demo@example.org", DEMO_PASSWORD)
    assert admin is not None and admin.role is Role.ADMIN
    assert authenticate("demo@example.org", "wrong password") is None

    client = app.test_client()
    headers = {"Authorization": f"Bearer {result.token}"}
    response = client.get("/api/v1/connectees?sort=-intake_date&per_page=5", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 30 and len(body["items"]) == 5
    dates = [item["intake_date"] for item in body["items"]]
    assert dates == sorted(dates, reverse=True)
    bad_token = {"Authorization": "Bearer nope"}
    assert client.get("/api/v1/connectees", headers=bad_token).status_code == 401
    assert client.get("/api/v1/connectees").status_code == 401

    again = load_demo(connectees=30, connectors=20, seed=11, today=TODAY)
    assert not again.created and again.token is None and again.counts == {}
    assert _count(Connectee) == 30 and _count(Match) == expected["matches"]
    assert _count(StaffUser) == 2 and _count(ApiToken) == 1


def test_loaded_rows_keep_their_links(app: Flask) -> None:
    load_demo(connectees=60, connectors=30, seed=2, today=TODAY)
    for match in db.session.scalars(select(Match)):
        assert match.transitions[-1].to_status is match.status
        if match.status in MET_OR_LATER:
            assert match.first_met_on is not None
            assert any(m.held for m in match.meetings)
    # The eligibility service, run again today, agrees with the stored decisions.
    approved = db.session.scalars(
        select(Connectee.id).where(Connectee.status == ProfileStatus.APPROVED).limit(5)
    ).all()
    assert approved
    for connectee_id in approved:
        assert evaluate_connectee(connectee_id, actor="test").outcome is Outcome.ELIGIBLE
    emails = db.session.scalars(select(Connectee.email)).all()
    assert len(emails) == len(set(emails)) == 60
    person = db.session.scalars(select(Connectee).order_by(Connectee.id)).first()
    assert person is not None and person.languages and person.english_level is not None
    assert person.first_name.casefold() in person.search_text


def test_cli_load_upgrades_a_fresh_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite")
    runner = CliRunner()
    args = ["load", "--connectees", "12", "--connectors", "8", "--seed", "1"]
    first = runner.invoke(demo_cli, args)
    assert first.exit_code == 0, first.output
    assert "Loaded the demo community: 12 connectees, 8 connectors" in first.output
    assert "API token for demo@example.org (shown once): cnn_" in first.output
    second = runner.invoke(demo_cli, args)
    assert second.exit_code == 0, second.output
    assert "already present; nothing added" in second.output
    assert "cnn_" not in second.output
    bad = runner.invoke(demo_cli, ["load", "--connectees", "-1"])
    assert bad.exit_code == 2


# Scenario records for the cross-city walk-through ---------------------------------------


def test_connectors_scenario_adds_listable_civil_engineers_after_the_random_rows() -> None:
    base = _plan(seed=5)
    plan = generate(
        connectees=30,
        connectors=20,
        seed=5,
        today=TODAY,
        staff_ids=[1, 2],
        scenarios=["connectors"],
    )
    # The random community is untouched: the scenario rows come after it.
    assert plan.connectors[:20] == base.connectors
    assert plan.connectees == base.connectees and plan.matches == base.matches
    added = plan.connectors[20:]
    assert len(added) == SCENARIO_CONNECTORS
    for row in added:
        assert row["occupation"] == SCENARIO_OCCUPATION
        assert row["status"] is ProfileStatus.APPROVED and row["available"]
        assert row["cross_city_ok"] and row["remote_ok"]
    purposes = defaultdict(set)
    for consent in plan.consents:
        if consent.get("connector_index") is not None and consent["connector_index"] >= 20:
            purposes[consent["connector_index"]].add(consent["purpose"])
    assert (
        all(
            {ConsentPurpose.DIRECTORY_LISTING, ConsentPurpose.CROSS_CITY_INTRODUCTIONS} <= p
            for p in purposes.values()
        )
        and len(purposes) == SCENARIO_CONNECTORS
    )
    facts = [
        ConnectorFacts(
            local_id=i,
            occupation=row["occupation"],
            years_in_field=row["years_in_field"],
            languages=(("eng", "native"),),
            availability=tuple(row["availability"]),
            remote_ok=True,
            cross_city_ok=True,
            accepting=True,
        )
        for i, row in enumerate(added)
    ]
    # Alone they still fill a cell of 5+, so the hub lists the detailed occupation.
    published = generalize(facts)
    assert {(g.occupation, g.occupation_level) for g in published.values()} == {
        (SCENARIO_OCCUPATION, "detailed")
    }


def test_seeker_scenario_leaves_no_local_connector_in_the_major_group() -> None:
    plan = generate(
        connectees=40, connectors=60, seed=9, today=TODAY, staff_ids=[1, 2], scenarios=["seeker"]
    )
    major = SCENARIO_OCCUPATION[:2]
    assert not [c for c in plan.connectors if c["occupation"].startswith(major)]
    seeker = plan.connectees[-1]
    assert (seeker["first_name"], seeker["last_name"]) == SCENARIO_SEEKER
    assert seeker["status"] is ProfileStatus.APPROVED
    assert seeker["target_occupation"] == SCENARIO_OCCUPATION
    index = len(plan.connectees) - 1
    assert not [m for m in plan.matches if m["connectee_index"] == index]
    assert {c["purpose"] for c in plan.consents if c.get("connectee_index") == index} == {
        ConsentPurpose.LOCAL_PROCESSING,
        ConsentPurpose.CROSS_CITY_INTRODUCTIONS,
    }
    with pytest.raises(ValueError, match="unknown scenario"):
        generate(connectees=1, connectors=1, seed=1, today=TODAY, staff_ids=[1], scenarios=["x"])


def test_loaded_seeker_gets_local_suggestions_and_asks_for_cross_city_ones(app: Flask) -> None:
    result = load_demo(connectees=40, connectors=60, seed=9, today=TODAY, scenarios=["seeker"])
    seeker = db.session.scalars(
        select(Connectee).where(Connectee.last_name == SCENARIO_SEEKER[1])
    ).one()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {result.token}"}
    response = client.get(f"/api/v1/matching/suggestions/{seeker.id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["local"], "local suggestions still come"
    assert all(s["contributions"].get("occupation", 0) <= 0 for s in body["local"])
    # It would search the hub: here no hub is connected, which the answer says.
    assert body["cross_city_status"] == "no_hub"


def test_cli_load_takes_scenarios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite")
    runner = CliRunner()
    args = ["load", "--connectees", "12", "--connectors", "8", "--seed", "1"]
    done = runner.invoke(demo_cli, [*args, "--scenario", "connectors", "--scenario", "seeker"])
    assert done.exit_code == 0, done.output
    assert f"13 connectees, {8 + SCENARIO_CONNECTORS} connectors" in done.output
    bad = runner.invoke(demo_cli, [*args, "--scenario", "nonsense"])
    assert bad.exit_code == 2 and "nonsense" in bad.output
