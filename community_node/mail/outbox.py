"""Writing messages into the outbox: render once, in the recipient's language, no commit.

``enqueue`` only adds rows to the caller's session: the service that records the event
commits the message with it (a transactional outbox), or neither. The sender
(``community_node.mail.sender``) delivers later.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail import links
from community_node.mail.models import MailMessage, MailState, RecipientKind
from community_node.participants.models import Connectee, Connector


@dataclass(frozen=True)
class Recipient:
    """Whom a message goes to, and what its footer needs: the why and the preferences link."""

    kind: RecipientKind
    id: int | None
    address: str
    name: str
    language: str | None = None
    reminders_opt_out: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    content: str


def recipient_for(person: Connectee | Connector) -> Recipient:
    """The recipient a connectee or connector is, with their language and preferences."""
    kind = RecipientKind.CONNECTEE if isinstance(person, Connectee) else RecipientKind.CONNECTOR
    return Recipient(
        kind=kind,
        id=person.id,
        address=person.email,
        name=person.first_name,
        language=person.preferred_language,
        reminders_opt_out=person.reminders_opt_out,
    )


def message_language(recipient: Recipient) -> str:
    """The recipient's language if the node offers it, else the node's default."""
    offered = list(current_app.config["LANGUAGES"])
    if recipient.language in offered:
        return str(recipient.language)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def preferences_url(recipient: Recipient, *, now: dt.datetime | None = None) -> str | None:
    """A link to the person's own page (their preferences); staff have none."""
    if recipient.id is None or recipient.kind is RecipientKind.STAFF:
        return None
    purpose = (
        links.LinkPurpose.CONNECTOR_PAGE
        if recipient.kind is RecipientKind.CONNECTOR
        else links.LinkPurpose.CONNECTEE_PAGE
    )
    return links.url_for_link(purpose, recipient.id, now=now)


def new_message_id() -> str:
    """A globally unique ``Message-ID``, fixed at enqueue time."""
    _, sender = parseaddr(str(current_app.config["MAIL_FROM"]))
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def already_queued(dedupe_key: str) -> bool:
    return (
        db.session.scalar(select(MailMessage.id).where(MailMessage.dedupe_key == dedupe_key))
        is not None
    )


def enqueue(
    purpose: str,
    recipient: Recipient,
    *,
    template: str,
    subject: Any,
    dedupe_key: str,
    context: Mapping[str, Any] | None = None,
    attachments: Sequence[Attachment] = (),
    reminder: bool = False,
    now: dt.datetime | None = None,
) -> MailMessage | None:
    """Render ``mail/<template>.html`` and ``.txt`` for ``recipient`` and add it to the outbox.

    ``subject`` is a ``lazy_gettext`` string (evaluated in the recipient's language);
    ``context`` may hold callables taking no argument, called inside that language.
    ``dedupe_key`` is unique: a second enqueue with the same key returns None and adds
    nothing. A ``reminder`` to someone who unsubscribed from reminders is not written
    (None). Nothing is committed here.
    """
    if reminder and recipient.reminders_opt_out:
        return None
    if already_queued(dedupe_key):
        return None
    now = now or utcnow()
    language = message_language(recipient)
    with force_locale(language):
        values: dict[str, Any] = {
            key: value() if callable(value) else value for key, value in (context or {}).items()
        }
        values.update(
            recipient=recipient,
            community=current_app.config["COMMUNITY_NAME"],
            preferences_url=preferences_url(recipient, now=now),
            lang=language,
            reminder=reminder,
        )
        rendered_subject = " ".join(str(subject).split())[:300]
        values["subject"] = rendered_subject
        # Straight from the environment: no request, so no page context processors.
        env = current_app.jinja_env
        html = env.get_template(f"mail/{template}.html").render(values)
        text = env.get_template(f"mail/{template}.txt").render(values)
    message = MailMessage(
        purpose=purpose,
        dedupe_key=dedupe_key[:200],
        recipient_kind=recipient.kind,
        recipient_id=recipient.id,
        to_address=recipient.address,
        language=language,
        subject=rendered_subject,
        body_text=text,
        body_html=html,
        attachments=[
            {"filename": a.filename, "content_type": a.content_type, "content": a.content}
            for a in attachments
        ],
        message_id=new_message_id(),
        state=MailState.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()  # a second enqueue in the same transaction sees this one
    return message
