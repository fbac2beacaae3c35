"""Fixtures for the introductions broker: two communities, a listed connector, keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hub.directory import search as search_module
from tests.hub.federation import conftest as federation
from tests.hub.federation.conftest import Api, profile

# The federation fixtures, made visible to this directory's tests.
api_for = federation.api_for
halifax_api = federation.halifax_api
stlouis = federation.stlouis
stlouis_api = federation.stlouis_api

INTROS = "/api/v1/introductions"
CONSENT = "c" * 32


def pitch(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "target_occupation": "29-1141",
        "experience_band": "5-9",
        "languages": [{"language": "ara", "level": "native"}],
        "skills": ["triage"],
    }
    item.update(changes)
    return item


@pytest.fixture
def listed_id(stlouis_api: Api, halifax_api: Api) -> int:
    """A St. Louis nurse who takes cross-city introductions; the hub's directory id."""
    assert stlouis_api.batch(profile(10, cross_city_ok=True)).status_code == 200
    body = halifax_api.get("/api/v1/directory?community=stlouis").get_json()
    return int(body["items"][0]["id"])


def request_intro(api: Api, profile_id: int, consent: str = CONSENT, **kw: Any) -> Any:
    return api.post(
        INTROS, json={"profile_id": profile_id, "pitch": pitch(), "consent_ref": consent}, **kw
    )


@pytest.fixture
def count_builds(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[None]]:
    """Call to start counting the directory's full builds from the table (one entry each)."""

    def start() -> list[None]:
        made: list[None] = []
        build = search_module._build

        def counted() -> search_module.Directory:
            made.append(None)
            return build()

        monkeypatch.setattr(search_module, "_build", counted)
        return made

    return start
