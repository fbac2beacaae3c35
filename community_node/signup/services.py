"""Storing a public sign-up: the person, their consents, audit and outbox rows, one commit.

Nothing here tells the applicant whether their email was known: a repeated sign-up
stores nothing new and looks, from outside, exactly like a first one.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.events import services as events
from community_node.events.models import Event
from community_node.extensions import db
from community_node.mail import messages as mail
from community_node.participants import services as participants
from community_node.participants.models import Connector, ProfileStatus, ReferralSource
from community_node.signup.schemas import Application

#: Who the audit log and consent records name for what the public forms store.
ACTOR = "public sign-up form"
#: How a consent given by ticking a box on the form was recorded.
CONSENT_METHOD = "form"


@dataclass(frozen=True)
class Source:
    """Where a link says an applicant came from: a connector's invitation or an event."""

    inviter: Connector | None = None
    event: Event | None = None
    #: The invitation link's token, carried by the form to its post.
    invite_token: str | None = None

    def referral(self) -> dict[str, Any]:
        """The person's referral fields this source sets (it wins over what was chosen)."""
        if self.inviter is not None:
            return {
                "referral_source": ReferralSource.CONNECTOR_INVITATION,
                "invited_by_id": self.inviter.id,
                "referral_partner_id": None,
            }
        if self.event is not None:
            return {
                "referral_source": ReferralSource.EVENT,
                "referral_event_id": self.event.id,
                "referral_partner_id": None,
            }
        return {}

    def hidden_fields(self) -> dict[str, str]:
        """What the form carries to its post, so the source survives a correction."""
        if self.inviter is not None and self.invite_token:
            return {"invite": self.invite_token}
        if self.event is not None:
            return {"event": self.event.public_key}
        return {}


class SignUpResult(enum.StrEnum):
    """What became of a sign-up; for the audit trail and tests, never shown to the applicant."""

    CREATED = "created"
    ALREADY_REGISTERED = "already_registered"


def sign_up(
    kind: participants.PersonKind[Any],
    application: Application,
    *,
    policy_version: str,
    today: dt.date | None = None,
    language: str | None = None,
    source: Source | None = None,
) -> SignUpResult:
    """Store an application as a submitted person with its consents, or nothing at all.

    Eligibility is not evaluated here: staff review each application first. The
    applicant's "we received it" message is written in the same transaction, in
    ``language`` (the form's), which becomes their preferred language.
    """
    today = today or utcnow().date()
    existing = participants.email_owner(kind, application.person["email"])
    if existing is not None:
        return _already_registered(kind, existing)
    try:
        _add_applicant(
            kind,
            application,
            policy_version=policy_version,
            today=today,
            language=language,
            source=source or Source(),
        )
        db.session.commit()
    except IntegrityError:
        # Someone signed up with the same email between the check above and this commit.
        db.session.rollback()
        existing = participants.email_owner(kind, application.person["email"])
        if existing is None:
            raise
        return _already_registered(kind, existing)
    except BaseException:
        db.session.rollback()  # leave no half-written application in the session
        raise
    return SignUpResult.CREATED


def _add_applicant(
    kind: participants.PersonKind[Any],
    application: Application,
    *,
    policy_version: str,
    today: dt.date,
    language: str | None,
    source: Source,
) -> None:
    data: dict[str, Any] = {
        **application.person,
        **source.referral(),
        "status": ProfileStatus.SUBMITTED,
    }
    if kind is participants.CONNECTEES:
        data["intake_date"] = today
    person = participants.add_person(kind, data, actor=ACTOR)
    # The form's hidden field names the page's language; the request's locale is the fallback.
    person.preferred_language = person.preferred_language or language
    for purpose in sorted(application.consents):
        participants.add_consent(
            {
                f"{kind.name}_id": person.id,
                "purpose": purpose,
                "policy_version": policy_version,
                "method": CONSENT_METHOD,
            },
            actor=ACTOR,
        )
    mail.signup_received(person)
    if source.event is not None and events.can_register(source.event):
        events.add_registration(source.event, kind.name, person.id)


def _already_registered(kind: participants.PersonKind[Any], person_id: int) -> SignUpResult:
    """Note the repeat for staff (the existing record's id, no personal data); store no more."""
    record(ACTOR, f"{kind.name}.signup_repeated", kind.name, person_id, {})
    db.session.commit()
    return SignUpResult.ALREADY_REGISTERED
