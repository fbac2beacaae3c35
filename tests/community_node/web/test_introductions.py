"""Cross-city introductions in the staff UI: lists, refresh, request, answer, the card."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from community_node.extensions import db
from community_node.introductions import services
from community_node.introductions.models import (
    CrossCityIntro,
    IntroDirection,
    IntroStatus,
    NodeKeyPair,
)
from community_node.participants.models import ConsentPurpose, ProfileStatus
from community_node.sync.models import HubConnection, ListedConnector
from community_node.web import introductions as pages
from shared.crypto import seal_text, unseal_text
from shared.hubclient import HubRejected, HubUnavailable
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory, ConsentFactory
from tests.community_node.introductions.fakehub import FakeIntrosHub

HIT = {
    "profile": {"id": 77, "community": "st-louis", "occupation": "29-1141",
                "occupation_title": "Registered Nurses", "experience_band": "10-19",
                "languages": [{"language": "ara", "level": "native"}]},
    "score": 0.87,
    "contributions": {"occupation": 0.5},
    "reasons": ["Same occupation: Registered Nurses"],
}  # fmt: skip


@pytest.fixture
def hub(app: Flask) -> FakeIntrosHub:
    """The hub port faked as the introductions service tests fake it."""
    fake = FakeIntrosHub(hits=[HIT])
    app.config["INTROS_CLIENT_FACTORY"] = lambda connection: fake
    db.session.add(
        HubConnection(
            url="http://127.0.0.1:1", client_id="x", client_secret="y", community="halifax"
        )
    )
    db.session.commit()
    return fake


@pytest.fixture
def consenting() -> Any:
    connectee = ConnecteeFactory(
        first_name="Amira", last_name="Haddad", status=ProfileStatus.APPROVED
    )
    ConsentFactory(connectee_id=connectee.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    return connectee


@pytest.fixture
def staff(staff_client: FlaskClient) -> FlaskClient:
    return staff_client


@pytest.fixture
def viewer(viewer_client: FlaskClient) -> FlaskClient:
    return viewer_client


def rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]


def intros() -> list[CrossCityIntro]:
    db.session.expire_all()
    return list(db.session.scalars(select(CrossCityIntro).order_by(CrossCityIntro.id)))


def our_connector_asked_for(hub: FakeIntrosHub, hub_id: int = 5) -> Any:
    """Another city asks for our connector: the hub's feed has it (a refresh brings it)."""
    connector = ConnectorFactory(first_name="Jordan", last_name="Lee", phone="+1 314 555 0101")
    ref = f"{hub_id:032d}"
    db.session.add(ListedConnector(connector_id=connector.id, ref=ref, listed=True, version=1))
    db.session.commit()
    hub.feed.append(
        hub.view(hub_id, direction="incoming", connector_ref=ref, consent_ref=None,
                 from_community="st-louis", to_community="halifax")
    )  # fmt: skip
    return connector


def ask_for_our_connector(hub: FakeIntrosHub, staff: FlaskClient, hub_id: int = 5) -> Any:
    """The request arrives, brought by the page's "Refresh from hub" button."""
    connector = our_connector_asked_for(hub, hub_id)
    response = staff.post("/introductions/sync", data={"direction": "incoming"})
    assert response.status_code == 303, response.text
    return connector


def test_refresh_brings_the_inbox_with_names_age_and_state(
    staff: FlaskClient, hub: FakeIntrosHub
) -> None:
    connector = ask_for_our_connector(hub, staff)
    html = staff.get("/introductions?direction=incoming").text
    assert "Refreshed from the hub: 1 introduction updated, 1 new in the inbox" in html
    (intro,) = intros()
    assert rows(html) == [intro.id]
    assert connector.full_name in html and "St Louis" in html and "st-louis" not in html
    assert "Registered Nurses" in html and "29-1141" not in html
    age = (dt.datetime.now(dt.UTC) - dt.datetime(2026, 3, 1, tzinfo=dt.UTC)).days
    assert f'<td class="age">{age} days</td>' in html
    assert 'id="waiting-incoming" title="waiting for an answer">1<' in html
    assert 'id="waiting-outgoing" title="waiting for an answer">0<' in html
    assert rows(staff.get("/introductions").text) == [intro.id]  # the inbox comes first
    # Our requests is the other list; the filter narrows by state.
    assert rows(staff.get("/introductions?direction=outgoing").text) == []
    assert rows(staff.get("/introductions?direction=incoming&status=accepted").text) == []
    assert rows(staff.get("/introductions?direction=incoming&status=requested").text) == [intro.id]
    bad = staff.get("/introductions?status=maybe")
    assert bad.status_code == 200 and "Status: Must be one of" in bad.text


