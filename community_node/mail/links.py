"""Signed, expiring, single-purpose links for people without accounts.

A token is an ``itsdangerous.URLSafeTimedSerializer`` signature (the node's secret key,
a salt per purpose) over ``{"p": purpose, "id": record id, "n": nonce}`` (plus ``"x"``,
small extras such as a survey's milestone). Every issued token is also stored, by its
SHA-256 only, in ``mail_links``: so a link can be revoked, marked used, and listed,
while a leaked database holds no working link.

URL shapes (the routes belong to the self-service pages):

* ``/me/<token>``: a person's own page (purposes ``connector_page``, ``connectee_page``);
  every message's "your preferences" link is one.
* ``/act/<token>``: one action; GET shows a confirmation page, only POST acts
  (``match_accept``, ``match_decline``, ``match_snooze``, ``referrals``, ``survey``).

Use::

    url = links.url_for_link(LinkPurpose.MATCH_ACCEPT, match.id)   # adds a row, no commit
    link = links.verify(token, allowed={LinkPurpose.MATCH_ACCEPT, ...})
    link.purpose, link.record_id, link.extra, link.used_at
    links.mark_used(link)                       # in the action's transaction
    links.revoke(LinkPurpose.MATCH_ACCEPT, match.id)   # every live link for that record

``verify`` raises a ``LinkError``: ``LinkInvalid`` (tampered or unknown),
``LinkExpired``, ``LinkWrongPurpose``, ``LinkRevoked``. A used link verifies (actions are
idempotent: the page says it was already done), with ``used_at`` set.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail.models import MailLink


class LinkPurpose(enum.StrEnum):
    """What a link may do; each signs with its own salt, so one never passes as another."""

    CONNECTOR_PAGE = "connector_page"  # record: connector id
    CONNECTEE_PAGE = "connectee_page"  # record: connectee id
    MATCH_ACCEPT = "match_accept"  # record: match id
    MATCH_DECLINE = "match_decline"  # record: match id
    MATCH_SNOOZE = "match_snooze"  # record: match id; extra {"after": "YYYY-MM-DD"} optional
    REFERRALS = "referrals"  # record: match id
    SURVEY = "survey"  # record: connectee id; extra {"months": 3 | 6 | 12}


#: Which URL prefix each purpose lives under.
PAGE_PURPOSES = frozenset({LinkPurpose.CONNECTOR_PAGE, LinkPurpose.CONNECTEE_PAGE})
ACTION_PURPOSES = frozenset(set(LinkPurpose) - PAGE_PURPOSES)

#: How long a link works, per purpose, in days.
MAX_AGE_DAYS: dict[LinkPurpose, int] = {
    LinkPurpose.CONNECTOR_PAGE: 120,
    LinkPurpose.CONNECTEE_PAGE: 120,
    LinkPurpose.MATCH_ACCEPT: 30,
    LinkPurpose.MATCH_DECLINE: 30,
    LinkPurpose.MATCH_SNOOZE: 30,
    LinkPurpose.REFERRALS: 90,
    LinkPurpose.SURVEY: 60,
}


class LinkError(Exception):
    """A link that cannot be used; ``str()`` is a sentence fit to show the visitor."""


class LinkInvalid(LinkError):
    """The token was tampered with, cut short, or never issued by this node."""


class LinkExpired(LinkError):
    """The link is older than its purpose allows."""


class LinkWrongPurpose(LinkError):
    """A valid link, but for another action than the page it was opened on."""


class LinkRevoked(LinkError):
    """The link was withdrawn (answered another way, or the record changed)."""


@dataclass(frozen=True)
class VerifiedLink:
    """A link that passed every check."""

    purpose: LinkPurpose
    record_id: int
    extra: Mapping[str, Any] = field(default_factory=dict)
    used_at: dt.datetime | None = None
    link_id: int = 0


def _serializer(purpose: LinkPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"connector-node.link.{purpose.value}"
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_token(
    purpose: LinkPurpose,
    record_id: int,
    *,
    extra: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Sign a new token and store its hash (flushed with the caller's transaction, no commit)."""
    now = now or utcnow()
    payload: dict[str, Any] = {"p": purpose.value, "id": record_id, "n": secrets.token_hex(4)}
    if extra:
        payload["x"] = dict(extra)
    token = _serializer(purpose).dumps(payload)
    assert isinstance(token, str)
    db.session.add(
        MailLink(
            token_hash=token_hash(token),
            purpose=purpose.value,
            record_id=record_id,
            created_at=now,
            expires_at=now + dt.timedelta(days=MAX_AGE_DAYS[purpose]),
        )
    )
    return token


