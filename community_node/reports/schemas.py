"""The wire shapes of the program reports."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.fields import Id
from shared.protocol.common import BaseSchema

#: Cohort periods and row groupings a report can be asked for (the CLI offers the same).
PERIODS = ("month", "quarter", "year", "all")
GROUPINGS = ("major_group",)


class ReportArgsSchema(BaseSchema):
    """Which cohorts a report covers and how it slices them."""

    period = fields.String(
        load_default="quarter",
        validate=validate.OneOf(PERIODS),
        metadata={"description": "Cohort period of the intake date: month, quarter, year, all."},
    )
    from_ = fields.Date(
        data_key="from",
        metadata={"description": "First intake date included (YYYY-MM-DD)."},
    )
    to = fields.Date(metadata={"description": "Last intake date included (YYYY-MM-DD)."})
    group_by = fields.String(
        validate=validate.OneOf(GROUPINGS),
        metadata={"description": "major_group: one row per SOC major group of the target job."},
    )

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start is not None and end is not None and start > end:
            raise ValidationError("Must not be before 'from'.", field_name="to")


class _RowSchema(BaseSchema):
    period = fields.String()
    major_group = fields.String()
    major_group_title = fields.String()


class FunnelRowSchema(_RowSchema):
    """One cohort's funnel: every count is of distinct connectees."""

    applied = fields.Integer()
    eligible = fields.Integer()
    matched = fields.Integer()
    met = fields.Integer()
    referred = fields.Integer()
    employed = fields.Integer()
    employed_in_field = fields.Integer()
    placement_rate = fields.Float(allow_none=True)
    employed_in_field_rate = fields.Float(allow_none=True)


class OutcomeRowSchema(_RowSchema):
    """Follow-ups of one cohort at one milestone in one category."""

    milestone_months = fields.Integer()
    category = fields.String()
    outcomes = fields.Integer()
    attributed = fields.Integer()
    not_attributed = fields.Integer()
    attribution_unknown = fields.Integer()
    attribution_share = fields.Float(allow_none=True)


class TimeToMatchRowSchema(_RowSchema):
    """Days from intake to the first match that led to an introduction, in one cohort."""

    matched = fields.Integer(metadata={"description": "Connectees matched (as in the funnel)."})
    median_days = fields.Float(allow_none=True)
    mean_days = fields.Float(allow_none=True)
    max_days = fields.Integer(allow_none=True)


class ReferralArgsSchema(BaseSchema):
    """The dates of the referrals counted."""

    from_ = fields.Date(
        data_key="from", metadata={"description": "First referral date included (YYYY-MM-DD)."}
    )
    to = fields.Date(metadata={"description": "Last referral date included (YYYY-MM-DD)."})

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start is not None and end is not None and start > end:
            raise ValidationError("Must not be before 'from'.", field_name="to")


class ConnectorReferralRowSchema(BaseSchema):
    """One connector's referrals in the range."""

    connector_id = Id()
    connector_name = fields.String()
    matches = fields.Integer(metadata={"description": "Matches with a referral in the range."})
    referrals = fields.Integer()
    tier1 = fields.Integer()
    tier2 = fields.Integer()
    hired = fields.Integer(metadata={"description": "Referrals whose result is hired."})


class SourceRowSchema(BaseSchema):
    """Recruitment and outcomes of one referral source (and the partner or event it names)."""

    source = fields.String(metadata={"description": "A referral source, or unknown."})
    partner_id = Id(allow_none=True)
    partner_name = fields.String(allow_none=True)
    event_id = Id(allow_none=True)
    event_name = fields.String(allow_none=True)
    connectees = fields.Integer(metadata={"description": "Connectees in the intake range."})
    eligible = fields.Integer()
    matched = fields.Integer()
    met = fields.Integer()
    employed = fields.Integer()
    employed_in_field = fields.Integer()
    placement_rate = fields.Float(allow_none=True, metadata={"description": "employed / met"})
    connectors = fields.Integer(metadata={"description": "Connectors added in the range."})
    active_connectors = fields.Integer(metadata={"description": "Of them, approved."})
    connectors_matched = fields.Integer(metadata={"description": "Of them, ever introduced."})


class EventRowSchema(BaseSchema):
    """What one event brought: attendance, sign-ups, introductions and what came of them."""

    event_id = Id()
    event_name = fields.String()
    kind = fields.String()
    starts_at = fields.AwareDateTime()
    invited = fields.Integer(metadata={"description": "Everyone on the list."})
    registered = fields.Integer(metadata={"description": "Registered or checked in."})
    checked_in = fields.Integer()
    connectees_checked_in = fields.Integer()
    connectors_checked_in = fields.Integer()
    signups = fields.Integer(metadata={"description": "People whose referral is this event."})
    matches = fields.Integer(metadata={"description": "Matches made at the event."})
    matches_met = fields.Integer(metadata={"description": "Of them, met since."})
    referrals = fields.Integer(metadata={"description": "Referrals made at the event."})
    employed = fields.Integer(
        metadata={"description": "Checked-in connectees employed at a follow-up since."}
    )


class InvitationRowSchema(BaseSchema):
    """A connector who invited others: invitees and the chain below them."""

    connector_id = Id()
    connector_name = fields.String()
    status = fields.String()
    invited_by_id = Id(allow_none=True)
    invited_connectors = fields.Integer()
    invited_active = fields.Integer(metadata={"description": "Invited connectors approved."})
    invited_connectees = fields.Integer()
    chain_size = fields.Integer(metadata={"description": "Connectors invited, directly or on."})
    chain_depth = fields.Integer(metadata={"description": "Generations of invitations below."})
