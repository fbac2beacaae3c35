"""The public sign-up forms: what a sign-up stores, what it refuses, and what it never tells."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from community_node.audit.models import AuditEvent
from community_node.database import Base, utcnow
from community_node.eligibility.models import EligibilityDecision
from community_node.extensions import db
from community_node.participants import services as participants
from community_node.participants.models import (
    Connectee,
    Connector,
    Consent,
    ConsentPurpose,
    LanguageLevel,
    ProfileStatus,
    ReferralSource,
    WorkAuthorization,
    skill_ids_for,
)
from community_node.signup.services import ACTOR
from community_node.sync import connection as hub_connection
from community_node.sync import outbox
from community_node.sync.models import OutboxItem, OutboxKind
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory, ConsentFactory
from tests.community_node.sync.fakehub import FakeHub

CONNECTEE: dict[str, Any] = {
    "first_name": "Amira",
    "last_name": "Haddad",
    "email": "Amira.Haddad@Example.org",
    "phone": "+1 902 555 0100",
    "country_of_origin": "SY",
    "referral_source": "resettlement_agency",
    "status_category": "refugee",
    "work_authorization": "refugee_status",
    "work_authorization_expires": "2031-06-30",
    "intends_to_stay": "yes",
    "education_level": "bachelor",
    "education_field": "Nursing",
    "education_country": "SY",
    "current_occupation": "29-1141 Registered Nurses",  # a picker option
    "target_occupation": "registered nurses",  # a title typed out
    "years_experience": "8",
    "language_1": "ara",
    "level_1": "native",
    "language_2": "",
    "level_2": "",
    "language_3": "eng",
    "level_3": "B2",
    "skills": "Patient care, triage\nwound care",
    "availability": ["weekday_mornings", "weekends"],
    "consent_local_processing": "yes",
    "consent_cross_city_introductions": "yes",
    "website": "",
}
CONNECTOR: dict[str, Any] = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@example.org",
    "phone": "",
    "employer": "Harbour Health",
    "job_title": "Charge Nurse",
    "occupation": "29-1141",
    "years_in_field": "12",
    "years_local": "8",
    "language_1": "eng",
    "level_1": "native",
    "skills": "patient care",
    "availability": ["weekday_mornings", "weekends"],
    "capacity": "3",
    "capacity_period": "month",
    "remote_ok": "yes",
    "consent_local_processing": "yes",
    "consent_directory_listing": "yes",
}
#: Values of the forms above that must never reach the audit log.
PERSONAL = ("amira", "haddad", "902 555", "grace", "hopper", "harbour")


def post(client: FlaskClient, kind: str, form: dict[str, Any], **changes: Any) -> Any:
    return client.post(f"/join/{kind}", data={**form, **changes})


def count(model: type[Base]) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def stored_nothing() -> bool:
    return all(count(m) == 0 for m in (Connectee, Connector, Consent, AuditEvent, OutboxItem))


def field_error(html: str, name: str) -> str:
    """Return the message shown beside an input, checking that the input points at it."""
    match = re.search(rf'<small id="f-{name}-error" class="field-error">([^<]*)</small>', html)
    assert match, f"no message beside {name}"
    control = re.search(rf'id="f-{name}"[^>]*>', html)
    assert control is not None
    assert 'aria-invalid="true"' in control.group(0)
    assert f"f-{name}-error" in control.group(0)  # aria-describedby names the message
    return match.group(1)


# Pages --------------------------------------------------------------------------------


def test_the_join_page_explains_the_program_and_links_both_forms(client: FlaskClient) -> None:
    page = client.get("/join")
    assert page.status_code == 200
    assert "Testville Connector Program" in page.text
    assert 'href="/join/connectee"' in page.text and 'href="/join/connector"' in page.text


@pytest.mark.parametrize("kind", ["connectee", "connector"])
def test_each_form_has_labelled_inputs_a_token_and_a_hidden_honeypot(
    client: FlaskClient, kind: str
) -> None:
    page = client.get(f"/join/{kind}")
    assert page.status_code == 200
    html = page.text
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html))
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert ids and ids <= labelled, ids - labelled
    assert 'name="csrf_token"' in html
    assert '<div class="hp" aria-hidden="true">' in html
    assert '<option value="29-1141 Registered Nurses">' in html  # the occupation picker
    assert "<legend>Languages you speak" in html
    assert '<option value="SY">Syria</option>' in html or kind == "connector"


def test_the_thanks_page_says_what_happens_next_and_no_result(client: FlaskClient) -> None:
    page = client.get("/join/thanks")
    assert page.status_code == 200
    assert "What happens next" in page.text
    assert "eligib" not in page.text.casefold()


def test_staff_find_a_new_applicant_awaiting_review(client: FlaskClient, coordinator: Any) -> None:
    assert post(client, "connectee", CONNECTEE).status_code == 303
    client.post("/login", data={"email": coordinator.email, "password": "correct horse battery"})
    dashboard = client.get("/").text
    assert 'id="count-submitted">1<' in dashboard
    assert 'href="/join">Sign-up forms</a>' in dashboard
    link = re.search(r'href="(/connectees\?status=submitted)"', dashboard)  # "Awaiting …"
    assert link is not None
    assert "Amira Haddad" in client.get(link.group(1)).text


@pytest.mark.parametrize("app_config", [{"PUBLIC_SIGNUP": False}])
def test_switched_off_every_sign_up_page_is_missing(client: FlaskClient) -> None:
    for url in ("/join", "/join/connectee", "/join/connector", "/join/thanks"):
        assert client.get(url).status_code == 404, url
    assert post(client, "connectee", CONNECTEE).status_code == 404
    assert stored_nothing()


# A valid sign-up ----------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"CONSENT_POLICY_VERSION": "2027-02"}])
def test_a_newcomer_signs_up(client: FlaskClient) -> None:
    response = post(client, "connectee", CONNECTEE)
    assert response.status_code == 303
    assert response.headers["Location"] == "/join/thanks"

    [person] = db.session.scalars(select(Connectee)).all()
    assert person.full_name == "Amira Haddad"
    assert person.email == "amira.haddad@example.org"
    assert person.status is ProfileStatus.SUBMITTED
    assert person.intake_date == utcnow().date()
    assert person.referral_source is ReferralSource.RESETTLEMENT_AGENCY
    assert person.work_authorization is WorkAuthorization.REFUGEE_STATUS
    assert person.work_authorization_expires is not None
    assert person.intends_to_stay is True
    assert (person.current_occupation, person.target_occupation) == ("29-1141", "29-1141")
    assert person.years_experience == 8
    assert person.country_of_origin == person.education_country == "SY"
    assert [(lang.language, lang.level) for lang in person.languages] == [
        ("ara", LanguageLevel.NATIVE),
        ("eng", LanguageLevel.B2),
    ]
    assert person.english_level is LanguageLevel.B2
    assert person.skills == ["Patient care", "triage", "wound care"]
    assert person.skill_ids and person.skill_ids == skill_ids_for(person.skills)
    assert person.availability == ["weekday_mornings", "weekends"]

    consents = db.session.scalars(select(Consent).order_by(Consent.purpose)).all()
    assert {c.purpose for c in consents} == {
        ConsentPurpose.LOCAL_PROCESSING,
        ConsentPurpose.CROSS_CITY_INTRODUCTIONS,
    }
    for consent in consents:
        assert consent.connectee_id == person.id and consent.connector_id is None
        assert (consent.method, consent.policy_version) == ("form", "2027-02")
        assert consent.recorded_by == ACTOR and consent.active

    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["connectee.create", "consent.grant", "consent.grant"]
    assert {e.actor for e in events} == {ACTOR}
    logged = json.dumps([e.details for e in events]).casefold()
    assert not any(value in logged for value in PERSONAL)

    # Staff evaluate eligibility after their review, not the form.
    assert count(EligibilityDecision) == 0


def test_a_professional_volunteers(client: FlaskClient) -> None:
    assert post(client, "connector", CONNECTOR).status_code == 303
    [person] = db.session.scalars(select(Connector)).all()
    assert (person.full_name, person.email) == ("Grace Hopper", CONNECTOR["email"])
    assert person.phone is None  # blank is missing, not ""
    assert person.status is ProfileStatus.SUBMITTED
    assert (person.employer, person.job_title, person.occupation) == (
        "Harbour Health",
        "Charge Nurse",
        "29-1141",
    )
    assert (person.years_in_field, person.years_local) == (12, 8)
    assert (person.capacity, person.capacity_period.value) == (3, "month")
    assert (person.remote_ok, person.cross_city_ok) == (True, False)
    assert person.skill_ids == skill_ids_for(["patient care"]) != []
    consents = db.session.scalars(select(Consent)).all()
    assert {c.purpose for c in consents} == {
        ConsentPurpose.LOCAL_PROCESSING,
        ConsentPurpose.DIRECTORY_LISTING,
    }
    assert all(c.connector_id == person.id and c.method == "form" for c in consents)
    assert all(c.policy_version == "2026-01" for c in consents)  # the default setting
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["connector.create", "consent.grant", "consent.grant"]


def test_a_volunteer_with_directory_consent_is_listed_once_staff_approve(
    app: Flask, client: FlaskClient
) -> None:
    """The sign-up's outbox notification runs in its transaction, but the directory lists
    approved connectors only: the profile is enqueued when staff approve, not before."""
    hub = FakeHub()
    hub_connection.connect(
        "https://hub.example.org", "cid", "secret", actor="test", client_factory=hub.factory()
    )
    for _ in range(4):  # with the volunteer, a cell of five nurses: published as is
        ConsentFactory(connector_id=ConnectorFactory().id, purpose=ConsentPurpose.DIRECTORY_LISTING)
    outbox.refresh_directory()
    db.session.commit()
    before = {i.key for i in db.session.scalars(select(OutboxItem))}

    assert post(client, "connector", CONNECTOR).status_code == 303
    volunteer = db.session.scalars(
        select(Connector).where(Connector.email == CONNECTOR["email"])
    ).one()
    ref = outbox.directory_ref(volunteer.id)
    assert ref not in {i.key for i in db.session.scalars(select(OutboxItem))}

    participants.update_person(
        participants.CONNECTORS, volunteer.id, {"status": ProfileStatus.APPROVED}, actor="staff:1"
    )
    profiles = db.session.scalars(select(OutboxItem).where(OutboxItem.kind == OutboxKind.PROFILE))
    assert ref in {i.key for i in profiles} - before


def test_the_outbox_is_told_in_the_sign_up_transaction(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def notified(subject: object) -> None:
        # Called before the commit: the person is flushed, nothing is committed yet.
        seen.append(type(subject).__name__)

    monkeypatch.setattr(participants, "connector_changed", notified)
    assert post(client, "connector", CONNECTOR).status_code == 303
    assert seen == ["Connector", "Consent", "Consent"]


# Refused input ------------------------------------------------------------------------


@pytest.mark.parametrize("kind,form", [("connectee", CONNECTEE), ("connector", CONNECTOR)])
def test_without_the_required_consent_nothing_is_stored(
    client: FlaskClient, kind: str, form: dict[str, Any]
) -> None:
    data = {k: v for k, v in form.items() if k != "consent_local_processing"}
    response = client.post(f"/join/{kind}", data=data)
    assert response.status_code == 422
    assert "agree that we keep and use it" in field_error(response.text, "consent_local_processing")
    assert 'id="error-summary" role="alert"' in response.text
    assert stored_nothing()


def test_a_refused_form_keeps_what_was_typed(client: FlaskClient) -> None:
    response = post(client, "connectee", CONNECTEE, email="not an email")
    assert response.status_code == 422
    html = response.text
    assert 'value="not an email"' in html
    assert 'name="first_name" type="text" value="Amira"' in html
    assert '<option value="SY" selected>Syria</option>' in html
    assert '<option value="B2" selected>' in html
    assert 'value="weekends" checked' in html
    assert ">Patient care, triage\nwound care</textarea>" in html
    assert 'name="consent_cross_city_introductions" type="checkbox" value="yes" checked' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "amira at example"}, "email", "Not a valid email address."),
        ({"first_name": "  "}, "first_name", "Please fill this in."),
        ({"target_occupation": "Dragon Tamer"}, "target_occupation", "Choose an occupation"),
        ({"target_occupation": "software developer"}, "target_occupation", "15-1252"),
        ({"current_occupation": "99-9999"}, "current_occupation", "Unknown SOC 2018"),
        ({"language_1": "eng", "level_1": "C1"}, "languages", "Give each language once: eng."),
        (
            {"language_1": "", "level_1": "", "language_3": "", "level_3": ""},
            "languages",
            "Add at least one language",
        ),
        ({"level_3": ""}, "level_3", "Choose how well you speak it."),
        ({"language_1": ""}, "language_1", "Choose the language."),
        ({"language_1": "english"}, "language_1", "ISO 639"),
        ({"years_experience": "eight"}, "years_experience", "Enter a whole number."),
        ({"years_experience": "99"}, "years_experience", "less than or equal to 70"),
        (
            {"work_authorization_expires": "30/06/2031"},
            "work_authorization_expires",
            "Enter a date",
        ),
        ({"availability": ["sundays"]}, "availability", "Must be one of"),
        ({"skills": "x" * 101}, "skills", "Length must be between 1 and 100."),
    ],
)
def test_bad_fields_are_named_beside_the_input(
    client: FlaskClient, changes: dict[str, Any], field: str, message: str
) -> None:
    response = post(client, "connectee", CONNECTEE, **changes)
    assert response.status_code == 422
    html = response.text
    if field in ("languages", "availability"):  # a group: the message follows its fieldset
        assert re.search(rf'<fieldset id="f-{field}"[^>]*aria-invalid="true"', html)
        shown = re.search(rf'id="f-{field}-error" class="field-error">([^<]*)<', html)
        assert shown is not None
        assert message in shown.group(1)
    else:
        assert message in field_error(html, field)
    assert stored_nothing()


def test_a_connector_offers_one_to_five_meetings(client: FlaskClient) -> None:
    response = post(client, "connector", CONNECTOR, capacity="9")
    assert response.status_code == 422
    assert field_error(response.text, "capacity") == "Choose from 1 to 5."


def test_a_nul_character_is_refused_not_stored(client: FlaskClient) -> None:
    response = post(client, "connectee", CONNECTEE, education_field="Nurs\x00ing")
    assert response.status_code == 422
    assert "NUL character" in response.text
    assert stored_nothing()


def test_fields_the_public_may_not_set_are_ignored(client: FlaskClient) -> None:
    response = post(client, "connectee", CONNECTEE, status="approved", job_ready="yes", notes="VIP")
    assert response.status_code == 303
    person = db.session.scalars(select(Connectee)).one()
    assert (person.status, person.job_ready, person.notes) == (ProfileStatus.SUBMITTED, False, None)


# What the forms never tell ------------------------------------------------------------


@pytest.mark.parametrize("kind,form", [("connectee", CONNECTEE), ("connector", CONNECTOR)])
def test_a_known_email_gets_the_same_answer_and_stores_nothing_new(
    client: FlaskClient, kind: str, form: dict[str, Any]
) -> None:
    factory = ConnecteeFactory if kind == "connectee" else ConnectorFactory
    known = factory(email=form["email"].lower(), first_name="Original")
    before = (count(Consent), count(OutboxItem))

    response = post(client, kind, form, first_name="Impostor")
    assert response.status_code == 303
    assert response.headers["Location"] == "/join/thanks"
    model = Connectee if kind == "connectee" else Connector
    assert db.session.scalars(select(model.first_name)).all() == ["Original"]
    assert (count(Consent), count(OutboxItem)) == before
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert (event.actor, event.action) == (ACTOR, f"{kind}.signup_repeated")
    assert (event.entity_id, event.details) == (known.id, {})


def test_a_filled_honeypot_is_thanked_and_forgotten(client: FlaskClient) -> None:
    for data in (CONNECTEE, {"email": "not even valid"}):
        response = post(client, "connectee", data, website="http://spam.example")
        assert response.status_code == 303
        assert response.headers["Location"] == "/join/thanks"
    assert stored_nothing()


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient) -> None:
    response = post(client, "connectee", CONNECTEE)
    assert response.status_code == 400
    assert stored_nothing()
    # The applicant gets the form back, with what they typed and a fresh token to resend.
    assert "please check them and send again" in response.text
    assert CONNECTEE["email"] in response.text
    assert 'name="csrf_token" value="' in response.text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_post_with_the_form_s_csrf_token_is_accepted(client: FlaskClient) -> None:
    page = client.get("/join/connectee").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    response = post(client, "connectee", CONNECTEE, csrf_token=match.group(1))
    assert response.status_code == 303
    assert count(Connectee) == 1


# One transaction ----------------------------------------------------------------------


def test_a_failure_midway_leaves_nothing_written(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: Any, *, actor: str) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(participants, "add_consent", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        post(client, "connectee", CONNECTEE)
    monkeypatch.undo()
    assert stored_nothing()
    # The session is usable again: the same sign-up now goes through whole.
    assert post(client, "connectee", CONNECTEE).status_code == 303
    assert (count(Connectee), count(Consent), count(AuditEvent)) == (1, 2, 3)


def test_a_sign_up_is_one_commit(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    commits: list[int] = []
    real = db.session.commit

    def counted() -> None:
        commits.append(1)
        real()

    monkeypatch.setattr(db.session, "commit", counted)
    assert post(client, "connectee", CONNECTEE).status_code == 303
    assert len(commits) == 1


# Limits ------------------------------------------------------------------------------------


def test_sign_up_posts_are_limited_per_address(client: FlaskClient) -> None:
    spam = {"website": "http://spam.example"}  # thanked and forgotten: a cheap post
    here, there = {"REMOTE_ADDR": "198.51.100.20"}, {"REMOTE_ADDR": "198.51.100.21"}

    def send(kind: str, address: dict[str, str]) -> Any:
        return client.post(f"/join/{kind}", data={**CONNECTEE, **spam}, environ_base=address)

    for kind in ["connectee", "connector"] * 5:  # one count for both forms
        assert send(kind, here).status_code == 303
    refused = send("connectee", here)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert "Too many requests. Try again in" in refused.text
    assert client.get("/join/connectee", environ_base=here).status_code == 200  # reading is free
    assert send("connectee", there).status_code == 303
