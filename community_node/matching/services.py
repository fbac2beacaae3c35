"""Suggestions for one connectee, batch proposals staff review, and next candidates.

The scoring is ``shared.matching`` with the community's weights (``MATCHING_WEIGHTS``:
a mapping, TOML text, or the path of a TOML file whose ``[matching]`` table holds them).
When the best local score is below ``CROSS_CITY_THRESHOLD`` (default 0.5), or no local
connector shares the connectee's occupation group at all, and a hub is connected,
anonymized candidates of other communities come from the hub's directory search for a
connectee who consented to cross-city introductions.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from flask import current_app
from sqlalchemy import exists, select

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.demand.services import signal_lookup
from community_node.errors import Conflict, DomainError, InvalidInput, NotFound
from community_node.extensions import db
from community_node.matches import services as matches
from community_node.matches.lifecycle import TERMINAL
from community_node.matches.models import Match, MatchStatus
from community_node.matching import adapters
from community_node.matching.models import (
    BatchStatus,
    MatchProposalBatch,
    MatchProposalRow,
    NextCandidate,
    RowStatus,
)
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.sync.connection import HubNotConfigured, HubUnreachable, get_connection
from shared.matching import (
    CandidateMatrix,
    InvalidWeights,
    Proposal,
    Seeker,
    Weights,
    assign,
    rank,
)
from shared.taxonomy.skills import skill_label

DEFAULT_CROSS_CITY_THRESHOLD = 0.5


class AskHub(Protocol):
    """Ask the hub's directory for connectors of other communities, ranked for a pitch.

    ``community_node.introductions.services.search_hub`` is the real one; it raises
    ``HubNotConfigured`` before ``hub connect`` and ``HubUnreachable`` when the hub fails.
    Matching receives it rather than importing introductions, which builds on matching.
    """

    def __call__(self, pitch: Mapping[str, Any], k: int = ...) -> list[dict[str, Any]]: ...


def _id(value: object) -> int:
    """Engine ids are the node's integer primary keys."""
    return int(cast(int, value))


class MatchingMisconfigured(DomainError):
    status = 503


def weights() -> Weights:
    """Return the community's weights from the configuration (engine defaults otherwise)."""
    raw: Any = current_app.config.get("MATCHING_WEIGHTS")
    if raw in (None, "", {}):
        return Weights()
    try:
        if isinstance(raw, str):
            path = Path(raw)
            if len(raw) < 4096 and "\n" not in raw and path.suffix == ".toml" and path.is_file():
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            else:
                raw = tomllib.loads(raw)
            raw = raw.get("matching", raw)
        return Weights.from_mapping(raw)
    except (InvalidWeights, tomllib.TOMLDecodeError, OSError) as exc:
        raise MatchingMisconfigured(f"MATCHING_WEIGHTS is invalid: {exc}") from exc


def threshold() -> float:
    return float(current_app.config.get("CROSS_CITY_THRESHOLD", DEFAULT_CROSS_CITY_THRESHOLD))


def community_slug() -> str | None:
    """This node's community slug as the hub knows it (None before ``hub connect``)."""
    connection = get_connection()
    return connection.community if connection is not None else None


def _connectee(connectee_id: int) -> Connectee:
    connectee = db.session.get(Connectee, connectee_id)
    if connectee is None:
        raise NotFound(f"No connectee {connectee_id}.")
    return connectee


def _seekers(
    connectees: Sequence[Connectee], community: str | None, extra_excluded: Mapping[int, set[int]]
) -> list[Seeker]:
    withdrawn, cross_city = adapters.consented_connectees([c.id for c in connectees])
    tried = adapters.tried_connectors([c.id for c in connectees])
    try:
        demand_of = signal_lookup()
    except RuntimeError:  # NODE_DEMAND_METRO names no metro: the app reports it elsewhere
        demand_of = _unknown_demand
    return [
        adapters.seeker_of(
            c,
            community=community,
            excluded=tried.get(c.id, set()) | extra_excluded.get(c.id, set()),
            withdrawn=c.id in withdrawn,
            cross_city_ok=c.id in cross_city,
            demand=demand_of(c.target_occupation),
        )
        for c in connectees
    ]


def _unknown_demand(code: str | None) -> float | None:
    return None


def _rendered(
    suggestion: Any, connectors: Mapping[int, Connector], left: Mapping[int, int]
) -> dict[str, Any]:
    connector = connectors[_id(suggestion.candidate_id)]
    return {
        "connector_id": connector.id,
        "name": connector.full_name,
        "occupation": connector.occupation,
        "capacity_left": left.get(connector.id, 0),
        "score": round(float(suggestion.score), 4),
        "contributions": {k: round(float(v), 4) for k, v in suggestion.contributions.items()},
        "reasons": list(suggestion.reasons),
    }


