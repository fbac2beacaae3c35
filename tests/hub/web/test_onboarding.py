"""The onboarding pages: the public form, the applicant's links, national staff's review."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hub.auth.models import Role, StaffUser
from hub.communities.models import Community, OAuthClient
from hub.extensions import db
from hub.onboarding import services
from hub.onboarding.models import Application, ApplicationStatus, Comment, Link
from tests.hub.web.conftest import alerts, csrf_token

LAUNCH = (dt.date.today() + dt.timedelta(days=60)).isoformat()
FORM: dict[str, str] = {
    "organisation": "Moncton Newcomer Centre",
    "city": "Moncton",
    "region": "NB",
    "country": "CA",
    "contact_name": "Rosa Leblanc",
    "contact_email": "rosa@example.org",
    "contact_phone": "",
    "partners-0-kind": "chamber_of_commerce",
    "partners-0-name": "Greater Moncton Chamber",
    "partners-1-kind": "",
    "partners-1-name": "",
    "expected_connectees": "60",
    "expected_connectors": "40",
    "planned_launch": LAUNCH,
}


@pytest.fixture
def hub_app_config() -> dict[str, Any]:
    # Forms without CSRF tokens (the CSRF test switches it on); a limit tests can reach.
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_APPLY": "6 per minute"}


def field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<small id="{field_id}-error" class="error">([^<]*)</small>', html)
    return found[1] if found else ""


def input_value(html: str, field_id: str) -> str:
    found = re.search(rf'<input[^>]*id="{field_id}"[^>]*value="([^"]*)"', html)
    return found[1] if found else ""


def applications() -> list[Application]:
    return list(db.session.scalars(select(Application)))


@pytest.fixture
def submitted(hub_app: Flask) -> Application:
    client = hub_app.test_client()
    assert client.post("/apply", data=FORM).status_code == 303
    (application,) = applications()
    return application


def link_on(html: str) -> str:
    found = re.search(
        r'<input id="link" type="text" readonly value="http://localhost([^"]+)"', html
    )
    assert found, "no link on the page"
    return found[1]


# The public form ------------------------------------------------------------------------


def test_the_form_is_public_and_the_login_page_links_to_it(hub_client: FlaskClient) -> None:
    page = hub_client.get("/apply")
    assert page.status_code == 200
    assert "Become a Connector Community" in page.text
    assert 'href="/apply"' in hub_client.get("/login").text
    # Countries by name, partner kinds in words.
    assert '<option value="SY">Syria</option>' in page.text
    assert "English-language provider" in page.text


def test_a_valid_application_is_stored_and_thanked(hub_client: FlaskClient) -> None:
    answer = hub_client.post("/apply", data=FORM)
    assert answer.status_code == 303 and answer.location.endswith("/apply/thanks")
    assert "arrived" in hub_client.get("/apply/thanks").text
    (application,) = applications()
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.partners == [
        {"kind": "chamber_of_commerce", "name": "Greater Moncton Chamber"}
    ]
    assert application.contact_phone is None and application.expected_connectees == 60


def test_errors_are_shown_field_by_field_with_the_values_kept(hub_client: FlaskClient) -> None:
    bad = {
        **FORM,
        "planned_launch": "2001-02-03",
        "expected_connectors": "lots",
        "contact_email": "rosa-at-example",
        "organisation": "",
        "partners-1-name": "A partner without a kind",
    }
    answer = hub_client.post("/apply", data=bad)
    assert answer.status_code == 422
    html = answer.text
    assert field_error(html, "planned_launch") == "Choose today or a later date."
    assert field_error(html, "expected_connectors") == "Enter a whole number."
    assert field_error(html, "contact_email").startswith("Enter an email address")
    assert field_error(html, "organisation") == "Please fill this in."
    assert field_error(html, "partners-1-kind") == "Choose the kind of partner."
    assert field_error(html, "city") == ""
    assert input_value(html, "expected_connectors") == "lots"
    assert input_value(html, "planned_launch") == "2001-02-03"
    assert input_value(html, "partners-1-name") == "A partner without a kind"
    assert "Please correct 5 things below" in html
    assert applications() == []


@pytest.mark.parametrize(
    "changes",
    [
        {"organisation": "A\x00B"},
        {"expected_connectees": "9" * 400},
        {"expected_connectees": "-1", "expected_connectors": "1e9"},
        {"planned_launch": "9999-99-99"},
        {"country": "<script>"},
        {"partners-0-kind": "x" * 5000, "partners-99-name": "far away row"},
        {"organisation": "x" * 100_000},
        {"contact_phone": "call me"},
    ],
)
def test_hostile_input_is_refused_without_a_500(
    hub_client: FlaskClient, changes: dict[str, str]
) -> None:
    answer = hub_client.post("/apply", data={**FORM, **changes})
    assert answer.status_code in (303, 400, 422), answer.text[:500]
    if answer.status_code != 303:
        assert applications() == []


def test_a_bot_filling_the_honeypot_is_thanked_and_forgotten(hub_client: FlaskClient) -> None:
    answer = hub_client.post("/apply", data={**FORM, "website": "http://spam.example"})
    assert answer.status_code == 303
    assert applications() == []


def test_posts_are_rate_limited_per_address(hub_client: FlaskClient) -> None:
    answers = [hub_client.post("/apply", data={**FORM, "city": ""}).status_code for _ in range(7)]
    assert answers == [422] * 6 + [429]
    assert hub_client.get("/apply").status_code == 200  # reading stays free


@pytest.mark.parametrize("hub_app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_form_needs_its_csrf_token_and_keeps_the_values(hub_app: Flask) -> None:
    client = hub_app.test_client()
    refused = client.post("/apply", data=FORM)
    assert refused.status_code == 400
    assert "could not be sent" in refused.text
    assert input_value(refused.text, "organisation") == FORM["organisation"]
    token = csrf_token(refused.text)
    assert client.post("/apply", data={**FORM, "csrf_token": token}).status_code == 303


# Staff review ---------------------------------------------------------------------------


def test_staff_list_applications_by_state(viewer: FlaskClient, submitted: Application) -> None:
    page = viewer.get("/onboarding").text
    assert "Moncton Newcomer Centre" in page and "Canada" in page
    assert "Moncton Newcomer Centre" not in viewer.get("/onboarding?status=approved").text
    assert "Moncton Newcomer Centre" in viewer.get("/onboarding?status=submitted").text
    assert viewer.get("/onboarding?status=nonsense").status_code == 200
    assert 'href="/onboarding"' in viewer.get("/").text  # the nav


def test_staff_pages_need_a_login(hub_client: FlaskClient, submitted: Application) -> None:
    assert hub_client.get("/onboarding").status_code == 302
    assert hub_client.get(f"/onboarding/{submitted.id}").status_code == 302
    assert (
        hub_client.post(
            f"/onboarding/{submitted.id}/decline", data={"decline-body": "x"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert submitted.status is ApplicationStatus.SUBMITTED


def test_a_viewer_sees_no_write_forms_and_is_refused_every_write(
    viewer: FlaskClient, submitted: Application
) -> None:
    page = viewer.get(f"/onboarding/{submitted.id}").text
    assert '<form method="post" action="/onboarding/' not in page
    for action, data in [
        ("comments", {"comment-body": "Looks good"}),
        ("changes", {"changes-body": "Add partners"}),
        ("decline", {"decline-body": "No"}),
        ("approve", {"slug": "moncton", "name": "Moncton"}),
        ("links/edit", {}),
        ("checklist", {"item": "staff_trained", "done": "1"}),
    ]:
        assert viewer.post(f"/onboarding/{submitted.id}/{action}", data=data).status_code == 403
    db.session.expire_all()
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_a_coordinator_comments_but_cannot_approve(
    coordinator: FlaskClient, submitted: Application
) -> None:
    page = coordinator.get(f"/onboarding/{submitted.id}").text
    assert "Only national admins can approve" in page and 'id="approve"' not in page
    empty = coordinator.post(f"/onboarding/{submitted.id}/comments", data={"comment-body": "  "})
    assert empty.status_code == 422
    assert field_error(empty.text, "comment-body") == "Please write something."
    done = coordinator.post(
        f"/onboarding/{submitted.id}/comments", data={"comment-body": "Called Rosa."}
    )
    assert done.status_code == 303
    assert "Called Rosa." in coordinator.get(f"/onboarding/{submitted.id}").text
    refused = coordinator.post(
        f"/onboarding/{submitted.id}/approve", data={"slug": "moncton", "name": "Moncton"}
    )
    assert refused.status_code == 403
    assert db.session.scalars(select(Community)).all() == []


def test_changes_requested_the_applicant_edits_and_resubmits_once(
    coordinator: FlaskClient, hub_client: FlaskClient, submitted: Application
) -> None:
    answer = coordinator.post(
        f"/onboarding/{submitted.id}/changes",
        data={"changes-body": "Please name an English provider."},
    )
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    edit_url = link_on(answer.text)
    assert edit_url.startswith("/apply/edit/")

    page = hub_client.get(edit_url)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Please name an English provider." in page.text
    assert input_value(page.text, "organisation") == FORM["organisation"]
    assert input_value(page.text, "partners-0-name") == "Greater Moncton Chamber"

    fixed = {**FORM, "partners-1-kind": "english_language_provider", "partners-1-name": "MAGMA"}
    refused = hub_client.post(edit_url, data={**fixed, "expected_connectees": "0"})
    assert refused.status_code == 422
    assert input_value(refused.text, "partners-1-name") == "MAGMA"
    assert hub_client.post(edit_url, data=fixed).status_code == 303
    db.session.expire_all()
    assert submitted.status is ApplicationStatus.RESUBMITTED
    assert len(submitted.partners) == 2

    dead = hub_client.get(edit_url)
    assert dead.status_code == 410 and "already been used" in dead.text
    assert hub_client.post(edit_url, data=fixed).status_code == 410


def test_decline_needs_a_reason_and_is_final(
    coordinator: FlaskClient, submitted: Application
) -> None:
    assert (
        coordinator.post(
            f"/onboarding/{submitted.id}/decline", data={"decline-body": ""}
        ).status_code
        == 422
    )
    answer = coordinator.post(
        f"/onboarding/{submitted.id}/decline",
        data={"decline-body": "Another program serves the city."},
    )
    assert answer.status_code == 303
    page = coordinator.get(f"/onboarding/{submitted.id}").text
    assert "Declined" in page and 'id="decline"' not in page and 'id="ask-for-changes"' not in page
    again = coordinator.post(f"/onboarding/{submitted.id}/changes", data={"changes-body": "x"})
    assert again.status_code == 409


def approve(admin: FlaskClient, application: Application, slug: str = "moncton") -> str:
    answer = admin.post(
        f"/onboarding/{application.id}/approve", data={"slug": slug, "name": "Moncton"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    return link_on(answer.text)


def test_approval_shows_a_credentials_link_that_shows_the_secret_once(
    admin: FlaskClient,
    hub_client: FlaskClient,
    submitted: Application,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = approve(admin, submitted)
    assert url.startswith("/credentials/")
    assert "Moncton" in admin.get("/communities").text

    landing = hub_client.get(url)  # a link preview spends nothing
    assert landing.status_code == 200 and "Show the credentials now" in landing.text
    assert landing.headers["Cache-Control"] == "no-store"
    shown = hub_client.post(url)
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="client-secret">([^<]+)</code>', shown.text)
    client_id = re.search(r'<code id="client-id">([^<]+)</code>', shown.text)
    assert secret and client_id
    client = db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id[1]))
    assert client is not None and client.check_client_secret(secret[1])

    for again in (hub_client.get(url), hub_client.post(url)):
        assert again.status_code == 410 and "already been used" in again.text
        assert secret[1] not in again.text
    assert secret[1] not in admin.get(f"/onboarding/{submitted.id}").text
    assert secret[1] not in admin.get("/communities/moncton").text
    assert secret[1] not in caplog.text
    token = url.rsplit("/", 1)[1]
    assert all(token not in str(row) for row in db.session.execute(select(Link.__table__)))


def test_expired_and_unknown_links_say_so_plainly(
    admin: FlaskClient, hub_client: FlaskClient, submitted: Application
) -> None:
    url = approve(admin, submitted)
    for link in db.session.scalars(select(Link)):
        link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()
    expired = hub_client.get(url)
    assert expired.status_code == 410 and "This link has expired." in expired.text
    assert hub_client.post(url).status_code == 410
    unknown = hub_client.get("/credentials/not-a-token")
    assert unknown.status_code == 410 and "not valid" in unknown.text
    # A new link from the application's page works.
    fresh = admin.post(f"/onboarding/{submitted.id}/links/credentials")
    assert fresh.status_code == 200
    assert hub_client.post(link_on(fresh.text)).status_code == 200


def test_a_taken_slug_is_an_error_beside_the_field(
    admin: FlaskClient, submitted: Application
) -> None:
    bad = admin.post(f"/onboarding/{submitted.id}/approve", data={"slug": "Not OK", "name": ""})
    assert bad.status_code == 422
    assert field_error(bad.text, "slug").startswith("Use 2-40 lowercase letters")
    assert field_error(bad.text, "name") == "Enter a name."
    assert input_value(bad.text, "slug") == "Not OK"
    db.session.expire_all()
    assert submitted.status is ApplicationStatus.SUBMITTED


def test_the_checklist_on_the_community_page(
    admin: FlaskClient, viewer: FlaskClient, submitted: Application
) -> None:
    approve(admin, submitted)
    page = admin.get("/communities/moncton").text
    assert "On the way to live" in page and "First sync received" in page
    assert "Tick “Staff trained”" in page
    assert "Tick “Staff trained”" not in viewer.get("/communities/moncton").text
    answer = admin.post(
        f"/onboarding/{submitted.id}/checklist",
        data={"item": "staff_trained", "done": "1", "back": "community"},
    )
    assert answer.status_code == 303 and answer.location.endswith("/communities/moncton")
    page = admin.get("/communities/moncton").text
    assert "“Staff trained” ticked." in alerts(page)
    assert "Untick “Staff trained”" in page
    assert (
        admin.post(
            f"/onboarding/{submitted.id}/checklist", data={"item": "first_sync", "done": "1"}
        ).status_code
        == 422
    )


def test_unknown_applications_are_404(viewer: FlaskClient, admin: FlaskClient) -> None:
    assert viewer.get("/onboarding/999").status_code == 404
    assert viewer.get("/onboarding/99999999999").status_code == 404
    assert admin.post("/onboarding/999/approve", data={"slug": "x1"}).status_code == 404


def test_audit_log_names_every_state_change(
    admin: FlaskClient, staff: Callable[[Role], StaffUser], submitted: Application
) -> None:
    admin.post(f"/onboarding/{submitted.id}/changes", data={"changes-body": "More partners."})
    page = admin.get("/admin/audit").text
    assert "onboarding.status" in page
    assert "More partners." not in page  # the words stay out of the audit log
    assert services.count_by_status()[ApplicationStatus.CHANGES_REQUESTED] == 1
