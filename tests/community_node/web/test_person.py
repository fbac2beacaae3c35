"""A person's page: consents, eligibility, archive and erase, through the API's services."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.eligibility.models import EligibilityDecision
from community_node.extensions import db
from community_node.participants import services as participants
from community_node.participants.models import (
    Connectee,
    Connector,
    Consent,
    ConsentPurpose,
    ProfileStatus,
)
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory, ConsentFactory


def actions(person: Connectee | Connector) -> list[str]:
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# Consents ---------------------------------------------------------------------------------


def test_a_coordinator_records_a_consent_given_on_paper(staff_client: FlaskClient) -> None:
    amira = ConnecteeFactory()
    response = staff_client.post(
        f"/connectees/{amira.id}/consents",
        data={
            "consent-purpose": "directory_listing",
            "consent-policy_version": "2026-01",
            "consent-method": "paper",
            "consent-granted_on": "2026-11-30",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/connectees/{amira.id}"
    consent = db.session.scalars(select(Consent).where(Consent.connectee_id == amira.id)).one()
    assert consent.purpose is ConsentPurpose.DIRECTORY_LISTING
    assert (consent.method, consent.policy_version) == ("paper", "2026-01")
    assert consent.granted_at.date() == dt.date(2026, 11, 30)
    page = staff_client.get(f"/connectees/{amira.id}").text
    assert "Recorded consent: list them, nameless, in the network directory." in page
    assert "<td>Paper</td>" in page and "in force" in page


def test_a_consent_form_the_api_would_refuse_is_shown_again_field_by_field(
    staff_client: FlaskClient,
) -> None:
    amira = ConnecteeFactory()
    response = staff_client.post(
        f"/connectees/{amira.id}/consents",
        data={
            "consent-purpose": "directory_listing",
            "consent-policy_version": "v" * 41,
            "consent-method": "carrier pigeon",
        },
    )
    assert response.status_code == 422
    assert "Must be one of: form, verbal, paper, email." in response.text  # the method
    assert "Length must be between 1 and 40." in response.text  # the schema's policy version
    assert 'value="' + "v" * 41 + '"' in response.text  # what was typed is kept
    assert db.session.scalars(select(Consent)).all() == []


def test_withdrawing_a_consent_stamps_it_and_keeps_the_note(staff_client: FlaskClient) -> None:
    amira = ConnecteeFactory()
    consent = ConsentFactory(connectee_id=amira.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    url = f"/connectees/{amira.id}/consents/{consent.id}/withdraw"
    response = staff_client.post(url, data={"withdraw-note": "Told me by phone."})
    assert response.status_code == 303
    db.session.refresh(consent)
    assert consent.withdrawn_at is not None and consent.withdrawal_note == "Told me by phone."
    page = staff_client.get(f"/connectees/{amira.id}").text
    assert "withdrawn" in page and "Told me by phone." in page
    # A second withdrawal is the service's conflict, said on the page.
    again = staff_client.post(url, data={"withdraw-note": ""})
    assert again.status_code == 409
    assert "This consent is already withdrawn." in again.text


def test_a_consent_of_someone_else_cannot_be_withdrawn_from_this_page(
    staff_client: FlaskClient,
) -> None:
    amira, other = ConnecteeFactory.create_batch(2)
    consent = ConsentFactory(connectee_id=other.id)
    response = staff_client.post(f"/connectees/{amira.id}/consents/{consent.id}/withdraw")
    assert response.status_code == 404
    db.session.refresh(consent)
    assert consent.withdrawn_at is None


# Eligibility ------------------------------------------------------------------------------


def test_checking_against_the_rules_shows_a_reason_per_criterion(
    staff_client: FlaskClient,
) -> None:
    amira = ConnecteeFactory()
    response = staff_client.post(f"/connectees/{amira.id}/eligibility/evaluate")
    assert response.status_code == 303
    decision = db.session.scalars(select(EligibilityDecision)).one()
    page = staff_client.get(f"/connectees/{amira.id}").text
    assert 'id="criteria"' in page
    for criterion in decision.criteria:
        assert criterion["reason"] in page
    assert amira.status is not ProfileStatus.SUBMITTED


def test_an_override_needs_a_reason_and_then_moves_the_status(staff_client: FlaskClient) -> None:
    amira = ConnecteeFactory()
    url = f"/connectees/{amira.id}/eligibility/override"
    refused = staff_client.post(url, data={"override-outcome": "eligible", "override-reason": " "})
    assert refused.status_code == 422
    assert "Must not be blank." in refused.text
    assert db.session.scalars(select(EligibilityDecision)).all() == []

    reason = "Licence recognised by the provincial college last week."
    done = staff_client.post(url, data={"override-outcome": "eligible", "override-reason": reason})
    assert done.status_code == 303
    db.session.refresh(amira)
    assert amira.status is ProfileStatus.APPROVED
    page = staff_client.get(f"/connectees/{amira.id}").text
    assert reason in page and "decided by staff" in page
    assert "eligibility.override" in actions(amira)


def test_an_archived_person_gets_no_eligibility_decision(staff_client: FlaskClient) -> None:
    amira = ConnecteeFactory(status=ProfileStatus.DEACTIVATED)
    response = staff_client.post(f"/connectees/{amira.id}/eligibility/evaluate")
    assert response.status_code == 409
    assert "A deactivated connectee cannot get an eligibility decision." in response.text


# Archive, restore, erase ------------------------------------------------------------------


def test_archive_and_restore(staff_client: FlaskClient) -> None:
    sam = ConnectorFactory(status=ProfileStatus.APPROVED)
    assert staff_client.post(f"/connectors/{sam.id}/archive").status_code == 303
    db.session.refresh(sam)
    assert sam.status is ProfileStatus.DEACTIVATED
    page = staff_client.get(f"/connectors/{sam.id}").text
    assert ">archived<" in page and "Restore" in page
    assert staff_client.post(f"/connectors/{sam.id}/restore").status_code == 303
    db.session.refresh(sam)
    assert sam.status is ProfileStatus.SUBMITTED
    assert actions(sam).count("connector.update") == 2


def test_erase_asks_for_the_name_and_then_erases_everywhere(staff_client: FlaskClient) -> None:
    amira = ConnecteeFactory(first_name="Amira", last_name="Haddad", phone="+1 902 555 0100")
    ConsentFactory(connectee_id=amira.id)
    confirm = staff_client.get(f"/connectees/{amira.id}/erase")
    assert confirm.status_code == 200
    assert "It cannot be undone." in confirm.text
    # A GET changes nothing (a link scanner, a prefetch).
    db.session.refresh(amira)
    assert not participants.is_erased(amira)

    wrong = staff_client.post(f"/connectees/{amira.id}/erase", data={"confirm_name": "Amira"})
    assert wrong.status_code == 422
    assert "Type the full name exactly as shown above." in wrong.text
    db.session.refresh(amira)
    assert amira.phone == "+1 902 555 0100"

    done = staff_client.post(
        f"/connectees/{amira.id}/erase", data={"confirm_name": "  amira   HADDAD "}
    )
    assert done.status_code == 303 and done.headers["Location"] == "/connectees"
    db.session.refresh(amira)
    assert participants.is_erased(amira) and amira.phone is None
    consents = db.session.scalars(select(Consent).where(Consent.connectee_id == amira.id))
    assert all(not c.active for c in consents)
    page = staff_client.get(f"/connectees/{amira.id}").text
    assert ">erased<" in page
    assert "Haddad" not in page and "person-actions" not in page and "Erase personal" not in page
    # Asked again: nothing to do, said plainly.
    again = staff_client.get(f"/connectees/{amira.id}/erase", follow_redirects=True)
    assert "This record is already erased." in again.text
    assert staff_client.post(f"/connectees/{amira.id}/archive").status_code == 409


# Who may do what --------------------------------------------------------------------------


def test_a_viewer_sees_the_page_but_no_buttons_and_cannot_write(
    viewer_client: FlaskClient,
) -> None:
    amira = ConnecteeFactory()
    consent = ConsentFactory(connectee_id=amira.id)
    page = viewer_client.get(f"/connectees/{amira.id}").text
    for button in ("Record consent", "Withdraw", "Check against the rules", "Archive", "Erase"):
        assert button not in page, button
    base = f"/connectees/{amira.id}"
    for url in (
        f"{base}/consents",
        f"{base}/consents/{consent.id}/withdraw",
        f"{base}/eligibility/evaluate",
        f"{base}/eligibility/override",
        f"{base}/archive",
        f"{base}/restore",
        f"{base}/erase",
    ):
        assert viewer_client.post(url).status_code == 403, url
    db.session.refresh(amira)
    assert amira.status is ProfileStatus.SUBMITTED and consent.withdrawn_at is None


def test_unknown_people_are_404_not_500(staff_client: FlaskClient) -> None:
    for url in (
        "/connectees/999/consents",
        "/connectors/999/eligibility/evaluate",
        "/connectees/999/archive",
        "/connectees/99999999999/erase",
    ):
        assert staff_client.post(url).status_code == 404, url
