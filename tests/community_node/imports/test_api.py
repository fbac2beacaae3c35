"""POST /api/v1/imports/<kind> and the template downloads."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from community_node.extensions import db
from community_node.participants.models import Connectee, Connector
from tests.community_node.factories import ConnecteeFactory


def upload(api: Any, kind: str, data: bytes, name: str = "people.csv", query: str = "") -> Any:
    return api.post(
        f"/api/v1/imports/{kind}{query}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(model: type[Connectee] | type[Connector]) -> int:
    return db.session.scalar(select(func.count(model.id))) or 0


GOOD = "\ufefffirst_name,last_name,email\r\nZoë,Leclerc,zoe@example.org\r\n".encode()


def test_import_answers_the_report(api: Any) -> None:
    response = upload(api, "connectees", GOOD)
    assert response.status_code == 200, response.json
    assert response.json == {
        "kind": "connectees",
        "format": "csv",
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "dry_run": False,
        "columns": ["email", "first_name", "last_name"],
        "errors": [],
        "preview": [],
    }
    assert count(Connectee) == 1
    assert upload(api, "connectees", GOOD).json["unchanged"] == 1
    assert count(Connectee) == 1


def test_bad_rows_answer_422_with_each_row_and_column(api: Any) -> None:
    data = (
        b"first_name,last_name,email,occupation\r\n"
        b"A,B,a@example.org,15-1252\r\nC,D,nope,00-0000\r\n"
    )
    response = upload(api, "connectors", data)
    assert response.status_code == 422
    assert response.json["message"] == "1 row has errors; nothing was imported."
    assert response.json["errors"] == {
        "rows": [
            {"row": 3, "column": "email", "message": "Not a valid email address."},
            {
                "row": 3,
                "column": "occupation",
                "message": "Unknown SOC 2018 occupation code 00-0000.",
            },
        ]
    }
    assert count(Connector) == 0


def test_dry_run_query_writes_nothing(api: Any) -> None:
    response = upload(api, "connectees", GOOD, query="?dry_run=true")
    assert response.status_code == 200
    assert (response.json["dry_run"], response.json["created"]) == (True, 1)
    assert count(Connectee) == 0


def test_missing_file_and_unknown_kind(api: Any) -> None:
    response = api.post("/api/v1/imports/connectees", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.json["errors"]["files"]
    assert upload(api, "staff", GOOD).status_code == 404
    assert api.get("/api/v1/imports/templates/staff.csv").status_code == 404


def test_viewer_cannot_import_but_can_download_templates(viewer_api: Any) -> None:
    assert upload(viewer_api, "connectees", GOOD).status_code == 403
    assert count(Connectee) == 0
    assert viewer_api.get("/api/v1/imports/templates/connectees.csv").status_code == 200


def test_anonymous_cannot_import(client: Any) -> None:
    response = client.post(
        "/api/v1/imports/connectees",
        data={"file": (io.BytesIO(GOOD), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 401


@pytest.mark.parametrize("kind", ["connectees", "connectors"])
def test_csv_template_imports_back(api: Any, kind: str) -> None:
    response = api.get(f"/api/v1/imports/templates/{kind}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{kind}-template.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    header, example = csv.reader(io.StringIO(response.data.decode("utf-8-sig")))
    assert header[:3] == ["first_name", "last_name", "email"]
    assert "languages" in header and "id" not in header
    assert len(example) == len(header)

    report = upload(api, kind, response.data, name="template.csv")
    assert report.status_code == 200, report.json
    assert report.json["created"] == 1


@pytest.mark.parametrize("kind", ["connectees", "connectors"])
def test_xlsx_template_imports_back(api: Any, kind: str) -> None:
    response = api.get(f"/api/v1/imports/templates/{kind}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [kind, "Columns"]
    help_rows = list(book["Columns"].iter_rows(values_only=True))
    assert help_rows[1] == ("first_name", "yes", "text, up to 100 characters")

    report = upload(api, kind, response.data, name="template.xlsx")
    assert report.status_code == 200, report.json
    assert (report.json["format"], report.json["created"]) == ("xlsx", 1)


def test_an_edited_export_imports_back_unchanged(api: Any) -> None:
    ConnecteeFactory(email="a@example.org", phone="-902 555 0100", notes="=SUM(1)")
    ConnecteeFactory(email="b@example.org", phone=None)
    exported = api.get("/api/v1/connectees/export.csv")
    assert exported.status_code == 200

    response = upload(api, "connectees", exported.data, name="connectees.csv")

    assert response.status_code == 200, response.json
    assert (response.json["unchanged"], response.json["created"]) == (2, 0)


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 1024}])
def test_too_large_a_file_is_413(api: Any) -> None:
    assert upload(api, "connectees", GOOD + b"x" * 2048).status_code == 413


def test_openapi_documents_the_upload(api: Any) -> None:
    spec = api.get("/api/v1/openapi.json").json
    path = spec["paths"]["/api/v1/imports/{kind}"]
    post = path["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert [p["name"] for p in post["parameters"]] == ["dry_run"]
    (kind,) = path["parameters"]
    assert kind["schema"]["enum"] == ["connectees", "connectors"]
    assert "422" in post["responses"]


def test_dry_run_lists_the_rows_it_would_create_or_update(api: Any) -> None:
    upload(api, "connectees", GOOD)
    two = GOOD.replace(b"Leclerc", b"Leclair") + b"Ana,Silva,ana@example.org\r\n"

    response = api.post(
        "/api/v1/imports/connectees?dry_run=true",
        data={"file": (io.BytesIO(two), "people.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 200, response.json
    assert response.json["preview"] == [
        {"row": 2, "email": "zoe@example.org", "action": "update"},
        {"row": 3, "email": "ana@example.org", "action": "create"},
    ]
    assert count(Connectee) == 1
