"""Mail sender speed: ``connector-node mail send``'s loop delivering 500 messages to a local
SMTP server (aiosmtpd on loopback), beside raw ``smtplib`` sending the same 500 MIME
messages over one connection in the same run (the floor: no database, no claims).

The sender does what it does in production: claims batches under a lease, builds each
message from its outbox row, sends, and commits each row's outcome before the next.
"""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from bench import Result, node_app
from bench.sync_push import RateFigure
from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail import messages, sender
from community_node.mail.models import MailMessage, MailState

MESSAGES = 500
TARGET_RATE = 50.0  # messages/s


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[int, _Counter]]:
    handler = _Counter()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


def run(label: str, url: str | None) -> list[Result]:
    with smtp_server() as (port, handler), node_app(url) as app:
        app.config.update(
            MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False
        )
        day = utcnow().date()
        for n in range(MESSAGES):
            messages.staff_digest(
                n + 1, f"staff{n}@example.org", "Sam", {"signups": n % 7 + 1}, day=day
            )
        db.session.commit()
        started = time.perf_counter()
        report = sender.send_due()
        elapsed = time.perf_counter() - started
        assert report.sent == MESSAGES and handler.count == MESSAGES, report
        rows = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
        assert {row.state for row in rows} == {MailState.SENT}
        built = [sender.build_email(row, str(app.config["MAIL_FROM"])) for row in rows]
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            for message in built:
                client.send_message(message)
        raw = time.perf_counter() - started
    return [
        RateFigure(
            f"mail send, {MESSAGES} messages to local SMTP [{label}]",
            MESSAGES / elapsed,
            "messages/s",
            TARGET_RATE,
            note=f"{elapsed:.2f} s",
        ),
        RateFigure(
            f"  reference: raw smtplib, the same {MESSAGES} messages [{label}]",
            MESSAGES / raw,
            "messages/s",
            note=f"{raw:.2f} s; no database",
        ),
    ]


if __name__ == "__main__":
    import os

    for result in run("SQLite", None) + (
        run("PostgreSQL", os.environ["BENCH_POSTGRES_URL"])
        if os.environ.get("BENCH_POSTGRES_URL")
        else []
    ):
        print(result.line())
