"""Delivering the outbox: claim due messages under a lease, send, mark each one.

At most one duplicate per crash: a sender claims a batch (one UPDATE, so two senders
never share a row), then commits each message's outcome right after sending it. A
sender killed between sending and committing leaves only that one message claimed;
when the lease runs out another sender sends it again, with the same ``Message-ID``.
A message that fails waits ``MAIL_RETRY_SECONDS`` × 2^(attempts−1) (at most 6 hours);
after ``MAIL_MAX_ATTEMPTS`` failures, or at once on a permanent (5xx) refusal, it is a
dead letter that staff can retry from ``/mail``. Log lines name outbox ids, purposes
and SMTP codes, never an address or a name.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import socket
import ssl
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import and_, or_, select, update

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail.models import MailMessage, MailState

log = logging.getLogger(__name__)

#: The longest a failed message waits before its next try.
MAX_BACKOFF = dt.timedelta(hours=6)


class Transport(Protocol):
    """An open connection that delivers one message at a time."""

    def send(self, message: Message) -> None: ...


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    dead: int

    def __str__(self) -> str:
        if not (self.sent or self.failed or self.dead):
            return "No messages to send."
        return f"Sent {self.sent} message(s); {self.failed} to retry; {self.dead} dead."


def build_email(row: MailMessage, sender: str) -> Message:
    """The MIME message of an outbox row: text, HTML alternative, attachments.

    Built with the ``email.mime`` classes (the compat32 policy): the modern policy parses
    every header it is given, which cost most of a message's time.
    """
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(row.body_text, "plain", "utf-8"))
    body.attach(MIMEText(row.body_html, "html", "utf-8"))
    message: Message = body
    if row.attachments:
        message = MIMEMultipart("mixed")
        message.attach(body)
        for item in row.attachments:
            maintype, _, rest = str(item["content_type"]).partition("/")
            subtype, *params = [p.strip() for p in rest.split(";")]
            part = MIMEText(str(item["content"]), subtype, "utf-8")
            for param in params:
                key, _, value = param.partition("=")
                part.set_param(key, value)
            part.add_header("Content-Disposition", "attachment", filename=str(item["filename"]))
            message.attach(part)
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = Header(row.subject, "utf-8").encode()
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    message["Content-Language"] = row.language
    message["Auto-Submitted"] = "auto-generated"
    return message


class _SMTPTransport:
    def __init__(self, client: smtplib.SMTP) -> None:
        self.client = client

    def send(self, message: Message) -> None:
        self.client.send_message(message)


class _ConsoleTransport:
    def send(self, message: Message) -> None:
        sys.stdout.write(message.as_string() + "\n" + "-" * 72 + "\n")


class _FileTransport:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def send(self, message: Message) -> None:
        name = str(message["Message-ID"]).strip("<>").replace("@", "_at_").replace("/", "_")
        (self.directory / f"{name}.eml").write_bytes(bytes(message))


def tls_context(config: Any) -> ssl.SSLContext:
    """Verify the mail server's certificate and name: against the system's CAs, or those
    in NODE_MAIL_CA_FILE (a private CA). smtplib's own default verifies neither."""
    return ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)


@contextmanager
def open_transport(config: Any) -> Iterator[Transport]:
    """Open the configured backend (NODE_MAIL_BACKEND) for one run."""
    backend = config["MAIL_BACKEND"]
    if backend == "console":
        yield _ConsoleTransport()
        return
    if backend == "file":
        directory = config["MAIL_FILE_DIR"] or os.path.join(current_app.instance_path, "mail")
        yield _FileTransport(Path(directory))
        return
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config["MAIL_TIMEOUT_SECONDS"])
    client: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(config))
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"]:
            client.starttls(context=tls_context(config))
        if config["MAIL_USERNAME"]:
            client.login(str(config["MAIL_USERNAME"]), str(config["MAIL_PASSWORD"] or ""))
        yield _SMTPTransport(client)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _due(now: dt.datetime) -> Any:
    return or_(
        and_(MailMessage.state == MailState.PENDING, MailMessage.next_attempt_at <= now),
        and_(MailMessage.state == MailState.SENDING, MailMessage.lease_until <= now),
    )


def claim(now: dt.datetime, *, limit: int, lease: dt.timedelta, worker: str) -> list[int]:
    """Take up to ``limit`` due messages for ``worker`` until ``now + lease``; commit."""
    due_ids = select(MailMessage.id).where(_due(now)).order_by(MailMessage.id).limit(limit)
    # One UPDATE re-checks the due condition on each row: a row another sender took
    # in the meantime no longer matches, so no message is claimed twice.
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id.in_(due_ids.scalar_subquery()), _due(now))
        .values(state=MailState.SENDING, lease_until=now + lease, claimed_by=worker)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(MailMessage.id)
            .where(MailMessage.claimed_by == worker, MailMessage.state == MailState.SENDING)
            .order_by(MailMessage.id)
        )
    )


