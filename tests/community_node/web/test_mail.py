"""The outbox page: counts, dead letters without addresses, Retry for coordinators only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from community_node.extensions import db
from community_node.mail.messages import signup_received
from community_node.mail.models import MailMessage, MailState
from tests.community_node.factories import ConnecteeFactory


def dead_letter() -> MailMessage:
    message = signup_received(ConnecteeFactory())
    assert message is not None
    message.state, message.attempts, message.last_error = MailState.DEAD, 8, "SMTPDataError 550"
    db.session.commit()
    return message


def test_staff_see_dead_letters_and_retry_one(app: Flask, staff_client: FlaskClient) -> None:
    message = dead_letter()
    page = staff_client.get("/mail")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="count-dead">1<' in html and "SMTPDataError 550" in html
    assert message.to_address not in html  # the page names the person's record, not the address
    assert f'href="/connectees/{message.recipient_id}"' in html
    answer = staff_client.post(f"/mail/{message.id}/retry")
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(MailMessage, message.id).state == MailState.PENDING
    again = staff_client.post(f"/mail/{message.id}/retry")
    assert again.status_code == 409 and "not dead" in again.get_data(as_text=True)
    assert staff_client.post("/mail/999999/retry").status_code == 404


def test_viewers_see_the_page_but_cannot_retry(app: Flask, viewer_client: FlaskClient) -> None:
    message = dead_letter()
    html = viewer_client.get("/mail").get_data(as_text=True)
    assert "Retry" not in html
    assert viewer_client.post(f"/mail/{message.id}/retry").status_code == 403
    assert db.session.get(MailMessage, message.id).state == MailState.DEAD


def test_the_page_needs_a_login(client: FlaskClient) -> None:
    assert client.get("/mail").status_code in (302, 303)
