"""/api/v1/connectees, /api/v1/connectors and /api/v1/consents."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from community_node.pagination import Page
from community_node.participants import cvs, services
from community_node.participants.models import Consent
from community_node.participants.schemas import (
    ConnecteeListArgsSchema,
    ConnecteePageSchema,
    ConnecteeSchema,
    ConnectorListArgsSchema,
    ConnectorPageSchema,
    ConnectorSchema,
    ConsentListArgsSchema,
    ConsentPageSchema,
    ConsentSchema,
    CVSchema,
    CVUploadSchema,
    WithdrawSchema,
)
from community_node.security import actor_label, require_api_caller
from shared.web.csv import csv_response
from shared.web.downloads import file_download


def _person_blueprint(
    kind: services.PersonKind[Any],
    plural: str,
    item_schema: type[ConnecteeSchema] | type[ConnectorSchema],
    list_args: type[ConnecteeListArgsSchema] | type[ConnectorListArgsSchema],
    page_schema: type[Any],
) -> Blueprint:
    """One blueprint per kind of person: the two differ only in schema and filters."""
    blp = Blueprint(
        plural, __name__, url_prefix=f"/{plural}", description=f"The program's {plural}."
    )
    require_api_caller(blp)

    @blp.route("")
    class Collection(MethodView):
        @blp.arguments(list_args, location="query")
        @blp.response(200, page_schema)
        def get(self, args: dict[str, Any]) -> Page:
            """List, filter and sort."""
            return services.list_persons(kind, args)

        @blp.arguments(item_schema)
        @blp.response(201, item_schema)
        def post(self, data: dict[str, Any]) -> Any:
            """Add one."""
            return services.create_person(kind, data, actor=actor_label())

    @blp.route("/export.csv")
    class Export(MethodView):
        @blp.arguments(list_args, location="query")
        @blp.response(200, content_type="text/csv")
        def get(self, args: dict[str, Any]) -> Response:
            """Export the filtered list as CSV."""
            people = services.export_persons(kind, args)
            schema = item_schema()
            columns = list(schema.fields)
            return csv_response(schema.dump(people, many=True), columns, f"{plural}.csv")

    @blp.route("/<int:person_id>")
    class Item(MethodView):
        @blp.response(200, item_schema)
        def get(self, person_id: int) -> Any:
            """Read one."""
            return services.get_person(kind, person_id)

        @blp.arguments(item_schema(partial=True))
        @blp.response(200, item_schema)
        def patch(self, data: dict[str, Any], person_id: int) -> Any:
            """Change some fields."""
            return services.update_person(kind, person_id, data, actor=actor_label())

        @blp.response(204)
        def delete(self, person_id: int) -> None:
            """Erase the person's personal data (the anonymous program record stays)."""
            services.erase_person(kind, person_id, actor=actor_label())

    return blp


connectees_blp = _person_blueprint(
    services.CONNECTEES,
    "connectees",
    ConnecteeSchema,
    ConnecteeListArgsSchema,
    ConnecteePageSchema,
)


@connectees_blp.route("/<int:person_id>/cv")
class ConnecteeCVFile(MethodView):
    """The connectee's CV: kept on this node only, never sent to the hub."""

    @connectees_blp.doc(
        responses={
            "200": {
                "description": "The file as uploaded, an attachment typed as what it was "
                "checked to be.",
                "content": {
                    fmt.media_type: {"schema": {"type": "string", "format": "binary"}}
                    for fmt in cvs.ACCEPTED.values()
                },
            }
        }
    )
    def get(self, person_id: int) -> Response:
        """Download the CV (the audit log records who did)."""
        cv, data = cvs.cv_file(person_id, actor=actor_label())
        return file_download(cv, data)

    @connectees_blp.arguments(CVUploadSchema, location="files")
    @connectees_blp.response(200, CVSchema)
    def put(self, files: dict[str, FileStorage], person_id: int) -> Any:
        """Upload or replace the CV (PDF, DOCX or ODT, at most 5 MB, checked by content)."""
        upload = files["file"]
        return cvs.put_cv(person_id, upload.filename or "", upload.read(), actor=actor_label())

    @connectees_blp.response(204)
    def delete(self, person_id: int) -> None:
        """Remove the CV (nothing happens when there is none)."""
        cvs.remove_cv(person_id, actor=actor_label())


connectors_blp = _person_blueprint(
    services.CONNECTORS,
    "connectors",
    ConnectorSchema,
    ConnectorListArgsSchema,
    ConnectorPageSchema,
)

consents_blp = Blueprint(
    "consents",
    __name__,
    url_prefix="/consents",
    description="Consent records, by purpose; withdrawing keeps the record.",
)
require_api_caller(consents_blp)


@consents_blp.route("")
class Consents(MethodView):
    @consents_blp.arguments(ConsentListArgsSchema, location="query")
    @consents_blp.response(200, ConsentPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List consent records."""
        return services.list_consents(args)

    @consents_blp.arguments(ConsentSchema)
    @consents_blp.response(201, ConsentSchema)
    def post(self, data: dict[str, Any]) -> Consent:
        """Record a consent."""
        return services.grant_consent(data, actor=actor_label())


@consents_blp.route("/<int:consent_id>/withdraw")
class Withdraw(MethodView):
    @consents_blp.arguments(WithdrawSchema)
    @consents_blp.response(200, ConsentSchema)
    def post(self, data: dict[str, Any], consent_id: int) -> Consent:
        """Withdraw a consent; the optional ``note`` says why and stays on the record."""
        return services.withdraw_consent(consent_id, actor=actor_label(), note=data.get("note"))