def local_suggestions(
    connectee: Connectee, k: int, *, now: dt.datetime, exclude: set[int] | None = None
) -> list[dict[str, Any]]:
    """Rank this node's connectors for one connectee; ``exclude`` adds connectors to skip."""
    chosen = weights()  # a misconfiguration shows even before there are connectors
    community = community_slug()
    candidates = adapters.local_candidates(community, now)
    if not candidates:
        return []
    matrix = CandidateMatrix.build(candidates)
    (seeker,) = _seekers([connectee], community, {connectee.id: exclude or set()})
    ranked = rank(seeker, matrix, k=k, weights=chosen, skill_label=skill_label)
    ids = [_id(s.candidate_id) for s in ranked]
    found = db.session.scalars(select(Connector).where(Connector.id.in_(ids)))
    connectors = {c.id: c for c in found}
    left = {_id(c.id): c.capacity_left for c in candidates}
    return [_rendered(s, connectors, left) for s in ranked]


def _cross_city(connectee: Connectee, ask_hub: AskHub | None) -> tuple[str, list[dict[str, Any]]]:
    """Search the hub for candidates elsewhere: (status, anonymized hits)."""
    if adapters.cross_city_consent(connectee.id) is None:
        return "no_consent", []
    if ask_hub is None:
        return "no_hub", []
    try:
        hits = ask_hub(adapters.pitch_of(connectee))
    except HubNotConfigured:
        return "no_hub", []
    except HubUnreachable as exc:
        return f"unavailable: {exc.message}"[:200], []
    except InvalidInput:
        return "no_target_occupation", []
    return "searched", hits


def suggestions(
    connectee_id: int,
    k: int = 10,
    *,
    now: dt.datetime | None = None,
    ask_hub: AskHub | None = None,
) -> dict[str, Any]:
    """Local suggestions for one connectee, and cross-city ones when local ones are weak.

    Without ``ask_hub`` no other community is searched (``cross_city_status`` "no_hub").
    """
    now = now or utcnow()
    connectee = _connectee(connectee_id)
    local = local_suggestions(connectee, k, now=now)
    best = local[0]["score"] if local else None
    limit = threshold()
    cross_status: str = "not_needed"
    cross: list[dict[str, Any]] = []
    # Also when no local connector shares even the occupation's major group: the other
    # features alone can lift an unrelated connector above the threshold.
    unrelated = all(s["contributions"].get("occupation", 0) <= 0 for s in local)
    if best is None or best < limit or unrelated:
        cross_status, cross = _cross_city(connectee, ask_hub)
    return {
        "connectee_id": connectee.id,
        "threshold": limit,
        "best_local_score": best,
        "local": local,
        "cross_city_status": cross_status,
        "cross_city": cross,
    }


# Batch proposals ---------------------------------------------------------------------------


def waiting_connectees() -> list[Connectee]:
    """Approved connectees without an open match, oldest first."""
    open_match = exists().where(Match.connectee_id == Connectee.id, Match.status.not_in(TERMINAL))
    return list(
        db.session.scalars(
            select(Connectee)
            .where(Connectee.status == ProfileStatus.APPROVED, ~open_match)
            .order_by(Connectee.id)
        )
    )


def propose(
    connectee_ids: Sequence[int] | None, *, actor: str, now: dt.datetime | None = None
) -> MatchProposalBatch:
    """Solve a capacity-aware assignment for waiting connectees; store it as a draft."""
    now = now or utcnow()
    if connectee_ids is None:
        connectees = waiting_connectees()
    else:
        found = {
            c.id: c
            for c in db.session.scalars(select(Connectee).where(Connectee.id.in_(connectee_ids)))
        }
        missing = [i for i in connectee_ids if i not in found]
        if missing:
            raise InvalidInput({"connectee_ids": [f"No connectee {i}." for i in missing]})
        not_approved = [i for i in connectee_ids if found[i].status != ProfileStatus.APPROVED]
        if not_approved:
            raise InvalidInput(
                {"connectee_ids": [f"Connectee {i} is not approved." for i in not_approved]}
            )
        connectees = [found[i] for i in dict.fromkeys(connectee_ids)]
    community = community_slug()
    chosen = weights()
    batch = MatchProposalBatch(created_by=actor, weights=chosen.as_dict())
    db.session.add(batch)
    candidates = adapters.local_candidates(community, now)
    by_connectee: dict[int, Proposal] = {}
    if candidates and connectees:
        matrix = CandidateMatrix.build(candidates)
        seekers = _seekers(connectees, community, {})
        for proposal in assign(seekers, matrix, weights=chosen, skill_label=skill_label):
            by_connectee[_id(proposal.seeker_id)] = proposal
    for connectee in connectees:
        chosen_one = by_connectee.get(connectee.id)
        batch.rows.append(
            MatchProposalRow(
                connectee_id=connectee.id,
                connector_id=None if chosen_one is None else _id(chosen_one.candidate_id),
                score=None if chosen_one is None else round(float(chosen_one.score), 4),
                contributions={}
                if chosen_one is None
                else {
                    k: round(float(v), 4) for k, v in chosen_one.suggestion.contributions.items()
                },
                reasons=[] if chosen_one is None else list(chosen_one.suggestion.reasons),
            )
        )
    db.session.flush()
    record(
        actor,
        "match_proposals.create",
        "match_proposal_batch",
        batch.id,
        {"connectees": len(connectees), "proposed": len(by_connectee)},
    )
    db.session.commit()
    return batch


