"""Cross-city introductions on the node, through the hub's broker.

Node A (the connectee's) searches the hub directory, then requests an introduction with
the connectee's anonymized pitch and a pseudonymous reference to their cross-city consent.
Node B (the connector's) pulls its inbox, its staff ask the connector and record the
answer. Once accepted, each node sends its participant's contact card sealed to the other
node's public key, and opens the card it receives with its own private key: the hub only
ever holds ciphertext. ``sync`` pulls the feed, sends and opens cards, and withdraws
requests whose connectee withdrew consent; ``connector-node introductions sync`` runs it.
Before pulling, it asks the hub to erase the introductions of participants erased here or
who withdrew cross-city consent (see ``erasure``), and the feed brings the other side's.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

from flask import current_app
from sqlalchemy import Select, select

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import Conflict, DomainError, InvalidInput, NotFound
from community_node.extensions import db
from community_node.introductions import erasure
from community_node.introductions.keys import private_key, register_public_key
from community_node.introductions.models import (
    CrossCityIntro,
    IntroDirection,
    IntroStatus,
    IntroSyncState,
)
from community_node.matching import adapters
from community_node.pagination import Page, apply_sort, paginate
from community_node.participants.models import (
    Connectee,
    Connector,
    Consent,
    ProfileStatus,
)
from community_node.sync.connection import (
    HubNotConfigured,
    HubUnreachable,
    default_client_factory,
    get_connection,
    load_answer,
)
from community_node.sync.models import HubConnection, ListedConnector
from community_node.sync.outbox import node_key
from shared.crypto import CryptoError, seal_text, unseal_text
from shared.hubclient import Changes, HubError, HubRejected
from shared.privacy import pseudonym
from shared.protocol.introductions import IntroductionSchema

CONSENT_PURPOSE = "cross_city"
FEED_PAGES = 50


class IntrosHub(Protocol):
    """What introductions need from the hub; ``HubClient`` is the real one."""

    def search_directory(
        self, seeker: Mapping[str, Any], filters: Mapping[str, Any] | None = None, k: int = 10
    ) -> dict[str, Any]: ...

    def request_intro(
        self, profile_id: int, pitch: Mapping[str, Any], consent_ref: str, idempotency_key: str
    ) -> dict[str, Any]: ...

    def intro_inbox(self, since: int) -> Changes: ...

    def get_intro(self, intro_id: int) -> dict[str, Any]: ...

    def decide_intro(
        self, intro_id: int, decision: str, idempotency_key: str
    ) -> dict[str, Any]: ...

    def withdraw_intro(self, intro_id: int, idempotency_key: str) -> dict[str, Any]: ...

    def post_contact_card(
        self, intro_id: int, sealed: str, idempotency_key: str
    ) -> dict[str, Any]: ...

    def erase_intro(
        self, intro_id: int, idempotency_key: str, reason: str = "erasure"
    ) -> dict[str, Any]: ...

    def register_public_key(self, public_key: str) -> None: ...


# The hub connection ---------------------------------------------------------------------


def client() -> IntrosHub:
    """Return a hub client for the stored connection (tests set INTROS_CLIENT_FACTORY)."""
    connection = get_connection()
    if connection is None:
        raise HubNotConfigured("No hub is configured: run `connector-node hub connect` first.")
    factory = cast(
        Callable[[HubConnection], Any],
        current_app.config.get("INTROS_CLIENT_FACTORY")
        or current_app.config.get("SYNC_CLIENT_FACTORY")
        or default_client_factory,
    )
    return cast(IntrosHub, factory(connection))


def _hub_error(exc: HubError) -> DomainError:
    """Turn a hub failure into the node's own error for the API."""
    if isinstance(exc, HubRejected):
        body = exc.body if isinstance(exc.body, dict) else {}
        message = str(body.get("message") or exc)
        if exc.status == 409:
            return Conflict(f"The hub refused: {message}", allowed=body.get("allowed") or [])
        if exc.status == 404:
            return NotFound(f"The hub does not know it: {message}")
        if exc.status == 422:
            return InvalidInput(body.get("errors") or {"hub": [message]}, message=message)
    return HubUnreachable(f"The hub could not be reached or refused the node: {exc}")


# Consent, pitch and search ----------------------------------------------------------------


def consent_ref(consent_id: int) -> str:
    """The hub's handle for a consent record: a keyed pseudonym, not the local id."""
    return pseudonym(node_key(CONSENT_PURPOSE), CONSENT_PURPOSE, consent_id)


