"""Drive a running node (and the hub) over HTTP the way staff tools would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.federation.harness import Registration, Service


class NodeApi:
    """A coordinator's API client for one node."""

    def __init__(self, node: Service, token: str) -> None:
        self.base = f"{node.url}/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base}{path}", timeout=30, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    def post(self, path: str, body: Mapping[str, Any], expect: int = 201) -> Any:
        return self.call("POST", path, expect, json=body)

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, 200, params=params)

    def listed_connector(
        self,
        index: int,
        occupation: str,
        years: int,
        *,
        prefix: str = "fed",
        policy_version: str = "2026-01",
        **extra: Any,
    ) -> tuple[int, int]:
        """Create an approved connector with a directory-listing consent; return (id, consent)."""
        connector = self.post(
            "/connectors",
            {
                "first_name": f"Con{index}",
                "last_name": prefix.title(),
                "email": f"{prefix}-connector-{index}@example.org",
                "occupation": occupation,
                "years_in_field": years,
                "languages": [{"language": "eng", "level": "native"}],
                "availability": ["weekday_evenings"],
                "remote_ok": index % 2 == 0,
                **extra,
            },
        )
        consent = self.post(
            "/consents",
            {
                "connector_id": connector["id"],
                "purpose": "directory_listing",
                "policy_version": policy_version,
            },
        )
        decision = self.post(
            "/eligibility-decisions/evaluate", {"connector_id": connector["id"]}, expect=201
        )
        assert decision["outcome"] == "eligible", decision
        return int(connector["id"]), int(consent["id"])

    def connectee(self, index: int, intake: dt.date, *, prefix: str = "fed", **extra: Any) -> int:
        connectee = self.post(
            "/connectees",
            {
                "first_name": f"Cee{index}",
                "last_name": prefix.title(),
                "email": f"{prefix}-connectee-{index}@example.org",
                "target_occupation": "29-1141",
                "intake_date": intake.isoformat(),
                **extra,
            },
        )
        return int(connectee["id"])


def hub_token(hub: Service, creds: Registration, scope: str) -> str:
    response = requests.post(
        f"{hub.url}/oauth/token",
        auth=(creds.client_id, creds.client_secret),
        data={"grant_type": "client_credentials", "scope": scope},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def directory(hub: Service, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every directory item the token may see (all pages)."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = requests.get(
            f"{hub.url}/api/v1/directory",
            params={"per_page": 200, "page": page, **params},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        data = response.json()
        items += data["items"]
        if page >= data["pages"]:
            return items
        page += 1


@contextmanager
def database(service: Service) -> Iterator[Any]:
    """A short-lived connection to a service's own database (for assertions only)."""
    engine = create_engine(service.env["DATABASE_URL"], poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def query(service: Service, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with database(service) as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def hub_refs(hub: Service, slug: str, *, deleted: bool = False) -> list[str]:
    """The refs the hub holds for a community: live profiles, or tombstones."""
    rows = query(
        hub,
        "SELECT p.ref, p.deleted FROM profiles p JOIN communities c ON c.id = p.community_id "
        "WHERE c.slug = :slug",
        slug=slug,
    )
    return sorted(ref for ref, is_deleted in rows if bool(is_deleted) == deleted)


def node_listed_refs(node: Service) -> list[str]:
    rows = query(node, "SELECT ref, listed FROM sync_listed_connectors")
    return sorted(ref for ref, listed in rows if listed)


def node_ref(node: Service, connector_id: int) -> str:
    rows = query(
        node, "SELECT ref FROM sync_listed_connectors WHERE connector_id = :id", id=connector_id
    )
    assert rows, f"connector {connector_id} was never listed"
    return str(rows[0][0])


def outbox_counts(node: Service) -> dict[str, int]:
    rows = query(node, "SELECT status, COUNT(*) FROM sync_outbox GROUP BY status")
    return {str(status).lower(): int(count) for status, count in rows}


def current_quarter(today: dt.date | None = None) -> tuple[str, str]:
    """Return (this quarter, the one before), as YYYY-Qn."""
    today = today or dt.datetime.now(dt.UTC).date()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    previous = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return f"{year}-Q{quarter}", f"{previous[0]}-Q{previous[1]}"


def day_in_previous_quarter(today: dt.date | None = None) -> dt.date:
    today = today or dt.datetime.now(dt.UTC).date()
    start_month = 3 * ((today.month - 1) // 3) + 1
    start = dt.date(today.year, start_month, 1)
    return (start - dt.timedelta(days=1)).replace(day=1)


def connect(node: Service, url: str, creds: Registration) -> str:
    """Run ``connector-node hub connect`` against ``url`` (the hub, or a proxy in front)."""
    out = node.cli(
        "hub", "connect", "--url", url,
        "--client-id", creds.client_id, "--client-secret", creds.client_secret,
    ).stdout  # fmt: skip
    assert f"as community {creds.slug}" in out, out
    return out
