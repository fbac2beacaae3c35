"""Staff's view of the outbox: counts, dead letters, and Retry (the one write, audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select

from community_node.audit.services import record
from community_node.auth.models import Role, StaffUser
from community_node.database import utcnow
from community_node.errors import Conflict, NotFound
from community_node.extensions import db
from community_node.mail import messages
from community_node.mail.models import MailMessage, MailState


def counts() -> dict[str, int]:
    """How many messages are in each state (every state listed, zeros included)."""
    found = dict(
        db.session.execute(
            select(MailMessage.state, func.count()).group_by(MailMessage.state)
        ).all()
    )
    return {state.value: int(found.get(state, 0)) for state in MailState}


def dead_letters(limit: int = 100) -> Sequence[MailMessage]:
    return db.session.scalars(
        select(MailMessage)
        .where(MailMessage.state == MailState.DEAD)
        .order_by(MailMessage.id.desc())
        .limit(limit)
    ).all()


def retry(message_id: int, *, actor: str, now: dt.datetime | None = None) -> MailMessage:
    """Put a dead letter back in the queue, due now, with a fresh count of attempts."""
    message = db.session.get(MailMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(f"No message {message_id}.")
    if message.state != MailState.DEAD:
        raise Conflict(f"Message {message_id} is {message.state.value}, not dead.")
    message.state = MailState.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    message.lease_until = None
    message.claimed_by = None
    record(actor, "mail.retry", "mail_message", message.id, {"purpose": message.purpose})
    db.session.commit()
    return message


def send_digests(section_counts: Mapping[str, int], *, now: dt.datetime | None = None) -> int:
    """Enqueue today's digest to every active coordinator and admin; commit; how many."""
    now = now or utcnow()
    all_counts = {**section_counts, "mail_dead": counts()[MailState.DEAD.value]}
    written = 0
    for user in db.session.scalars(
        select(StaffUser)
        .where(StaffUser.active, StaffUser.role.in_((Role.COORDINATOR, Role.ADMIN)))
        .order_by(StaffUser.id)
    ):
        message = messages.staff_digest(
            user.id, user.email, user.name, all_counts, day=now.date(), now=now
        )
        written += message is not None
    db.session.commit()
    return written
