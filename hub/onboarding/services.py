"""Reviewing applications: states, comments, single-use links, approval and the checklist.

Every state change is audited (ids and states only: the contact person and the comments'
words stay out of the audit log). Links carry a random token of which only the digest is
stored; a link works once and until it expires. Approval registers the community and its
client with ``hub.communities.register_community`` (what ``connector-hub communities add``
runs) and commits it together with the approval. The secret it returns is dropped: the
credentials link issues a fresh one when it is opened, so no secret rests anywhere, not
even encrypted, between approval and hand-over.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select, update

from hub.audit.services import record
from hub.communities.services import Credentials, new_client_secret, register_community
from hub.database import utcnow
from hub.errors import Conflict, DomainError, InvalidInput, NotFound
from hub.extensions import db
from hub.onboarding.models import (
    TRANSITIONS,
    Application,
    ApplicationStatus,
    Comment,
    CommentKind,
    Link,
    LinkPurpose,
    digest_token,
)
from hub.onboarding.schemas import ApplicationSchema, CommentSchema
from hub.profiles.models import Profile
from shared.text import N_

#: The audit log's name for an application.
ENTITY = "onboarding_application"


class LinkDead(DomainError):
    """The link is unknown, used, replaced or expired: it says which, in plain words."""

    status = 410


@dataclass(frozen=True)
class IssuedLink:
    """A link's token as issued: it is handed to the applicant once and never stored."""

    application: Application
    purpose: LinkPurpose
    token: str
    expires_at: dt.datetime


# Applying -------------------------------------------------------------------------------


