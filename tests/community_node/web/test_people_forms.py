"""Adding and changing connectees and connectors from the staff pages, with the API's rules."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from community_node.audit.models import AuditEvent
from community_node.auth.models import StaffUser
from community_node.extensions import db
from community_node.participants.models import (
    CapacityPeriod,
    Connectee,
    Connector,
    LanguageLevel,
    ProfileStatus,
    WorkAuthorization,
)
from community_node.web.people_forms import ConnecteeForm, ConnectorForm
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory
from tests.community_node.web.conftest import PASSWORD

BAD_PHONE = "call me after six"
LONG_NOTE = "n" * 20_000


def connectee_form(**changes: Any) -> dict[str, Any]:
    """A complete new-connectee form as a browser posts it."""
    form: dict[str, Any] = {
        "first_name": "Amira",
        "last_name": "Haddad",
        "email": "amira@example.org",
        "phone": "+1 902 555 0100",
        "status": "approved",
        "country_of_origin": "SY",
        "referral_source": "resettlement_agency",
        "status_category": "refugee",
        "work_authorization": "refugee_status",
        "work_authorization_expires": "2028-06-30",
        "intends_to_stay": "yes",
        "education_level": "bachelor",
        "education_field": "Nursing",
        "education_country": "SY",
        "credential_recognition": "in_progress",
        "current_occupation": "29-1141 Registered Nurses",
        "target_occupation": "29-1141",
        "years_experience": "6",
        "english_evidence": "test",
        "resume_on_file": "yes",
        "intake_date": "2026-11-02",
        "job_ready": "yes",
        "language_1": "ara",
        "level_1": "native",
        "language_2": "eng",
        "level_2": "B2",
        "skills": "patient care\ntriage",
        "availability": ["weekday_mornings", "weekends"],
        "notes": "Prefers mornings.",
        "action": "save",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def connector_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.org",
        "phone": "+1 902 555 0111",
        "status": "approved",
        "employer": "Halifax Health",
        "job_title": "Charge nurse",
        "occupation": "29-1141",
        "years_in_field": "20",
        "years_local": "12",
        "has_local_network": "yes",
        "available": "yes",
        "capacity": "3",
        "capacity_period": "month",
        "remote_ok": "yes",
        "screening_status": "screened",
        "language_1": "eng",
        "level_1": "native",
        "skills": "mentoring",
        "availability": ["weekday_evenings"],
        "action": "save",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def count(model: type[Any]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def field_error(html: str, name: str) -> str:
    """The message shown beside one input."""
    found = re.search(rf'<small id="f-{name}-error" class="field-error">([^<]*)</small>', html)
    assert found, f"no error beside {name}"
    return htmllib.unescape(found[1])


def input_value(html: str, name: str) -> str:
    found = re.search(rf'<input id="f-{name}" name="{name}" type="[a-z]+" value="([^"]*)"', html)
    assert found, f"no input {name}"
    return htmllib.unescape(found[1])


# The forms offer every field ------------------------------------------------------------


@pytest.mark.parametrize(
    ("plural", "schema"), [("connectees", ConnecteeForm), ("connectors", ConnectorForm)]
)
def test_the_new_form_has_every_field_the_api_takes(
    staff_client: FlaskClient, plural: str, schema: type[Any]
) -> None:
    response = staff_client.get(f"/{plural}/new")
    assert response.status_code == 200
    html = response.text
    for name in schema().load_fields:
        wanted = "language_1" if name == "languages" else name
        assert f'name="{wanted}"' in html, name
    assert 'name="level_1"' in html
    assert "<h1>New " in html


def test_the_list_pages_offer_new_and_the_detail_page_edit(staff_client: FlaskClient) -> None:
    assert 'href="/connectees/new"' in staff_client.get("/connectees").text
    assert 'href="/connectors/new"' in staff_client.get("/connectors").text
    person = ConnecteeFactory()
    assert (
        f'href="/connectees/{person.id}/edit"' in staff_client.get(f"/connectees/{person.id}").text
    )


def test_selects_read_names_not_codes(staff_client: FlaskClient) -> None:
    html = staff_client.get("/connectees/new").text
    assert '<option value="SY">Syria</option>' in html
    assert '<option value="ara">Arabic</option>' in html
    assert '<option value="B2">B2: upper intermediate</option>' in html
    assert '<option value="refugee_status">Refugee or protected person status</option>' in html
    assert 'type="date"' in html


# Adding -----------------------------------------------------------------------------------


def test_coordinator_adds_a_connectee_with_every_field(
    staff_client: FlaskClient, coordinator: StaffUser
) -> None:
    response = staff_client.post(
        "/connectees/new", data=connectee_form(coordinator_id=str(coordinator.id))
    )
    assert response.status_code == 303, response.text
    person = db.session.scalars(select(Connectee)).one()
    assert response.headers["Location"] == f"/connectees/{person.id}"
    assert (person.first_name, person.email, person.phone) == (
        "Amira",
        "amira@example.org",
        "+1 902 555 0100",
    )
    assert person.status is ProfileStatus.APPROVED
    assert person.work_authorization is WorkAuthorization.REFUGEE_STATUS
    assert person.work_authorization_expires == dt.date(2028, 6, 30)
    assert (person.current_occupation, person.target_occupation) == ("29-1141", "29-1141")
    assert {(lang.language, lang.level) for lang in person.languages} == {
        ("ara", LanguageLevel.NATIVE),
        ("eng", LanguageLevel.B2),
    }
    assert person.skills == ["patient care", "triage"] and person.skill_ids
    assert person.availability == ["weekday_mornings", "weekends"]
    assert (person.intends_to_stay, person.resume_on_file, person.job_ready) == (True, True, True)
    assert person.coordinator_id == coordinator.id
    assert person.notes == "Prefers mornings."
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "connectee.create"))
    assert audit.one().actor == f"staff:{coordinator.id}"
    assert "Added Amira Haddad." in staff_client.get(response.headers["Location"]).text


def test_coordinator_adds_a_connector_with_availability_and_capacity(
    staff_client: FlaskClient,
) -> None:
    response = staff_client.post("/connectors/new", data=connector_form())
    assert response.status_code == 303, response.text
    person = db.session.scalars(select(Connector)).one()
    assert response.headers["Location"] == f"/connectors/{person.id}"
    assert (person.capacity, person.capacity_period) == (3, CapacityPeriod.MONTH)
    assert (person.available, person.remote_ok, person.cross_city_ok) == (True, True, False)
    assert person.occupation == "29-1141" and person.employer == "Halifax Health"
    assert person.availability == ["weekday_evenings"]


def test_a_long_note_and_a_bad_phone_are_refused_field_by_field(
    staff_client: FlaskClient,
) -> None:
    response = staff_client.post(
        "/connectees/new", data=connectee_form(phone=BAD_PHONE, notes=LONG_NOTE)
    )
    assert response.status_code == 422
    html = response.text
    assert field_error(html, "phone").startswith("Enter a phone number")
    assert field_error(html, "notes") == "Longer than maximum length 5000."
    assert "Nothing was saved: please correct 2 things below" in html
    assert 'aria-invalid="true"' in html
    # What was typed stays, so nothing has to be typed again.
    assert input_value(html, "phone") == BAD_PHONE
    assert input_value(html, "first_name") == "Amira"
    assert '<option value="ara" selected>Arabic</option>' in html
    assert count(Connectee) == 0


@pytest.mark.parametrize("plural", ["connectees", "connectors"])
def test_blank_required_fields_and_bad_values_are_refused(
    staff_client: FlaskClient, plural: str
) -> None:
    form = connectee_form() if plural == "connectees" else connector_form()
    form.update(first_name=" ", email="not an email", level_1="", language_2="")
    form.update({"capacity": "99"} if plural == "connectors" else {"years_experience": "-1"})
    response = staff_client.post(f"/{plural}/new", data=form)
    assert response.status_code == 422
    html = response.text
    assert field_error(html, "first_name") == "Please fill this in."
    assert field_error(html, "email") == "Not a valid email address."
    assert field_error(html, "level_1") == "Choose how well you speak it."
    number = "capacity" if plural == "connectors" else "years_experience"
    assert "Must be greater than or equal to 0" in field_error(html, number) or field_error(
        html, number
    ).startswith("Must be")
    assert count(Connectee) + count(Connector) == 0


def test_a_language_given_twice_is_refused(staff_client: FlaskClient) -> None:
    response = staff_client.post("/connectees/new", data=connectee_form(language_2="ara"))
    assert response.status_code == 422
    assert field_error(response.text, "languages") == "Give each language once: ara."


def test_an_email_in_use_is_refused_beside_the_email(staff_client: FlaskClient) -> None:
    ConnecteeFactory(email="amira@example.org")
    response = staff_client.post("/connectees/new", data=connectee_form())
    assert response.status_code == 422
    assert field_error(response.text, "email") == "A connectee with this email already exists."
    assert count(Connectee) == 1


def test_a_nul_character_is_refused(staff_client: FlaskClient) -> None:
    response = staff_client.post("/connectees/new", data=connectee_form(notes="a\x00b"))
    assert response.status_code == 422
    assert field_error(response.text, "notes") == "Must not contain a NUL character."
    assert count(Connectee) == 0


# The occupation picker and skills -------------------------------------------------------


def test_a_misspelt_occupation_is_refused_with_the_closest_title_to_pick(
    staff_client: FlaskClient,
) -> None:
    form = connectee_form(target_occupation="Registred Nurse")
    response = staff_client.post("/connectees/new", data=form)
    assert response.status_code == 422
    assert "Did you mean 29-1141 Registered Nurses?" in field_error(
        response.text, "target_occupation"
    )
    assert 'value="pick:target_occupation:29-1141"' in response.text
    # Picking the suggestion re-renders the form with it, storing nothing.
    picked = staff_client.post(
        "/connectees/new", data={**form, "action": "pick:target_occupation:29-1141"}
    )
    assert picked.status_code == 200
    assert input_value(picked.text, "target_occupation") == "29-1141 Registered Nurses"
    assert "Chosen: Registered Nurses (29-1141)" in picked.text
    assert count(Connectee) == 0


def test_the_occupation_endpoint_suggests_titles_as_people_type(
    staff_client: FlaskClient,
) -> None:
    html = staff_client.get(
        "/people/occupations", query_string={"field": "occupation", "occupation": "electrcian"}
    ).text
    assert 'id="f-occupation-suggestions"' in html
    assert 'value="pick:occupation:47-2111"' in html and "Electricians (47-2111)" in html
    words = staff_client.get(
        "/people/occupations",
        query_string={"field": "target_occupation", "target_occupation": "software dev"},
    ).text
    assert "Software Developers (15-1252)" in words
    nothing = staff_client.get(
        "/people/occupations", query_string={"field": "x", "current_occupation": "xyzzy"}
    ).text
    assert "No occupation goes by these words" in nothing


def test_skills_get_fuzzy_suggestions_and_can_take_them(staff_client: FlaskClient) -> None:
    html = staff_client.get(
        "/people/skills",
        query_string={"skills": "custmer service\nunderwater basket weaving\nzzqx"},
    ).text
    assert "custmer service: recognised as “customer service”" in html
    assert "did you mean “perform basket weaving”?" in html
    assert "zzqx: not in the skills list (kept as typed)" in html
    response = staff_client.post(
        "/connectees/new", data=connectee_form(skills="custmer service, zzqx", action="use_skills")
    )
    assert response.status_code == 200
    assert ">customer service\nzzqx</textarea>" in response.text
    assert count(Connectee) == 0


def test_language_rows_are_added_and_removed_without_saving(staff_client: FlaskClient) -> None:
    added = staff_client.post("/connectees/new", data=connectee_form(action="add_language"))
    assert added.status_code == 200
    assert 'name="language_3"' in added.text and 'name="language_4"' not in added.text
    removed = staff_client.post("/connectees/new", data=connectee_form(action="remove_language:1"))
    assert removed.status_code == 200
    # English moves up to the first row.
    assert re.search(r'name="language_1".*?<option value="eng" selected>', removed.text, re.S)
    assert 'name="language_2"' not in removed.text
    assert count(Connectee) == 0


# Editing ----------------------------------------------------------------------------------


def test_the_edit_form_starts_from_the_stored_person(staff_client: FlaskClient) -> None:
    person = ConnecteeFactory(phone="+1 902 555 0100", notes="Old note")
    html = staff_client.get(f"/connectees/{person.id}/edit").text
    assert input_value(html, "phone") == "+1 902 555 0100"
    assert input_value(html, "target_occupation") == "29-1141 Registered Nurses"
    assert '<option value="ara" selected>Arabic</option>' in html
    assert '<option value="native" selected>First language</option>' in html
    assert ">Old note</textarea>" in html
    assert 'name="resume_on_file" type="checkbox" value="yes" checked' in html
    assert f"Edit {person.full_name}" in html


def test_coordinator_edits_a_connectee(staff_client: FlaskClient) -> None:
    person = ConnecteeFactory(phone=None, job_ready=False, notes="old")
    form = connectee_form(email=person.email, phone=" +1 902 555 0199 ", job_ready="yes")
    form.pop("resume_on_file")  # unticked
    response = staff_client.post(f"/connectees/{person.id}/edit", data=form)
    assert response.status_code == 303, response.text
    assert response.headers["Location"] == f"/connectees/{person.id}"
    db.session.expire_all()
    saved = db.session.get(Connectee, person.id)
    assert saved is not None
    assert (saved.phone, saved.job_ready, saved.resume_on_file) == ("+1 902 555 0199", True, False)
    assert saved.notes == "Prefers mornings." and saved.first_name == "Amira"
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "connectee.update"))
    fields = audit.one().details["fields"]
    assert {"phone", "job_ready", "resume_on_file", "notes", "first_name"} <= set(fields)


def test_blank_inputs_clear_optional_fields(staff_client: FlaskClient) -> None:
    person = ConnecteeFactory(phone="+1 902 555 0100", notes="old")
    form = connectee_form(email=person.email, phone="", notes="", target_occupation="")
    assert staff_client.post(f"/connectees/{person.id}/edit", data=form).status_code == 303
    db.session.expire_all()
    saved = db.session.get(Connectee, person.id)
    assert saved is not None
    assert (saved.phone, saved.notes, saved.target_occupation) == (None, None, None)


def test_an_edit_with_a_long_note_or_bad_phone_changes_nothing(
    staff_client: FlaskClient,
) -> None:
    person = ConnecteeFactory(phone="+1 902 555 0100", notes="kept")
    form = connectee_form(email=person.email, phone=BAD_PHONE, notes=LONG_NOTE, first_name="New")
    response = staff_client.post(f"/connectees/{person.id}/edit", data=form)
    assert response.status_code == 422
    assert field_error(response.text, "phone").startswith("Enter a phone number")
    assert field_error(response.text, "notes") == "Longer than maximum length 5000."
    db.session.expire_all()
    saved = db.session.get(Connectee, person.id)
    assert saved is not None
    assert (saved.phone, saved.notes, saved.first_name) == (
        "+1 902 555 0100",
        "kept",
        person.first_name,
    )
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "connectee.update")).all()
        == []
    )


def test_coordinator_edits_a_connector(staff_client: FlaskClient) -> None:
    person = ConnectorFactory(available=True, capacity=1)
    form = connector_form(email=person.email, capacity="5", capacity_period="quarter")
    form.pop("available")  # unticked: no longer taking new matches
    response = staff_client.post(f"/connectors/{person.id}/edit", data=form)
    assert response.status_code == 303, response.text
    db.session.expire_all()
    saved = db.session.get(Connector, person.id)
    assert saved is not None
    assert (saved.available, saved.capacity, saved.capacity_period) == (
        False,
        5,
        CapacityPeriod.QUARTER,
    )
    bad = staff_client.post(
        f"/connectors/{person.id}/edit", data={**form, "phone": "12", "notes": LONG_NOTE}
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "phone").startswith("Enter a phone number")
    db.session.expire_all()
    assert db.session.get(Connector, person.id).notes == person.notes  # type: ignore[union-attr]


def test_an_email_taken_by_another_is_refused_on_edit(staff_client: FlaskClient) -> None:
    ConnectorFactory(email="taken@example.org")
    person = ConnectorFactory()
    form = connector_form(email="taken@example.org")
    response = staff_client.post(f"/connectors/{person.id}/edit", data=form)
    assert response.status_code == 422
    assert field_error(response.text, "email") == "A connector with this email already exists."


def test_missing_people_are_404(staff_client: FlaskClient) -> None:
    for url in ("/connectees/999/edit", f"/connectors/{2**40}/edit", "/people/edit"):
        assert staff_client.get(url).status_code == 404, url
    assert staff_client.post("/connectors/999/edit", data=connector_form()).status_code == 404


# Roles and CSRF ---------------------------------------------------------------------------


def test_a_viewer_sees_no_buttons_and_is_refused(viewer_client: FlaskClient) -> None:
    person = ConnecteeFactory(phone="+1 902 555 0100")
    assert "/connectees/new" not in viewer_client.get("/connectees").text
    assert "/edit" not in viewer_client.get(f"/connectees/{person.id}").text
    for url in ("/connectees/new", "/connectors/new", f"/connectees/{person.id}/edit"):
        assert viewer_client.get(url).status_code == 403, url
    assert viewer_client.post("/connectees/new", data=connectee_form()).status_code == 403
    edit = connectee_form(email=person.email, phone="+1 902 555 0199")
    assert viewer_client.post(f"/connectees/{person.id}/edit", data=edit).status_code == 403
    db.session.expire_all()
    assert count(Connectee) == 1
    assert db.session.get(Connectee, person.id).phone == "+1 902 555 0100"  # type: ignore[union-attr]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_post_needs_the_csrf_token(app: Flask, coordinator: StaffUser) -> None:
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)
    assert token
    response = client.post(
        "/login", data={"email": coordinator.email, "password": PASSWORD, "csrf_token": token[1]}
    )
    assert response.status_code == 303
    assert client.post("/connectees/new", data=connectee_form()).status_code == 400
    page = client.get("/connectees/new").text
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert form_token
    response = client.post("/connectees/new", data=connectee_form(csrf_token=form_token[1]))
    assert response.status_code == 303
    assert count(Connectee) == 1
