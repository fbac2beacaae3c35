"""The people a program serves: connectees and connectors, and what they consented to."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Sequence

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community_node.database import (
    Base,
    JSONType,
    created_at,
    intpk,
    timestamp,
    trigram_index,
    utcnow,
)
from shared.taxonomy import default_skills


class ProfileStatus(enum.StrEnum):
    """draft → submitted → approved | rejected | waitlisted → deactivated."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    DEACTIVATED = "deactivated"


class LanguageLevel(enum.StrEnum):
    """CEFR levels, plus native, in increasing order."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"
    NATIVE = "native"

    @property
    def rank(self) -> int:
        return list(LanguageLevel).index(self)


class ReferralSource(enum.StrEnum):
    RESETTLEMENT_AGENCY = "resettlement_agency"
    ELL_PROVIDER = "ell_provider"
    COLLEGE_CAREER_CENTRE = "college_career_centre"
    JOB_FAIR = "job_fair"
    EMPLOYER = "employer"
    COMMUNITY_ORGANISATION = "community_organisation"
    SELF = "self"
    OTHER = "other"
    # Where the recruitment reports look: a named partner, an event, a connector's link.
    PARTNER = "partner"
    EVENT = "event"
    SOCIAL_MEDIA = "social_media"
    WORD_OF_MOUTH = "word_of_mouth"
    CONNECTOR_INVITATION = "connector_invitation"


class StatusCategory(enum.StrEnum):
    REFUGEE = "refugee"
    ASYLUM_SEEKER = "asylum_seeker"
    PERMANENT_RESIDENT = "permanent_resident"
    TEMPORARY_RESIDENT = "temporary_resident"
    CITIZEN = "citizen"
    OTHER = "other"


class WorkAuthorization(enum.StrEnum):
    """Kinds of work authorization; which ones are eligible is per-community config."""

    CITIZEN = "citizen"
    PERMANENT_RESIDENT = "permanent_resident"
    REFUGEE_STATUS = "refugee_status"
    OPEN_WORK_PERMIT = "open_work_permit"
    EMPLOYER_WORK_PERMIT = "employer_work_permit"
    EAD = "ead"
    H1B = "h1b"
    F1_STUDENT = "f1_student"
    STUDY_PERMIT = "study_permit"
    PENDING = "pending"
    NONE = "none"


class EducationLevel(enum.StrEnum):
    """Highest completed education, in increasing order."""

    NONE = "none"
    SECONDARY = "secondary"
    POST_SECONDARY_CERTIFICATE = "post_secondary_certificate"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"

    @property
    def rank(self) -> int:
        return list(EducationLevel).index(self)


class CredentialRecognition(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    RECOGNIZED = "recognized"
    NOT_REQUIRED = "not_required"


class EnglishEvidence(enum.StrEnum):
    """How the English level was established."""

    INFORMAL = "informal"
    TEST = "test"
    DEGREE = "degree"


class CapacityPeriod(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class ScreeningStatus(enum.StrEnum):
    PENDING = "pending"
    SCREENED = "screened"
    FAILED = "failed"


#: Coarse weekly availability slots a coordinator can compare at a glance.
AVAILABILITY_SLOTS = ("weekday_mornings", "weekday_afternoons", "weekday_evenings", "weekends")


def skill_ids_for(skills: Sequence[str] | None) -> list[str]:
    """Return the ESCO skill ids that free-text skills name, each once, in order.

    Each distinct skill text is normalized once per process: people repeat the same
    skills in other combinations (an import's rows, the demo's catalogue), and folding,
    splitting and stemming each item again was a third of a 10,000-row import."""
    ids: dict[str, None] = {}
    for item in skills or ():
        ids.update(dict.fromkeys(_item_skill_ids(item)))
    return list(ids)


@functools.lru_cache(maxsize=16384)
def _item_skill_ids(item: str) -> tuple[str, ...]:
    return tuple(default_skills().skill_ids([item]))


class _Person:
    """Columns connectees and connectors share."""

    id: Mapped[intpk]
    first_name: Mapped[str] = mapped_column(String(100))
    # Indexed for the lists' sort: a page of 50 by name reads 50 index entries, no sort.
    last_name: Mapped[str] = mapped_column(String(100), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[ProfileStatus] = mapped_column(default=ProfileStatus.SUBMITTED, index=True)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # ESCO ids the free-text skills normalize to (shared.taxonomy.skills); the free text
    # stays on the node, the ids are vocabulary and may travel to the hub.
    skill_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    availability: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Where the person heard of the program; the ids name which partner, event or connector.
    referral_source: Mapped[ReferralSource | None]
    referral_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True
    )
    referral_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectors.id", ondelete="SET NULL"), index=True
    )
    # The language pages and messages are in for this person (shared.names.LANGUAGES),
    # from the page they signed up on; None: the node's default language.
    preferred_language: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str | None] = mapped_column(Text)
    # "No more reminders": honoured by every reminder enqueued from then on.
    reminders_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Lower-cased name, email and skills so text search is one indexed-friendly LIKE.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[timestamp] = mapped_column(onupdate=utcnow)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def refresh_skill_ids(self) -> None:
        self.skill_ids = skill_ids_for(self.skills)

    def refresh_search_text(self) -> None:
        parts = [self.first_name, self.last_name, self.email, *(self.skills or [])]
        self.search_text = " ".join(p.casefold() for p in parts if p)


class Connectee(_Person, Base):
    """An internationally trained newcomer looking to build a local network."""

    __tablename__ = "connectees"
    # The list's free-text search, ``search_text LIKE '%word%'``, from an index (PostgreSQL).
    __table_args__ = (trigram_index("connectees", "search_text"),)

    country_of_origin: Mapped[str | None] = mapped_column(String(2))
    status_category: Mapped[StatusCategory | None]
    work_authorization: Mapped[WorkAuthorization | None]
    work_authorization_expires: Mapped[dt.date | None]
    intends_to_stay: Mapped[bool | None]
    education_level: Mapped[EducationLevel | None]
    education_field: Mapped[str | None] = mapped_column(String(200))
    education_country: Mapped[str | None] = mapped_column(String(2))
    credential_recognition: Mapped[CredentialRecognition | None]
    current_occupation: Mapped[str | None] = mapped_column(String(7), index=True)
    target_occupation: Mapped[str | None] = mapped_column(String(7), index=True)
    years_experience: Mapped[int | None]
    english_evidence: Mapped[EnglishEvidence | None]
    resume_on_file: Mapped[bool] = mapped_column(default=False)
    intake_date: Mapped[dt.date | None] = mapped_column(index=True)  # the list's sort
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    job_ready: Mapped[bool] = mapped_column(default=False)

    languages: Mapped[list[ConnecteeLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ConnecteeLanguage.language"
    )

    @property
    def english_level(self) -> LanguageLevel | None:
        return next((lang.level for lang in self.languages if lang.language == "eng"), None)


class Connector(_Person, Base):
    """An established local professional who meets connectees and refers them on."""

    __tablename__ = "connectors"
    __table_args__ = (trigram_index("connectors", "search_text"),)

    employer: Mapped[str | None] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    occupation: Mapped[str | None] = mapped_column(String(7), index=True)
    years_in_field: Mapped[int | None]
    years_local: Mapped[int | None]
    has_local_network: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int] = mapped_column(default=1, index=True)  # the list's sort
    capacity_period: Mapped[CapacityPeriod] = mapped_column(default=CapacityPeriod.QUARTER)
    available: Mapped[bool] = mapped_column(default=True)
    # "Not now, ask me after <date>": no new matches before that day; tick clears it then.
    unavailable_until: Mapped[dt.date | None]
    remote_ok: Mapped[bool] = mapped_column(default=False)
    cross_city_ok: Mapped[bool] = mapped_column(default=False)
    screening_status: Mapped[ScreeningStatus] = mapped_column(default=ScreeningStatus.PENDING)

    def accepting(self, today: dt.date) -> bool:
        """Tell whether the connector takes new matches on ``today``."""
        return self.available and (
            self.unavailable_until is None or self.unavailable_until <= today
        )

    languages: Mapped[list[ConnectorLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ConnectorLanguage.language"
    )


class ConnecteeCV(Base):
    """A connectee's CV: the file's bytes, kept in the node database and nowhere else.

    In the database rather than a folder so the file is written, replaced and erased in
    the transaction that audits it (an erasure cannot leave a file behind on a disk) and
    is in the node's backups with the rest of the person's data. One per connectee.
    Nothing that leaves the node reads this table (the sync, the exports, the messages).
    """

    __tablename__ = "connectee_cvs"

    connectee_id: Mapped[int] = mapped_column(
        ForeignKey("connectees.id", ondelete="CASCADE"), primary_key=True
    )
    file_name: Mapped[str] = mapped_column(String(200))
    file_media_type: Mapped[str] = mapped_column(String(100))
    file_size: Mapped[int]
    file_sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[timestamp]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class ConnecteeLanguage(Base):
    __tablename__ = "connectee_languages"
    __table_args__ = (UniqueConstraint("connectee_id", "language"),)

    id: Mapped[intpk]
    connectee_id: Mapped[int] = mapped_column(
        ForeignKey("connectees.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(3), index=True)
    level: Mapped[LanguageLevel]


class ConnectorLanguage(Base):
    __tablename__ = "connector_languages"
    __table_args__ = (UniqueConstraint("connector_id", "language"),)

    id: Mapped[intpk]
    connector_id: Mapped[int] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(3), index=True)
    level: Mapped[LanguageLevel]


class ConsentPurpose(enum.StrEnum):
    LOCAL_PROCESSING = "local_processing"
    DIRECTORY_LISTING = "directory_listing"
    CROSS_CITY_INTRODUCTIONS = "cross_city_introductions"


class Consent(Base):
    """One grant of consent for one purpose; withdrawing stamps it, never deletes it."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(
            "(connectee_id IS NULL) <> (connector_id IS NULL)", name="exactly_one_subject"
        ),
    )

    id: Mapped[intpk]
    connectee_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectees.id", ondelete="CASCADE"), index=True
    )
    connector_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[ConsentPurpose]
    policy_version: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(40), default="form")
    granted_at: Mapped[timestamp]
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[created_at]
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(80))
    #: Why it was withdrawn, in the coordinator's words (personal data: it stays here,
    #: never in the audit log or on the wire).
    withdrawal_note: Mapped[str | None] = mapped_column(String(500))

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
