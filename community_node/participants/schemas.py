"""The wire shapes of connectees, connectors and consents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate, validates

from community_node.fields import CountryCode, Id, LanguageCode, OccupationCode, TrimmedString
from community_node.pagination import PageArgsSchema, page_schema
from community_node.participants.models import (
    AVAILABILITY_SLOTS,
    CapacityPeriod,
    ConsentPurpose,
    CredentialRecognition,
    EducationLevel,
    EnglishEvidence,
    LanguageLevel,
    ProfileStatus,
    ReferralSource,
    ScreeningStatus,
    StatusCategory,
    WorkAuthorization,
)
from shared.names import LANGUAGES
from shared.protocol.common import BaseSchema
from shared.taxonomy import Level
from shared.text import N_

#: A phone number as people write one: an optional leading +, 6 to 15 digits (E.164 has at
#: most 15) with spaces, dots, dashes, slashes or brackets between them, and an optional
#: extension ("x 12", "ext. 12"). One pattern, so the OpenAPI document states the rule too.
PHONE_PATTERN = r"^\+?(?:[ ().\-/]*\d){6,15}[ ().\-/]*(?:(?:ext\.?|x) ?\d{1,6})?$"
PHONE_MESSAGE = N_("Enter a phone number of 6 to 15 digits, such as +1 902 555 0100.")

_skill = TrimmedString(validate=validate.Length(min=1, max=100))
_slots = fields.List(fields.String(validate=validate.OneOf(AVAILABILITY_SLOTS)))


#: The longest a connector can pause (``unavailable_until``).
MAX_PAUSE = dt.timedelta(days=731)


class LanguageSchema(BaseSchema):
    language = LanguageCode(
        required=True,
        metadata={
            "description": "ISO 639-3 code (ara, fas, prs); ISO 639-1 and 639-2 codes are "
            "read as it (ar → ara, per → fas).",
            "example": "prs",
        },
    )
    level = fields.Enum(LanguageLevel, by_value=True, required=True)


class _PersonSchema(BaseSchema):
    id = Id(dump_only=True)
    first_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    last_name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = TrimmedString(
        allow_none=True,
        validate=[validate.Length(max=40), validate.Regexp(PHONE_PATTERN, error=PHONE_MESSAGE)],
    )
    status = fields.Enum(ProfileStatus, by_value=True)
    skills = fields.List(_skill, validate=validate.Length(max=100))
    availability = _slots
    languages = fields.List(fields.Nested(LanguageSchema), validate=validate.Length(max=20))
    preferred_language = fields.String(
        allow_none=True,
        validate=validate.OneOf(list(LANGUAGES)),
        metadata={"description": "The language of this person's pages and messages."},
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))
    referral_source = fields.Enum(
        ReferralSource,
        by_value=True,
        allow_none=True,
        metadata={
            "description": "How they heard of the program; a partner, event or "
            "inviting connector given without it sets it."
        },
    )
    referral_partner_id = Id(
        allow_none=True, metadata={"description": "The partner who referred them."}
    )
    referral_event_id = Id(
        allow_none=True, metadata={"description": "The event they came through."}
    )
    invited_by_id = Id(
        allow_none=True,
        metadata={"description": "The connector whose invitation link they used."},
    )
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    @validates("languages")
    def _one_level_per_language(self, value: list[dict[str, object]], **kwargs: object) -> None:
        codes = [str(lang["language"]) for lang in value if lang.get("language")]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValidationError(f"Give each language once: {', '.join(repeated)}.")


class ConnecteeSchema(_PersonSchema):
    """A connectee as read and written through the API."""

    country_of_origin = CountryCode(allow_none=True)
    status_category = fields.Enum(StatusCategory, by_value=True, allow_none=True)
    work_authorization = fields.Enum(WorkAuthorization, by_value=True, allow_none=True)
    work_authorization_expires = fields.Date(allow_none=True)
    intends_to_stay = fields.Boolean(allow_none=True)
    education_level = fields.Enum(EducationLevel, by_value=True, allow_none=True)
    education_field = TrimmedString(allow_none=True, validate=validate.Length(max=200))
    education_country = CountryCode(allow_none=True)
    credential_recognition = fields.Enum(CredentialRecognition, by_value=True, allow_none=True)
    current_occupation = OccupationCode(allow_none=True)
    target_occupation = OccupationCode(allow_none=True)
    years_experience = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=70))
    english_evidence = fields.Enum(EnglishEvidence, by_value=True, allow_none=True)
    resume_on_file = fields.Boolean()
    intake_date = fields.Date(allow_none=True)
    coordinator_id = Id(allow_none=True)
    job_ready = fields.Boolean()


class ConnectorSchema(_PersonSchema):
    """A connector as read and written through the API."""

    employer = TrimmedString(allow_none=True, validate=validate.Length(max=200))
    job_title = TrimmedString(allow_none=True, validate=validate.Length(max=200))
    occupation = OccupationCode(allow_none=True)
    years_in_field = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=70))
    years_local = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=70))
    has_local_network = fields.Boolean()
    capacity = fields.Integer(validate=validate.Range(min=0, max=50))
    capacity_period = fields.Enum(CapacityPeriod, by_value=True)
    available = fields.Boolean()
    unavailable_until = fields.Date(
        allow_none=True,
        metadata={"description": "Paused: no new matches before this day (null: not paused)."},
    )
    remote_ok = fields.Boolean()
    cross_city_ok = fields.Boolean()
    screening_status = fields.Enum(ScreeningStatus, by_value=True)

    @validates("unavailable_until")
    def _pause_is_bounded(self, value: dt.date | None, **kwargs: Any) -> None:
        if value is not None and value > dt.date.today() + MAX_PAUSE:
            raise ValidationError("A pause can last up to two years; choose an earlier date.")


class PersonListArgsSchema(PageArgsSchema):
    """Filters shared by both lists."""

    status = fields.Enum(ProfileStatus, by_value=True)
    occupation = OccupationCode(
        metadata={"description": "Target (connectees) or own (connectors) occupation."}
    )
    related = fields.Enum(
        Level,
        by_value=True,
        load_default=Level.DETAILED,
        validate=validate.NoneOf([Level.AGGREGATE]),
        metadata={"description": "Also match codes sharing the occupation's prefix at this level."},
    )
    language = LanguageCode()
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Words found in the name, email or skills."},
    )


class ConnecteeListArgsSchema(PersonListArgsSchema):
    job_ready = fields.Boolean()


class ConnectorListArgsSchema(PersonListArgsSchema):
    available = fields.Boolean()
    remote_ok = fields.Boolean()


ConnecteePageSchema = page_schema(ConnecteeSchema)
ConnectorPageSchema = page_schema(ConnectorSchema)


class ConsentSchema(BaseSchema):
    """A consent grant; withdraw it with POST …/withdraw."""

    id = Id(dump_only=True)
    connectee_id = Id(allow_none=True)
    connector_id = Id(allow_none=True)
    purpose = fields.Enum(ConsentPurpose, by_value=True, required=True)
    policy_version = TrimmedString(required=True, validate=validate.Length(min=1, max=40))
    method = fields.String(
        load_default="form", validate=validate.OneOf(["form", "verbal", "paper", "email"])
    )
    granted_at = fields.AwareDateTime()
    recorded_by = fields.String(dump_only=True)
    recorded_at = fields.AwareDateTime(dump_only=True)
    withdrawn_at = fields.AwareDateTime(dump_only=True)
    withdrawn_by = fields.String(dump_only=True)
    withdrawal_note = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)


class ConsentListArgsSchema(PageArgsSchema):
    connectee_id = Id()
    connector_id = Id()
    purpose = fields.Enum(ConsentPurpose, by_value=True)
    active = fields.Boolean()


ConsentPageSchema = page_schema(ConsentSchema)


class WithdrawSchema(BaseSchema):
    """Why a consent is withdrawn (optional): kept on the consent record, never audited."""

    note = TrimmedString(validate=validate.Length(max=500))


class CVSchema(BaseSchema):
    """A connectee's CV as described: never its bytes (``GET …/cv`` sends those)."""

    file_name = fields.String(dump_only=True)
    media_type = fields.String(dump_only=True, attribute="file_media_type")
    size = fields.Integer(dump_only=True, attribute="file_size")
    sha256 = fields.String(dump_only=True, attribute="file_sha256")
    uploaded_at = fields.AwareDateTime(dump_only=True)


class CVUploadSchema(BaseSchema):
    """``PUT …/cv``: the file, as the ``file`` part of a multipart/form-data body."""

    file = Upload(
        required=True,
        metadata={"description": "A PDF, Word (.docx) or OpenDocument (.odt) file, at most 5 MB."},
    )
