"""The staff pages: login, dashboard, lists with filters and sorting, detail and edit."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from community_node.auth.models import Role, StaffUser
from community_node.auth.services import create_user
from community_node.database import utcnow
from community_node.matches.models import MatchStatus
from community_node.participants.models import (
    ConnecteeLanguage,
    ConsentPurpose,
    LanguageLevel,
)
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    ConsentFactory,
    MatchFactory,
)
from tests.community_node.web.conftest import PASSWORD, login


def rows(html: str) -> list[str]:
    """Return the names in the list table, in order."""
    return re.findall(r'<tr data-id="\d+">\s*<td><a href="[^"]+">([^<]+)</a>', html)


# Login ------------------------------------------------------------------------------


def test_pages_need_login(client: FlaskClient) -> None:
    for url in ("/", "/connectees", "/connectors", "/connectees/1", "/connectors/1"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login")


def test_wrong_password_shows_error(client: FlaskClient, coordinator: StaffUser) -> None:
    response = login(client, coordinator.email, "wrong password!")
    assert response.status_code == 200
    assert "Email or password is wrong." in response.text
    assert client.get("/").status_code == 302


def _page_without(html: str, email: str) -> str:
    """The page as it would read for any email, without the session's CSRF token."""
    html = html.replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", html)


def test_unknown_email_and_wrong_password_get_the_same_page(
    client: FlaskClient, coordinator: StaffUser
) -> None:
    wrong = login(client, coordinator.email, "wrong password!")
    unknown = login(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 200
    assert "Email or password is wrong." in wrong.text
    assert _page_without(wrong.text, coordinator.email) == _page_without(
        unknown.text, "nobody@example.org"
    )


def test_login_page_wears_the_shared_frame_with_the_nodes_name(app: Flask) -> None:
    page = app.test_client().get("/login").text
    assert "<title>Log in · Connector Network</title>" in page
    assert f"<strong>{app.config['COMMUNITY_NAME']}</strong>" in page
    assert 'aria-label="Main"' in page and "Staff login" in page


def test_a_nul_in_the_login_form_is_a_field_error(client: FlaskClient) -> None:
    response = login(client, "ada\x00@example.org")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "Remove the NUL character" in response.text


def test_logged_in_staff_see_their_links_and_role(staff_client: FlaskClient) -> None:
    page = staff_client.get("/").text
    assert 'href="/connectees"' in page and 'href="/api/docs"' in page
    assert "(coordinator)</button>" in page


def test_a_nul_character_is_refused_not_sent_to_the_database(
    client: FlaskClient, coordinator: StaffUser
) -> None:
    response = login(client, "ana\x00@example.org")
    assert response.status_code == 422
    assert "Remove the NUL character" in response.text
    assert client.get("/").status_code == 302


def test_login_then_dashboard(client: FlaskClient, coordinator: StaffUser) -> None:
    response = login(client, coordinator.email)
    # 303 See Other: the browser follows with a GET, and a reload never posts the form again.
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>Today</h1>" in page.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/connectors", "/connectors"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("https://evil.example", "/"),
    ],
)
def test_login_follows_only_local_next(
    client: FlaskClient, coordinator: StaffUser, target: str, expected: str
) -> None:
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": coordinator.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == expected


# Login limits and the security trail ---------------------------------------------------


def _address(n: int) -> dict[str, str]:
    """A client address of its own (TEST-NET), as the WSGI server reports it."""
    return {"REMOTE_ADDR": f"198.51.100.{n}"}


def test_200_wrong_passwords_then_the_right_one_does_not_log_in(
    client: FlaskClient, coordinator: StaffUser
) -> None:
    # From ever-changing addresses: the account's own limit holds all the same.
    answers = [
        client.post(
            "/login",
            data={"email": coordinator.email, "password": f"guess {n}"},
            environ_base=_address(n % 250 + 1),
        ).status_code
        for n in range(200)
    ]
    assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}
    right = login(client, coordinator.email)
    assert right.status_code == 429
    assert "Too many failed logins. Try again in" in right.text
    assert 1 <= int(right.headers["Retry-After"]) <= 60
    assert client.get("/").status_code == 302  # still not logged in


def test_the_429_is_the_login_page_keeping_the_email(
    client: FlaskClient, coordinator: StaffUser
) -> None:
    for _ in range(5):
        login(client, coordinator.email, "wrong password!")
    page = login(client, coordinator.email, "wrong password!")
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert "Staff login" in page.text and f'value="{coordinator.email}"' in page.text
    assert "wrong password!" not in page.text


