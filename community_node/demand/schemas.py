"""The wire shapes of the node's demand table."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from community_node.fields import OccupationCode
from shared.protocol.common import BaseSchema


class DemandUploadSchema(BaseSchema):
    file = Upload(
        required=True,
        metadata={
            "description": "A UTF-8 CSV with columns soc_code, location_quotient, jobs_per_1000."
        },
    )


class DemandQuerySchema(BaseSchema):
    occupation = OccupationCode(
        required=True, metadata={"description": "SOC 2018 code, e.g. 29-1141."}
    )


class DemandSummarySchema(BaseSchema):
    source = fields.String(
        metadata={"description": "upload (the node's own table), oews (its metro) or none."}
    )
    metro = fields.String(
        allow_none=True, metadata={"description": "OEWS area code from NODE_DEMAND_METRO."}
    )
    metro_name = fields.String(allow_none=True)
    occupations = fields.Integer(metadata={"description": "Occupations in the table."})
    uploaded_at = fields.DateTime(allow_none=True)


class DemandSignalSchema(BaseSchema):
    occupation = fields.String()
    title = fields.String(allow_none=True)
    source = fields.String()
    metro = fields.String(allow_none=True)
    metro_name = fields.String(allow_none=True)
    location_quotient = fields.Float(allow_none=True)
    jobs_per_1000 = fields.Float(allow_none=True)
    signal = fields.Float(
        metadata={
            "description": "0 to 1: (min(1, LQ/2) + percentile of jobs per 1,000) / 2; "
            "0.5 when the occupation is not in the table; lifted by open recruiting needs."
        }
    )
    known = fields.Boolean(metadata={"description": "Whether the table has the occupation."})
    open_positions = fields.Integer(
        metadata={
            "description": "Positions partners' current recruiting needs want in it; "
            "they lift the signal to at least 0.6 (+0.05 per further position)."
        }
    )
