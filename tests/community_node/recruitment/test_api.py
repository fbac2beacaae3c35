"""Partners, recruiting needs and the demand they lift, referral sources, invitation links."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from community_node.extensions import db
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.sync.models import OutboxItem, OutboxKind
from tests.community_node.factories import ConnectorFactory, EventFactory, PartnerFactory
from tests.community_node.signup.test_views import CONNECTOR

PARTNERS = "/api/v1/partners"


def test_partners_with_contacts_are_created_listed_and_changed(api: Any) -> None:
    created = api.post(
        PARTNERS,
        json={
            "name": "Halifax Chamber of Commerce",
            "kind": "chamber_of_commerce",
            "website": "https://chamber.example.org",
            "contacts": [{"name": "Dana Lee", "role": "Talent lead", "email": "dana@example.org"}],
        },
    )
    assert created.status_code == 201, created.json
    partner = created.json
    assert partner["active"] is True
    assert partner["contacts"][0]["name"] == "Dana Lee"
    listed = api.get(PARTNERS, query_string={"kind": "chamber_of_commerce"}).json
    assert [p["name"] for p in listed["items"]] == ["Halifax Chamber of Commerce"]
    changed = api.patch(
        f"{PARTNERS}/{partner['id']}",
        json={"notes": "Quarterly breakfast.", "contacts": [{"name": "Sam Roy"}]},
    )
    assert changed.status_code == 200
    assert [c["name"] for c in changed.json["contacts"]] == ["Sam Roy"]
    assert changed.json["notes"] == "Quarterly breakfast."


def test_partner_input_is_refused_field_by_field(api: Any) -> None:
    PartnerFactory(name="Harbour College")
    duplicate = api.post(PARTNERS, json={"name": "harbour college", "kind": "university"})
    assert duplicate.status_code == 409
    bad = api.post(
        PARTNERS,
        json={"name": "", "kind": "bakery", "contacts": [{"name": "X", "email": "not-mail"}]},
    )
    assert bad.status_code == 422
    errors = bad.json["errors"]["json"]
    assert {"name", "kind", "contacts"} <= set(errors)


def test_a_recruiting_need_lifts_the_demand_signal_and_queues_it_for_the_hub(api: Any) -> None:
    employer = PartnerFactory(name="Atlantic Care Network")
    before = api.get("/api/v1/demand", query_string={"occupation": "29-1141"}).json
    assert (before["signal"], before["open_positions"]) == (0.5, 0)
    need = api.post(
        f"{PARTNERS}/{employer.id}/needs",
        json={
            "soc_code": "29-1141",
            "positions": 3,
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
        },
    )
    assert need.status_code == 201, need.json
    after = api.get("/api/v1/demand", query_string={"occupation": "29-1141"}).json
    assert after["open_positions"] == 3
    assert after["signal"] == 0.7  # 0.6 for one position, 0.05 for each further one
    queued = db.session.scalars(
        select(OutboxItem).where(OutboxItem.kind == OutboxKind.DEMAND)
    ).all()
    assert queued[-1].payload == {"signals": [{"major_group": "29", "signal": 0.7}]}
    removed = api.delete(f"{PARTNERS}/{employer.id}/needs/{need.json['id']}")
    assert removed.status_code == 204
    assert api.get("/api/v1/demand", query_string={"occupation": "29-1141"}).json["signal"] == 0.5


def test_only_employers_and_chambers_record_needs(api: Any) -> None:
    agency = PartnerFactory(kind="resettlement_agency")
    refused = api.post(
        f"{PARTNERS}/{agency.id}/needs",
        json={
            "soc_code": "29-1141",
            "positions": 1,
            "starts_on": "2026-01-01",
            "ends_on": "2026-01-31",
        },
    )
    assert refused.status_code == 409
    backwards = api.post(
        f"{PARTNERS}/{PartnerFactory().id}/needs",
        json={
            "soc_code": "29-1141",
            "positions": 1,
            "starts_on": "2026-02-01",
            "ends_on": "2026-01-31",
        },
    )
    assert backwards.status_code == 422
    assert set(backwards.json["errors"]["json"]) == {"ends_on"}
    none = api.post(
        f"{PARTNERS}/{PartnerFactory().id}/needs",
        json={
            "soc_code": "29-1141",
            "positions": 0,
            "starts_on": "2026-02-01",
            "ends_on": "2026-03-01",
        },
    )
    assert set(none.json["errors"]["json"]) == {"positions"}


def test_a_person_names_their_partner_or_event_and_the_source_follows(api: Any) -> None:
    partner, event = PartnerFactory(), EventFactory()
    body = {"first_name": "Lina", "last_name": "Saleh", "email": "lina@example.org"}
    made = api.post("/api/v1/connectees", json={**body, "referral_partner_id": partner.id})
    assert made.status_code == 201, made.json
    assert made.json["referral_source"] == "partner"
    moved = api.patch(
        f"/api/v1/connectees/{made.json['id']}",
        json={"referral_partner_id": None, "referral_event_id": event.id, "referral_source": None},
    )
    assert (moved.json["referral_source"], moved.json["referral_event_id"]) == ("event", event.id)
    missing = api.post(
        "/api/v1/connectors",
        json={**body, "email": "other@example.org", "referral_partner_id": 999},
    )
    assert missing.status_code == 422
    assert "referral_partner_id" in missing.json["errors"]


def test_an_invitation_link_attributes_the_sign_up_to_its_connector(
    api: Any, client: FlaskClient
) -> None:
    inviter = ConnectorFactory(first_name="Omar")
    link = api.get(f"/api/v1/invitations/{inviter.id}").json
    assert link["url"].startswith("http") and link["token"] in link["url"]
    page = client.get(f"/join/connector?invite={link['token']}")
    assert "You were invited by Omar." in page.get_data(as_text=True)
    posted = client.post("/join/connector", data={**CONNECTOR, "invite": link["token"]})
    assert posted.status_code == 303
    joined = db.session.scalar(select(Connector).where(Connector.email == "grace@example.org"))
    assert joined is not None
    assert (joined.invited_by_id, joined.referral_source) == (inviter.id, "connector_invitation")


def test_a_forged_or_foreign_invitation_attributes_nothing(
    api: Any, client: FlaskClient, app: Any
) -> None:
    inviter = ConnectorFactory()
    token = api.get(f"/api/v1/invitations/{inviter.id}").json["token"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    client.post("/join/connector", data={**CONNECTOR, "invite": forged})
    joined = db.session.scalar(select(Connector).where(Connector.email == "grace@example.org"))
    assert joined is not None and joined.invited_by_id is None
    # A link to the connectee form carries no invitation (connectors invite connectors).
    client.post("/join/connectee", data={"invite": token})
    assert (
        db.session.scalar(select(Connectee.id).where(Connectee.invited_by_id.is_not(None))) is None
    )
    # A connector no longer approved invites nobody.
    inviter.status = ProfileStatus.DEACTIVATED
    db.session.commit()
    page = client.get(f"/join/connector?invite={token}")
    assert "You were invited" not in page.get_data(as_text=True)
