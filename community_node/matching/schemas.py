"""Schemas of /api/v1/matching: suggestions, batch proposals, next candidates."""

from __future__ import annotations

from marshmallow import fields, validate

from community_node.matching.models import BatchStatus, RowStatus
from shared.fields import Id
from shared.protocol.common import BaseSchema


class SuggestionArgsSchema(BaseSchema):
    k = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class LocalSuggestionSchema(BaseSchema):
    connector_id = Id(required=True)
    name = fields.String(required=True, metadata={"description": "For staff; never sent out."})
    occupation = fields.String(allow_none=True)
    capacity_left = fields.Integer()
    score = fields.Float(required=True)
    contributions = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.String())


class CrossCitySuggestionSchema(BaseSchema):
    """An anonymized connector of another community, from the hub's directory search."""

    directory_profile_id = Id(required=True)
    community = fields.String(required=True)
    occupation = fields.String(required=True)
    occupation_title = fields.String()
    experience_band = fields.String(allow_none=True)
    languages = fields.List(fields.Dict())
    score = fields.Float(required=True)
    contributions = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.String())


class SuggestionsSchema(BaseSchema):
    connectee_id = Id()
    threshold = fields.Float()
    best_local_score = fields.Float(allow_none=True)
    local = fields.List(fields.Nested(LocalSuggestionSchema))
    cross_city_status = fields.String(
        metadata={
            "description": "not_needed (local ones are good enough), searched, no_consent, "
            "no_hub, no_target_occupation, or unavailable: <why>"
        }
    )
    cross_city = fields.List(fields.Nested(CrossCitySuggestionSchema))


class ProposeSchema(BaseSchema):
    connectee_ids = fields.List(
        Id(),
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "Default: every approved connectee without an open match."},
    )


class ProposalRowSchema(BaseSchema):
    id = Id()
    connectee_id = Id()
    connector_id = Id(allow_none=True)
    score = fields.Float(allow_none=True)
    contributions = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.String())
    status = fields.Enum(RowStatus, by_value=True)
    match_id = Id(allow_none=True)
    error = fields.String(allow_none=True)


class ProposalBatchSchema(BaseSchema):
    id = Id()
    status = fields.Enum(BatchStatus, by_value=True)
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    weights = fields.Dict()
    rows = fields.List(fields.Nested(ProposalRowSchema))


class AcceptSchema(BaseSchema):
    rows = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        required=True,
        metadata={"description": "Ids of the rows to turn into matches; the rest are skipped."},
    )


class NextCandidateSchema(BaseSchema):
    match_id = Id()
    connectee_id = Id()
    connector_id = Id(
        allow_none=True, metadata={"description": "None: no untried connector fits now."}
    )
    score = fields.Float(allow_none=True)
    contributions = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.String())
    created_at = fields.AwareDateTime()
