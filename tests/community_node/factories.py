"""One factory per node model; realistic but obviously synthetic values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from sqlalchemy.orm import Session, scoped_session

from community_node.events.models import Event, EventKind
from community_node.matches.models import Match, MatchStatus, Meeting, MeetingMode, Referral
from community_node.outcomes.models import FollowUpOutcome, OutcomeCategory
from community_node.participants.models import (
    Connectee,
    ConnecteeLanguage,
    Connector,
    ConnectorLanguage,
    Consent,
    ConsentPurpose,
    EducationLevel,
    LanguageLevel,
    ProfileStatus,
    WorkAuthorization,
    skill_ids_for,
)
from community_node.recruitment.models import Partner, PartnerKind

_ALL: list[type[factory.alchemy.SQLAlchemyModelFactory]] = []


def bind(session: scoped_session[Session] | Session) -> None:
    """Point every factory at the app's session (called by the ``app`` fixture)."""
    for f in _ALL:
        f._meta.sqlalchemy_session = session


def _register(cls: Any) -> Any:
    _ALL.append(cls)
    return cls


class _Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "commit"


@_register
class ConnecteeFactory(_Base):
    class Meta:
        model = Connectee

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"connectee{n}@example.org")
    status = ProfileStatus.SUBMITTED
    skills = factory.LazyFunction(lambda: ["patient care", "triage"])
    # As the services store them on every write of skills (what matching reads).
    skill_ids = factory.LazyAttribute(lambda o: skill_ids_for(o.skills))
    availability = factory.LazyFunction(lambda: ["weekday_mornings"])
    country_of_origin = "SY"
    work_authorization = WorkAuthorization.PERMANENT_RESIDENT
    intends_to_stay = True
    education_level = EducationLevel.BACHELOR
    current_occupation = "29-1141"
    target_occupation = "29-1141"
    years_experience = 6
    resume_on_file = True
    intake_date = factory.LazyFunction(dt.date.today)
    languages = factory.LazyFunction(
        lambda: [
            ConnecteeLanguage(language="eng", level=LanguageLevel.B2),
            ConnecteeLanguage(language="ara", level=LanguageLevel.NATIVE),
        ]
    )

    @factory.post_generation
    def search(obj: Connectee, create: bool, extracted: Any, **kw: Any) -> None:  # noqa: N805
        obj.refresh_search_text()


@_register
class ConnectorFactory(_Base):
    class Meta:
        model = Connector

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"connector{n}@example.org")
    status = ProfileStatus.APPROVED
    skills = factory.LazyFunction(lambda: ["patient care"])
    # As the services store them on every write of skills (what matching reads).
    skill_ids = factory.LazyAttribute(lambda o: skill_ids_for(o.skills))
    availability = factory.LazyFunction(lambda: ["weekday_mornings", "weekends"])
    employer = "Harbour Health"
    job_title = "Charge Nurse"
    occupation = "29-1141"
    years_in_field = 12
    years_local = 8
    capacity = 3
    languages = factory.LazyFunction(
        lambda: [ConnectorLanguage(language="eng", level=LanguageLevel.NATIVE)]
    )

    @factory.post_generation
    def search(obj: Connector, create: bool, extracted: Any, **kw: Any) -> None:  # noqa: N805
        obj.refresh_search_text()


@_register
class ConsentFactory(_Base):
    class Meta:
        model = Consent

    purpose = ConsentPurpose.LOCAL_PROCESSING
    policy_version = "2026-01"
    recorded_by = "staff:1"


@_register
class MatchFactory(_Base):
    class Meta:
        model = Match

    connectee = factory.SubFactory(ConnecteeFactory)
    connector = factory.SubFactory(ConnectorFactory)
    connectee_id = factory.SelfAttribute("connectee.id")
    connector_id = factory.SelfAttribute("connector.id")
    status = MatchStatus.PROPOSED
    created_by = "staff:1"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("connectee", None)
        kwargs.pop("connector", None)
        return super()._create(model_class, *args, **kwargs)


@_register
class MeetingFactory(_Base):
    class Meta:
        model = Meeting

    match = factory.SubFactory(MatchFactory)
    scheduled_for = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    mode = MeetingMode.VIDEO


@_register
class ReferralFactory(_Base):
    class Meta:
        model = Referral

    match = factory.SubFactory(MatchFactory)
    contact_name = factory.Faker("name")
    organisation = "Atlantic Care Network"
    sector = "Health care"
    referred_on = factory.LazyFunction(dt.date.today)
    tier = 1


@_register
class FollowUpOutcomeFactory(_Base):
    class Meta:
        model = FollowUpOutcome

    connectee = factory.SubFactory(ConnecteeFactory)
    connectee_id = factory.SelfAttribute("connectee.id")
    milestone_months = 6
    category = OutcomeCategory.EMPLOYED_IN_FIELD
    attributed_to_program = True
    recorded_on = factory.LazyFunction(dt.date.today)
    recorded_by = "staff:1"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("connectee", None)
        return super()._create(model_class, *args, **kwargs)


@_register
class PartnerFactory(_Base):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner organisation {n}")
    kind = PartnerKind.EMPLOYER


@_register
class EventFactory(_Base):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Networking evening {n}")
    kind = EventKind.NETWORKING
    starts_at = factory.LazyFunction(lambda: dt.datetime(2026, 5, 12, 22, 0, tzinfo=dt.UTC))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    location = "Central Library, 5440 Spring Garden Rd"
    public_key = factory.Sequence(lambda n: f"event-key-{n:04d}")
    created_by = "staff:1"
