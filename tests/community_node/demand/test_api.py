"""/api/v1/demand: the node's metro figures, its own uploaded table, and the signal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from community_node.audit.models import AuditEvent
from community_node.demand.models import DemandFigure
from community_node.extensions import db

HEADER = "soc_code,location_quotient,jobs_per_1000\n"
GOOD = HEADER + "29-1141,2.5,40\n15-1252,0.5,2\n"


def upload(api: Any, text: str | bytes) -> Any:
    data = text.encode() if isinstance(text, str) else text
    return api.post(
        "/api/v1/demand",
        data={"file": (io.BytesIO(data), "demand.csv")},
        content_type="multipart/form-data",
    )


def figures() -> int:
    return db.session.scalar(select(func.count(DemandFigure.id))) or 0


def test_without_metro_or_upload_every_occupation_is_neutral(api: Any) -> None:
    response = api.get("/api/v1/demand?occupation=29-1141")
    assert response.status_code == 200
    assert response.json["source"] == "none"
    assert response.json["signal"] == 0.5
    assert response.json["known"] is False
    assert response.json["title"] == "Registered Nurses"
    assert api.get("/api/v1/demand/source").json["source"] == "none"


@pytest.mark.parametrize("app_config", [{"DEMAND_METRO": "0038300"}])
def test_the_configured_metro_shows_oews_figures(api: Any, viewer_api: Any) -> None:
    response = viewer_api.get("/api/v1/demand?occupation=291141")
    assert response.status_code == 200
    body = response.json
    assert body["source"] == "oews"
    assert body["metro"] == "0038300"
    assert body["metro_name"] == "Pittsburgh, PA"
    assert body["occupation"] == "29-1141"
    assert body["location_quotient"] == pytest.approx(1.21)
    assert body["jobs_per_1000"] == pytest.approx(26.346)
    assert 0.6 < body["signal"] <= 1.0
    assert body["known"] is True
    summary = api.get("/api/v1/demand/source").json
    assert summary["source"] == "oews" and summary["occupations"] > 500


@pytest.mark.parametrize("app_config", [{"DEMAND_METRO": "0038300"}])
def test_an_upload_takes_precedence_and_can_be_dropped(api: Any) -> None:
    response = upload(api, GOOD)
    assert response.status_code == 200, response.json
    assert response.json["source"] == "upload"
    assert response.json["occupations"] == 2
    assert response.json["uploaded_at"]
    nurse = api.get("/api/v1/demand?occupation=29-1141").json
    assert nurse["source"] == "upload"
    assert nurse["location_quotient"] == 2.5
    assert nurse["signal"] == pytest.approx(1.0)  # LQ >= 2, the commonest of two
    assert api.get("/api/v1/demand?occupation=11-1011").json["signal"] == 0.5
    # A second upload replaces the first whole.
    assert upload(api, HEADER + "11-1011,1,5\n").status_code == 200
    assert figures() == 1
    entries = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "demand.upload")
    ).all()
    assert [e.details for e in entries] == [{"rows": 2}, {"rows": 1}]
    assert api.delete("/api/v1/demand").status_code == 204
    assert figures() == 0
    assert api.get("/api/v1/demand?occupation=29-1141").json["source"] == "oews"


def test_bad_rows_answer_422_with_row_and_column_and_store_nothing(api: Any) -> None:
    assert upload(api, GOOD).status_code == 200
    response = upload(api, HEADER + "29-1141,1,1\nbanana,1,1\n15-1252,-2,1\n")
    assert response.status_code == 422
    assert response.json["message"] == "2 rows have errors; nothing was stored."
    rows = response.json["errors"]["rows"]
    assert [(r["row"], r["column"]) for r in rows] == [(3, "soc_code"), (4, "location_quotient")]
    assert figures() == 2  # the earlier table is untouched
    missing = upload(api, "soc_code,jobs_per_1000\n29-1141,1\n")
    assert missing.status_code == 422
    assert missing.json["errors"]["rows"] == [
        {"row": 1, "column": "location_quotient", "message": "missing column"}
    ]
    assert upload(api, b"\xff\xfe\x00bad").status_code == 422


def test_query_and_upload_are_validated(api: Any) -> None:
    assert api.get("/api/v1/demand").status_code == 422
    bad = api.get("/api/v1/demand?occupation=99-0000")
    assert bad.status_code == 422
    assert "occupation" in bad.json["errors"]["query"]
    no_file = api.post("/api/v1/demand", data={}, content_type="multipart/form-data")
    assert no_file.status_code == 422


def test_viewer_can_read_but_not_write(viewer_api: Any) -> None:
    assert viewer_api.get("/api/v1/demand?occupation=29-1141").status_code == 200
    assert upload(viewer_api, GOOD).status_code == 403
    assert viewer_api.delete("/api/v1/demand").status_code == 403
    assert figures() == 0


@pytest.mark.parametrize("app_config", [{"DEMAND_METRO": "9999999"}])
def test_a_wrong_metro_code_is_a_clear_configuration_error(app: Any) -> None:
    from community_node.demand.services import configured_metro

    with pytest.raises(RuntimeError, match="NODE_DEMAND_METRO"):
        configured_metro()
