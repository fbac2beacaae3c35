"""Applications to become a Connector Community, staff comments, single-use links."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import StaffUser
from hub.communities.models import Community
from hub.database import Base, JSONType, UTCDateTime, created_at, intpk, str200, timestamp, utcnow
from shared.text import N_


class ApplicationStatus(enum.StrEnum):
    """Where an application stands; approved and declined are final."""

    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    DECLINED = "declined"


#: The states each state may move to (anything else is a 409).
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.SUBMITTED: frozenset(
        {
            ApplicationStatus.CHANGES_REQUESTED,
            ApplicationStatus.APPROVED,
            ApplicationStatus.DECLINED,
        }
    ),
    ApplicationStatus.CHANGES_REQUESTED: frozenset(
        {ApplicationStatus.RESUBMITTED, ApplicationStatus.DECLINED}
    ),
    ApplicationStatus.RESUBMITTED: frozenset(
        {
            ApplicationStatus.CHANGES_REQUESTED,
            ApplicationStatus.APPROVED,
            ApplicationStatus.DECLINED,
        }
    ),
    ApplicationStatus.APPROVED: frozenset(),
    ApplicationStatus.DECLINED: frozenset(),
}

#: How each state reads on a page.
STATUS_LABELS: dict[ApplicationStatus, str] = {
    ApplicationStatus.SUBMITTED: N_("Submitted"),
    ApplicationStatus.CHANGES_REQUESTED: N_("Changes requested"),
    ApplicationStatus.RESUBMITTED: N_("Resubmitted"),
    ApplicationStatus.APPROVED: N_("Approved"),
    ApplicationStatus.DECLINED: N_("Declined"),
}

#: The kinds of partner an application names, as the form shows them.
PARTNER_KINDS: dict[str, str] = {
    "chamber_of_commerce": N_("Chamber of commerce"),
    "english_language_provider": N_("English-language provider"),
    "resettlement_agency": N_("Resettlement agency"),
    "university": N_("University or college"),
    "other": N_("Other"),
}


class LinkPurpose(enum.StrEnum):
    """What a single-use link lets its holder do."""

    EDIT = "edit"  # correct and resubmit the application
    CREDENTIALS = "credentials"  # read the new community's client secret once


class Application(Base):
    """One organisation's application to run a connector program in its city.

    It holds the organisation's contact person (a work contact, kept on the hub only,
    never in the audit log). The checklist's staff-ticked items are stamped here; the
    ones the hub observes (first connector, first sync) are read from the community.
    """

    __tablename__ = "onboarding_applications"
    __table_args__ = (Index("ix_onboarding_applications_status", "status", "updated_at"),)

    id: Mapped[intpk]
    status: Mapped[ApplicationStatus] = mapped_column(default=ApplicationStatus.SUBMITTED)
    organisation: Mapped[str200]
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    contact_name: Mapped[str200]
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    # [{"kind": "chamber_of_commerce", "name": "…"}, …]
    partners: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    expected_connectees: Mapped[int]
    expected_connectors: Mapped[int]
    planned_launch: Mapped[dt.date]
    # Set on approval: the community registered for this application.
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), unique=True)
    # The checklist items staff tick (None: not done yet).
    eligibility_rules_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    staff_trained_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]
    updated_at: Mapped[timestamp] = mapped_column(onupdate=utcnow)

    community: Mapped[Community | None] = relationship()
    comments: Mapped[list[Comment]] = relationship(
        back_populates="application", order_by="Comment.id", cascade="all, delete-orphan"
    )


class CommentKind(enum.StrEnum):
    """Why staff wrote a comment: a note, the changes they ask for, or a decline's reason."""

    NOTE = "note"
    CHANGES = "changes"
    DECLINE = "decline"


class Comment(Base):
    """A national staff member's comment on an application (the thread on its page)."""

    __tablename__ = "onboarding_comments"

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CommentKind] = mapped_column(default=CommentKind.NOTE)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[created_at]

    application: Mapped[Application] = relationship(back_populates="comments")
    author: Mapped[StaffUser | None] = relationship()


def digest_token(token: str) -> str:
    """Hash a link's token; 256 random bits need no slow hash (as client secrets)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Link(Base):
    """A single-use, expiring link handed to an applicant; only its token's digest is kept."""

    __tablename__ = "onboarding_links"

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_applications.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[LinkPurpose]
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Set when the link is used, or when a newer link of the same purpose replaces it.
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]

    application: Mapped[Application] = relationship()