def _load(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = ApplicationSchema().validate(data)
    if errors:
        raise InvalidInput(errors)
    loaded: dict[str, Any] = ApplicationSchema().load(data)
    return loaded


def submit(data: Mapping[str, Any]) -> Application:
    """Store a new application (``ApplicationSchema`` checks it) in the submitted state."""
    application = Application(**_load(data), status=ApplicationStatus.SUBMITTED)
    db.session.add(application)
    db.session.flush()
    record("applicant", "onboarding.submit", ENTITY, application.id, {"to": "submitted"})
    db.session.commit()
    return application


def get_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(f"No application {application_id}.")
    return application


def list_applications(status: ApplicationStatus | None = None) -> Sequence[Application]:
    """Applications, the longest waiting first; all of them, or those in one state."""
    stmt = select(Application).order_by(Application.updated_at, Application.id)
    if status is not None:
        stmt = stmt.where(Application.status == status)
    return db.session.scalars(stmt).all()


def count_by_status() -> dict[ApplicationStatus, int]:
    stmt = select(Application.status, func.count()).group_by(Application.status)
    counts = dict.fromkeys(ApplicationStatus, 0)
    counts.update({status: int(n) for status, n in db.session.execute(stmt)})
    return counts


# Review ---------------------------------------------------------------------------------


def _check_move(application: Application, to: ApplicationStatus) -> None:
    """Refuse (409, naming the states it may move to) a change its state does not allow."""
    before = application.status
    if to not in TRANSITIONS[before]:
        raise Conflict(
            f"An application that is {before.value.replace('_', ' ')} cannot become "
            f"{to.value.replace('_', ' ')}.",
            allowed=sorted(s.value for s in TRANSITIONS[before]),
        )


def _move(application: Application, to: ApplicationStatus, actor: str) -> None:
    """Change the state and audit it (callers check everything else first)."""
    _check_move(application, to)
    before = application.status
    application.status = to
    application.updated_at = utcnow()
    record(actor, "onboarding.status", ENTITY, application.id, {"from": before, "to": to})


def _check_text(body: str) -> None:
    errors = CommentSchema().validate({"body": body})
    if errors:
        raise InvalidInput(errors)


def _comment(application: Application, kind: CommentKind, body: str, staff_id: int) -> Comment:
    _check_text(body)
    comment = Comment(kind=kind, staff_id=staff_id, body=body.strip())
    application.comments.append(comment)
    return comment


def add_comment(application_id: int, body: str, *, staff_id: int, actor: str) -> Comment:
    """Add a staff comment to the application's thread (audited without its words)."""
    application = get_application(application_id)
    comment = _comment(application, CommentKind.NOTE, body, staff_id)
    db.session.flush()
    record(actor, "onboarding.comment", ENTITY, application.id, {"comment_id": comment.id})
    db.session.commit()
    return comment


def request_changes(
    application_id: int, message: str, *, staff_id: int, actor: str, valid_for: dt.timedelta
) -> IssuedLink:
    """Ask the applicant for changes: the message joins the thread; a link lets them edit."""
    application = get_application(application_id)
    _check_text(message)  # a refusal leaves the session as it was, for the page to show
    _move(application, ApplicationStatus.CHANGES_REQUESTED, actor)
    _comment(application, CommentKind.CHANGES, message, staff_id)
    issued = _issue(application, LinkPurpose.EDIT, valid_for, actor)
    db.session.commit()
    return issued


def resubmit(token: str, data: Mapping[str, Any]) -> Application:
    """Replace the application with the applicant's corrected one; the edit link is spent."""
    link = open_link(token, LinkPurpose.EDIT)
    application = link.application
    values = _load(data)  # a refused form leaves the link as it was, to correct and send
    _spend(link)
    for name, value in values.items():
        setattr(application, name, value)
    _move(application, ApplicationStatus.RESUBMITTED, "applicant")
    db.session.commit()
    return application


def decline(application_id: int, reason: str, *, staff_id: int, actor: str) -> Application:
    """Decline the application; the reason joins the thread (not the audit log)."""
    application = get_application(application_id)
    _check_text(reason)
    _move(application, ApplicationStatus.DECLINED, actor)
    _comment(application, CommentKind.DECLINE, reason, staff_id)
    _retire_links(application, None)
    db.session.commit()
    return application


def approve(
    application_id: int, *, slug: str, name: str, actor: str, valid_for: dt.timedelta
) -> IssuedLink:
    """Register the community and its OAuth2 client; return the credentials link to hand on.

    ``slug`` and ``name`` are checked by ``register_community`` (the CLI's rules); the
    community, its client, the approval and the link commit together or not at all.
    """
    application = get_application(application_id)
    _check_move(application, ApplicationStatus.APPROVED)
    # It checks slug and name before it adds anything. Its secret is dropped on purpose:
    # the credentials link issues the one the node will use.
    community = register_community(
        slug, name, country=application.country, region=application.region, actor=actor
    ).community
    _move(application, ApplicationStatus.APPROVED, actor)
    application.community = community
    _retire_links(application, None)
    issued = _issue(application, LinkPurpose.CREDENTIALS, valid_for, actor)
    db.session.commit()
    return issued


def new_link(
    application_id: int, purpose: LinkPurpose, *, actor: str, valid_for: dt.timedelta
) -> IssuedLink:
    """Issue a fresh link (the old one expired or got lost); older unused ones stop working.

    An edit link needs an application waiting for changes, a credentials link an approved
    one. Opening a new credentials link replaces the client secret the node may already use.
    """
    application = get_application(application_id)
    needed = {
        LinkPurpose.EDIT: ApplicationStatus.CHANGES_REQUESTED,
        LinkPurpose.CREDENTIALS: ApplicationStatus.APPROVED,
    }[purpose]
    if application.status is not needed:
        raise Conflict(
            f"Only an application that is {needed.value.replace('_', ' ')} gets this link."
        )
    issued = _issue(application, purpose, valid_for, actor)
    db.session.commit()
    return issued


def hand_over(token: str) -> Credentials:
    """Spend a credentials link: issue the community's client secret, to be shown once."""
    link = open_link(token, LinkPurpose.CREDENTIALS)
    application = link.application
    if application.community is None:  # approval sets it in the link's transaction
        raise LinkDead(N_("This link belongs to no community."))
    _spend(link)
    actor = f"onboarding:{application.id}"
    creds = new_client_secret(application.community, actor=actor)
    record(actor, "onboarding.credentials", ENTITY, application.id, {"link_id": link.id})
    db.session.commit()
    return creds


# Links ----------------------------------------------------------------------------------

#: What a dead link says, in plain words, by why it is dead.
DEAD_UNKNOWN = N_("This link is not valid. Check that you copied all of it, or ask for a new one.")
DEAD_USED = N_(
    "This link has already been used, and works only once. Ask national staff for a new one."
)
DEAD_EXPIRED = N_("This link has expired. Ask national staff for a new one.")


def _issue(
    application: Application, purpose: LinkPurpose, valid_for: dt.timedelta, actor: str
) -> IssuedLink:
    _retire_links(application, purpose)
    token = secrets.token_urlsafe(32)  # 256 bits
    link = Link(
        purpose=purpose,
        token_digest=digest_token(token),
        expires_at=utcnow() + valid_for,
        application=application,
    )
    db.session.add(link)
    db.session.flush()
    record(
        actor, "onboarding.link", ENTITY, application.id, {"purpose": purpose, "link_id": link.id}
    )
    return IssuedLink(application, purpose, token, link.expires_at)


def _retire_links(application: Application, purpose: LinkPurpose | None) -> None:
    """Let no unused link of ``purpose`` (None: any) work any more."""
    stmt = update(Link).where(Link.application_id == application.id, Link.used_at.is_(None))
    if purpose is not None:
        stmt = stmt.where(Link.purpose == purpose)
    db.session.execute(stmt.values(used_at=utcnow()))


def open_link(token: str, purpose: LinkPurpose) -> Link:
    """Return the live link of ``purpose`` with this token, or say plainly why there is none."""
    link = None
    if 0 < len(token) <= 100:
        link = db.session.scalar(
            select(Link).where(Link.token_digest == digest_token(token), Link.purpose == purpose)
        )
    if link is None:
        raise LinkDead(DEAD_UNKNOWN)
    if link.used_at is not None:
        raise LinkDead(DEAD_USED)
    if link.expires_at <= utcnow():
        raise LinkDead(DEAD_EXPIRED)
    return link


def _spend(link: Link) -> None:
    """Mark the link used; of two requests racing with one link, only one gets past here."""
    spent = db.session.execute(
        update(Link).where(Link.id == link.id, Link.used_at.is_(None)).values(used_at=utcnow())
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise LinkDead(DEAD_USED)


# Checklist ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    #: In English; the page shows it in the reader's language.
    label: str
    done: bool
    #: True when the hub ticks it from what it sees; False when staff tick it.
    observed: bool
    #: When staff ticked it (observed items: when the hub saw it, where it knows).
    at: dt.datetime | None = None


#: The items staff tick, by the Application column that stamps them.
STAFF_ITEMS: dict[str, tuple[str, str]] = {
    "eligibility_rules": (N_("Eligibility rules written"), "eligibility_rules_at"),
    "staff_trained": (N_("Staff trained"), "staff_trained_at"),
}


def checklist(application: Application) -> list[ChecklistItem]:
    """The way to live: staff-ticked items, then those the hub observes of the community."""
    items = [
        ChecklistItem(
            key,
            label,
            getattr(application, column) is not None,
            False,
            getattr(application, column),
        )
        for key, (label, column) in STAFF_ITEMS.items()
    ]
    community = application.community
    connector = community is not None and bool(
        db.session.scalar(
            select(exists().where(Profile.community_id == community.id, Profile.deleted.is_(False)))
        )
    )
    synced = community.last_sync_at if community is not None else None
    items.append(ChecklistItem("first_connector", N_("First connector recruited"), connector, True))
    items.append(
        ChecklistItem("first_sync", N_("First sync received"), synced is not None, True, synced)
    )
    return items


def is_live(items: Sequence[ChecklistItem]) -> bool:
    return all(item.done for item in items)


def application_for_community(community_id: int) -> Application | None:
    return db.session.scalar(select(Application).where(Application.community_id == community_id))


def tick(application_id: int, item: str, done: bool, *, actor: str) -> Application:
    """Tick (or untick) a checklist item staff keep; the hub's own items are not theirs."""
    if item not in STAFF_ITEMS:
        raise InvalidInput({"item": [f"Choose one of: {', '.join(STAFF_ITEMS)}."]})
    application = get_application(application_id)
    if application.status is not ApplicationStatus.APPROVED:
        raise Conflict("The checklist starts once the application is approved.")
    column = STAFF_ITEMS[item][1]
    if (getattr(application, column) is not None) == done:
        raise Conflict(f"“{STAFF_ITEMS[item][0]}” is already {'ticked' if done else 'not ticked'}.")
    setattr(application, column, utcnow() if done else None)
    record(actor, "onboarding.checklist", ENTITY, application.id, {"item": item, "done": done})
    db.session.commit()
    return application
