"""Partners and their contacts and recruiting needs; connectors' invitation links.

An invitation link carries the connector's id signed with the node's secret key (an
HMAC, so nobody can make one for another connector, nor guess one); whoever signs up
through it is recorded as invited by that connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from community_node.audit.services import record
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.extensions import db
from community_node.pagination import Page, apply_sort, paginate
from community_node.participants.models import Connector, ProfileStatus
from community_node.recruitment.models import (
    HIRING_KINDS,
    Partner,
    PartnerContact,
    RecruitingNeed,
)

#: Separates invitation signatures from every other use of the secret key.
INVITATION_SALT = "connector-network.connector-invitation"

_CONTACT_FIELDS = ("name", "role", "email", "phone")
_SORTABLE = {"id": Partner.id, "name": Partner.name, "kind": Partner.kind}


# Partners -----------------------------------------------------------------------------------


def get_partner(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"No partner {partner_id}.")
    return partner


def list_partners(args: Mapping[str, Any]) -> Page:
    """Partners filtered by kind, active flag and words in the name."""
    stmt = select(Partner)
    if args.get("kind") is not None:
        stmt = stmt.where(Partner.kind == args["kind"])
    if args.get("active") is not None:
        stmt = stmt.where(Partner.active.is_(args["active"]))
    if args.get("q"):
        stmt = stmt.where(func.lower(Partner.name).contains(args["q"].strip().lower()))
    stmt = apply_sort(stmt, args.get("sort", "name"), _SORTABLE, Partner.id)
    return paginate(stmt, args.get("page", 1), args.get("per_page", 50))


def partner_options() -> list[tuple[str, str]]:
    """Active partners as (id, name) pairs for a select, by name."""
    rows = db.session.execute(
        select(Partner.id, Partner.name).where(Partner.active.is_(True)).order_by(Partner.name)
    )
    return [(str(pid), name) for pid, name in rows]


def _name_taken(name: str, exclude_id: int | None) -> bool:
    stmt = select(Partner.id).where(func.lower(Partner.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Partner.id != exclude_id)
    return db.session.scalar(stmt) is not None


def _apply(partner: Partner, data: Mapping[str, Any]) -> list[str]:
    changed: list[str] = []
    for key, value in data.items():
        if key == "contacts":
            wanted = [tuple(c.get(k) for k in _CONTACT_FIELDS) for c in value]
            have = [tuple(getattr(c, k) for k in _CONTACT_FIELDS) for c in partner.contacts]
            if wanted != have:
                partner.contacts = [PartnerContact(**dict(c)) for c in value]
                changed.append(key)
        elif getattr(partner, key) != value:
            setattr(partner, key, value)
            changed.append(key)
    return changed


def create_partner(data: Mapping[str, Any], *, actor: str) -> Partner:
    """Add a partner organisation with its contacts; names are unique, in any case."""
    if _name_taken(data["name"], None):
        raise Conflict("A partner with this name already exists.", field="name")
    partner = Partner(active=True, contacts=[])
    _apply(partner, data)
    db.session.add(partner)
    db.session.flush()
    record(actor, "partner.create", "partner", partner.id, {"fields": sorted(data)})
    db.session.commit()
    return partner


def update_partner(partner_id: int, data: Mapping[str, Any], *, actor: str) -> Partner:
    """Change some of a partner's fields; ``contacts``, when given, replaces the list."""
    partner = get_partner(partner_id)
    if "name" in data and _name_taken(data["name"], partner.id):
        raise Conflict("A partner with this name already exists.", field="name")
    changed = _apply(partner, data)
    if changed:
        record(actor, "partner.update", "partner", partner.id, {"fields": changed})
    db.session.commit()
    return partner


# Recruiting needs ---------------------------------------------------------------------------


def add_need(partner_id: int, data: Mapping[str, Any], *, actor: str) -> RecruitingNeed:
    """Record an employer's or chamber's recruiting need; it lifts the demand signal."""
    partner = get_partner(partner_id)
    if partner.kind not in HIRING_KINDS:
        raise Conflict(
            "Only employers and chambers of commerce record recruiting needs.", field="partner_id"
        )
    need = RecruitingNeed(partner_id=partner.id, **data)
    db.session.add(need)
    db.session.flush()
    record(
        actor,
        "recruiting_need.create",
        "recruiting_need",
        need.id,
        {"partner_id": partner.id, "soc_code": need.soc_code, "positions": need.positions},
    )
    _demand_changed()
    db.session.commit()
    return need


def delete_need(partner_id: int, need_id: int, *, actor: str) -> None:
    need = db.session.get(RecruitingNeed, need_id)
    if need is None or need.partner_id != partner_id:
        raise NotFound(f"No recruiting need {need_id} of partner {partner_id}.")
    db.session.delete(need)
    record(actor, "recruiting_need.delete", "recruiting_need", need_id, {"partner_id": partner_id})
    _demand_changed()
    db.session.commit()


def _demand_changed() -> None:
    """Queue the community's demand signals for the hub if the needs changed them."""
    from community_node.sync.demand import enqueue_demand

    enqueue_demand()


# Referral sources ---------------------------------------------------------------------------


def check_referral(data: Mapping[str, Any], *, person_id: int | None = None) -> None:
    """Refuse a referral partner, event or inviting connector that does not exist."""
    from community_node.events.models import Event

    errors: dict[str, list[str]] = {}
    partner_id = data.get("referral_partner_id")
    if partner_id is not None and db.session.get(Partner, partner_id) is None:
        errors["referral_partner_id"] = [f"No partner {partner_id}."]
    event_id = data.get("referral_event_id")
    if event_id is not None and db.session.get(Event, event_id) is None:
        errors["referral_event_id"] = [f"No event {event_id}."]
    inviter = data.get("invited_by_id")
    if inviter is not None and db.session.get(Connector, inviter) is None:
        errors["invited_by_id"] = [f"No connector {inviter}."]
    if errors:
        raise InvalidInput(errors)


# Invitation links ---------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=INVITATION_SALT)


def invitation_token(connector_id: int) -> str:
    """The signed token of a connector's invitation link."""
    connector = db.session.get(Connector, connector_id)
    if connector is None:
        raise NotFound(f"No connector {connector_id}.")
    return str(_serializer().dumps({"c": connector.id}))


def invitation_url(connector_id: int) -> str:
    """A connector's invitation link: the connector sign-up form with their token."""
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    return f"{base}/join/connector?invite={invitation_token(connector_id)}"


def inviter_of(token: str | None) -> Connector | None:
    """The approved connector whose invitation token this is; None for a bad or stale one."""
    if not token or len(token) > 200:
        return None
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int):
        return None
    connector = db.session.get(Connector, payload["c"])
    if connector is None or connector.status != ProfileStatus.APPROVED:
        return None
    return connector
