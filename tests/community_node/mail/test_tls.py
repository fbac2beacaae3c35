"""The sender over real TLS: STARTTLS and TLS from the first byte, each with a login.

The certificates come from a throwaway CA made for the test run (trustme); the node
trusts it only through NODE_MAIL_CA_FILE, so a node without it must refuse the server.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from flask import Flask

from community_node.extensions import db
from community_node.mail import sender
from community_node.mail.messages import signup_received
from community_node.mail.models import MailMessage, MailState
from tests.community_node.factories import ConnecteeFactory
from tests.community_node.mail.conftest import SMTPServer, start_server

LOGIN = ("node@testville.example", "tls-only-p4ss")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "mail-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _serve(**kwargs: Any) -> Iterator[SMTPServer]:
    controller, server = start_server(login=LOGIN, **kwargs)
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(server_context: ssl.SSLContext) -> Iterator[SMTPServer]:
    yield from _serve(starttls=server_context)


@pytest.fixture
def tls_server(server_context: ssl.SSLContext) -> Iterator[SMTPServer]:
    yield from _serve(implicit_tls=server_context)


def queued() -> MailMessage:
    message = signup_received(ConnecteeFactory())
    assert message is not None
    db.session.commit()
    return message


def use(app: Flask, server: SMTPServer, ca_file: str | None, **settings: Any) -> None:
    app.config.update(server.config(), MAIL_CA_FILE=ca_file, **settings)


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_starttls_with_a_login_delivers(
    app: Flask, server_context: ssl.SSLContext, ca_file: str, mechanism: str
) -> None:
    for server in _serve(starttls=server_context, mechanisms=(mechanism,)):
        row = queued()
        use(app, server, ca_file, MAIL_USE_TLS=True)
        assert sender.send_due().sent == 1
        server.inbox.wait_for(1)
        assert row.state == MailState.SENT
        [message] = server.inbox.received
        assert message["Message-ID"] == row.message_id


def test_the_server_refuses_a_login_before_starttls(
    app: Flask, starttls_server: SMTPServer, ca_file: str
) -> None:
    # The node never logs in over a connection it did not encrypt first.
    row = queued()
    use(app, starttls_server, ca_file, MAIL_USE_TLS=False)
    assert sender.send_due().sent == 0
    assert row.state == MailState.PENDING and starttls_server.inbox.received == []


def test_implicit_tls_with_a_login_delivers(
    app: Flask, tls_server: SMTPServer, ca_file: str
) -> None:
    row = queued()
    use(app, tls_server, ca_file, MAIL_USE_SSL=True)
    assert sender.send_due().sent == 1
    tls_server.inbox.wait_for(1)
    assert row.state == MailState.SENT and len(tls_server.inbox.received) == 1


@pytest.mark.parametrize("mode", ["MAIL_USE_TLS", "MAIL_USE_SSL"])
def test_a_wrong_password_is_retried_then_dead_with_a_clear_reason_and_no_password_logged(
    app: Flask,
    starttls_server: SMTPServer,
    tls_server: SMTPServer,
    ca_file: str,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    server = starttls_server if mode == "MAIL_USE_TLS" else tls_server
    row = queued()
    wrong = "Wr0ng-but-secret-value"
    use(app, server, ca_file, MAIL_PASSWORD=wrong, MAIL_MAX_ATTEMPTS=2, **{mode: True})
    caplog.set_level(logging.DEBUG)

    first = sender.send_due()
    assert first.failed == 1 and first.sent == 0
    assert row.state == MailState.PENDING and row.attempts == 1
    assert row.last_error is not None and "login refused" in row.last_error
    assert "NODE_MAIL_PASSWORD" in row.last_error

    row.next_attempt_at = row.created_at  # due again now
    db.session.commit()
    second = sender.send_due()
    assert second.dead == 1 and row.state == MailState.DEAD
    assert row.last_error.startswith("SMTPAuthenticationError 535")
    assert server.inbox.received == []
    assert wrong not in caplog.text and wrong not in row.last_error
    assert any("login refused" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("mode", ["MAIL_USE_TLS", "MAIL_USE_SSL"])
def test_an_untrusted_certificate_is_refused(
    app: Flask, starttls_server: SMTPServer, tls_server: SMTPServer, mode: str
) -> None:
    # No NODE_MAIL_CA_FILE: the test CA is in no system store, so nothing is sent.
    server = starttls_server if mode == "MAIL_USE_TLS" else tls_server
    row = queued()
    use(app, server, None, **{mode: True})
    assert sender.send_due().sent == 0
    assert row.state == MailState.PENDING
    assert row.last_error is not None and row.last_error.startswith("SSLCertVerificationError")
    assert server.inbox.received == []


def test_a_certificate_for_another_name_is_refused(
    app: Flask, ca: trustme.CA, ca_file: str
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("mail.elsewhere.example").configure_cert(context)
    for server in _serve(implicit_tls=context):
        row = queued()
        use(app, server, ca_file, MAIL_USE_SSL=True)
        assert sender.send_due().sent == 0
        assert row.last_error is not None and row.last_error.startswith("SSLCertVerificationError")


def test_the_ca_file_must_exist(app: Flask, tmp_path: Path) -> None:
    from community_node.config import check_mail_settings

    with pytest.raises(ValueError, match="NODE_MAIL_CA_FILE"):
        check_mail_settings({**app.config, "MAIL_CA_FILE": str(tmp_path / "missing.pem")})