def test_the_lists_are_paginated(
    staff: FlaskClient, hub: FakeIntrosHub, consenting: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PER_PAGE", 2)
    for profile_id in (71, 72, 73):
        body = {"connectee_id": consenting.id, "directory_profile_id": profile_id}
        assert staff.post("/introductions/request", data=body).status_code == 303
    ids = [i.id for i in intros()]
    first = staff.get("/introductions?direction=outgoing").text
    assert len(rows(first)) == 2 and 'rel="next"' in first and "Page 1 of 2" in first
    second = staff.get("/introductions?direction=outgoing&page=2").text
    assert len(rows(second)) == 1 and 'rel="prev"' in second
    assert sorted(rows(first) + rows(second)) == ids


def test_refresh_says_when_no_hub_is_configured_or_it_is_down(
    staff: FlaskClient, app: Flask
) -> None:
    response = staff.post("/introductions/sync")
    assert response.status_code == 409
    assert "No hub is configured" in response.text and "Cross-city introductions" in response.text
    fake = FakeIntrosHub(fail=HubUnavailable("connection refused"))
    app.config["INTROS_CLIENT_FACTORY"] = lambda connection: fake
    db.session.add(HubConnection(url="http://127.0.0.1:1", client_id="x", client_secret="y"))
    db.session.commit()
    response = staff.post("/introductions/sync")
    assert response.status_code == 503
    assert "could not be reached" in response.text and "Nothing was lost" in response.text


def test_the_request_page_searches_the_directory_with_the_pitch(
    staff: FlaskClient, hub: FakeIntrosHub, consenting: Any
) -> None:
    ConnecteeFactory(first_name="Waiting", status=ProfileStatus.SUBMITTED)
    picker = staff.get("/introductions/new?q=Haddad").text
    assert consenting.full_name in picker and "Waiting" not in picker
    html = staff.get(f"/introductions/new?connectee_id={consenting.id}").text
    ((kind, seeker),) = hub.calls
    assert kind == "search" and seeker["target_occupation"] == consenting.target_occupation
    assert "Registered Nurses in St Louis" in html and "Same occupation" in html
    assert 'name="directory_profile_id" value="77"' in html
    assert consenting.email not in html.split("connectors stay anonymous")[0].split("only this")[1]
    assert staff.get("/introductions/new?connectee_id=99999").status_code == 404
    assert staff.get("/introductions/new?connectee_id=abc").status_code == 404


def test_without_consent_no_request_button(staff: FlaskClient, hub: FakeIntrosHub) -> None:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    html = staff.get(f"/introductions/new?connectee_id={connectee.id}").text
    assert 'id="no-consent"' in html and "Request introduction" not in html


def test_the_request_page_without_a_hub(staff: FlaskClient, consenting: Any) -> None:
    response = staff.get(f"/introductions/new?connectee_id={consenting.id}")
    assert response.status_code == 409 and "No hub is configured" in response.text


def test_request_posts_through_the_service_and_opens_the_introduction(
    staff: FlaskClient, hub: FakeIntrosHub, consenting: Any
) -> None:
    body = {"connectee_id": consenting.id, "directory_profile_id": 77}
    response = staff.post("/introductions/request", data=body)
    assert response.status_code == 303
    (intro,) = intros()
    assert response.headers["Location"] == f"/introductions/{intro.id}"
    assert intro.direction is IntroDirection.OUTGOING and intro.connectee_id == consenting.id
    assert intro.directory_profile_id == 77
    assert [kind for kind, _ in hub.calls] == ["request"]
    html = staff.get(response.headers["Location"]).text
    assert "Requested an introduction for Amira Haddad to a connector in Stlouis" in html
    assert "Withdraw the request" in html and "Accept" not in html
    assert "Contact cards are exchanged only once the request is accepted" in html


def test_request_errors_are_shown_with_their_status(
    staff: FlaskClient, hub: FakeIntrosHub, consenting: Any
) -> None:
    missing = staff.post("/introductions/request", data={"connectee_id": consenting.id})
    assert missing.status_code == 422
    assert "Connector: Missing data for required field." in missing.text
    unknown = staff.post(
        "/introductions/request", data={"connectee_id": 99999, "directory_profile_id": 77}
    )
    assert unknown.status_code == 422 and "Connectee: No connectee 99999." in unknown.text
    other = ConnecteeFactory(status=ProfileStatus.APPROVED)
    refused = staff.post(
        "/introductions/request", data={"connectee_id": other.id, "directory_profile_id": 77}
    )
    assert refused.status_code == 409 and "consent to cross-city introductions" in refused.text
    body = {"connectee_id": consenting.id, "directory_profile_id": 77}
    hub.fail = HubRejected("x", status=409, body={"message": "profile not accepting"})
    taken = staff.post("/introductions/request", data=body)
    assert taken.status_code == 409 and "The hub refused: profile not accepting" in taken.text
    hub.fail = HubUnavailable("down")
    down = staff.post("/introductions/request", data=body)
    assert down.status_code == 503 and "could not be reached" in down.text
    assert intros() == []
    assert "request" not in [kind for kind, _ in hub.calls]  # the hub stored none


def test_accept_on_the_connectors_behalf_sends_the_sealed_card(
    staff: FlaskClient, hub: FakeIntrosHub
) -> None:
    connector = ask_for_our_connector(hub, staff)
    (intro,) = intros()
    url = f"/introductions/{intro.id}"
    html = staff.get(url).text
    assert f"St Louis asks to meet {connector.full_name}" in html
    assert f'action="/introductions/{intro.id}/accept"' in html
    assert f'action="/introductions/{intro.id}/decline"' in html
    assert "Withdraw the request" not in html
    assert staff.post(f"{url}/withdraw").status_code == 409

    response = staff.post(f"{url}/accept")
    assert response.status_code == 303 and response.headers["Location"] == url
    (intro,) = intros()
    assert intro.status is IntroStatus.ACCEPTED and intro.card_sent
    (_, (hub_id, sealed)) = hub.calls[-1]
    card = json.loads(unseal_text(FakeIntrosHub.peer.private, sealed))
    assert card["name"] == connector.full_name and card["role"] == "connector"
    html = staff.get(url).text
    assert "Accepted on the connector" in html and "/accept" not in html and "/decline" not in html
    assert "contact card has not arrived yet" in html
    again = staff.post(f"{url}/decline")
    assert again.status_code == 409 and "already accepted" in again.text

    # The other city's card arrives with the next refresh and is shown, opened.
    ours = db.session.scalars(select(NodeKeyPair)).one().public_key
    theirs = {"role": "connectee", "name": "Amira Haddad", "email": "amira@example.org",
              "phone": "+1 902 555 0100", "community": "st-louis"}  # fmt: skip
    hub.feed.append(
        hub.view(5, seq=50, status="accepted", card_sent=True,
                 peer_card=seal_text(ours, json.dumps(theirs).encode()))
    )  # fmt: skip
    assert staff.post("/introductions/sync").status_code == 303
    html = staff.get(url).text
    assert 'id="their-card"' in html and "Amira Haddad" in html
    assert 'href="mailto:amira@example.org"' in html and "+1 902 555 0100" in html


def test_the_card_is_never_shown_before_acceptance(staff: FlaskClient, hub: FakeIntrosHub) -> None:
    ask_for_our_connector(hub, staff)
    (intro,) = intros()
    intro.their_card = {"name": "Should Not Show", "email": "hidden@example.org"}
    db.session.commit()
    html = staff.get(f"/introductions/{intro.id}").text
    assert "Should Not Show" not in html and "hidden@example.org" not in html


def test_decline_and_withdraw(staff: FlaskClient, hub: FakeIntrosHub, consenting: Any) -> None:
    ask_for_our_connector(hub, staff)
    (incoming,) = intros()
    assert staff.post(f"/introductions/{incoming.id}/decline").status_code == 303
    body = {"connectee_id": consenting.id, "directory_profile_id": 77}
    outgoing_url = staff.post("/introductions/request", data=body).headers["Location"]
    response = staff.post(f"{outgoing_url}/withdraw")
    assert response.status_code == 303
    html = staff.get(outgoing_url).text
    assert "Withdrew the request" in html and "Withdraw the request</button>" not in html
    assert [i.status for i in intros()] == [IntroStatus.DECLINED, IntroStatus.WITHDRAWN]
    assert staff.post(f"{outgoing_url}/accept").status_code == 409
    assert staff.post("/introductions/99999/accept").status_code == 404


def test_a_hub_failure_on_accept_is_shown_not_a_500(staff: FlaskClient, hub: FakeIntrosHub) -> None:
    ask_for_our_connector(hub, staff)
    (intro,) = intros()
    hub.fail = HubUnavailable("timed out")
    response = staff.post(f"/introductions/{intro.id}/accept")
    assert response.status_code == 503 and "could not be reached" in response.text
    assert f'action="/introductions/{intro.id}/accept"' in response.text  # try again
    assert intros()[0].status is IntroStatus.REQUESTED


def test_a_viewer_sees_but_cannot_act(
    viewer: FlaskClient, hub: FakeIntrosHub, consenting: Any
) -> None:
    # (One session per test: the test's app context would share the login between clients.)
    our_connector_asked_for(hub)
    services.sync()
    (intro,) = intros()
    listing = viewer.get("/introductions").text
    assert rows(listing) == [intro.id] and "Refresh from hub" not in listing
    assert "Request an introduction" not in listing
    html = viewer.get(f"/introductions/{intro.id}").text
    assert "<button" not in html.split("<main")[1]
    page = viewer.get(f"/introductions/new?connectee_id={consenting.id}").text
    assert "Registered Nurses in St Louis" in page and "Request introduction" not in page
    calls = len(hub.calls)
    for action in ("accept", "decline", "withdraw"):
        assert viewer.post(f"/introductions/{intro.id}/{action}").status_code == 403
    assert viewer.post("/introductions/sync").status_code == 403
    body = {"connectee_id": consenting.id, "directory_profile_id": 77}
    assert viewer.post("/introductions/request", data=body).status_code == 403
    assert len(hub.calls) == calls and len(intros()) == 1
    assert intros()[0].status is IntroStatus.REQUESTED
