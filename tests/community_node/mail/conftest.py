"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import ssl
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


def candidate_ports() -> list[int]:
    """Our range, starting at a place of its own per xdist worker, so workers rarely race."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = (int(worker[2:]) if worker[2:].isdigit() else 0) * 25 % len(PORTS)
    ports = list(PORTS)
    return ports[offset:] + ports[:offset]


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
        # handled=False: aiosmtpd answers a refusal with 535 (by default it stays silent,
        # as if the authenticator had answered, and the client waits until it times out).
        return AuthResult(success=ok, handled=False)


class _Controller(Controller):
    def factory(self) -> Any:
        # Login without TLS is what this loopback test server is for; aiosmtpd warns.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


def _free(port: int) -> bool:
    """Probe with a plain socket: a failed Controller.start leaves its loop behind."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_server(
    *,
    login: tuple[str, str] | None = None,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    mechanisms: tuple[str, ...] = ("LOGIN", "PLAIN"),
) -> tuple[Controller, SMTPServer]:
    """A server on a free port of ours: with a login, STARTTLS or TLS from the first byte
    (with these server contexts), offering only the login ``mechanisms``."""
    inbox = Inbox()
    kwargs: dict[str, Any] = {}
    if login:
        # Without TLS, plain login on loopback only: a test server, no certificate. With
        # TLS from the first byte the login is encrypted too, but aiosmtpd counts only a
        # STARTTLS connection as TLS, so only that one can require it.
        kwargs.update(
            authenticator=_Authenticator(*login),
            auth_require_tls=starttls is not None,
            auth_required=True,
            auth_exclude_mechanism=[m for m in ("LOGIN", "PLAIN") if m not in mechanisms],
        )
    if starttls is not None:
        kwargs.update(tls_context=starttls, require_starttls=True)
    if implicit_tls is not None:
        kwargs.update(ssl_context=implicit_tls)
    for port in candidate_ports():
        if not _free(port):
            continue
        controller = _Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        try:
            controller.start()
        except (OSError, RuntimeError):  # taken by another test process: try the next
            continue
        return controller, SMTPServer("127.0.0.1", port, inbox, *(login or (None, None)))
    raise RuntimeError("no free port in 18600-18649")


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
