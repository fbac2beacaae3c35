"""Fixtures for the federation API: token-carrying clients for two communities."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub.communities.services import Credentials, add_community
from tests.hub.conftest import bearer

_keys = itertools.count(1)


class Api:
    """A community's view of the hub: every call carries its bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {**bearer(self.token), **(extra or {})}

    def get(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.client.get(url, headers=self._headers(headers), **kw)

    def put(self, url: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.put(url, json=json, headers=self._headers(kw.pop("headers", None)))

    def post(self, url: str, json: Any = None, key: str | None = "auto", **kw: Any) -> TestResponse:
        headers = dict(kw.pop("headers", None) or {})
        if key == "auto":
            key = f"test-{next(_keys)}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(url, json=json, headers=self._headers(headers), **kw)

    def batch(self, *items: dict[str, Any], key: str | None = "auto") -> TestResponse:
        return self.post("/api/v1/profiles/batch", json={"items": list(items)}, key=key)


@pytest.fixture
def stlouis(hub_app: Any) -> Credentials:
    return add_community("stlouis", "St. Louis", country="US", region="MO", actor="test")


@pytest.fixture
def api_for(hub_client: FlaskClient, get_token: Callable[..., str]) -> Callable[..., Api]:
    def make(creds: Credentials, scope: str | None = None) -> Api:
        return Api(hub_client, get_token(creds, scope))

    return make


@pytest.fixture
def halifax_api(api_for: Callable[..., Api], halifax: Credentials) -> Api:
    return api_for(halifax)


@pytest.fixture
def stlouis_api(api_for: Callable[..., Api], stlouis: Credentials) -> Api:
    return api_for(stlouis)


def ref(n: int) -> str:
    """A well-formed ref (32 lowercase hex characters)."""
    return f"{n:032x}"


def profile(n: int, version: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid wire Profile for ref(n)."""
    item: dict[str, Any] = {
        "ref": ref(n),
        "version": version,
        "occupation": "29-1141",
        "occupation_level": "detailed",
        "experience_band": "5-9",
        "languages": [{"language": "ara", "level": "native"}, {"language": "eng", "level": "C1"}],
        "skills": ["triage"],
        "availability": ["weekends"],
        "remote_ok": True,
        "cross_city_ok": False,
        "accepting": True,
    }
    item.update(changes)
    return item


def tombstone(n: int, version: int) -> dict[str, Any]:
    return {"ref": ref(n), "version": version, "deleted": True}


#: What ``random_item`` draws languages from.
RANDOM_LANGUAGES = [
    [{"language": "ara", "level": "native"}],
    [{"language": "fra", "level": "B2"}, {"language": "eng", "level": "C1"}],
    [{"language": "eng", "level": "native"}, {"language": "ara", "level": "B1"}],
]


def random_item(
    rng: random.Random,
    n: int,
    version: int,
    *,
    tombstones: float,
    codes: list[str],
    skills: list[str],
    most_skills: int,
) -> dict[str, Any]:
    """A random wire item for ref(n): a tombstone (share ``tombstones``) or a profile with
    random fields, its skills in the order drawn (unsorted, as a node may send them)."""
    if rng.random() < tombstones:
        return tombstone(n, version)
    return profile(
        n,
        version,
        occupation=rng.choice(codes),
        experience_band=rng.choice(["0-4", "5-9", "10-19", "20+", None]),
        languages=rng.choice(RANDOM_LANGUAGES),
        skills=rng.sample(skills, rng.randint(0, most_skills)),
        availability=rng.sample(["weekends", "weekday_evenings"], rng.randint(0, 2)),
        remote_ok=rng.random() < 0.5,
        cross_city_ok=rng.random() < 0.6,
        accepting=rng.random() < 0.85,
    )


def body_of(response: TestResponse) -> Any:
    return json.loads(response.get_data(as_text=True))
