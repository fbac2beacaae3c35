"""The introductions broker: request, decide, withdraw, expire, and carry sealed cards.

Every change takes the next ``seq`` of the introductions feed, which both sides pull.
Requests still waiting end by themselves when they pass their deadline
(``INTRO_EXPIRY_DAYS``, default 30), when the connector's profile is tombstoned, or when
the requester withdraws them (node A does so when the connectee withdraws consent);
``sweep`` applies the first two, from ``connector-hub tick`` and lazily before reads.

Personal parts (the pitch, the consent ref, both sealed cards) leave the hub two ways:
``erase``, when either node says its person was erased or withdrew cross-city consent
(the change takes a feed seq, so the other node deletes its copy too), and ``purge``,
``INTRO_RETENTION_DAYS`` (default 90) after an introduction ended. The row stays, for
counts. Callers commit, except the read helpers that sweep (they commit what they swept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import Text, cast, func, or_, select

from hub.audit.services import record
from hub.communities.models import Community, CommunityStatus
from hub.database import utcnow
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.extensions import db
from hub.idempotency.models import IdempotencyRecord
from hub.introductions.models import Introduction, IntroFeed, IntroStatus
from hub.profiles.models import Profile
from shared.crypto import CryptoError, check_public_key
from shared.protocol.introductions import IntroductionSchema

DEFAULT_EXPIRY_DAYS = 30
DEFAULT_RETENTION_DAYS = 90
FEED_LIMIT = 200
#: What each side may do to a request still waiting; nothing else is ever allowed.
_ACTIONS = {"incoming": ("accept", "decline"), "outgoing": ("withdraw",)}
_TARGET = {
    "accept": IntroStatus.ACCEPTED,
    "decline": IntroStatus.DECLINED,
    "withdraw": IntroStatus.WITHDRAWN,
}


def expiry_days() -> int:
    return int(current_app.config.get("INTRO_EXPIRY_DAYS", DEFAULT_EXPIRY_DAYS))


def retention_days() -> int:
    return int(current_app.config.get("INTRO_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def _next_seq() -> int:
    feed = db.session.scalar(select(IntroFeed).with_for_update())
    if feed is None:
        feed = IntroFeed(last_seq=0)
        db.session.add(feed)
        db.session.flush()
    feed.last_seq += 1
    return feed.last_seq


def _touch(intro: Introduction, now: dt.datetime) -> None:
    intro.seq = _next_seq()
    intro.updated_at = now


def direction(intro: Introduction, caller: Community) -> str:
    return "outgoing" if intro.from_community_id == caller.id else "incoming"


def allowed_actions(intro: Introduction, caller: Community) -> list[str]:
    """The actions the caller may take now (``cards`` once accepted, until sent)."""
    side = direction(intro, caller)
    if intro.erased_at is not None or intro.purged_at is not None:
        return []
    if intro.status is IntroStatus.REQUESTED:
        return list(_ACTIONS[side])
    if intro.status is IntroStatus.ACCEPTED:
        sent = intro.card_from if side == "outgoing" else intro.card_to
        return [] if sent else ["cards"]
    return []


def _slug(community_id: int) -> str:
    community = db.session.get(Community, community_id)
    return community.slug if community is not None else ""


def view(intro: Introduction, caller: Community) -> dict[str, Any]:
    """Render an introduction as ``caller`` may see it (each side sees its own refs only)."""
    side = direction(intro, caller)
    outgoing = side == "outgoing"
    peer_id = intro.to_community_id if outgoing else intro.from_community_id
    peer_key = None
    if intro.status is IntroStatus.ACCEPTED and intro.erased_at is None:
        peer = db.session.get(Community, peer_id)
        peer_key = peer.public_key if peer is not None else None
    shown: dict[str, Any] = {
        "id": intro.id,
        "seq": intro.seq,
        "direction": side,
        "status": intro.status.value,
        "end_reason": intro.end_reason,
        "from_community": _slug(intro.from_community_id),
        "to_community": _slug(intro.to_community_id),
        "profile_id": intro.profile_id,
        "connector_ref": None if outgoing else intro.connector_ref,
        "consent_ref": intro.consent_ref if outgoing else None,
        "pitch": intro.pitch or None,  # emptied once erased or purged
        "requested_at": intro.requested_at,
        "decided_at": intro.decided_at,
        "expires_at": intro.expires_at,
        "allowed": allowed_actions(intro, caller),
        "card_sent": bool(intro.card_from if outgoing else intro.card_to),
        "peer_public_key": peer_key,
        "peer_card": intro.card_to if outgoing else intro.card_from,
    }
    if intro.erased_at is not None:
        # Only then: nodes older than erasure reject unknown fields, and keep working
        # with every introduction nobody erased.
        shown.update(erased_at=intro.erased_at, erased_by=intro.erased_by)
    return shown


def _end(
    intro: Introduction, status: IntroStatus, reason: str, actor: str, now: dt.datetime
) -> None:
    before = intro.status
    intro.status = status
    intro.end_reason = reason
    intro.decided_at = now
    _touch(intro, now)
    record(
        actor,
        "introduction.end",
        "introduction",
        intro.id,
        {"from": before.value, "to": status.value, "reason": reason},
    )


def sweep(now: dt.datetime | None = None, *, actor: str = "system:sweep") -> int:
    """End waiting requests that are overdue or whose profile is gone; return how many."""
    now = now or utcnow()
    waiting = db.session.scalars(
        select(Introduction)
        .join(Profile, Profile.id == Introduction.profile_id)
        .where(
            Introduction.status == IntroStatus.REQUESTED,
            or_(Introduction.expires_at <= now, Profile.deleted.is_(True)),
        )
        .order_by(Introduction.id)
        .with_for_update(of=Introduction)
    ).all()
    for intro in waiting:
        profile = db.session.get(Profile, intro.profile_id)
        if profile is not None and profile.deleted:
            _end(intro, IntroStatus.WITHDRAWN, "profile_removed", actor, now)
        else:
            _end(intro, IntroStatus.EXPIRED, "expired", actor, now)
    db.session.flush()
    return len(waiting)


def request_intro(
    caller: Community, data: Mapping[str, Any], actor: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Ask for an introduction to a listed connector of another community."""
    now = now or utcnow()
    profile = db.session.get(Profile, data["profile_id"])
    target = db.session.get(Community, profile.community_id) if profile is not None else None
    if (
        profile is None
        or target is None
        or profile.deleted
        or target.status is CommunityStatus.SUSPENDED
    ):
        raise InvalidInput({"profile_id": [f"No listed profile {data['profile_id']}."]})
    if profile.community_id == caller.id:
        raise InvalidInput(
            {"profile_id": ["This connector is in your own community: match them locally."]}
        )
    if not (profile.accepting and profile.cross_city_ok):
        raise Conflict("This connector does not take cross-city introductions now.", allowed=[])
    open_one = db.session.scalar(
        select(Introduction.id).where(
            Introduction.from_community_id == caller.id,
            Introduction.profile_id == profile.id,
            Introduction.consent_ref == data["consent_ref"],
            Introduction.status.in_((IntroStatus.REQUESTED, IntroStatus.ACCEPTED)),
        )
    )
    if open_one is not None:
        raise Conflict(
            f"This connectee already has introduction {open_one} to this connector.",
            allowed=[],
            introduction_id=open_one,
        )
    intro = Introduction(
        seq=_next_seq(),
        from_community_id=caller.id,
        to_community_id=profile.community_id,
        profile_id=profile.id,
        connector_ref=profile.ref,
        consent_ref=data["consent_ref"],
        pitch=dict(data["pitch"]),
        status=IntroStatus.REQUESTED,
        requested_at=now,
        updated_at=now,
        expires_at=now + dt.timedelta(days=expiry_days()),
    )
    db.session.add(intro)
    db.session.flush()
    record(
        actor,
        "introduction.request",
        "introduction",
        intro.id,
        {"to_community": target.slug, "profile_id": profile.id},
    )
    return view(intro, caller)