def search_hub(pitch: Mapping[str, Any], k: int = 10) -> list[dict[str, Any]]:
    """Ask the hub's directory for connectors elsewhere, ranked for this pitch."""
    hub = client()
    seeker = {
        "target_occupation": pitch["target_occupation"],
        "experience_band": pitch.get("experience_band"),
        "languages": {lang["language"]: lang["level"] for lang in pitch["languages"]},
        "skills": pitch.get("skills") or [],
    }
    try:
        found = hub.search_directory(seeker, k=k)
    except HubError as exc:
        raise HubUnreachable(str(exc)) from exc
    hits = []
    for hit in found["items"]:
        profile = hit["profile"]
        hits.append(
            {
                "directory_profile_id": profile["id"],
                "community": profile["community"],
                "occupation": profile["occupation"],
                "occupation_title": profile.get("occupation_title", ""),
                "experience_band": profile.get("experience_band"),
                "languages": profile.get("languages") or [],
                "score": hit["score"],
                "contributions": hit.get("contributions") or {},
                "reasons": hit.get("reasons") or [],
            }
        )
    return hits


# Requests and decisions -------------------------------------------------------------------


def get_intro(intro_id: int) -> CrossCityIntro:
    intro = db.session.get(CrossCityIntro, intro_id)
    if intro is None:
        raise NotFound(f"No cross-city introduction {intro_id}.")
    return intro


_VIEW = IntroductionSchema()


