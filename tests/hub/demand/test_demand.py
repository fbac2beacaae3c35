"""PUT /api/v1/demand (a community's signals per SOC major group) and the public GET."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from hub.audit.models import AuditEvent
from hub.communities.models import Community, CommunityStatus
from hub.communities.services import Credentials, add_community, set_status
from hub.extensions import db
from shared.hubclient import HubClient
from tests.hub.federation.conftest import Api

URL = "/api/v1/demand"


@pytest.fixture
def live_hub(hub_app: Flask) -> Iterator[str]:
    """The hub on a loopback port, for the real HubClient."""
    server = make_server("127.0.0.1", 0, hub_app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def api_for(hub_client: FlaskClient, get_token: Callable[..., str]) -> Callable[..., Api]:
    def make(creds: Credentials, scope: str | None = None) -> Api:
        return Api(hub_client, get_token(creds, scope))

    return make


@pytest.fixture
def halifax_api(api_for: Callable[..., Api], halifax: Credentials) -> Api:
    return api_for(halifax)


@pytest.fixture
def portland_api(api_for: Callable[..., Api], hub_app: Any) -> Api:
    return api_for(add_community("portland", "Portland", country="US", actor="test"))


def sig(group: str, value: float) -> dict[str, Any]:
    return {"major_group": group, "signal": value}


def test_put_replaces_the_set_and_the_public_get_lists_it(
    halifax_api: Api, portland_api: Api, hub_client: FlaskClient
) -> None:
    first = halifax_api.put(URL, json={"signals": [sig("29", 0.81), sig("15", 0.4)]})
    assert first.status_code == 200, first.json
    assert first.json == {"signals": [sig("15", 0.4), sig("29", 0.81)]}
    # A second PUT replaces the whole set.
    again = halifax_api.put(URL, json={"signals": [sig("29", 0.7)]})
    stamped = db.session.scalar(select(Community.last_sync_at).where(Community.slug == "halifax"))
    assert stamped is not None  # a demand push is a sync
    assert again.json == {"signals": [sig("29", 0.7)]}
    assert portland_api.put(URL, json={"signals": [sig("29", 0.35)]}).status_code == 200

    public = hub_client.get(URL)  # no token
    assert public.status_code == 200
    rows = [(r["community"], r["major_group"], r["signal"]) for r in public.json["rows"]]
    assert rows == [("halifax", "29", 0.7), ("portland", "29", 0.35)]
    row = public.json["rows"][0]
    assert row["major_group_title"] == "Healthcare Practitioners and Technical Occupations"
    assert row["updated_at"].endswith("+00:00")
    only = hub_client.get(f"{URL}?community=portland").json["rows"]
    assert [r["community"] for r in only] == ["portland"]
    assert hub_client.get(f"{URL}?major_group=15").json["rows"] == []
    assert hub_client.get(f"{URL}?major_group=99").status_code == 422
    assert hub_client.get(f"{URL}?colour=red").status_code == 422

    # An empty set clears the community's signals.
    assert halifax_api.put(URL, json={"signals": []}).json == {"signals": []}
    assert [r["community"] for r in hub_client.get(URL).json["rows"]] == ["portland"]
    actions = db.session.query(AuditEvent.action).filter_by(action="demand.replace").count()
    assert actions == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"signals": [sig("29", 1.5)]}, "signals"),
        ({"signals": [sig("29", -0.1)]}, "signals"),
        ({"signals": [sig("29", 0.123)]}, "signals"),  # more than two decimals
        ({"signals": [sig("29", "0.5")]}, "signals"),  # a string, not a number
        ({"signals": [sig("29", True)]}, "signals"),
        ({"signals": [sig("99", 0.5)]}, "signals"),  # not a SOC major group
        ({"signals": [sig("all", 0.5)]}, "signals"),
        ({"signals": [sig("29", 0.5), sig("29", 0.6)]}, "signals"),
        ({"signals": [{**sig("29", 0.5), "community": "x"}]}, "signals"),
        ({"signals": [sig("29", 0.5)], "extra": 1}, "extra"),
        ({}, "signals"),
    ],
)
def test_bad_signals_are_422_and_keep_the_stored_set(
    halifax_api: Api, hub_client: FlaskClient, body: dict[str, Any], field: str
) -> None:
    assert halifax_api.put(URL, json={"signals": [sig("29", 0.5)]}).status_code == 200
    response = halifax_api.put(URL, json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert [r["signal"] for r in hub_client.get(URL).json["rows"]] == [0.5]


def test_writing_needs_the_scope_and_an_unsilenced_community(
    api_for: Callable[..., Api], halifax: Credentials, hub_client: FlaskClient
) -> None:
    assert hub_client.put(URL, json={"signals": []}).status_code == 401
    reader = api_for(halifax, "resources:read")
    assert reader.put(URL, json={"signals": []}).status_code == 403
    writer = api_for(halifax)
    assert writer.put(URL, json={"signals": [sig("29", 0.5)]}).status_code == 200
    set_status("halifax", CommunityStatus.SILENCED, actor="test")
    assert writer.put(URL, json={"signals": []}).json["error"] == "community_silenced"
    # A silenced community's figures stay public; a suspended one's are hidden.
    assert len(hub_client.get(URL).json["rows"]) == 1
    set_status("halifax", CommunityStatus.SUSPENDED, actor="test")
    assert hub_client.get(URL).json["rows"] == []


def test_the_hub_client_puts_demand(
    live_hub: str, halifax: Credentials, hub_client: FlaskClient
) -> None:
    with HubClient(live_hub, halifax.client_id, halifax.client_secret) as client:
        client.put_demand([sig("29", 0.62)])
        assert client.counter.by_path == {"/oauth/token": 1, "/api/v1/demand": 1}
    rows = hub_client.get(URL).json["rows"]
    assert [(r["community"], r["signal"]) for r in rows] == [("halifax", 0.62)]