def _error_text(exc: BaseException) -> tuple[str, bool]:
    """A reason without personal data (no server text: it may quote the address), and
    whether the refusal is permanent."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # The node's settings are wrong, not the message: it waits for a fixed password.
        hint = "login refused: check NODE_MAIL_USERNAME and NODE_MAIL_PASSWORD"
        return f"SMTPAuthenticationError {exc.smtp_code} ({hint})", False
    if isinstance(exc, ssl.SSLCertVerificationError):
        hint = "the server's certificate is not trusted: see NODE_MAIL_CA_FILE"
        return f"SSLCertVerificationError ({hint})", False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"recipient refused ({', '.join(map(str, codes))})", all(c >= 500 for c in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}", exc.smtp_code >= 500
    return type(exc).__name__, False


def backoff(attempts: int, base_seconds: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class _Claimed:
    """What a run needs of a claimed row, read once: marking it is a Core UPDATE, so a
    commit after each message reloads nothing."""

    id: int
    purpose: str
    attempts: int
    email: Message


def _record_failure(item: _Claimed, exc: BaseException, now: dt.datetime, config: Any) -> bool:
    """Count a failed try; the row waits for its next one, or is dead. No commit."""
    reason, permanent = _error_text(exc)
    attempts = item.attempts + 1
    dead = permanent or attempts >= int(config["MAIL_MAX_ATTEMPTS"])
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_error": reason[:500],
        "lease_until": None,
        "claimed_by": None,
        "state": MailState.DEAD if dead else MailState.PENDING,
    }
    if not dead:
        values["next_attempt_at"] = now + backoff(attempts, int(config["MAIL_RETRY_SECONDS"]))
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == item.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    log.warning(
        "mail %s (%s) attempt %d failed: %s%s",
        item.id,
        item.purpose,
        attempts,
        reason,
        "; dead letter" if dead else "",
    )
    return dead


def _mark_sent(item: _Claimed, now: dt.datetime) -> None:
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == item.id)
        .values(
            state=MailState.SENT,
            sent_at=now,
            attempts=item.attempts + 1,
            lease_until=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )


def _release(ids: list[int], worker: str) -> None:
    """Give back claimed messages this run will not try (the server went away)."""
    if ids:
        db.session.execute(
            update(MailMessage)
            .where(MailMessage.id.in_(ids), MailMessage.claimed_by == worker)
            .values(state=MailState.PENDING, lease_until=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def _load(ids: list[int], worker: str, sender_address: str) -> list[_Claimed]:
    rows = db.session.scalars(
        select(MailMessage)
        .where(MailMessage.id.in_(ids), MailMessage.claimed_by == worker)
        .order_by(MailMessage.id)
    ).all()
    return [_Claimed(r.id, r.purpose, r.attempts, build_email(r, sender_address)) for r in rows]


def send_due(now: dt.datetime | None = None, *, limit: int | None = None) -> SendReport:
    """Deliver every due message, batch by batch, until none is due."""
    config = current_app.config
    worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    lease = dt.timedelta(seconds=int(config["MAIL_LEASE_SECONDS"]))
    batch = int(config["MAIL_BATCH_SIZE"])
    sent = failed = dead = 0
    while limit is None or sent + failed + dead < limit:
        size = batch if limit is None else min(batch, limit - sent - failed - dead)
        ids = claim(now or utcnow(), limit=size, lease=lease, worker=worker)
        if not ids:
            break
        claimed = _load(ids, worker, str(config["MAIL_FROM"]))
        db.session.commit()  # end the read: each outcome below is its own short transaction
        done = 0
        try:
            with open_transport(config) as transport:
                for item in claimed:
                    try:
                        transport.send(item.email)
                    except (smtplib.SMTPServerDisconnected, OSError) as exc:
                        # The connection is gone: count this one, give the rest back.
                        if _record_failure(item, exc, now or utcnow(), config):
                            dead += 1
                        else:
                            failed += 1
                        db.session.commit()
                        _release([c.id for c in claimed[done + 1 :]], worker)
                        return SendReport(sent, failed, dead)
                    except smtplib.SMTPException as exc:
                        if _record_failure(item, exc, now or utcnow(), config):
                            dead += 1
                        else:
                            failed += 1
                    else:
                        _mark_sent(item, now or utcnow())
                        sent += 1
                        log.info("mail %s (%s) sent", item.id, item.purpose)
                    db.session.commit()  # each one at once: a crash repeats one message at most
                    done += 1
        except (smtplib.SMTPException, OSError) as exc:
            # Could not connect or log in: nothing was sent; every claimed row waits.
            reason, _ = _error_text(exc)
            log.warning("mail server unavailable: %s", reason)
            for item in claimed[done:]:
                if _record_failure(item, exc, now or utcnow(), config):
                    dead += 1
                else:
                    failed += 1
            db.session.commit()
            break
    return SendReport(sent, failed, dead)
