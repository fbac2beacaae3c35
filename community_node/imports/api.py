"""/api/v1/imports: spreadsheet imports of connectees and connectors, and their templates."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from community_node.imports import services
from community_node.imports.columns import import_spec
from community_node.imports.schemas import ImportArgsSchema, ImportReportSchema, UploadSchema
from community_node.imports.templates import template_csv, template_xlsx
from community_node.security import actor_label, require_api_caller
from shared.web.csv import XLSX_MIMETYPE

imports_blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/imports",
    description="Import connectees and connectors from CSV or XLSX files; all rows or none.",
)
require_api_caller(imports_blp)

_KIND = "<any(connectees, connectors):kind>"


@imports_blp.route(f"/{_KIND}")
class Import(MethodView):
    @imports_blp.arguments(UploadSchema, location="files")
    @imports_blp.arguments(ImportArgsSchema, location="query")
    @imports_blp.response(200, ImportReportSchema)
    @imports_blp.alt_response(422, description="Bad rows: each row, column and reason.")
    def post(self, files: dict[str, Any], args: dict[str, Any], kind: str) -> Any:
        """Import a file; people are matched by email, so re-importing updates them."""
        upload = files["file"]
        # An upload over 500 KB is spooled to a temporary file: close it now, not at GC.
        with upload.stream:
            data = upload.read()
        return services.import_file(
            kind,
            upload.filename or "",
            data,
            actor=actor_label(),
            dry_run=args["dry_run"],
        )


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@imports_blp.route(f"/templates/{_KIND}.csv")
class CsvTemplate(MethodView):
    @imports_blp.response(200, content_type="text/csv")
    def get(self, kind: str) -> Response:
        """Download the CSV column template: the header and one example row."""
        return _download(template_csv(import_spec(kind)), "text/csv", f"{kind}-template.csv")


@imports_blp.route(f"/templates/{_KIND}.xlsx")
class XlsxTemplate(MethodView):
    @imports_blp.response(200, content_type=XLSX_MIMETYPE)
    def get(self, kind: str) -> Response:
        """Download the XLSX column template, with a second sheet describing each column."""
        return _download(template_xlsx(import_spec(kind)), XLSX_MIMETYPE, f"{kind}-template.xlsx")