def test_an_unknown_account_is_limited_exactly_like_a_real_one(
    client: FlaskClient, app: Flask, coordinator: StaffUser
) -> None:
    other = app.test_client()

    def attempts(browser: FlaskClient, email: str, n: int) -> list[tuple[int, str]]:
        found = []
        for _ in range(7):
            response = browser.post(
                "/login", data={"email": email, "password": "guess"}, environ_base=_address(n)
            )
            page = _page_without(response.text, email)
            found.append((response.status_code, re.sub(r"again in \d+ \w+", "", page)))
        return found

    real = attempts(client, coordinator.email, 1)
    unknown = attempts(other, "nobody@example.org", 2)
    assert [status for status, _ in real] == [200] * 5 + [429] * 2
    assert [status for status, _ in real] == [status for status, _ in unknown]
    assert [page for _, page in real] == [page for _, page in unknown]


def test_failures_per_address_are_limited_across_accounts(
    client: FlaskClient, app: Flask, coordinator: StaffUser
) -> None:
    # One password tried on many accounts from one address.
    answers = [
        client.post(
            "/login",
            data={"email": f"staff{n}@example.org", "password": "Spring2026!"},
            environ_base=_address(7),
        ).status_code
        for n in range(6)
    ]
    assert answers == [200] * 5 + [429]
    elsewhere = app.test_client().post(
        "/login",
        data={"email": coordinator.email, "password": PASSWORD},
        environ_base=_address(8),
    )
    assert elsewhere.status_code == 303


def test_successful_logins_take_nothing_from_the_allowance(
    app: Flask, coordinator: StaffUser
) -> None:
    for _ in range(7):
        assert login(app.test_client(), coordinator.email).status_code == 303


def test_failed_and_throttled_logins_are_logged_without_email_or_password(
    client: FlaskClient, coordinator: StaffUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="community_node.security")
    login(client, "nobody@example.org", "hunter2-secret")
    for _ in range(5):
        login(client, coordinator.email, "hunter2-secret")
    events = [r.security_event for r in caplog.records if r.name == "community_node.security"]
    assert [(e["event"], e["reason"]) for e in events] == [
        ("login_failed", "unknown_account"),
        *[("login_failed", "wrong_password")] * 4,
        ("rate_limited", "login_per_address"),
    ]
    assert events[0]["staff_id"] is None and events[1]["staff_id"] == coordinator.id
    assert events[1]["account"] == events[-1]["account"] != events[0]["account"]
    assert all(e["remote_addr"] == "127.0.0.1" for e in events)
    assert "@example.org" not in caplog.text and "hunter2" not in caplog.text


def test_logout(staff_client: FlaskClient) -> None:
    response = staff_client.post("/logout")
    assert (response.status_code, response.headers["Location"]) == (303, "/login")
    assert staff_client.get("/").status_code == 302


# Lists ------------------------------------------------------------------------------


def _people() -> None:
    ConnecteeFactory(first_name="Amira", last_name="Haddad", skills=["triage"])
    ConnecteeFactory(
        first_name="Oleksandr",
        last_name="Bondarenko",
        skills=["welding"],
        target_occupation="51-4121",
        languages=[ConnecteeLanguage(language="ukr", level=LanguageLevel.NATIVE)],
    )
    ConnecteeFactory(first_name="Carlos", last_name="Zapata", skills=["payroll"], languages=[])


def test_filter_by_language_and_word(staff_client: FlaskClient) -> None:
    _people()
    assert rows(staff_client.get("/connectees?language=ukr").text) == ["Oleksandr Bondarenko"]
    assert rows(staff_client.get("/connectees?q=triage").text) == ["Amira Haddad"]
    # An ISO 639-1 code (a link from before ISO 639-3) filters on the same language.
    assert rows(staff_client.get("/connectees?language=ar&q=&occupation=").text) == ["Amira Haddad"]
    assert rows(staff_client.get("/connectees?occupation=51-4121").text) == ["Oleksandr Bondarenko"]
    html = staff_client.get("/connectees?q=nobody").text
    assert "Nothing matches these filters." in html


def test_invalid_filters_are_reported_and_dropped(staff_client: FlaskClient) -> None:
    _people()
    response = staff_client.get("/connectees?language=english!&sort=shoe_size&bogus=1")
    assert response.status_code == 200
    assert "language: Use an ISO 639 language code" in response.text
    assert "sort: Sort by one of:" in response.text
    assert "bogus: Unknown field." in response.text
    assert len(rows(response.text)) == 3


