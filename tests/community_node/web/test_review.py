"""The sign-up review queue: accept, decline with a reason, through the API's override."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.eligibility.models import EligibilityDecision, Outcome
from community_node.extensions import db
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.web import review
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory


def queued(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article data-id="(\d+)"', html)]


def decide(client: FlaskClient, kind: str, person_id: int, decision: str, reason: str = "") -> Any:
    prefix = f"{kind}-{person_id}"
    return client.post(
        f"/people/review/{kind}/{person_id}",
        data={f"{prefix}-decision": decision, f"{prefix}-reason": reason},
    )


def test_the_queue_lists_submitted_people_oldest_first(staff_client: FlaskClient) -> None:
    first, second = ConnecteeFactory.create_batch(2)
    ConnecteeFactory(status=ProfileStatus.APPROVED)
    volunteer = ConnectorFactory(status=ProfileStatus.SUBMITTED)
    html = staff_client.get("/people/review").text
    assert queued(html) == [first.id, second.id]
    assert 'id="count-review-connectees">2<' in html
    assert 'id="count-review-connectors">1<' in html
    assert "Registered Nurses" in html and "Syria" in html and "Arabic" in html
    assert queued(staff_client.get("/people/review?kind=connectors").text) == [volunteer.id]
    assert staff_client.get("/people/review?kind=staff").status_code == 404


def test_the_queue_is_paginated(staff_client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review, "PER_PAGE", 2)
    people = ConnecteeFactory.create_batch(3)
    html = staff_client.get("/people/review").text
    assert queued(html) == [p.id for p in people[:2]]
    assert 'rel="next"' in html
    html = staff_client.get("/people/review?page=2").text
    assert queued(html) == [people[2].id]
    assert 'rel="prev"' in html and 'rel="next"' not in html


def test_accept_approves_through_the_override(staff_client: FlaskClient) -> None:
    person = ConnecteeFactory()
    response = decide(staff_client, "connectees", person.id, "accept")
    assert response.status_code == 303
    assert response.headers["Location"] == "/people/review?kind=connectees&page=1"
    db.session.expire_all()
    assert db.session.get(Connectee, person.id).status is ProfileStatus.APPROVED  # type: ignore[union-attr]
    decision = db.session.scalars(select(EligibilityDecision)).one()
    assert decision.outcome is Outcome.ELIGIBLE and decision.is_override
    assert decision.override_reason == review.ACCEPTED
    assert decision.decided_by.startswith("staff:")
    assert f"Accepted {person.full_name}." in staff_client.get(response.headers["Location"]).text


def test_decline_needs_a_reason_beside_the_field(staff_client: FlaskClient) -> None:
    person = ConnectorFactory(status=ProfileStatus.SUBMITTED)
    response = decide(staff_client, "connectors", person.id, "decline", "   ")
    assert response.status_code == 422
    assert f'id="connectors-{person.id}-reason-error"' in response.text
    assert "Must not be blank." in response.text
    db.session.expire_all()
    assert db.session.get(Connector, person.id).status is ProfileStatus.SUBMITTED  # type: ignore[union-attr]
    assert db.session.scalars(select(EligibilityDecision)).first() is None


def test_decline_with_a_reason_rejects_and_keeps_it(staff_client: FlaskClient) -> None:
    person = ConnecteeFactory()
    response = decide(staff_client, "connectees", person.id, "decline", "Lives outside the region.")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Connectee, person.id).status is ProfileStatus.REJECTED  # type: ignore[union-attr]
    decision = db.session.scalars(select(EligibilityDecision)).one()
    assert (decision.outcome, decision.override_reason) == (
        Outcome.INELIGIBLE,
        "Lives outside the region.",
    )
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "eligibility.override" in actions


def test_an_unknown_decision_is_refused(staff_client: FlaskClient) -> None:
    person = ConnecteeFactory()
    assert decide(staff_client, "connectees", person.id, "maybe").status_code == 422
    assert decide(staff_client, "connectees", 999999, "accept").status_code == 404


def test_a_viewer_sees_no_buttons_and_cannot_decide(viewer_client: FlaskClient) -> None:
    person = ConnecteeFactory()
    html = viewer_client.get("/people/review").text
    assert queued(html) == [person.id]
    assert ">Accept</button>" not in html and ">Decline</button>" not in html
    assert decide(viewer_client, "connectees", person.id, "accept").status_code == 403
    db.session.expire_all()
    assert db.session.get(Connectee, person.id).status is ProfileStatus.SUBMITTED  # type: ignore[union-attr]


def test_a_decided_person_leaves_the_queue(staff_client: FlaskClient) -> None:
    person, other = ConnecteeFactory.create_batch(2)
    decide(staff_client, "connectees", person.id, "accept")
    assert queued(staff_client.get("/people/review").text) == [other.id]
