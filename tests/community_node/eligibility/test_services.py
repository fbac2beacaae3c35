"""Storing decisions, moving statuses, overrides and re-evaluation after a rules change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.eligibility import services
from community_node.eligibility.models import EligibilityDecision, Outcome
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.extensions import db
from community_node.participants.models import ProfileStatus, WorkAuthorization
from community_node.participants.services import CONNECTEES, CONNECTORS
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory

STRICT = """
version = "strict"
[connectee]
min_years_experience = 5
[connector]
min_years_in_field = 5
"""


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(STRICT)
    return path


@pytest.fixture
def app_config(rules_file: Path) -> dict[str, Any]:
    return {"ELIGIBILITY_RULES": str(rules_file)}


def decisions(**where: Any) -> list[EligibilityDecision]:
    stmt = select(EligibilityDecision).filter_by(**where).order_by(EligibilityDecision.id)
    return list(db.session.scalars(stmt))


def test_evaluating_stores_the_version_and_approves(app: Flask) -> None:
    person = ConnecteeFactory()
    decision = services.evaluate_connectee(person.id, actor="staff:1")
    assert decision.outcome is Outcome.ELIGIBLE
    assert decision.ruleset_version == services.active_rules().version
    assert decision.ruleset_version.startswith("strict+")
    assert decision.current and not decision.is_override
    assert decision.decided_by == "staff:1"
    assert {c["criterion"] for c in decision.criteria} >= {"work_authorization", "resume"}
    assert person.status is ProfileStatus.APPROVED


def test_a_new_decision_retires_the_previous_one(app: Flask) -> None:
    person = ConnecteeFactory()
    first = services.evaluate_connectee(person.id, actor="staff:1")
    person.intends_to_stay = False
    db.session.commit()
    second = services.evaluate_connectee(person.id, actor="staff:1")
    assert second.outcome is Outcome.INELIGIBLE
    assert person.status is ProfileStatus.REJECTED
    assert [d.current for d in decisions(connectee_id=person.id)] == [False, True]
    assert first.id != second.id


def test_f1_student_is_rejected_and_missing_data_waitlists(app: Flask) -> None:
    student = ConnecteeFactory(work_authorization=WorkAuthorization.F1_STUDENT)
    assert services.evaluate_connectee(student.id, actor="t").outcome is Outcome.INELIGIBLE
    assert student.status is ProfileStatus.REJECTED
    no_resume = ConnecteeFactory(resume_on_file=False)
    assert services.evaluate_connectee(no_resume.id, actor="t").outcome is Outcome.WAITLISTED
    assert no_resume.status is ProfileStatus.WAITLISTED


def test_connectors_are_judged_on_years_in_field(app: Flask) -> None:
    junior = ConnectorFactory(status=ProfileStatus.SUBMITTED, years_in_field=2)
    decision = services.evaluate_connector(junior.id, actor="t")
    assert (decision.outcome, decision.connector_id, decision.connectee_id) == (
        Outcome.INELIGIBLE,
        junior.id,
        None,
    )
    assert junior.status is ProfileStatus.REJECTED


@pytest.mark.parametrize("status", [ProfileStatus.DRAFT, ProfileStatus.DEACTIVATED])
def test_drafts_and_deactivated_people_cannot_be_decided(app: Flask, status: ProfileStatus) -> None:
    person = ConnecteeFactory(status=status)
    with pytest.raises(Conflict) as info:
        services.evaluate_connectee(person.id, actor="t")
    assert "submitted" in info.value.extra["allowed"]
    with pytest.raises(Conflict):
        services.override(CONNECTEES, person.id, Outcome.ELIGIBLE, "known to us", actor="t")
    assert decisions() == [] and person.status is status


def test_unknown_people_are_not_found(app: Flask) -> None:
    with pytest.raises(NotFound):
        services.evaluate_connector(999, actor="t")


def test_override_needs_a_reason_and_is_recorded(app: Flask) -> None:
    student = ConnecteeFactory(work_authorization=WorkAuthorization.F1_STUDENT)
    with pytest.raises(InvalidInput) as info:
        services.override(CONNECTEES, student.id, Outcome.ELIGIBLE, "   ", actor="staff:2")
    assert "reason" in info.value.extra["errors"]
    decision = services.override(
        CONNECTEES,
        student.id,
        Outcome.ELIGIBLE,
        " Graduating in May, OPT approved ",
        actor="staff:2",
    )
    assert decision.is_override and decision.outcome is Outcome.ELIGIBLE
    assert decision.override_reason == "Graduating in May, OPT approved"
    assert decision.ruleset_version == services.active_rules().version
    # The rules' own verdict stays visible next to the override.
    assert any(not c["passed"] for c in decision.criteria)
    assert student.status is ProfileStatus.APPROVED
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "eligibility.override")
    ).one()
    assert event.details["status_to"] == "approved"
    assert "OPT" not in str(event.details)


def test_reevaluation_follows_a_rules_change_once(app: Flask, rules_file: Path) -> None:
    junior = ConnecteeFactory(years_experience=2)  # fails the strict rules
    no_resume = ConnecteeFactory(resume_on_file=False)  # waitlisted under both
    overridden = ConnecteeFactory(years_experience=1, status=ProfileStatus.WAITLISTED)
    services.override(CONNECTEES, overridden.id, Outcome.WAITLISTED, "check refs", actor="t")
    draft = ConnecteeFactory(status=ProfileStatus.DRAFT)
    approved = ConnecteeFactory(status=ProfileStatus.APPROVED, years_experience=0)
    connector = ConnectorFactory(status=ProfileStatus.SUBMITTED, years_in_field=3)

    first = services.reevaluate_pending(actor="cli")
    assert (first.evaluated, first.changed) == (3, 3)
    assert junior.status is ProfileStatus.REJECTED
    assert no_resume.status is ProfileStatus.WAITLISTED
    assert connector.status is ProfileStatus.REJECTED
    assert overridden.status is ProfileStatus.WAITLISTED
    assert draft.status is ProfileStatus.DRAFT
    assert approved.status is ProfileStatus.APPROVED
    assert decisions(connectee_id=approved.id) == []

    again = services.reevaluate_pending(actor="cli")
    assert (again.evaluated, again.changed) == (0, 0)

    old_version = first.ruleset_version
    # Same version label, edited content: still a new rule set.
    rules_file.write_text(STRICT.replace("[connectee]\n", "[connectee]\nrequire_resume = false\n"))
    changed = services.reevaluate_pending(actor="cli")
    assert changed.ruleset_version != old_version
    # Only the waitlisted one is still pending; the override is staff's call and stays.
    assert (changed.evaluated, changed.changed) == (1, 1)
    assert no_resume.status is ProfileStatus.APPROVED
    assert [d.is_override for d in decisions(connectee_id=overridden.id)] == [True]
    assert services.reevaluate_pending(actor="cli").evaluated == 0
    summary = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "eligibility.reevaluate")
    ).all()
    assert [e.details["evaluated"] for e in summary] == [3, 0, 1, 0]


def test_a_broken_rules_file_stops_decisions(app: Flask, rules_file: Path) -> None:
    person = ConnecteeFactory()
    rules_file.write_text('version = "x"\n[connectee]\nmin_english = "B2"\n')
    with pytest.raises(services.RulesUnavailable, match="connectee.min_english: unknown key"):
        services.evaluate_connectee(person.id, actor="t")
    rules_file.unlink()
    with pytest.raises(services.RulesUnavailable, match="cannot read"):
        services.active_rules()
    assert decisions() == [] and person.status is ProfileStatus.SUBMITTED


def test_overrides_work_for_connectors_too(app: Flask) -> None:
    junior = ConnectorFactory(status=ProfileStatus.SUBMITTED, years_in_field=2)
    decision = services.override(
        CONNECTORS, junior.id, Outcome.ELIGIBLE, "ran the regional chamber", actor="t"
    )
    assert decision.connector_id == junior.id and junior.status is ProfileStatus.APPROVED
