"""Evaluating applicants against the active rules, staff overrides, and re-evaluation."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, or_, select

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.eligibility.models import EligibilityDecision, Outcome
from community_node.eligibility.rules import (
    RulesError,
    RuleSet,
    default_rules_bytes,
    evaluate,
    parse_rules,
)
from community_node.errors import Conflict, DomainError, InvalidInput, NotFound
from community_node.extensions import db
from community_node.mail import messages as mail
from community_node.pagination import Page, apply_sort, paginate
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.participants.services import CONNECTEES, CONNECTORS, PersonKind, get_person

#: Statuses an eligibility decision may move a person out of.
DECIDABLE = (
    ProfileStatus.SUBMITTED,
    ProfileStatus.WAITLISTED,
    ProfileStatus.REJECTED,
    ProfileStatus.APPROVED,
)
#: Statuses re-evaluation after a rules change looks at.
PENDING = (ProfileStatus.SUBMITTED, ProfileStatus.WAITLISTED)

STATUS_FOR = {
    Outcome.ELIGIBLE: ProfileStatus.APPROVED,
    Outcome.INELIGIBLE: ProfileStatus.REJECTED,
    Outcome.WAITLISTED: ProfileStatus.WAITLISTED,
}

SORTABLE = {"id": EligibilityDecision.id, "decided_at": EligibilityDecision.decided_at}

Person = Connectee | Connector


class RulesUnavailable(DomainError):
    """The configured rules file cannot be used; decisions wait until it is fixed."""

    status = 503


# The active rule set ------------------------------------------------------------------

_cache: dict[str | None, tuple[bytes, RuleSet]] = {}


def active_rules() -> RuleSet:
    """Return the rules the app is configured with, re-parsed whenever the file changes."""
    path: str | os.PathLike[str] | None = current_app.config.get("ELIGIBILITY_RULES")
    key = os.fspath(path) if path is not None else None
    # Reading a small file per decision is cheap and, unlike an mtime check, never misses
    # an edit made within the filesystem's timestamp granularity.
    try:
        content = default_rules_bytes() if key is None else _read(key)
        cached = _cache.get(key)
        if cached is not None and cached[0] == content:
            return cached[1]
        rules = parse_rules(content)
    except RulesError as exc:
        source = key or "the packaged defaults"
        raise RulesUnavailable(f"The eligibility rules in {source} cannot be used: {exc}") from exc
    _cache[key] = (content, rules)
    return rules


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise RulesError(f"cannot read the file: {exc.strerror or exc}") from exc


# Deciding -----------------------------------------------------------------------------


def _kind_of(person: Person) -> PersonKind[Any]:
    return CONNECTEES if isinstance(person, Connectee) else CONNECTORS


def _subject(kind: PersonKind[Any], person_id: int) -> dict[str, int]:
    return {f"{kind.name}_id": person_id}


def _current_decisions(kind: PersonKind[Any], person_id: int) -> Select[Any]:
    column = getattr(EligibilityDecision, f"{kind.name}_id")
    return select(EligibilityDecision).where(column == person_id, EligibilityDecision.current)


def _decidable(kind: PersonKind[Any], person_id: int) -> Person:
    person: Person = get_person(kind, person_id)
    if person.status not in DECIDABLE:
        raise Conflict(
            f"A {person.status.value} {kind.name} cannot get an eligibility decision.",
            allowed=[s.value for s in DECIDABLE],
        )
    return person


def _store(
    person: Person,
    rules: RuleSet,
    *,
    actor: str,
    action: str,
    override_outcome: Outcome | None = None,
    override_reason: str | None = None,
) -> tuple[EligibilityDecision, bool]:
    """Evaluate and add a decision (without committing); tell whether the status moved."""
    kind = _kind_of(person)
    evaluation = evaluate(rules, person, utcnow().date())
    outcome = override_outcome or evaluation.outcome
    for previous in db.session.scalars(_current_decisions(kind, person.id)):
        previous.current = False
    # The unique index on current decisions needs the old one cleared first.
    db.session.flush()
    decision = EligibilityDecision(
        **_subject(kind, person.id),
        ruleset_version=rules.version,
        outcome=outcome,
        criteria=evaluation.as_json(),
        is_override=override_outcome is not None,
        override_reason=override_reason,
        decided_by=actor,
        current=True,
    )
    db.session.add(decision)
    old_status, new_status = person.status, STATUS_FOR[outcome]
    person.status = new_status
    db.session.flush()
    record(
        actor,
        action,
        "eligibility_decision",
        decision.id,
        {
            **_subject(kind, person.id),
            "outcome": outcome.value,
            "ruleset_version": rules.version,
            "status_from": old_status.value,
            "status_to": new_status.value,
        },
    )
    if old_status != new_status:
        mail.signup_decided(person, decision.id)
    return decision, old_status != new_status


def evaluate_person(kind: PersonKind[Any], person_id: int, *, actor: str) -> EligibilityDecision:
    """Evaluate one applicant under the active rules and move their status to match."""
    person = _decidable(kind, person_id)
    decision, _ = _store(person, active_rules(), actor=actor, action="eligibility.evaluate")
    db.session.commit()
    return decision


def evaluate_connectee(connectee_id: int, *, actor: str) -> EligibilityDecision:
    return evaluate_person(CONNECTEES, connectee_id, actor=actor)


def evaluate_connector(connector_id: int, *, actor: str) -> EligibilityDecision:
    return evaluate_person(CONNECTORS, connector_id, actor=actor)


def override(
    kind: PersonKind[Any], person_id: int, outcome: Outcome, reason: str, *, actor: str
) -> EligibilityDecision:
    """Record a staff decision that replaces the rules' verdict; a reason is required."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": ["Give the reason for overriding the rules."]})
    person = _decidable(kind, person_id)
    decision, _ = _store(
        person,
        active_rules(),
        actor=actor,
        action="eligibility.override",
        override_outcome=outcome,
        override_reason=reason,
    )
    db.session.commit()
    return decision


