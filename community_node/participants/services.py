"""Creating, changing, finding and erasing connectees and connectors; consents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, delete, select
from sqlalchemy.orm import InstrumentedAttribute, load_only

from community_node.audit.services import record
from community_node.auth.models import StaffUser
from community_node.database import utcnow
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.extensions import db
from community_node.introductions.erasure import mark_for_erasure
from community_node.pagination import Page, apply_sort, paginate
from community_node.participants.models import (
    Connectee,
    ConnecteeCV,
    ConnecteeLanguage,
    Connector,
    ConnectorLanguage,
    Consent,
    ConsentPurpose,
    ProfileStatus,
    ReferralSource,
)
from community_node.recruitment.services import check_referral
from community_node.sync.outbox import connector_changed
from shared.taxonomy import Level, default_taxonomy

P = TypeVar("P", Connectee, Connector)


@dataclass(frozen=True)
class PersonKind(Generic[P]):
    """What differs between connectees and connectors, so one service serves both."""

    name: str
    model: type[P]
    language_model: type[ConnecteeLanguage] | type[ConnectorLanguage]
    language_fk: str
    occupation_column: InstrumentedAttribute[Any]
    sortable: Mapping[str, InstrumentedAttribute[Any]]
    flag_filters: tuple[str, ...]


CONNECTEES: PersonKind[Connectee] = PersonKind(
    name="connectee",
    model=Connectee,
    language_model=ConnecteeLanguage,
    language_fk="connectee_id",
    occupation_column=Connectee.target_occupation,
    sortable={
        "id": Connectee.id,
        "last_name": Connectee.last_name,
        "first_name": Connectee.first_name,
        "created_at": Connectee.created_at,
        "intake_date": Connectee.intake_date,
        "years_experience": Connectee.years_experience,
        "status": Connectee.status,
        "target_occupation": Connectee.target_occupation,
    },
    flag_filters=("job_ready",),
)

CONNECTORS: PersonKind[Connector] = PersonKind(
    name="connector",
    model=Connector,
    language_model=ConnectorLanguage,
    language_fk="connector_id",
    occupation_column=Connector.occupation,
    sortable={
        "id": Connector.id,
        "last_name": Connector.last_name,
        "first_name": Connector.first_name,
        "created_at": Connector.created_at,
        "years_in_field": Connector.years_in_field,
        "capacity": Connector.capacity,
        "status": Connector.status,
        "occupation": Connector.occupation,
    },
    flag_filters=("available", "remote_ok"),
)


def email_owner(kind: PersonKind[P], email: str, exclude_id: int | None = None) -> int | None:
    """Return the id of the person of this kind who has this email, if any."""
    stmt = select(kind.model.id).where(kind.model.email == email.strip().lower())
    if exclude_id is not None:
        stmt = stmt.where(kind.model.id != exclude_id)
    return db.session.scalar(stmt)


def apply_fields(kind: PersonKind[P], person: P, data: Mapping[str, Any]) -> list[str]:
    """Copy loaded schema data onto a person; return the names of the fields that changed."""
    changed: list[str] = []
    for key, value in data.items():
        if key == "languages":
            wanted = {(lang["language"], lang["level"]) for lang in value}
            have = {(lang.language, lang.level) for lang in person.languages}
            if wanted != have:
                if person.languages:
                    # Delete the old rows first: an insert of the same language at another
                    # level would otherwise hit the (person, language) unique constraint.
                    person.languages = []
                    db.session.flush()
                person.languages = [
                    kind.language_model(language=code, level=level)  # type: ignore[misc]
                    for code, level in sorted(wanted)
                ]
                changed.append(key)
        elif key == "email":
            email = value.strip().lower()
            if email != person.email:
                person.email = email
                changed.append(key)
        elif getattr(person, key) != value:
            setattr(person, key, value)
            changed.append(key)
    if "skills" in changed:
        person.refresh_skill_ids()
    person.refresh_search_text()
    return changed


def _check_references(data: Mapping[str, Any]) -> None:
    """Refuse ids of records that do not exist, field by field."""
    coordinator_id = data.get("coordinator_id")
    if coordinator_id is not None and db.session.get(StaffUser, coordinator_id) is None:
        raise InvalidInput({"coordinator_id": [f"No staff user {coordinator_id}."]})
    check_referral(data)


#: The referral source a partner, event or inviting connector implies when none is given.
_IMPLIED_SOURCE = (
    ("invited_by_id", ReferralSource.CONNECTOR_INVITATION),
    ("referral_event_id", ReferralSource.EVENT),
    ("referral_partner_id", ReferralSource.PARTNER),
)


def with_implied_source(data: Mapping[str, Any]) -> dict[str, Any]:
    """Fill in the referral source that the partner, event or inviter given implies."""
    filled = dict(data)
    if filled.get("referral_source") is None:
        for key, source in _IMPLIED_SOURCE:
            if filled.get(key) is not None:
                filled["referral_source"] = source
                break
    return filled


def add_person(kind: PersonKind[P], data: Mapping[str, Any], *, actor: str) -> P:
    """Add a connectee or connector to the open transaction, with its audit and outbox rows.

    Commits nothing, so a caller can store more (consents, say) in the same commit.
    """
    _check_references(data)
    data = with_implied_source(data)
    if email_owner(kind, data["email"]) is not None:
        raise Conflict(f"A {kind.name} with this email already exists.", field="email")
    person = kind.model()
    person.skills, person.availability = [], []
    apply_fields(kind, person, data)
    db.session.add(person)
    db.session.flush()
    record(actor, f"{kind.name}.create", kind.name, person.id, {"fields": sorted(data)})
    connector_changed(person)
    return person


def create_person(kind: PersonKind[P], data: Mapping[str, Any], *, actor: str) -> P:
    """Add a connectee or connector; the email must not be in use."""
    person = add_person(kind, data, actor=actor)
    db.session.commit()
    return person


def get_person(kind: PersonKind[P], person_id: int) -> P:
    person = db.session.get(kind.model, person_id)
    if person is None:
        raise NotFound(f"No {kind.name} {person_id}.")
    return person


def update_person(kind: PersonKind[P], person_id: int, data: Mapping[str, Any], *, actor: str) -> P:
    """Change some fields of a person; unchanged values write nothing to the audit log."""
    person = get_person(kind, person_id)
    _check_references(data)
    if kind.model is Connector and data.get("invited_by_id") == person_id:
        raise InvalidInput({"invited_by_id": ["A connector cannot invite themselves."]})
    data = with_implied_source(data)
    if "email" in data and email_owner(kind, data["email"], person.id) is not None:
        raise Conflict(f"A {kind.name} with this email already exists.", field="email")
    changed = apply_fields(kind, person, data)
    if changed:
        record(actor, f"{kind.name}.update", kind.name, person.id, {"fields": changed})
        connector_changed(person)
    db.session.commit()
    return person


#: Where an erased person's email points: a reserved domain that never receives mail.
ERASED_EMAIL_DOMAIN = "invalid"


def is_erased(person: Connectee | Connector) -> bool:
    """Tell whether a person's personal data was erased (the record stays, anonymous)."""
    return person.email == f"erased-{_kind_name(person)}-{person.id}@{ERASED_EMAIL_DOMAIN}"