def test_sort_links_toggle_direction(staff_client: FlaskClient) -> None:
    _people()
    html = staff_client.get("/connectees?q=a").text
    assert 'href="/connectees?q=a&amp;sort=last_name"' in html
    ascending = staff_client.get("/connectees?sort=last_name").text
    assert rows(ascending) == ["Oleksandr Bondarenko", "Amira Haddad", "Carlos Zapata"]
    assert 'href="/connectees?sort=-last_name"' in ascending
    assert 'aria-sort="ascending"' in ascending
    descending = staff_client.get("/connectees?sort=-last_name").text
    assert rows(descending) == ["Carlos Zapata", "Amira Haddad", "Oleksandr Bondarenko"]
    assert 'href="/connectees?sort=last_name"' in descending


def test_pagination_links_keep_filters(staff_client: FlaskClient) -> None:
    ConnecteeFactory.create_batch(3, skills=["triage"])
    html = staff_client.get("/connectees?q=triage&per_page=2&sort=-id").text
    assert len(rows(html)) == 2
    next_url = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert next_url
    url = next_url.group(1).replace("&amp;", "&")
    assert url == "/connectees?q=triage&per_page=2&sort=-id&page=2"
    second = staff_client.get(url).text
    assert len(rows(second)) == 1
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_connector_list_links_to_details(staff_client: FlaskClient) -> None:
    connector = ConnectorFactory(first_name="Grace", last_name="Hopper")
    html = staff_client.get("/connectors").text
    assert f'href="/connectors/{connector.id}">Grace Hopper</a>' in html


# Detail pages -------------------------------------------------------------------------