def get_batch(batch_id: int) -> MatchProposalBatch:
    batch = db.session.get(MatchProposalBatch, batch_id)
    if batch is None:
        raise NotFound(f"No proposal batch {batch_id}.")
    return batch


def accept(
    batch_id: int, row_ids: Sequence[int], *, actor: str, now: dt.datetime | None = None
) -> MatchProposalBatch:
    """Create matches for the accepted rows; the others are skipped. The batch is then final."""
    batch = get_batch(batch_id)
    if batch.status is not BatchStatus.DRAFT:
        raise Conflict(f"Proposal batch {batch.id} was already reviewed.", allowed=[])
    rows = {row.id: row for row in batch.rows}
    unknown = [i for i in row_ids if i not in rows]
    empty = [i for i in row_ids if i in rows and rows[i].connector_id is None]
    if unknown or empty:
        errors = [f"Row {i} is not in batch {batch.id}." for i in unknown]
        errors += [f"Row {i} proposes no connector." for i in empty]
        raise InvalidInput({"rows": errors})
    accepted = set(row_ids)
    batch_id = batch.id
    for row_id in sorted(rows):
        row = db.session.get(MatchProposalRow, row_id)
        assert row is not None
        if row_id not in accepted:
            row.status = RowStatus.SKIPPED
            continue
        try:
            # create_match commits each match itself; a refusal (e.g. capacity) is per row.
            match = matches.create_match(
                {
                    "connectee_id": row.connectee_id,
                    "connector_id": row.connector_id,
                    "score": row.score,
                    "note": f"From proposal batch {batch_id}.",
                },
                actor=actor,
                now=now,
            )
        except DomainError as exc:
            db.session.rollback()
            row = db.session.get(MatchProposalRow, row_id)
            assert row is not None
            row.status = RowStatus.FAILED
            row.error = exc.message[:500]
            db.session.flush()
            continue
        row = db.session.get(MatchProposalRow, row_id)
        assert row is not None
        row.status = RowStatus.ACCEPTED
        row.match_id = match.id
    batch = get_batch(batch_id)
    batch.status = BatchStatus.REVIEWED
    batch.reviewed_by = actor
    batch.reviewed_at = now or utcnow()
    counts = {s.value: sum(1 for r in batch.rows if r.status is s) for s in RowStatus}
    record(actor, "match_proposals.accept", "match_proposal_batch", batch.id, counts)
    db.session.commit()
    return batch


# Next candidate ------------------------------------------------------------------------------

#: Match endings after which another connector is offered.
OFFER_AFTER = (MatchStatus.DECLINED, MatchStatus.EXPIRED)


def offer_next(match: Match, *, now: dt.datetime | None = None) -> NextCandidate:
    """Record the best connector not yet tried for an ended match's connectee; no commit."""
    existing = db.session.scalar(select(NextCandidate).where(NextCandidate.match_id == match.id))
    if existing is not None:
        return existing
    connectee = db.session.get(Connectee, match.connectee_id)
    best: dict[str, Any] | None = None
    if connectee is not None:
        ranked = local_suggestions(connectee, 1, now=now or utcnow(), exclude={match.connector_id})
        best = ranked[0] if ranked else None
    offer = NextCandidate(
        match_id=match.id,
        connectee_id=match.connectee_id,
        connector_id=None if best is None else best["connector_id"],
        score=None if best is None else best["score"],
        contributions={} if best is None else best["contributions"],
        reasons=[] if best is None else best["reasons"],
    )
    db.session.add(offer)
    db.session.flush()
    return offer


def offer_missing(now: dt.datetime | None = None) -> int:
    """Offer a next candidate for every declined or expired match that has none; commit."""
    pending = db.session.scalars(
        select(Match)
        .where(
            Match.status.in_(OFFER_AFTER),
            ~exists().where(NextCandidate.match_id == Match.id),
        )
        .order_by(Match.id)
    ).all()
    for match in pending:
        offer_next(match, now=now)
    db.session.commit()
    return len(pending)


def next_candidate(match_id: int) -> NextCandidate:
    """Return the next candidate offered for a declined or expired match (made if missing)."""
    match = matches.get_match(match_id)
    if match.status not in OFFER_AFTER:
        raise Conflict(
            f"Match {match.id} is {match.status.value}; a next candidate is offered once a "
            "match is declined or expired.",
            allowed=[],
        )
    offer = offer_next(match)
    db.session.commit()
    return offer