def _kind_name(person: Connectee | Connector) -> str:
    return "connector" if isinstance(person, Connector) else "connectee"


def erase_person(kind: PersonKind[P], person_id: int, *, actor: str) -> None:
    """Erase a person's personal data on request, keeping the anonymous program record.

    Funder reports still count the participation; nothing left identifies the person.
    """
    person = get_person(kind, person_id)
    person.first_name, person.last_name = "Erased", f"#{person.id}"
    person.email = f"erased-{kind.name}-{person.id}@{ERASED_EMAIL_DOMAIN}"
    person.phone = person.notes = None
    person.skills, person.availability, person.languages = [], [], []
    person.status = ProfileStatus.DEACTIVATED
    if isinstance(person, Connector):
        person.employer = person.job_title = None
        person.available = False
    else:
        person.education_field = None
        # The CV's bytes go with the rest: nothing of the file stays on the node.
        db.session.execute(delete(ConnecteeCV).where(ConnecteeCV.connectee_id == person.id))
        person.resume_on_file = False
    person.refresh_search_text()
    for consent in db.session.scalars(
        select(Consent).where(
            getattr(Consent, f"{kind.name}_id") == person.id, Consent.withdrawn_at.is_(None)
        )
    ):
        consent.withdrawn_at, consent.withdrawn_by = utcnow(), actor
    from community_node.matches.services import erase_match_details

    erase_match_details(kind.name, person.id)
    # The hub and the other city hold parts of this person too: the next sync erases them.
    mark_for_erasure(kind.name, person.id, "erasure", actor=actor)
    record(actor, f"{kind.name}.erase", kind.name, person.id, {})
    connector_changed(person)
    db.session.commit()


def resume_paused(today: dt.date, *, actor: str) -> list[int]:
    """End every connector's pause that runs out by ``today``; return their ids.

    Clearing the date (rather than reading it at every use) lets the directory learn, at
    the next sync, that the connector takes introductions again. Safe to rerun.
    """
    resumed = db.session.scalars(
        select(Connector)
        .where(Connector.unavailable_until <= today)
        .order_by(Connector.id)
        .with_for_update()
    ).all()
    for connector in resumed:
        until = connector.unavailable_until
        connector.unavailable_until = None
        record(actor, "connector.resume", "connector", connector.id, {"paused_until": str(until)})
        connector_changed(connector)
    db.session.commit()
    return [c.id for c in resumed]