def _visible(caller: Community, intro_id: int, *, lock: bool = False) -> Introduction:
    """Return an introduction the caller is a side of; others do not exist for it (404)."""
    intro = db.session.get(Introduction, intro_id, with_for_update=True if lock else None)
    if intro is None or caller.id not in (intro.from_community_id, intro.to_community_id):
        raise NotFound(f"No introduction {intro_id}.")
    return intro


def get_intro(caller: Community, intro_id: int) -> dict[str, Any]:
    """Return one introduction of the caller's, after ending it if it ran out."""
    _visible(caller, intro_id)
    if sweep():
        db.session.commit()
    return view(_visible(caller, intro_id), caller)


def act(
    caller: Community, intro_id: int, action: str, actor: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Accept or decline (the connector's side) or withdraw (the requester's side)."""
    now = now or utcnow()
    _visible(caller, intro_id)
    sweep(now)
    intro = _visible(caller, intro_id, lock=True)
    side = direction(intro, caller)
    if action not in _ACTIONS[side]:
        other = "the requesting community" if side == "incoming" else "the connector's community"
        raise Forbidden(f"Only {other} may {action} an introduction.", error="wrong_side")
    if intro.status is not IntroStatus.REQUESTED:
        allowed = allowed_actions(intro, caller)
        raise Conflict(
            f"A {intro.status.value} introduction cannot be {action}ed"
            f"{'; allowed: ' + ', '.join(allowed) if allowed else ''}.",
            allowed=allowed,
        )
    before = intro.status
    intro.status = _TARGET[action]
    intro.decided_at = now
    intro.end_reason = None if action == "accept" else _TARGET[action].value
    intro.expires_at = None
    _touch(intro, now)
    db.session.flush()
    record(
        actor,
        f"introduction.{action}",
        "introduction",
        intro.id,
        {"from": before.value, "to": intro.status.value},
    )
    return view(intro, caller)


def post_card(
    caller: Community, intro_id: int, sealed: str, actor: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Store the caller's contact card, sealed to the other node's key (never readable here)."""
    now = now or utcnow()
    intro = _visible(caller, intro_id, lock=True)
    side = direction(intro, caller)
    if intro.erased_at is not None or intro.purged_at is not None:
        raise Conflict("This introduction was erased: no card travels any more.", allowed=[])
    if intro.status is not IntroStatus.ACCEPTED:
        raise Conflict(
            f"Contact cards travel only once an introduction is accepted; "
            f"this one is {intro.status.value}.",
            allowed=allowed_actions(intro, caller),
        )
    if (intro.card_from if side == "outgoing" else intro.card_to) is not None:
        raise Conflict("Your contact card for this introduction was already sent.", allowed=[])
    if side == "outgoing":
        intro.card_from = sealed
    else:
        intro.card_to = sealed
    if intro.card_from is not None and intro.card_to is not None:
        intro.cards_exchanged_at = now
    _touch(intro, now)
    db.session.flush()
    record(actor, "introduction.card", "introduction", intro.id, {"side": side})
    return view(intro, caller)


def _forget(intro: Introduction) -> list[str]:
    """Delete the introduction's personal parts; return the names of those that were held."""
    held = [
        name
        for name, value in (
            ("pitch", intro.pitch),
            ("consent_ref", intro.consent_ref),
            ("card_from", intro.card_from),
            ("card_to", intro.card_to),
        )
        if value
    ]
    intro.pitch = {}
    intro.consent_ref = intro.card_from = intro.card_to = None
    return held


def _scrub_stored_answers(intro: Introduction) -> int:
    """Replace stored idempotent answers that showed this introduction with its state now.

    A replay of the request, a decision or a card must not hand back the pitch, the
    consent ref or a card after they were deleted; it gets the erased view instead (so a
    replayed request still does not create a second introduction).
    """
    records = db.session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.community_id.in_((intro.from_community_id, intro.to_community_id)),
            IdempotencyRecord.created_at >= intro.requested_at,
            # A coarse filter in SQL (every introduction view has a pitch key); exact below.
            cast(IdempotencyRecord.response, Text).like('%"pitch"%'),
        )
    ).all()
    scrubbed = 0
    for stored in records:
        answer = stored.response
        if not (isinstance(answer, dict) and answer.get("id") == intro.id and "seq" in answer):
            continue
        community = db.session.get(Community, stored.community_id)
        if community is None:
            continue
        stored.response = IntroductionSchema().dump(view(intro, community))
        scrubbed += 1
    return scrubbed