def _view(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Load one introduction as the hub sent it through the wire schema."""
    return load_answer(_VIEW.load, raw, "introduction")


def _apply_view(intro: CrossCityIntro, view: Mapping[str, Any]) -> None:
    """Copy the hub's state of an introduction (loaded by ``_view``) onto the local row."""
    intro.hub_id = view["id"]
    intro.status = IntroStatus(view["status"])
    intro.end_reason = view.get("end_reason")
    intro.hub_seq = max(intro.hub_seq or 0, view["seq"])
    intro.card_sent = view["card_sent"] or intro.card_sent
    intro.directory_profile_id = view["profile_id"]
    outgoing = view["direction"] == "outgoing"
    intro.other_community = view["to_community"] if outgoing else view["from_community"]
    intro.decided_at = view.get("decided_at")
    intro.expires_at = view.get("expires_at")


def request(connectee_id: int, directory_profile_id: int, *, actor: str) -> CrossCityIntro:
    """Ask the hub to introduce a consenting connectee to a connector elsewhere."""
    connectee = db.session.get(Connectee, connectee_id)
    if connectee is None:
        raise InvalidInput({"connectee_id": [f"No connectee {connectee_id}."]})
    if connectee.status != ProfileStatus.APPROVED:
        raise Conflict(
            f"Connectee {connectee.id} is {connectee.status.value}; only approved connectees "
            "can be introduced.",
            allowed=[],
        )
    consent = adapters.cross_city_consent(connectee.id)
    if consent is None:
        raise Conflict(
            "Record the connectee's consent to cross-city introductions first "
            "(purpose cross_city_introductions).",
            allowed=[],
            field="connectee_id",
        )
    pitch = adapters.pitch_of(connectee)
    hub = client()
    ref = consent_ref(consent.id)
    intro = CrossCityIntro(
        direction=IntroDirection.OUTGOING,
        connectee_id=connectee.id,
        consent_id=consent.id,
        directory_profile_id=directory_profile_id,
        pitch=pitch,
        created_by=actor,
    )
    db.session.add(intro)
    db.session.flush()
    key = f"intro-{intro.id}-{secrets.token_hex(6)}"
    try:
        view = _view(hub.request_intro(directory_profile_id, pitch, ref, key))
    except HubError as exc:
        db.session.rollback()
        raise _hub_error(exc) from exc
    _apply_view(intro, view)
    erasure.note_disclosure(
        intro, "pitch", [*(f"pitch.{name}" for name in pitch), "consent_ref"], intro.requested_at
    )
    record(
        actor,
        "cross_city_intro.request",
        "cross_city_intro",
        intro.id,
        {"hub_id": intro.hub_id, "connectee_id": connectee.id, "profile_id": directory_profile_id},
    )
    db.session.commit()
    return intro


def _card(intro: CrossCityIntro) -> dict[str, Any] | None:
    """This side's contact card: who the other node's staff should put in touch."""
    person: Connectee | Connector | None
    if intro.direction is IntroDirection.OUTGOING:
        person = db.session.get(Connectee, intro.connectee_id) if intro.connectee_id else None
        role = "connectee"
    else:
        person = db.session.get(Connector, intro.connector_id) if intro.connector_id else None
        role = "connector"
    if person is None:
        return None
    connection = get_connection()
    return {
        "role": role,
        "name": person.full_name,
        "email": person.email,
        "phone": person.phone,
        "community": connection.community if connection is not None else None,
    }


def _exchange_cards(hub: IntrosHub, intro: CrossCityIntro, view: Mapping[str, Any]) -> None:
    """Send our sealed card if due, and open theirs if it arrived; no commit."""
    if intro.status is not IntroStatus.ACCEPTED or intro.hub_id is None:
        return
    if intro.erase_requested_at is not None or intro.hub_erased_at is not None:
        return  # erased: nothing more travels either way
    peer_key = view.get("peer_public_key")
    if not intro.card_sent and peer_key:
        card = _card(intro)
        if card is not None:
            sealed = seal_text(peer_key, json.dumps(card, sort_keys=True).encode())
            try:
                hub.post_contact_card(intro.hub_id, sealed, f"card-{intro.hub_id}")
            except HubRejected as exc:
                if exc.status != 409:  # 409: already sent (a lost answer); either way done
                    raise
            intro.card_sent = True
            erasure.note_disclosure(intro, "card", [f"card.{name}" for name in card])
            record("system:intros", "cross_city_intro.card_sent", "cross_city_intro", intro.id)
    sealed_card = view.get("peer_card")
    if sealed_card and intro.their_card is None:
        try:
            intro.their_card = json.loads(unseal_text(private_key(), sealed_card))
        except (CryptoError, ValueError):
            # Sealed to another key (ours changed?) or malformed: staff see it is missing.
            return
        record("system:intros", "cross_city_intro.card_received", "cross_city_intro", intro.id)


def _incoming(view: Mapping[str, Any]) -> CrossCityIntro:
    connector_id = db.session.scalar(
        select(ListedConnector.connector_id).where(ListedConnector.ref == view["connector_ref"])
    )
    intro = CrossCityIntro(
        direction=IntroDirection.INCOMING,
        connector_id=connector_id,
        connector_ref=view["connector_ref"],
        pitch=dict(view["pitch"] or {}),  # none if erased before we first saw it
        requested_at=view["requested_at"],
        created_by="system:intros",
    )
    db.session.add(intro)
    return intro


def _withdraw_unconsented(hub: IntrosHub, report: dict[str, int]) -> None:
    """Withdraw waiting requests whose connectee withdrew cross-city consent."""
    waiting = db.session.scalars(
        select(CrossCityIntro).where(
            CrossCityIntro.direction == IntroDirection.OUTGOING,
            CrossCityIntro.status == IntroStatus.REQUESTED,
            CrossCityIntro.hub_id.is_not(None),
            CrossCityIntro.erase_requested_at.is_(None),  # erasure ends those
        )
    ).all()
    for intro in waiting:
        consent = db.session.get(Consent, intro.consent_id) if intro.consent_id else None
        if consent is not None and consent.withdrawn_at is None:
            continue
        assert intro.hub_id is not None
        try:
            view = _view(hub.withdraw_intro(intro.hub_id, f"withdraw-{intro.hub_id}"))
        except HubRejected as exc:
            if exc.status != 409:
                raise
            continue  # it already ended on the hub; the feed brings its state
        _apply_view(intro, view)
        intro.end_reason = "consent_withdrawn"
        record("system:intros", "cross_city_intro.withdraw", "cross_city_intro", intro.id)
        report["withdrawn"] += 1


def _send_erasures(hub: IntrosHub, report: dict[str, int]) -> None:
    """Ask the hub to erase every introduction marked for it here; no commit."""
    for intro in erasure.pending():
        assert intro.hub_id is not None
        reason = intro.erase_reason or "erasure"
        try:
            raw = hub.erase_intro(intro.hub_id, f"erase-{intro.hub_id}", reason)
        except HubRejected as exc:
            if exc.status != 404:
                raise
            # The hub has no such introduction (its data was reset): it holds nothing.
            erasure.confirmed(intro, None, None)
            report["erased"] += 1
            continue
        view = _view(raw)
        waiting = intro.status is IntroStatus.REQUESTED
        _apply_view(intro, view)
        erasure.confirmed(intro, view.get("erased_at"), view.get("erased_by"))
        report["erased"] += 1
        if waiting and intro.status is not IntroStatus.REQUESTED:
            report["withdrawn"] += 1


def sync(*, hub: IntrosHub | None = None, register_key: bool = True) -> dict[str, int]:
    """Pull the introductions feed, exchange cards, withdraw unconsented requests; commit.

    ``register_key=False`` skips re-registering the public key (``connector-node sync``
    does so only on its first run and with ``--full``, to keep an idle sync small).
    """
    hub = hub or client()
    report = {
        "changed": 0,
        "new_incoming": 0,
        "cards_received": 0,
        "withdrawn": 0,
        "erased": 0,
        "erased_by_peer": 0,
    }
    state = db.session.scalars(select(IntroSyncState).limit(1)).first()
    if state is None:
        state = IntroSyncState(cursor=0)
        db.session.add(state)
    try:
        if register_key:
            register_public_key(hub)
        _send_erasures(hub, report)
        _withdraw_unconsented(hub, report)
        for _ in range(FEED_PAGES):
            page = hub.intro_inbox(state.cursor)
            for raw in page.items:
                view = _view(raw)
                intro = db.session.scalar(
                    select(CrossCityIntro).where(CrossCityIntro.hub_id == view["id"])
                )
                if intro is None:
                    if view["direction"] != "incoming":
                        continue  # a request this node lost track of; nothing to show
                    intro = _incoming(view)
                    report["new_incoming"] += 1
                had_card = intro.their_card is not None
                _apply_view(intro, view)
                if erasure.forget_for_peer(intro, view):
                    report["erased_by_peer"] += 1
                db.session.flush()
                _exchange_cards(hub, intro, view)
                if intro.their_card is not None and not had_card:
                    report["cards_received"] += 1
                report["changed"] += 1
            state.cursor = page.next
            db.session.flush()
            if not page.more:
                break
    except HubError as exc:
        db.session.commit()  # keep what was applied; the cursor only moves with it
        raise _hub_error(exc) from exc
    state.last_synced_at = utcnow()
    db.session.commit()
    return report


def allowed_actions(intro: CrossCityIntro) -> list[str]:
    """What staff may do with an introduction now: the one rule pages and errors share."""
    if intro.status is not IntroStatus.REQUESTED or intro.erase_requested_at is not None:
        return []
    if intro.direction is IntroDirection.OUTGOING:
        return ["withdraw"]
    return ["accept", "decline"] if intro.connector_id is not None else ["decline"]


def decide(intro_id: int, decision: str, *, actor: str) -> CrossCityIntro:
    """Record the connector's answer to an incoming request; on acceptance send our card."""
    intro = get_intro(intro_id)
    allowed = allowed_actions(intro)
    if intro.direction is not IntroDirection.INCOMING:
        raise Conflict(
            "Only the connector's community decides; withdraw an outgoing request instead.",
            allowed=allowed,
        )
    if intro.status is not IntroStatus.REQUESTED:
        raise Conflict(f"This introduction is already {intro.status.value}.", allowed=allowed)
    if intro.erase_requested_at is not None:
        raise Conflict("This introduction is being erased.", allowed=allowed)
    if decision not in allowed:
        raise Conflict(
            "The connector this request names is no longer listed here.", allowed=allowed
        )
    assert intro.hub_id is not None
    hub = client()
    try:
        view = _view(hub.decide_intro(intro.hub_id, decision, f"{decision}-{intro.hub_id}"))
        _apply_view(intro, view)
        _exchange_cards(hub, intro, view)
    except HubError as exc:
        db.session.rollback()
        raise _hub_error(exc) from exc
    record(actor, f"cross_city_intro.{decision}", "cross_city_intro", intro.id)
    db.session.commit()
    return intro


def withdraw(intro_id: int, *, actor: str) -> CrossCityIntro:
    """Withdraw an outgoing request that is still waiting."""
    intro = get_intro(intro_id)
    allowed = allowed_actions(intro)
    if "withdraw" not in allowed:
        raise Conflict("Only a waiting outgoing request can be withdrawn.", allowed=allowed)
    assert intro.hub_id is not None
    try:
        view = _view(client().withdraw_intro(intro.hub_id, f"withdraw-{intro.hub_id}"))
    except HubError as exc:
        db.session.rollback()
        raise _hub_error(exc) from exc
    _apply_view(intro, view)
    record(actor, "cross_city_intro.withdraw", "cross_city_intro", intro.id)
    db.session.commit()
    return intro


SORTABLE = {
    "id": CrossCityIntro.id,
    "requested_at": CrossCityIntro.requested_at,
    "status": CrossCityIntro.status,
}


def _filters(args: Mapping[str, Any]) -> Select[Any]:
    stmt: Select[Any] = select(CrossCityIntro)
    for key in ("direction", "status", "connectee_id", "connector_id"):
        if (value := args.get(key)) is not None:
            stmt = stmt.where(getattr(CrossCityIntro, key) == value)
    return stmt


def list_intros(args: Mapping[str, Any]) -> Page:
    stmt = apply_sort(_filters(args), args["sort"], SORTABLE, CrossCityIntro.id)
    return paginate(stmt, args["page"], args["per_page"])
