"""The imports pages: upload, dry-run preview with every bad row, confirm, progress."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.extensions import db
from community_node.participants.models import Connectee
from community_node.web import jobs

PASSWORD = "correct horse battery"
BAD = (
    b"first_name,last_name,email,target_occupation\r\n"
    b"Ana,Silva,ana@example.org,29-1141\r\n"
    b"Bo,Chen,not-an-email,29-1141\r\n"
)
GOOD = BAD.replace(b"not-an-email", b"bo@example.org")


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"STAFF_JOBS_DIR": str(tmp_path / "jobs")}


def _login(app: Flask, role: Role) -> FlaskClient:
    email = f"{role.value}@example.org"
    create_user(email, f"{role.value} user", role, PASSWORD, actor="test")
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    return _login(app, Role.COORDINATOR)


def _preview(client: FlaskClient, data: bytes, name: str = "people.csv") -> Any:
    return client.post(
        "/imports/preview",
        data={"kind": "connectees", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Connectee)) or 0


def _wait(client: FlaskClient, url: str) -> str:
    """Poll the progress fragment as htmx would until the job has ended."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        fragment = client.get(url).text
        if 'hx-trigger="every 1s"' not in fragment:
            return fragment
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_bad_row_is_listed_and_nothing_is_written(staff: FlaskClient, tmp_path: Path) -> None:
    response = _preview(staff, BAD)

    assert response.status_code == 422
    table = re.search(r'<table class="striped" id="row-errors">(.*?)</table>', response.text, re.S)
    assert table is not None
    cells = re.findall(r"<td>(.*?)</td>", table.group(1))
    assert cells[:2] == ["3", "email"]
    assert "email" in cells[2].lower()
    assert _count() == 0
    assert "confirm-form" not in response.text
    # A rejected file is not kept.
    assert not list((tmp_path / "jobs").glob("*.csv"))


def test_fixed_file_previews_then_confirm_writes_all(staff: FlaskClient, tmp_path: Path) -> None:
    response = _preview(staff, GOOD)

    assert response.status_code == 200
    assert "Importing will create\n  <strong>2</strong>" in response.text
    assert "<td>ana@example.org</td><td>New</td>" in response.text
    assert _count() == 0  # a preview writes nothing
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', response.text)
    assert token is not None

    confirmed = staff.post("/imports/confirm", data={"token": token.group(1)})

    assert confirmed.status_code == 303
    job_url = confirmed.headers["Location"]
    assert job_url == f"/imports/jobs/{token.group(1)}"
    fragment = _wait(staff, f"{job_url}/progress")
    assert "Imported 2 rows:" in fragment
    assert "2 created" in fragment
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Connectee.email))) == [
        "ana@example.org",
        "bo@example.org",
    ]
    # The upload is gone once imported; a second confirmation finds nothing to import.
    assert not list((tmp_path / "jobs").glob("*.csv"))
    assert staff.post("/imports/confirm", data={"token": token.group(1)}).status_code == 404
    # Without JavaScript, the job page itself shows the result.
    assert "Imported 2 rows:" in staff.get(job_url).text


def test_progress_is_reported_while_importing(app: Flask, staff: FlaskClient) -> None:
    seen: list[tuple[int, int]] = []
    rows = "".join(f"P{i},Q,p{i}@example.org\r\n" for i in range(450))
    data = f"first_name,last_name,email\r\n{rows}".encode()
    from community_node.imports import services

    services.import_file(
        "connectees", "big.csv", data, actor="test", progress=lambda d, t: seen.append((d, t))
    )

    assert seen[0] == (0, 450)
    assert (200, 450) in seen
    assert seen[-1] == (450, 450)


def test_another_user_cannot_confirm_or_watch(app: Flask, staff: FlaskClient) -> None:
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', _preview(staff, GOOD).text)
    assert token is not None
    other = _login(app, Role.ADMIN)

    assert other.post("/imports/confirm", data={"token": token.group(1)}).status_code == 404
    assert other.get(f"/imports/jobs/{token.group(1)}").status_code == 404
    assert other.post("/imports/confirm", data={"token": "../../etc/passwd"}).status_code == 404
    assert _count() == 0


def test_viewer_cannot_upload(app: Flask) -> None:
    viewer = _login(app, Role.VIEWER)

    page = viewer.get("/imports")
    assert page.status_code == 200
    assert "upload-form" not in page.text
    assert _preview(viewer, GOOD).status_code == 403
    assert viewer.post("/imports/confirm", data={"token": "x" * 32}).status_code == 403
    assert _count() == 0


def test_missing_file_is_a_field_error(staff: FlaskClient) -> None:
    response = staff.post("/imports/preview", data={"kind": "connectees"})

    assert response.status_code == 422
    assert 'id="file-error"' in response.text


def test_templates_download(staff: FlaskClient) -> None:
    csv = staff.get("/imports/templates/connectors.csv")
    xlsx = staff.get("/imports/templates/connectees.xlsx")

    assert csv.status_code == 200
    assert csv.text.lstrip("\ufeff").startswith("first_name,last_name,email")
    assert xlsx.data[:2] == b"PK"


def test_expired_uploads_are_swept(app: Flask, staff: FlaskClient, tmp_path: Path) -> None:
    _preview(staff, GOOD)
    kept = list((tmp_path / "jobs").iterdir())
    assert kept

    jobs.sweep(now=time.time() + jobs.JOB_TTL + 1)

    assert not list((tmp_path / "jobs").iterdir())


def test_xlsx_upload_is_previewed_like_csv(staff: FlaskClient) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["first_name", "last_name", "email", "target_occupation"])
    sheet.append(["Ana", "Silva", "ana@example.org", "29-1141"])
    sheet.append(["Bo", "Chen", "bo@example.org", "99-9999"])
    buffer = io.BytesIO()
    book.save(buffer)

    response = _preview(staff, buffer.getvalue(), "people.xlsx")

    assert response.status_code == 422
    cells = re.findall(r"<td>(.*?)</td>", response.text.split('id="row-errors"')[1])
    assert cells[:2] == ["3", "target_occupation"]
    assert _count() == 0


def test_other_file_types_are_refused(staff: FlaskClient) -> None:
    response = _preview(staff, GOOD, "people.txt")

    assert response.status_code == 422
    assert "Choose a .csv or .xlsx file." in response.text
