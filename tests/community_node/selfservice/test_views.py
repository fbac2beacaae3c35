"""/act and /me over HTTP: GET never acts, POST acts once, broken links get a clear page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail import links
from community_node.mail.links import LinkPurpose
from community_node.mail.models import MailMessage
from community_node.matches.models import Match, MatchStatus
from community_node.outcomes.models import FollowUpOutcome
from community_node.participants.models import (
    Connectee,
    Connector,
    ConsentPurpose,
    ProfileStatus,
)
from community_node.selfservice.models import ErasureRequest
from tests.community_node.factories import (
    ConnecteeFactory,
    ConsentFactory,
    MatchFactory,
)


def link(purpose: LinkPurpose, record_id: int, **extra: Any) -> str:
    token = links.make_token(purpose, record_id, extra=extra or None)
    db.session.commit()
    return f"/{'me' if purpose in links.PAGE_PURPOSES else 'act'}/{token}"


def proposed() -> Match:
    now = utcnow()
    return MatchFactory(
        connectee=ConnecteeFactory(status=ProfileStatus.APPROVED),
        proposed_at=now,
        status_changed_at=now,
        expires_at=now + dt.timedelta(days=14),
    )


def status_of(match: Match) -> MatchStatus:
    db.session.expire_all()
    return db.session.get(Match, match.id).status  # type: ignore[union-attr]


def test_get_confirms_and_post_accepts_once(app: Flask, client: FlaskClient) -> None:
    match = proposed()
    url = link(LinkPurpose.MATCH_ACCEPT, match.id)
    page = client.get(url)
    assert page.status_code == 200
    assert b"Yes, introduce us" in page.data
    assert client.get(url).status_code == 200  # a scanner may open it any number of times
    assert status_of(match) is MatchStatus.PROPOSED

    done = client.post(url)
    assert done.status_code == 200 and b"Thank you for accepting" in done.data
    assert b"already-done" not in done.data
    assert status_of(match) is MatchStatus.INTRODUCED
    introductions = db.session.scalar(
        select(func.count(MailMessage.id)).where(MailMessage.purpose == "introduction")
    )
    assert introductions == 2

    again = client.post(url)
    assert again.status_code == 200 and b"already-done" in again.data
    assert client.get(url).status_code == 200
    assert db.session.scalar(select(func.count(MailMessage.id))) == 2


def test_answering_revokes_the_other_answers(app: Flask, client: FlaskClient) -> None:
    match = proposed()
    accept = link(LinkPurpose.MATCH_ACCEPT, match.id)
    decline = link(LinkPurpose.MATCH_DECLINE, match.id)
    assert client.post(accept).status_code == 200
    page = client.post(decline)
    assert page.status_code == 410
    assert b"withdrawn" in page.data
    assert status_of(match) is MatchStatus.INTRODUCED


def test_decline_with_a_reason(app: Flask, client: FlaskClient) -> None:
    match = proposed()
    url = link(LinkPurpose.MATCH_DECLINE, match.id)
    assert b"Decline" in client.get(url).data
    assert client.post(url, data={"reason": "Away all spring"}).status_code == 200
    assert status_of(match) is MatchStatus.DECLINED
    assert b"already-done" in client.post(url).data


def test_snooze_pauses_until_the_chosen_day(app: Flask, client: FlaskClient) -> None:
    match = proposed()
    after = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    url = link(LinkPurpose.MATCH_SNOOZE, match.id, after=after)
    assert after.encode() in client.get(url).data
    bad = client.post(url, data={"until": "2001-01-01"})
    assert bad.status_code == 422 and b"after today" in bad.data
    assert status_of(match) is MatchStatus.PROPOSED
    assert client.post(url, data={"until": after}).status_code == 200
    connector = db.session.get(Connector, match.connector_id)
    assert connector is not None and connector.unavailable_until.isoformat() == after  # type: ignore[union-attr]


def test_a_stale_proposal_says_so(app: Flask, client: FlaskClient) -> None:
    match = proposed()
    url = link(LinkPurpose.MATCH_ACCEPT, match.id)
    match.status = MatchStatus.CANCELLED
    db.session.commit()
    assert client.get(url).status_code == 409
    assert client.post(url).status_code == 409


def test_broken_links_get_a_page_not_a_500(app: Flask, client: FlaskClient) -> None:
    match = proposed()
    url = link(LinkPurpose.MATCH_ACCEPT, match.id)
    assert client.get(url[:-3] + "abc").status_code == 400  # tampered
    assert client.get("/act/not-a-token").status_code == 400
    assert client.get("/act/" + "x" * 5000).status_code == 400
    me = link(LinkPurpose.CONNECTOR_PAGE, match.connector_id)
    assert client.get("/act/" + me.rsplit("/", 1)[1]).status_code == 400  # wrong purpose
    links.revoke(LinkPurpose.MATCH_ACCEPT, match.id)
    db.session.commit()
    revoked = client.post(url)
    assert revoked.status_code == 410 and b"no longer works" in revoked.data
    assert status_of(match) is MatchStatus.PROPOSED


def test_an_expired_link(app: Flask, client: FlaskClient) -> None:
    match = proposed()
    token = links.make_token(
        LinkPurpose.MATCH_ACCEPT, match.id, now=utcnow() - dt.timedelta(days=31)
    )
    db.session.commit()
    assert client.post(f"/act/{token}").status_code == 410
    assert status_of(match) is MatchStatus.PROPOSED


def test_referrals_by_link(app: Flask, client: FlaskClient) -> None:
    match = MatchFactory(
        connectee=ConnecteeFactory(status=ProfileStatus.APPROVED),
        status=MatchStatus.MET,
        first_met_on=dt.date.today() - dt.timedelta(days=3),
    )
    url = link(LinkPurpose.REFERRALS, match.id)
    assert b"Introduction 3" in client.get(url).data
    half = client.post(url, data={"contact_name_1": "Ana", "organisation_1": "Clinic"})
    assert half.status_code == 422 and b"Please fill this in" in half.data
    form = {
        f"{field}_{n}": f"{field} {n}"
        for n in (1, 2, 3)
        for field in ("contact_name", "organisation", "sector")
    }
    assert client.post(url, data=form).status_code == 200
    assert status_of(match) is MatchStatus.REFERRALS_PENDING
    again = client.post(url, data=form)
    assert b"already-done" in again.data
    db.session.expire_all()
    assert len(db.session.get(Match, match.id).referrals) == 3  # type: ignore[union-attr]


def test_survey_by_link(app: Flask, client: FlaskClient) -> None:
    match = MatchFactory(
        connectee=ConnecteeFactory(status=ProfileStatus.APPROVED),
        status=MatchStatus.MET,
        first_met_on=dt.date.today() - dt.timedelta(days=190),
    )
    url = link(LinkPurpose.SURVEY, match.connectee_id, months=6)
    assert b"6 months" in client.get(url).data
    missing = client.post(url, data={"employed": "yes"})
    assert missing.status_code == 422 and b"in your field" in missing.data
    answers = {
        "employed": "yes",
        "in_field": "related",
        "sector": "29",
        "wage_band": "30_to_45",
        "attributed": "yes",
        "usefulness": "4",
    }
    assert client.post(url, data=answers).status_code == 200
    outcome = db.session.scalars(select(FollowUpOutcome)).one()
    assert outcome.category.value == "employed_related_field"
    assert b"already-done" in client.post(url, data=answers).data
    assert b"already-done" in client.get(url).data


def test_connector_page(app: Flask, client: FlaskClient) -> None:
    match = proposed()
    url = link(LinkPurpose.CONNECTOR_PAGE, match.connector_id)
    page = client.get(url)
    assert page.status_code == 200 and b"Your matches" in page.data
    assert b"A newcomer" in page.data  # no name before the introduction
    until = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    assert client.post(f"{url}/pause", data={"until": until}).status_code == 303
    assert client.post(f"{url}/pause", data={"until": "1999-01-01"}).status_code == 422
    saved = client.post(
        f"{url}/availability",
        data={"capacity": "2", "capacity_period": "month", "availability": ["weekends"]},
    )
    assert saved.status_code == 303
    assert client.post(f"{url}/availability", data={"capacity": "9"}).status_code == 422
    assert client.post(f"{url}/preferences", data={}).status_code == 303
    connector = db.session.get(Connector, match.connector_id)
    assert connector is not None
    db.session.refresh(connector)
    assert connector.unavailable_until.isoformat() == until  # type: ignore[union-attr]
    # The day is written the reader's way, in each language.
    paused = connector.unavailable_until
    shown = client.get(url).text
    assert f"no new proposals before {format_date(paused, 'long', locale='en')}" in shown
    assert format_date(paused, "long", locale="fr") in client.get(f"{url}?lang=fr").text
    client.get(f"{url}?lang=en")
    assert (connector.capacity, connector.availability) == (2, ["weekends"])
    assert connector.reminders_opt_out is True
    assert client.post(f"{url}/matches/{match.id}/accept").status_code == 303
    assert status_of(match) is MatchStatus.INTRODUCED
    other = proposed()
    assert client.post(f"{url}/matches/{other.id}/accept").status_code == 404


def test_connectee_page(app: Flask, client: FlaskClient) -> None:
    connectee = ConnecteeFactory()
    consent = ConsentFactory(
        connectee_id=connectee.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS
    )
    url = link(LinkPurpose.CONNECTEE_PAGE, connectee.id)
    page = client.get(url)
    assert page.status_code == 200 and b"Your introductions and meetings" in page.data
    assert b"Your availability" not in page.data
    assert client.post(f"{url}/pause", data={"until": "2030-01-01"}).status_code == 404
    moved = client.post(f"{url}/contact", data={"email": "New@Example.org", "phone": ""})
    assert moved.status_code == 303
    assert client.post(f"{url}/contact", data={"email": "nope"}).status_code == 422
    taken = ConnecteeFactory()
    assert client.post(f"{url}/contact", data={"email": taken.email}).status_code == 409
    assert client.post(f"{url}/consents/{consent.id}/withdraw").status_code == 303
    assert client.post(f"{url}/erasure").status_code == 303
    assert client.post(f"{url}/erasure").status_code == 303
    db.session.expire_all()
    person = db.session.get(Connectee, connectee.id)
    assert person is not None and person.email == "new@example.org"
    assert len(db.session.scalars(select(ErasureRequest)).all()) == 1
    assert b"You asked for your data to be erased" in client.get(url).data