def erase(
    caller: Community,
    intro_id: int,
    reason: str,
    actor: str,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Delete what the hub holds of an introduction's people, at either side's request.

    A request still waiting ends (withdrawn). The change takes a feed seq, so the other
    node learns it and deletes its own copy. Asking again changes nothing (idempotent);
    the ask is still audited, since the other side may be asking for its own person.
    """
    now = now or utcnow()
    intro = _visible(caller, intro_id, lock=True)
    side = "requester" if direction(intro, caller) == "outgoing" else "connector"
    if intro.erased_at is not None:
        record(
            actor,
            "introduction.erase",
            "introduction",
            intro.id,
            {"side": side, "reason": reason, "deleted": [], "already": True},
        )
        return view(intro, caller)
    ended = intro.status is IntroStatus.REQUESTED
    if ended:
        intro.status = IntroStatus.WITHDRAWN
        intro.end_reason = "erased" if reason == "erasure" else "consent_withdrawn"
        intro.decided_at = now
        intro.expires_at = None
    deleted = _forget(intro)
    intro.erased_at, intro.erased_by = now, side
    _touch(intro, now)
    db.session.flush()
    scrubbed = _scrub_stored_answers(intro)
    record(
        actor,
        "introduction.erase",
        "introduction",
        intro.id,
        {
            "side": side,
            "reason": reason,
            "deleted": deleted,
            "ended": ended,
            "stored_answers": scrubbed,
        },
    )
    return view(intro, caller)


def purge(now: dt.datetime | None = None, *, actor: str = "system:purge") -> int:
    """Delete the personal parts of introductions ended over the retention period ago.

    Retention runs from the decision (declined, withdrawn, expired), or for an accepted
    introduction from the second card's arrival (from acceptance while a card is missing).
    No feed seq is taken: each node keeps its own copy under its own rules.
    """
    now = now or utcnow()
    days = retention_days()
    anchor = func.coalesce(Introduction.cards_exchanged_at, Introduction.decided_at)
    due = db.session.scalars(
        select(Introduction)
        .where(
            Introduction.status != IntroStatus.REQUESTED,
            Introduction.erased_at.is_(None),
            Introduction.purged_at.is_(None),
            anchor <= now - dt.timedelta(days=days),
        )
        .order_by(Introduction.id)
        .with_for_update()
    ).all()
    for intro in due:
        deleted = _forget(intro)
        intro.purged_at = now
        scrubbed = _scrub_stored_answers(intro)
        record(
            actor,
            "introduction.purge",
            "introduction",
            intro.id,
            {"deleted": deleted, "retention_days": days, "stored_answers": scrubbed},
        )
    db.session.flush()
    return len(due)


def feed(caller: Community, since: int, limit: int = FEED_LIMIT) -> dict[str, Any]:
    """Return the caller's introductions changed after ``since``, oldest change first."""
    if sweep():
        db.session.commit()
    rows = db.session.scalars(
        select(Introduction)
        .where(
            or_(
                Introduction.from_community_id == caller.id,
                Introduction.to_community_id == caller.id,
            ),
            Introduction.seq > since,
        )
        .order_by(Introduction.seq)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [view(intro, caller) for intro in rows],
        "next": rows[-1].seq if rows else since,
        "more": more,
    }


def set_public_key(caller: Community, public_key: str, actor: str) -> dict[str, str]:
    """Register (or replace) the caller's public key for sealed contact cards."""
    try:
        check_public_key(public_key)
    except CryptoError as exc:
        raise InvalidInput({"public_key": [str(exc)]}) from exc
    changed = caller.public_key != public_key
    caller.public_key = public_key
    if changed:
        record(actor, "community.public_key", "community", caller.id, {})
    db.session.commit()
    return {"community": caller.slug, "public_key": public_key}