def subject_of(data: Mapping[str, Any]) -> tuple[PersonKind[Any], int]:
    """Pick the kind and id from a body holding exactly one of connectee_id, connector_id."""
    connectee_id, connector_id = data.get("connectee_id"), data.get("connector_id")
    if (connectee_id is None) == (connector_id is None):
        raise InvalidInput({"connectee_id": ["Give exactly one of connectee_id, connector_id."]})
    if connectee_id is not None:
        return CONNECTEES, connectee_id
    assert connector_id is not None
    return CONNECTORS, connector_id


@dataclass(frozen=True)
class Reevaluation:
    evaluated: int
    changed: int
    ruleset_version: str


def _stale(kind: PersonKind[Any], version: str) -> Select[Any]:
    """Pending people with no current decision, or one from other rules that staff did not set."""
    model = kind.model
    column = getattr(EligibilityDecision, f"{kind.name}_id")
    settled = (
        select(EligibilityDecision.id)
        .where(
            column == model.id,
            EligibilityDecision.current,
            or_(
                EligibilityDecision.is_override,
                EligibilityDecision.ruleset_version == version,
            ),
        )
        .exists()
    )
    return select(model).where(and_(model.status.in_(PENDING), ~settled)).order_by(model.id)


def reevaluate_pending(*, actor: str) -> Reevaluation:
    """Re-evaluate pending applicants not yet decided under the active rules; idempotent."""
    rules = active_rules()
    evaluated = changed = 0
    for kind in (CONNECTEES, CONNECTORS):
        for person in db.session.scalars(_stale(kind, rules.version)).all():
            _, moved = _store(person, rules, actor=actor, action="eligibility.evaluate")
            evaluated += 1
            changed += moved
    record(
        actor,
        "eligibility.reevaluate",
        "eligibility_decision",
        None,
        {"evaluated": evaluated, "changed": changed, "ruleset_version": rules.version},
    )
    db.session.commit()
    return Reevaluation(evaluated, changed, rules.version)


# Reading ------------------------------------------------------------------------------


def get_decision(decision_id: int) -> EligibilityDecision:
    decision = db.session.get(EligibilityDecision, decision_id)
    if decision is None:
        raise NotFound(f"No eligibility decision {decision_id}.")
    return decision


def decision_filters(args: Mapping[str, Any]) -> Select[Any]:
    stmt: Select[Any] = select(EligibilityDecision)
    for key in ("connectee_id", "connector_id", "outcome", "current", "is_override"):
        if (value := args.get(key)) is not None:
            stmt = stmt.where(getattr(EligibilityDecision, key) == value)
    return stmt


def list_decisions(args: Mapping[str, Any]) -> Page:
    stmt = apply_sort(decision_filters(args), args["sort"], SORTABLE, EligibilityDecision.id)
    return paginate(stmt, args["page"], args["per_page"])


def export_decisions(args: Mapping[str, Any]) -> list[EligibilityDecision]:
    stmt = apply_sort(
        decision_filters(args), args.get("sort", "id"), SORTABLE, EligibilityDecision.id
    )
    return list(db.session.scalars(stmt))
