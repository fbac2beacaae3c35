"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

#: This test tree's ports (the helpers of the project share one machine).
PORTS = range(18600, 18650)


def free_port() -> int:
    """A loopback port of our range nobody listens on now."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18600-18649")


@dataclass
class Inbox:
    """What the server accepted, and answers to give next (e.g. 451 then 250)."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    # Codes to answer DATA with, one per message, before accepting normally.
    refusals: list[str] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def by_subject(self, subject: str) -> list[EmailMessage]:
        return [m for m in self.received if m["Subject"] == subject]

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)


@dataclass
class SMTPServer:
    host: str
    port: int
    inbox: Inbox
    username: str | None = None
    password: str | None = None

    def config(self) -> dict[str, Any]:
        """The node settings that send to this server."""
        return {
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": self.host,
            "MAIL_PORT": self.port,
            "MAIL_USERNAME": self.username,
            "MAIL_PASSWORD": self.password,
            "MAIL_FROM": "Testville Connectors <program@testville.example>",
            "MAIL_TIMEOUT_SECONDS": 5,
        }


class _Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == self.username
            and data.password == self.password
        )
        return AuthResult(success=ok)


class _Controller(Controller):
    def factory(self) -> Any:
        # Login without TLS is what this loopback test server is for; aiosmtpd warns.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


def start_server(*, login: tuple[str, str] | None = None) -> tuple[Controller, SMTPServer]:
    inbox = Inbox()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if login:
        # Plain login on loopback only: a test server, no certificate to manage.
        kwargs.update(
            authenticator=_Authenticator(*login), auth_require_tls=False, auth_required=True
        )
    controller = _Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    server = SMTPServer("127.0.0.1", port, inbox, *(login or (None, None)))
    return controller, server


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    """One server for the session; tests clear its inbox through ``inbox``."""
    controller, server = start_server(login=("node", "s3cret-pass"))
    yield server
    controller.stop()


@pytest.fixture
def inbox(smtp_server: SMTPServer) -> Iterator[Inbox]:
    smtp_server.inbox.received.clear()
    smtp_server.inbox.envelopes.clear()
    smtp_server.inbox.refusals.clear()
    smtp_server.inbox.delay = 0.0
    yield smtp_server.inbox


@pytest.fixture
def app_config(smtp_server: SMTPServer) -> dict[str, Any]:
    return {
        **smtp_server.config(),
        "PUBLIC_URL": "https://testville.example",
        "MAIL_RETRY_SECONDS": 60,
    }
