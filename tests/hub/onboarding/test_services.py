"""Reviewing applications: the state machine, approval through the communities service,
single-use expiring links stored as digests, the checklist."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.auth.models import StaffUser
from hub.communities import services as communities
from hub.communities.models import Community, OAuthClient
from hub.errors import Conflict, InvalidInput
from hub.extensions import db
from hub.onboarding import services
from hub.onboarding.models import Application, ApplicationStatus, Link, LinkPurpose
from hub.onboarding.services import LinkDead
from hub.profiles.models import Profile
from tests.hub.onboarding.conftest import application_data

WEEK = dt.timedelta(days=7)


def audit(action: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def ask(application: Application, reviewer: StaffUser) -> services.IssuedLink:
    return services.request_changes(
        application.id, "Name your English-language partner.", staff_id=reviewer.id,
        actor=f"staff:{reviewer.id}", valid_for=WEEK,
    )  # fmt: skip


def approve(
    application: Application, reviewer: StaffUser, slug: str = "moncton"
) -> services.IssuedLink:
    return services.approve(
        application.id, slug=slug, name="Moncton", actor=f"staff:{reviewer.id}", valid_for=WEEK
    )


def test_submit_stores_the_application_and_audits_it_without_personal_data(
    submitted: Application,
) -> None:
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert submitted.planned_launch > dt.date.today()
    assert [p["kind"] for p in submitted.partners] == ["chamber_of_commerce", "university"]
    (event,) = audit("onboarding.submit")
    assert event.entity_id == submitted.id
    assert "rosa" not in str(event.details).lower()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("planned_launch", "2001-01-01", "Choose today or a later date."),
        ("planned_launch", "soon", "Enter a date as year-month-day"),
        ("expected_connectees", 0, "Enter a number from 1 to 10,000."),
        ("expected_connectors", 10_001, "Enter a number from 1 to 10,000."),
        ("country", "XX", "Choose a country from the list."),
        ("contact_email", "rosa", "Enter an email address"),
        ("organisation", "  ", "Please fill this in."),
    ],
)
def test_submit_refuses_bad_values_field_by_field(
    hub_app: object, field: str, value: object, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.submit(application_data(**{field: value}))
    errors = refused.value.extra["errors"]
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert db.session.scalars(select(Application)).all() == []


def test_a_partner_needs_a_known_kind_and_a_name(hub_app: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.submit(application_data(partners=[{"kind": "bank", "name": ""}]))
    assert refused.value.extra["errors"] == {
        "partners": {0: {"kind": ["Choose the kind of partner."], "name": ["Please fill this in."]}}
    }


def test_changes_requested_then_resubmitted_through_the_link(
    submitted: Application, reviewer: StaffUser
) -> None:
    issued = ask(submitted, reviewer)
    assert submitted.status is ApplicationStatus.CHANGES_REQUESTED
    assert submitted.comments[-1].body == "Name your English-language partner."

    partners = [*submitted.partners, {"kind": "english_language_provider", "name": "MAGMA"}]
    services.resubmit(issued.token, application_data(partners=partners, expected_connectors=45))
    db.session.expire_all()
    assert submitted.status is ApplicationStatus.RESUBMITTED
    assert submitted.expected_connectors == 45
    assert len(submitted.partners) == 3
    transitions = [(e.details["from"], e.details["to"]) for e in audit("onboarding.status")]
    assert transitions == [
        ("submitted", "changes_requested"),
        ("changes_requested", "resubmitted"),
    ]
    # The edit link worked once.
    with pytest.raises(LinkDead, match="already been used"):
        services.resubmit(issued.token, application_data())

    # resubmitted ⇄ changes_requested: staff may ask again.
    again = ask(submitted, reviewer)
    assert submitted.status is ApplicationStatus.CHANGES_REQUESTED
    assert again.token != issued.token


def test_a_refused_resubmission_keeps_the_link_working(
    submitted: Application, reviewer: StaffUser
) -> None:
    issued = ask(submitted, reviewer)
    with pytest.raises(InvalidInput):
        services.resubmit(issued.token, application_data(planned_launch="2001-01-01"))
    db.session.rollback()
    assert services.open_link(issued.token, LinkPurpose.EDIT).used_at is None
    services.resubmit(issued.token, application_data())
    assert submitted.status is ApplicationStatus.RESUBMITTED


@pytest.mark.parametrize("final", [ApplicationStatus.APPROVED, ApplicationStatus.DECLINED])
def test_illegal_transitions_are_conflicts(
    submitted: Application, reviewer: StaffUser, final: ApplicationStatus
) -> None:
    if final is ApplicationStatus.APPROVED:
        approve(submitted, reviewer)
    else:
        services.decline(submitted.id, "Another program already serves the city.",
                         staff_id=reviewer.id, actor="test")  # fmt: skip
    for action in (
        lambda: ask(submitted, reviewer),
        lambda: approve(submitted, reviewer, slug="moncton-2"),
        lambda: services.decline(submitted.id, "No.", staff_id=reviewer.id, actor="test"),
    ):
        with pytest.raises(Conflict):
            action()
        db.session.rollback()
    assert db.session.get(Application, submitted.id).status is final  # type: ignore[union-attr]


def test_the_applicant_cannot_resubmit_what_staff_did_not_send_back(
    submitted: Application, reviewer: StaffUser
) -> None:
    with pytest.raises(Conflict):
        services.new_link(submitted.id, LinkPurpose.EDIT, actor="test", valid_for=WEEK)


def test_approval_registers_the_community_and_client_through_the_cli_service(
    submitted: Application, reviewer: StaffUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = communities.register_community

    def spy(slug: str, name: str, **kw: object) -> communities.Credentials:
        calls.append(slug)
        return real(slug, name, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "register_community", spy)
    approve(submitted, reviewer)
    assert calls == ["moncton"]
    community = communities.get_community("moncton")
    assert (community.name, community.country, community.region) == ("Moncton", "CA", "NB")
    assert submitted.community is community
    assert submitted.status is ApplicationStatus.APPROVED
    assert [e.details["slug"] for e in audit("community.create")] == ["moncton"]
    # `connector-hub communities add` runs the same step: the CLI's rules hold here too.
    monkeypatch.setattr(communities, "register_community", spy)
    communities.add_community("truro", "Truro", actor="cli")
    assert calls == ["moncton", "truro"]


def test_approval_with_a_taken_slug_changes_nothing(
    submitted: Application, reviewer: StaffUser
) -> None:
    communities.add_community("moncton", "Moncton", actor="test")
    with pytest.raises(Conflict):
        approve(submitted, reviewer)
    db.session.rollback()
    db.session.expire_all()
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert db.session.scalars(select(Link)).all() == []
    with pytest.raises(InvalidInput):
        approve(submitted, reviewer, slug="Not A Slug")
    db.session.rollback()
    assert len(db.session.scalars(select(Community)).all()) == 1


def test_the_credentials_link_shows_a_working_secret_once(
    submitted: Application, reviewer: StaffUser
) -> None:
    issued = approve(submitted, reviewer)
    creds = services.hand_over(issued.token)
    client = db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == creds.client_id))
    assert client is not None and client.check_client_secret(creds.client_secret)
    with pytest.raises(LinkDead, match="already been used"):
        services.hand_over(issued.token)
    db.session.expire_all()
    assert client.check_client_secret(creds.client_secret)  # the second try changed nothing
    (handed,) = audit("onboarding.credentials")
    assert creds.client_secret not in str(handed.details)
    for event in db.session.scalars(select(AuditEvent)):
        assert creds.client_secret not in str(event.details)


def test_links_expire(submitted: Application, reviewer: StaffUser) -> None:
    issued = approve(submitted, reviewer)
    link = db.session.scalar(select(Link))
    assert link is not None
    link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(LinkDead, match="expired"):
        services.hand_over(issued.token)
    # A new link replaces it.
    fresh = services.new_link(submitted.id, LinkPurpose.CREDENTIALS, actor="test", valid_for=WEEK)
    assert services.hand_over(fresh.token).community.slug == "moncton"


def test_a_new_link_kills_the_old_one(submitted: Application, reviewer: StaffUser) -> None:
    old = ask(submitted, reviewer)
    new = services.new_link(submitted.id, LinkPurpose.EDIT, actor="test", valid_for=WEEK)
    with pytest.raises(LinkDead):
        services.open_link(old.token, LinkPurpose.EDIT)
    assert services.open_link(new.token, LinkPurpose.EDIT).application is submitted


def test_only_the_token_digest_is_stored(submitted: Application, reviewer: StaffUser) -> None:
    issued = approve(submitted, reviewer)
    (link,) = db.session.scalars(select(Link)).all()
    assert link.token_digest == hashlib.sha256(issued.token.encode()).hexdigest()
    for row in db.session.execute(select(Link.__table__)).all():
        assert issued.token not in " ".join(map(str, row))


def test_an_unknown_or_wrong_purpose_token_is_dead(
    submitted: Application, reviewer: StaffUser
) -> None:
    edit = ask(submitted, reviewer)
    for token in ("nonsense", "", "x" * 500):
        with pytest.raises(LinkDead, match="not valid"):
            services.open_link(token, LinkPurpose.EDIT)
    with pytest.raises(LinkDead, match="not valid"):
        services.hand_over(edit.token)


def test_the_checklist_ticks_what_the_hub_observes(
    submitted: Application, reviewer: StaffUser
) -> None:
    approve(submitted, reviewer)
    items = {i.key: i.done for i in services.checklist(submitted)}
    assert items == {
        "eligibility_rules": False,
        "staff_trained": False,
        "first_connector": False,
        "first_sync": False,
    }
    community = communities.get_community("moncton")
    db.session.add(
        Profile(community_id=community.id, ref="a" * 32, version=1, occupation="29-1141",
                occupation_level="detailed", experience_band="5-9", deleted=False)
    )  # fmt: skip
    communities.mark_synced(community.id, profiles_changed=True)
    db.session.commit()
    db.session.expire_all()
    items = {i.key: i.done for i in services.checklist(submitted)}
    assert items["first_connector"] and items["first_sync"]
    assert not services.is_live(services.checklist(submitted))

    for item in ("eligibility_rules", "staff_trained"):
        services.tick(submitted.id, item, True, actor="staff:1")
    assert services.is_live(services.checklist(submitted))
    assert [e.details for e in audit("onboarding.checklist")] == [
        {"item": "eligibility_rules", "done": True},
        {"item": "staff_trained", "done": True},
    ]
    with pytest.raises(Conflict):
        services.tick(submitted.id, "staff_trained", True, actor="staff:1")
    with pytest.raises(InvalidInput):
        services.tick(submitted.id, "first_sync", True, actor="staff:1")


def test_the_checklist_waits_for_approval(submitted: Application) -> None:
    with pytest.raises(Conflict):
        services.tick(submitted.id, "staff_trained", True, actor="staff:1")
