"""The wire shapes of eligibility decisions, requests to decide, and the rule set."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from community_node.eligibility.models import Outcome
from community_node.fields import TrimmedString
from community_node.pagination import PageArgsSchema, page_schema
from community_node.participants.models import (
    EducationLevel,
    EnglishEvidence,
    LanguageLevel,
    WorkAuthorization,
)

#: Ids are 32-bit on PostgreSQL; a larger one can only be unknown, and would not bind.
MAX_ID = 2**31 - 1
_id_range = validate.Range(min=1, max=MAX_ID)


class CriterionSchema(Schema):
    criterion = fields.String(required=True)
    passed = fields.Boolean(required=True)
    missing = fields.Boolean(
        dump_default=False, metadata={"description": "The data it needs is not recorded."}
    )
    reason = fields.String(required=True)


class EligibilityDecisionSchema(Schema):
    """One evaluation of one applicant, or a staff override."""

    id = fields.Integer(dump_only=True)
    connectee_id = fields.Integer(allow_none=True)
    connector_id = fields.Integer(allow_none=True)
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
    connectee_id = fields.Integer(validate=_id_range)
    connector_id = fields.Integer(validate=_id_range)
    outcome = fields.Enum(Outcome, by_value=True)
    current = fields.Boolean()
    is_override = fields.Boolean()


class SubjectSchema(Schema):
    """Exactly one applicant: a connectee or a connector."""

    connectee_id = fields.Integer(strict=True, validate=_id_range)
    connector_id = fields.Integer(strict=True, validate=_id_range)

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("connectee_id" in data) == ("connector_id" in data):
            raise ValidationError(
                "Give exactly one of connectee_id, connector_id.", field_name="connectee_id"
            )


class OverrideSchema(SubjectSchema):
    outcome = fields.Enum(Outcome, by_value=True, required=True)
    reason = TrimmedString(required=True, validate=validate.Length(min=1, max=2000))


class ReevaluationSchema(Schema):
    evaluated = fields.Integer(
        metadata={"description": "Pending applicants evaluated under the active rules."}
    )
    changed = fields.Integer(metadata={"description": "How many of them changed status."})
    ruleset_version = fields.String()


class ConnecteeRulesSchema(Schema):
    min_education_level = fields.Enum(EducationLevel, by_value=True, allow_none=True)
    require_resume = fields.Boolean()
    min_english_level = fields.Enum(LanguageLevel, by_value=True, allow_none=True)
    accepted_english_evidence = fields.List(fields.Enum(EnglishEvidence, by_value=True))
    accepted_work_authorizations = fields.List(fields.Enum(WorkAuthorization, by_value=True))
    min_days_authorization_valid = fields.Integer(allow_none=True)
    require_intent_to_stay = fields.Boolean()
    min_years_experience = fields.Integer(allow_none=True)
    require_target_occupation = fields.Boolean()


class ConnectorRulesSchema(Schema):
    min_years_in_field = fields.Integer(allow_none=True)
    require_local_network = fields.Boolean()
    min_years_local = fields.Integer(allow_none=True)


class RuleSetSchema(Schema):
    """The active rules; ``null`` means a criterion is switched off."""

    version = fields.String(
        metadata={"description": "The file's version label plus a hash of its content."}
    )
    declared_version = fields.String()
    description = fields.String()
    connectee = fields.Nested(ConnecteeRulesSchema)
    connector = fields.Nested(ConnectorRulesSchema)
