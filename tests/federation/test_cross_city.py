"""A connectee with no local connector in their field meets a connector in another city.

Real processes: the hub and two nodes under gunicorn, administered through their console
scripts. The contact cards travel sealed; the hub's database never holds their plaintext.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import MetaData, create_engine

from hub.config import normalize_database_url
from tests.federation.harness import Service, node_token, register_community

pytestmark = pytest.mark.slow

CONNECTEE_EMAIL = "amira.canary@example.org"
CONNECTOR_EMAIL = "jordan.canary@example.org"


class NodeApi:
    def __init__(self, node: Service) -> None:
        self.url = node.url
        self.headers = {"Authorization": f"Bearer {node_token(node)}"}

    def call(self, method: str, path: str, status: int, **kw: Any) -> Any:
        response = requests.request(
            method, f"{self.url}/api/v1{path}", headers=self.headers, timeout=30, **kw
        )
        assert response.status_code == status, (path, response.status_code, response.text)
        return response.json()


def _connect(hub: Service, node: Service, slug: str) -> None:
    creds = register_community(hub, slug, slug.title())
    node.cli(
        "hub", "connect", "--url", hub.url, "--client-id", creds.client_id,
        "--client-secret", creds.client_secret,
    )  # fmt: skip


def _hub_database_text(hub: Service) -> str:
    engine = create_engine(normalize_database_url(hub.env["DATABASE_URL"]))
    metadata = MetaData()
    metadata.reflect(engine)
    parts: list[str] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(table.select()):
                parts.extend(repr(value) for value in row)
    engine.dispose()
    return "\n".join(parts)


def test_cross_city_introduction_end_to_end(
    hub: Service, make_node: Callable[[str], Service]
) -> None:
    halifax, stlouis = make_node("halifax"), make_node("stlouis")
    _connect(hub, halifax, "halifax")
    _connect(hub, stlouis, "stlouis")
    a, b = NodeApi(halifax), NodeApi(stlouis)

    # St. Louis lists nurses who take cross-city introductions (five, so the directory's
    # k-anonymity keeps their detailed occupation); the first one is Jordan.
    nurses = []
    for n, first in enumerate(["Jordan", "Kim", "Lou", "Max", "Noor"]):
        nurse = b.call("POST", "/connectors", 201, json={
            "first_name": first, "last_name": "Lee",
            "email": CONNECTOR_EMAIL if n == 0 else f"nurse{n}@example.org",
            "phone": "+1 314 555 0101", "status": "approved", "occupation": "29-1141",
            "years_in_field": 12, "cross_city_ok": True, "remote_ok": True,
            "languages": [{"language": "ara", "level": "native"},
                          {"language": "eng", "level": "native" if n == 0 else "C1"}],
        })  # fmt: skip
        b.call("POST", "/consents", 201, json={
            "connector_id": nurse["id"], "purpose": "directory_listing",
            "policy_version": "2026-01",
        })  # fmt: skip
        nurses.append(nurse)
    assert "sent 5" in stlouis.cli("sync").stdout

    # Halifax has a connectee nurse, and only a software developer as a local connector.
    connectee = a.call("POST", "/connectees", 201, json={
        "first_name": "Amira", "last_name": "Haddad", "email": CONNECTEE_EMAIL,
        "phone": "+1 902 555 0199", "status": "approved", "target_occupation": "29-1141",
        "years_experience": 6,
        "languages": [{"language": "ara", "level": "native"}, {"language": "eng", "level": "B2"}],
    })  # fmt: skip
    a.call("POST", "/connectors", 201, json={
        "first_name": "Sam", "last_name": "Dev", "email": "sam@example.org",
        "status": "approved", "occupation": "15-1252",
        "languages": [{"language": "eng", "level": "native"}],
    })  # fmt: skip
    a.call("POST", "/consents", 201, json={
        "connectee_id": connectee["id"], "purpose": "cross_city_introductions",
        "policy_version": "2026-01",
    })  # fmt: skip

    found = a.call("GET", f"/matching/suggestions/{connectee['id']}", 200)
    assert found["cross_city_status"] == "searched", found
    hit = found["cross_city"][0]
    assert hit["community"] == "stlouis" and hit["reasons"]
    assert "name" not in hit and "Jordan" not in str(found["cross_city"])

    outgoing = a.call("POST", "/introductions", 201, json={
        "connectee_id": connectee["id"], "directory_profile_id": hit["directory_profile_id"],
    })  # fmt: skip
    assert outgoing["status"] == "requested"

    stlouis.cli("introductions", "sync")
    (incoming,) = b.call("GET", "/introductions?direction=incoming", 200)["items"]
    chosen = next(n for n in nurses if n["id"] == incoming["connector_id"])
    assert incoming["their_card"] is None
    assert "Amira" not in str(incoming)
    accepted = b.call("POST", f"/introductions/{incoming['id']}/accept", 200)
    assert accepted["status"] == "accepted" and accepted["card_sent"] is True

    halifax.cli("introductions", "sync")  # sees the acceptance, opens B's card, sends its own
    stlouis.cli("introductions", "sync")  # opens A's card
    at_a = a.call("GET", f"/introductions/{outgoing['id']}", 200)
    at_b = b.call("GET", f"/introductions/{incoming['id']}", 200)
    assert at_a["status"] == at_b["status"] == "accepted"
    assert at_a["their_card"]["email"] == chosen["email"]
    assert at_a["their_card"]["name"] == f"{chosen['first_name']} Lee"
    assert at_b["their_card"]["email"] == CONNECTEE_EMAIL
    assert at_b["their_card"]["community"] == "halifax"

    dump = _hub_database_text(hub)
    assert "Haddad" not in dump and "Amira" not in dump and CONNECTEE_EMAIL not in dump
    assert chosen["email"] not in dump and "+1 902 555 0199" not in dump
    assert "29-1141" in dump  # the dump does cover the hub's data