def person_filters(kind: PersonKind[P], args: Mapping[str, Any]) -> Select[Any]:
    """Build the filtered (unsorted) query a list or an export runs."""
    model = kind.model
    stmt: Select[Any] = select(model)
    if (status := args.get("status")) is not None:
        stmt = stmt.where(model.status == status)
    if (occupation := args.get("occupation")) is not None:
        level = args.get("related") or Level.DETAILED
        codes = default_taxonomy().related_codes(occupation, level)
        stmt = stmt.where(kind.occupation_column.in_(codes))
    if (language := args.get("language")) is not None:
        lang = kind.language_model
        fk = getattr(lang, kind.language_fk)
        stmt = stmt.where(
            select(lang.id).where(and_(fk == model.id, lang.language == language)).exists()
        )
    if q := args.get("q"):
        for word in q.casefold().split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(model.search_text.like(f"%{escaped}%", escape="\\"))
    for flag in kind.flag_filters:
        if (value := args.get(flag)) is not None:
            stmt = stmt.where(getattr(model, flag).is_(value))
    return stmt


def list_persons(
    kind: PersonKind[P], args: Mapping[str, Any], *, only: Sequence[str] | None = None
) -> Page:
    """One page of people; ``only`` names the columns a caller reads (a staff list shows
    nine of some forty), the others left unloaded: read later, they load then.

    Never refused (``raiseload``): the page's objects stay in the session's identity map,
    and a later read of the same person in that session (a person page after a list,
    where a session outlives one request) must see every column, not an error."""
    stmt = apply_sort(person_filters(kind, args), args["sort"], kind.sortable, kind.model.id)
    if only is not None:
        stmt = stmt.options(load_only(*(getattr(kind.model, name) for name in only)))
    return paginate(stmt, args["page"], args["per_page"])


def export_persons(kind: PersonKind[P], args: Mapping[str, Any]) -> Sequence[P]:
    stmt = apply_sort(
        person_filters(kind, args), args.get("sort", "id"), kind.sortable, kind.model.id
    )
    return db.session.scalars(stmt).all()


# Consents -----------------------------------------------------------------------------


def add_consent(data: Mapping[str, Any], *, actor: str) -> Consent:
    """Add a consent for exactly one connectee or connector to the open transaction.

    Commits nothing, so a consent can be stored in the same commit as its person.
    """
    connectee_id, connector_id = data.get("connectee_id"), data.get("connector_id")
    if (connectee_id is None) == (connector_id is None):
        raise InvalidInput({"connectee_id": ["Give exactly one of connectee_id, connector_id."]})
    if connectee_id is not None:
        get_person(CONNECTEES, connectee_id)
    if connector_id is not None:
        get_person(CONNECTORS, connector_id)
    consent = Consent(
        connectee_id=connectee_id,
        connector_id=connector_id,
        purpose=data["purpose"],
        policy_version=data["policy_version"],
        method=data.get("method", "form"),
        granted_at=data.get("granted_at") or utcnow(),
        recorded_by=actor,
    )
    db.session.add(consent)
    db.session.flush()
    record(actor, "consent.grant", "consent", consent.id, {"purpose": consent.purpose.value})
    connector_changed(consent)
    return consent


def grant_consent(data: Mapping[str, Any], *, actor: str) -> Consent:
    """Record a consent for exactly one connectee or connector."""
    consent = add_consent(data, actor=actor)
    db.session.commit()
    return consent


def withdraw_consent(consent_id: int, *, actor: str, note: str | None = None) -> Consent:
    """Stamp a consent withdrawn, with the coordinator's note if any; the record stays."""
    consent = db.session.get(Consent, consent_id)
    if consent is None:
        raise NotFound(f"No consent {consent_id}.")
    if consent.withdrawn_at is not None:
        raise Conflict("This consent is already withdrawn.")
    consent.withdrawn_at, consent.withdrawn_by = utcnow(), actor
    consent.withdrawal_note = (note or "").strip() or None
    record(actor, "consent.withdraw", "consent", consent.id, {"purpose": consent.purpose.value})
    if consent.purpose is ConsentPurpose.CROSS_CITY_INTRODUCTIONS:
        # What crossed under this consent is erased at the hub and the other city too.
        kind, person_id = (
            ("connectee", consent.connectee_id)
            if consent.connectee_id is not None
            else ("connector", consent.connector_id)
        )
        assert person_id is not None  # exactly one subject (a check constraint)
        mark_for_erasure(
            kind,
            person_id,
            "consent_withdrawn",
            actor=actor,
            consent_id=consent.id if kind == "connectee" else None,
        )
    connector_changed(consent)
    db.session.commit()
    return consent


def list_consents(args: Mapping[str, Any]) -> Page:
    stmt = select(Consent)
    for key in ("connectee_id", "connector_id", "purpose"):
        if (value := args.get(key)) is not None:
            stmt = stmt.where(getattr(Consent, key) == value)
    if (active := args.get("active")) is not None:
        stmt = stmt.where(
            Consent.withdrawn_at.is_(None) if active else Consent.withdrawn_at.is_not(None)
        )
    stmt = apply_sort(
        stmt, args["sort"], {"id": Consent.id, "granted_at": Consent.granted_at}, Consent.id
    )
    return paginate(stmt, args["page"], args["per_page"])