def test_connectee_detail(staff_client: FlaskClient) -> None:
    person = ConnecteeFactory(first_name="Amira", last_name="Haddad", phone="+1 902 555 0100")
    ConsentFactory(connectee_id=person.id, purpose=ConsentPurpose.LOCAL_PROCESSING)
    ConsentFactory(
        connectee_id=person.id, purpose=ConsentPurpose.DIRECTORY_LISTING, withdrawn_at=utcnow()
    )
    other = ConnecteeFactory()
    ConsentFactory(connectee_id=other.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    match = MatchFactory(connectee=person, status=MatchStatus.INTRODUCED)
    response = staff_client.get(f"/connectees/{person.id}")
    assert response.status_code == 200
    html = response.text
    assert "Amira Haddad" in html
    assert "+1 902 555 0100" in html
    # Names, not codes; no internal fields.
    assert "Registered Nurses (29-1141)" in html
    assert "<td>Syria</td>" in html
    assert "<td>Arabic</td><td>native</td>" in html
    assert "Coordinator id" not in html
    assert "Keep and use their details in this program" in html
    assert "List them, nameless, in the network directory" in html
    assert "cross city introductions" not in html
    assert "withdrawn" in html
    assert f"#{match.id}" in html and "introduced" in html
    assert f'href="/connectors/{match.connector_id}"' in html
    assert f'href="/connectees/{person.id}/edit"' in html
    assert 'name="phone"' not in html  # the form has its own page now


def test_connector_detail(staff_client: FlaskClient) -> None:
    connector = ConnectorFactory(first_name="Grace", last_name="Hopper", employer="Navy Yard")
    match = MatchFactory(connector=connector)
    html = staff_client.get(f"/connectors/{connector.id}").text
    assert "Grace Hopper" in html and "Navy Yard" in html
    assert f'href="/connectees/{match.connectee_id}"' in html
    assert "No consent recorded." in html
    assert f'href="/connectors/{connector.id}/edit"' in html


def test_missing_person_is_404_html(staff_client: FlaskClient) -> None:
    for url in ("/connectees/999", "/connectors/999"):
        response = staff_client.get(url)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert "No connect" in response.text
    # Ids no database column can hold are simply not found (PostgreSQL would raise).
    for url in ("/connectees/2147483648", f"/connectors/{2**64}"):
        assert staff_client.get(url).status_code == 404
    assert staff_client.post("/connectees/999/edit", data={"phone": "1"}).status_code == 404


# Adding and editing people: tests/community_node/web/test_people_forms.py


# Roles and the frame ----------------------------------------------------------------


def test_the_menu_links_every_area_and_admin_only_for_admins(
    staff_client: FlaskClient, app: Flask
) -> None:
    html = staff_client.get("/").text
    for path in ("/people/review", "/matching", "/introductions", "/imports", "/reports", "/hub"):
        assert f'<a href="{path}">' in html, path
    assert '<a href="/admin">' not in html
    create_user("root@example.org", "Ada Admin", Role.ADMIN, PASSWORD, actor="test")
    admin = app.test_client()
    login(admin, "root@example.org")
    assert '<a href="/admin">' in admin.get("/").text


def test_the_frame_has_no_inline_style(staff_client: FlaskClient) -> None:
    html = staff_client.get("/connectees").text
    assert "<style" not in html and "style=" not in html
    assert "/shared-web/static/staff.css" in html
    with staff_client.get("/shared-web/static/staff.css") as css:
        assert css.status_code == 200 and ".table-scroll" in css.text


def test_the_list_filters_by_language_name(staff_client: FlaskClient) -> None:
    _people()
    html = staff_client.get("/connectees?language=ukr").text
    assert '<option value="ukr" selected>Ukrainian</option>' in html
    assert rows(html) == ["Oleksandr Bondarenko"]
    assert "Ukrainian" in html and ">ukr " not in html


@pytest.mark.parametrize("accept", ["en", "fr-CA,fr;q=0.9"])
def test_list_rows_read_as_the_filters_say_them(
    app: Flask, staff_client: FlaskClient, accept: str
) -> None:
    """The list says each row's words with the locale read once per page (and links each
    row by an address prefix): the same words and links as the filters and url_for."""
    from flask import url_for

    from community_node.web.filters import language_name, status_text

    person = ConnecteeFactory(first_name="Amira", last_name="Haddad")
    connector = ConnectorFactory(first_name="Grace", last_name="Hopper")
    headers = {"Accept-Language": accept}
    base = "http://localhost/node"  # behind a path prefix, as a proxy may serve it
    connectees = staff_client.get("/connectees", headers=headers, base_url=base).text
    connectors = staff_client.get("/connectors", headers=headers, base_url=base).text
    with app.test_request_context(headers=headers, base_url=base):
        person_url = url_for("web.connectee", person_id=person.id)
        connector_url = url_for("web.connector", person_id=connector.id)
        badges = [
            f'<span class="badge">{language_name(language.language)} '
            f"{status_text(language.level)}</span>"
            for language in person.languages
        ]
        status = status_text(person.status)
        period = status_text(connector.capacity_period)
    assert person_url.startswith("/node/connectees/")
    assert f'<a href="{person_url}">Amira Haddad</a>' in connectees
    assert f'<a href="{connector_url}">Grace Hopper</a>' in connectors
    assert len(badges) == 2 and all(badge in connectees for badge in badges)
    assert f">{status}</td>" in connectees
    assert f"{connector.capacity} / {period}</td>" in connectors
    if accept.startswith("fr"):
        assert status != str(person.status)  # the French words, not the codes


@pytest.mark.parametrize(
    ("path", "factory"), [("/connectees", ConnecteeFactory), ("/connectors", ConnectorFactory)]
)
def test_a_list_reads_its_rows_in_a_fixed_number_of_queries(
    app: Flask, staff_client: FlaskClient, path: str, factory: Any
) -> None:
    """The list loads only the columns it shows; a template reading another column would
    add a query per row, which this counts."""
    from community_node.extensions import db
    from tests.conftest import recorded_statements

    def statements(people: int) -> int:
        for _ in range(people):
            factory()
        db.session.commit()
        with recorded_statements(db.engine) as seen:
            assert staff_client.get(f"{path}?per_page=50").status_code == 200
        return len(seen)

    few = statements(3)
    assert statements(27) == few  # 30 rows read in as many statements as 3


def test_a_person_read_after_a_list_in_one_session_has_every_column(app: Flask) -> None:
    """A list loads a few columns of each person; the same session reading one of them
    whole afterwards (a person page) gets every column, never an error."""
    from community_node.extensions import db
    from community_node.participants import services as participants
    from community_node.web.views import LIST_COLUMNS

    person_id = ConnecteeFactory(phone="+1 902 555 0100").id
    db.session.commit()
    db.session.expunge_all()  # the list is the first to read this person in the session
    args = {"sort": "last_name", "page": 1, "per_page": 50}
    listed = participants.list_persons(
        participants.CONNECTEES, args, only=LIST_COLUMNS["connectees"]
    )
    assert person_id in [p.id for p in listed.items]
    assert participants.get_person(participants.CONNECTEES, person_id).phone == "+1 902 555 0100"
