"""The sender: retries with backoff, dead letters, staff's retry, backends, no personal logs."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from community_node.database import utcnow
from community_node.errors import Conflict
from community_node.extensions import db
from community_node.mail import sender, services
from community_node.mail.messages import signup_received
from community_node.mail.models import MailMessage, MailState
from tests.community_node.factories import ConnecteeFactory
from tests.community_node.mail.conftest import Inbox, SMTPServer, start_server


def queued(count: int = 1) -> list[MailMessage]:
    rows = []
    for _ in range(count):
        message = signup_received(ConnecteeFactory())
        assert message is not None
        rows.append(message)
    db.session.commit()
    return rows


def test_a_refused_message_waits_longer_each_time_then_goes_through(
    app: Flask, inbox: Inbox
) -> None:
    [row] = queued()
    now = utcnow()
    inbox.refusals[:] = ["451 4.3.0 try later", "451 4.3.0 try later"]
    assert sender.send_due(now).failed == 1
    assert row.state == MailState.PENDING and row.attempts == 1
    assert row.next_attempt_at == now + dt.timedelta(seconds=60)
    assert row.last_error == "SMTPDataError 451"
    assert sender.send_due(now + dt.timedelta(seconds=30)).failed == 0  # not due yet
    later = now + dt.timedelta(seconds=61)
    assert sender.send_due(later).failed == 1
    assert row.next_attempt_at == later + dt.timedelta(seconds=120)
    report = sender.send_due(later + dt.timedelta(seconds=121))
    assert (report.sent, row.state, row.attempts) == (1, MailState.SENT, 3)
    [message] = inbox.received
    assert message["Message-ID"] == row.message_id


def test_after_the_last_attempt_it_is_a_dead_letter_staff_can_retry(
    app: Flask, inbox: Inbox
) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    [row] = queued()
    now = utcnow()
    inbox.refusals[:] = ["451 later", "451 later"]
    sender.send_due(now)
    assert sender.send_due(now + dt.timedelta(hours=1)).dead == 1
    assert row.state == MailState.DEAD
    assert [m.id for m in services.dead_letters()] == [row.id]
    assert services.counts()["dead"] == 1
    services.retry(row.id, actor="staff:1", now=now + dt.timedelta(hours=1))
    with pytest.raises(Conflict):
        services.retry(row.id, actor="staff:1")
    assert sender.send_due(now + dt.timedelta(hours=1)).sent == 1
    assert row.state == MailState.SENT and len(inbox.received) == 1


def test_a_permanent_refusal_is_dead_at_once_and_logs_no_address(
    app: Flask, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    [row] = queued()
    inbox.refusals[:] = ["550 5.1.1 <" + row.to_address + ">: no such user"]
    with caplog.at_level(logging.INFO, logger="community_node.mail"):
        assert sender.send_due().dead == 1
    assert row.state == MailState.DEAD and row.last_error == "SMTPDataError 550"
    # Our lines only: the test's SMTP server (aiosmtpd's "mail.log") logs addresses itself.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("community_node"))
    assert row.to_address not in ours and "@" not in ours
    assert f"mail {row.id} (signup_received)" in ours


def test_a_server_that_is_down_leaves_every_message_waiting(app: Flask, inbox: Inbox) -> None:
    rows = queued(3)
    app.config["MAIL_PORT"] = 1  # nothing listens there
    report = sender.send_due()
    assert report.failed == 3 and report.sent == 0
    assert {r.state for r in rows} == {MailState.PENDING}
    assert {r.last_error for r in rows} == {"ConnectionRefusedError"}


def test_wrong_login_is_a_failure_not_a_send(app: Flask, inbox: Inbox) -> None:
    [row] = queued()
    app.config["MAIL_PASSWORD"] = "wrong"
    assert sender.send_due().failed == 1
    assert row.last_error is not None
    assert row.last_error.startswith("SMTPAuthenticationError 535 (login refused")
    assert row.state == MailState.PENDING and inbox.received == []


def test_starttls_is_asked_for_when_configured(app: Flask, inbox: Inbox) -> None:
    # The loopback server offers no TLS: a node told to use STARTTLS must not send in clear.
    [row] = queued()
    app.config["MAIL_USE_TLS"] = True
    assert sender.send_due().sent == 0
    assert row.last_error == "SMTPNotSupportedError" and inbox.received == []


def test_the_file_backend_writes_one_eml_per_message(app: Flask, tmp_path: Path) -> None:
    rows = queued(2)
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path / "out"))
    assert sender.send_due().sent == 2
    files = sorted((tmp_path / "out").glob("*.eml"))
    assert len(files) == 2
    assert {r.message_id.strip("<>").replace("@", "_at_") + ".eml" for r in rows} == {
        f.name for f in files
    }


def test_the_console_backend_prints(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    [row] = queued()
    app.config["MAIL_BACKEND"] = "console"
    assert sender.send_due().sent == 1
    assert row.message_id in capsys.readouterr().out


def test_two_claims_never_share_a_message(app: Flask, smtp_server: SMTPServer) -> None:
    queued(5)
    now = utcnow()
    lease = dt.timedelta(minutes=5)
    first = sender.claim(now, limit=3, lease=lease, worker="a")
    second = sender.claim(now, limit=10, lease=lease, worker="b")
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    # When a lease runs out, the rows are due again for another sender.
    third = sender.claim(now + lease, limit=10, lease=lease, worker="c")
    assert sorted(third) == sorted(first + second)
    states = set(db.session.scalars(select(MailMessage.state)))
    assert states == {MailState.SENDING}


def test_the_mail_settings_are_checked_at_start(app: Flask) -> None:
    from community_node.config import check_mail_settings

    for bad in (
        {"MAIL_BACKEND": "pigeon"},
        {"MAIL_USE_TLS": True, "MAIL_USE_SSL": True},
        {"MAIL_PORT": 0},
        {"PUBLIC_URL": "testville.example"},
    ):
        with pytest.raises(ValueError):
            check_mail_settings({**app.config, **bad})


def test_an_unused_start_server_helper_can_run_without_login() -> None:
    controller, server = start_server()
    try:
        assert server.username is None
    finally:
        controller.stop()