def url_for_token(purpose: LinkPurpose, token: str) -> str:
    """The absolute URL of a token: ``<NODE_PUBLIC_URL>/me/<token>`` or ``/act/<token>``."""
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    prefix = "me" if purpose in PAGE_PURPOSES else "act"
    return f"{base}/{prefix}/{token}"


def url_for_link(
    purpose: LinkPurpose,
    record_id: int,
    *,
    extra: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Issue a link for ``purpose`` on ``record_id`` and return its absolute URL (no commit)."""
    return url_for_token(purpose, make_token(purpose, record_id, extra=extra, now=now))


def peek_purpose(token: str) -> LinkPurpose:
    """Read a token's purpose without trusting it (to pick the salt that verifies it)."""
    try:
        _, payload = URLSafeTimedSerializer("unused").loads_unsafe(token)
    except Exception as exc:  # a mangled token: any decoding error means the same
        raise LinkInvalid("This link is not valid. Please use the newest message we sent.") from exc
    try:
        return LinkPurpose(payload["p"])
    except (TypeError, KeyError, ValueError) as exc:
        raise LinkInvalid("This link is not valid. Please use the newest message we sent.") from exc


def verify(
    token: str,
    *,
    allowed: Collection[LinkPurpose] | None = None,
    now: dt.datetime | None = None,
) -> VerifiedLink:
    """Check a token's signature, age, purpose and stored state; raise a ``LinkError``."""
    now = now or utcnow()
    purpose = peek_purpose(token)
    if allowed is not None and purpose not in allowed:
        raise LinkWrongPurpose("This link is for something else than this page.")
    serializer = _serializer(purpose)
    try:
        payload, signed_at = serializer.loads(
            token, max_age=MAX_AGE_DAYS[purpose] * 86400, return_timestamp=True
        )
    except SignatureExpired as exc:
        raise LinkExpired(
            "This link has expired. Ask the program's staff, or use a newer message."
        ) from exc
    except BadSignature as exc:
        raise LinkInvalid("This link is not valid. Please use the newest message we sent.") from exc
    if signed_at > now + dt.timedelta(minutes=5):  # a clock rewound: no link from the future
        raise LinkInvalid("This link is not valid. Please use the newest message we sent.")
    row = db.session.scalar(select(MailLink).where(MailLink.token_hash == token_hash(token)))
    if row is None:
        raise LinkInvalid("This link is not valid. Please use the newest message we sent.")
    if row.revoked_at is not None:
        raise LinkRevoked("This link was withdrawn: it no longer applies.")
    if row.expires_at <= now:
        raise LinkExpired("This link has expired. Ask the program's staff, or use a newer message.")
    return VerifiedLink(
        purpose=purpose,
        record_id=int(payload["id"]),
        extra=dict(payload.get("x") or {}),
        used_at=row.used_at,
        link_id=row.id,
    )


def mark_used(link: VerifiedLink, *, now: dt.datetime | None = None) -> None:
    """Stamp a link used, once (no commit: the action's transaction does)."""
    db.session.execute(
        update(MailLink)
        .where(MailLink.id == link.link_id, MailLink.used_at.is_(None))
        .values(used_at=now or utcnow())
    )


def revoke(purpose: LinkPurpose, record_id: int, *, now: dt.datetime | None = None) -> int:
    """Withdraw every live link of ``purpose`` for ``record_id``; return how many (no commit)."""
    result = db.session.execute(
        update(MailLink)
        .where(
            MailLink.purpose == purpose.value,
            MailLink.record_id == record_id,
            MailLink.revoked_at.is_(None),
        )
        .values(revoked_at=now or utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
