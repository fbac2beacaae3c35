"""The wire shapes of spreadsheet imports."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from shared.protocol.common import BaseSchema


class UploadSchema(BaseSchema):
    file = Upload(
        required=True, metadata={"description": "A .csv or .xlsx file in the column template."}
    )


class ImportArgsSchema(BaseSchema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Validate and count what would change, writing nothing."},
    )


class RowErrorSchema(BaseSchema):
    row = fields.Integer(metadata={"description": "Spreadsheet row; the header is row 1."})
    column = fields.String()
    message = fields.String()


class PreviewRowSchema(BaseSchema):
    row = fields.Integer(metadata={"description": "Spreadsheet row; the header is row 1."})
    email = fields.String()
    action = fields.String(metadata={"description": "create or update"})


class ImportReportSchema(BaseSchema):
    """What an import did (or, on a dry run, would do)."""

    kind = fields.String()
    format = fields.String(metadata={"description": "csv or xlsx"})
    rows = fields.Integer(metadata={"description": "Rows read, not counting blank rows."})
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    dry_run = fields.Boolean()
    columns = fields.List(fields.String(), metadata={"description": "Columns with values."})
    errors = fields.List(fields.Nested(RowErrorSchema))
    preview = fields.List(
        fields.Nested(PreviewRowSchema),
        metadata={"description": "Dry run: the first 200 rows it would create or update."},
    )
