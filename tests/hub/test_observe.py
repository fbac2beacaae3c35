"""The hub's /metrics: last sync per community; request ids taken over from nodes."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import update

from hub.communities.models import Community
from hub.communities.services import Credentials, add_community
from hub.extensions import db
from shared.logs import REQUEST_ID_HEADER


def test_last_sync_per_community(hub_client: FlaskClient, halifax: Credentials) -> None:
    add_community("moncton", "Moncton", actor="test")
    synced = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    db.session.execute(
        update(Community).where(Community.slug == "halifax").values(last_sync_at=synced)
    )
    db.session.commit()
    body = hub_client.get("/metrics").get_data(as_text=True)
    name = "connector_hub_community_last_sync_timestamp_seconds"
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith(name)
    }
    assert samples == {
        f'{name}{{community="halifax",status="active"}}': synced.timestamp(),
        f'{name}{{community="moncton",status="active"}}': 0.0,
    }


def test_metrics_are_refused_from_elsewhere(hub_client: FlaskClient) -> None:
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    assert hub_client.get("/metrics", environ_base=outside).status_code == 404


def test_a_node_request_id_is_kept(hub_client: FlaskClient) -> None:
    sent = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    response = hub_client.get("/healthz", headers={REQUEST_ID_HEADER: sent})
    assert response.headers[REQUEST_ID_HEADER] == sent
