"""The wire shapes of eligibility decisions, requests to decide, and the rule set."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from community_node.eligibility.models import Outcome
from community_node.fields import TrimmedString
from community_node.pagination import PageArgsSchema, page_schema
from community_node.participants.models import (
    EducationLevel,
    EnglishEvidence,
    LanguageLevel,
    WorkAuthorization,
)
from shared.fields import MAX_ID as MAX_ID  # the routes' bound too
from shared.fields import Id
from shared.protocol.common import BaseSchema


class CriterionSchema(BaseSchema):
    criterion = fields.String(required=True)
    passed = fields.Boolean(required=True)
    missing = fields.Boolean(
        dump_default=False, metadata={"description": "The data it needs is not recorded."}
    )
    reason = fields.String(required=True)


class EligibilityDecisionSchema(BaseSchema):
    """One evaluation of one applicant, or a staff override."""

    id = Id(dump_only=True)
    connectee_id = Id(allow_none=True)
    connector_id = Id(allow_none=True)
    ruleset_version = fields.String()
    outcome = fields.Enum(Outcome, by_value=True)
    criteria = fields.List(fields.Nested(CriterionSchema))
    is_override = fields.Boolean()
    override_reason = fields.String(allow_none=True)
    decided_by = fields.String()
    decided_at = fields.AwareDateTime()
    current = fields.Boolean(
        metadata={"description": "The newest decision for this applicant; older ones are history."}
    )


EligibilityDecisionPageSchema = page_schema(EligibilityDecisionSchema)


class DecisionListArgsSchema(PageArgsSchema):
    connectee_id = Id()
    connector_id = Id()
    outcome = fields.Enum(Outcome, by_value=True)
    current = fields.Boolean()
    is_override = fields.Boolean()


class SubjectSchema(BaseSchema):
    """Exactly one applicant: a connectee or a connector."""

    connectee_id = Id(strict=True)
    connector_id = Id(strict=True)

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("connectee_id" in data) == ("connector_id" in data):
            raise ValidationError(
                "Give exactly one of connectee_id, connector_id.", field_name="connectee_id"
            )


class OverrideSchema(SubjectSchema):
    outcome = fields.Enum(Outcome, by_value=True, required=True)
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=2000))


class ReevaluationSchema(BaseSchema):
    evaluated = fields.Integer(
        metadata={"description": "Pending applicants evaluated under the active rules."}
    )
    changed = fields.Integer(metadata={"description": "How many of them changed status."})
    ruleset_version = fields.String()


class ConnecteeRulesSchema(BaseSchema):
    min_education_level = fields.Enum(EducationLevel, by_value=True, allow_none=True)
    require_resume = fields.Boolean()
    min_english_level = fields.Enum(LanguageLevel, by_value=True, allow_none=True)
    accepted_english_evidence = fields.List(fields.Enum(EnglishEvidence, by_value=True))
    accepted_work_authorizations = fields.List(fields.Enum(WorkAuthorization, by_value=True))
    min_days_authorization_valid = fields.Integer(allow_none=True)
    require_intent_to_stay = fields.Boolean()
    min_years_experience = fields.Integer(allow_none=True)
    require_target_occupation = fields.Boolean()


class ConnectorRulesSchema(BaseSchema):
    min_years_in_field = fields.Integer(allow_none=True)
    require_local_network = fields.Boolean()
    min_years_local = fields.Integer(allow_none=True)


class RuleSetSchema(BaseSchema):
    """The active rules; ``null`` means a criterion is switched off."""

    version = fields.String(
        metadata={"description": "The file's version label plus a hash of its content."}
    )
    declared_version = fields.String()
    description = fields.String()
    connectee = fields.Nested(ConnecteeRulesSchema)
    connector = fields.Nested(ConnectorRulesSchema)
