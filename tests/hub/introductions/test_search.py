"""GET /directory/search: the engine ranks anonymized profiles for an anonymized seeker."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from hub.communities import services as community_services
from hub.communities.models import CommunityStatus
from hub.communities.services import set_status
from hub.directory import search as search_module
from tests.hub.federation.conftest import Api, profile, tombstone

SEARCH = "/api/v1/directory/search"


@pytest.fixture
def hub_app_config() -> dict[str, Any]:
    return {"DIRECTORY_CACHE_SECONDS": 0}


@pytest.fixture
def listed(halifax_api: Api, stlouis_api: Api) -> None:
    assert halifax_api.batch(profile(1, cross_city_ok=True)).status_code == 200
    response = stlouis_api.batch(
        profile(10, cross_city_ok=True),  # same occupation, Arabic
        profile(11, occupation="29-1171", cross_city_ok=True,
                languages=[{"language": "fra", "level": "B2"}]),  # related, French only
        profile(12, occupation="29-1171", cross_city_ok=True),  # related, Arabic
        profile(13, occupation="15-1252", cross_city_ok=True),  # unrelated, Arabic
        profile(14, cross_city_ok=True, accepting=False),  # not accepting
        profile(15, cross_city_ok=False, remote_ok=False),  # not open to other cities
    )  # fmt: skip
    assert response.status_code == 200


def search(api: Api, query: str, status: int = 200) -> Any:
    response = api.get(f"{SEARCH}?{query}")
    assert response.status_code == status, response.get_json()
    return response.get_json()


def occupations(body: Any) -> list[str]:
    return [hit["profile"]["occupation"] for hit in body["items"]]


def test_ranks_by_the_engine_with_reasons(halifax_api: Api, listed: None) -> None:
    body = search(halifax_api, "target_occupation=29-1141&seeker_language=ar:native&k=10")
    # Accepting, open to other cities, sharing a language; own community left out.
    assert occupations(body) == ["29-1141", "29-1171", "15-1252"]
    assert body["candidates"] == 3
    best = body["items"][0]
    assert best["profile"]["community"] == "stlouis" and "ref" not in best["profile"]
    assert 0 < best["score"] <= 1
    assert best["score"] > body["items"][1]["score"] > body["items"][2]["score"]
    assert abs(sum(best["contributions"].values()) - best["score"]) < 1e-3
    assert any("Registered Nurses" in reason for reason in best["reasons"])
    assert any("Arabic" in reason for reason in best["reasons"])


def test_filters_and_own_community(halifax_api: Api, listed: None) -> None:
    base = "target_occupation=29-1141&seeker_language=ar"
    assert occupations(search(halifax_api, f"{base}&occupation=29-1141")) == ["29-1141"]
    related = search(halifax_api, f"{base}&occupation=29-1141&related=minor")
    assert occupations(related) == ["29-1141", "29-1171"]
    assert search(halifax_api, f"{base}&language=fr")["items"] == []
    both = search(halifax_api, "target_occupation=29-1141&seeker_language=fr&seeker_language=ar")
    assert "29-1171" in occupations(both)
    assert search(halifax_api, f"{base}&community=portland")["items"] == []
    own = search(halifax_api, f"{base}&include_own=true&community=halifax")
    assert [h["profile"]["community"] for h in own["items"]] == ["halifax"]
    assert len(search(halifax_api, f"{base}&k=1")["items"]) == 1
    assert search(halifax_api, f"{base}&skill=nothing-like-it")["items"] == []
    assert len(search(halifax_api, f"{base}&skill=triage")["items"]) == 3


def test_rebuilds_when_profiles_change(halifax_api: Api, stlouis_api: Api, listed: None) -> None:
    query = "target_occupation=29-1141&seeker_language=ar"
    assert search(halifax_api, query)["candidates"] == 3
    assert stlouis_api.batch(tombstone(10, 5)).status_code == 200
    assert "29-1141" not in occupations(search(halifax_api, query))
    set_status("stlouis", CommunityStatus.SUSPENDED, actor="test")
    assert search(halifax_api, query)["items"] == []


def test_sees_a_sync_that_commits_after_a_later_stamped_one(
    halifax_api: Api, stlouis_api: Api, listed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "target_occupation=29-1141&seeker_language=ar"
    assert search(halifax_api, query)["candidates"] == 3
    # A sync whose clock says an hour ago (stepped back): neither the row count nor the
    # newest updated_at moves, and its rows are not stamped after the newest held.
    stamped = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    monkeypatch.setattr(community_services, "utcnow", lambda: stamped)
    assert stlouis_api.batch(tombstone(10, 5)).status_code == 200
    assert "29-1141" not in occupations(search(halifax_api, query))


@pytest.mark.parametrize(
    "hub_app_config", [{"DIRECTORY_CACHE_SECONDS": 0, "DIRECTORY_BACKGROUND_ROWS": 1}]
)
def test_a_large_directory_is_rebuilt_in_the_background(
    halifax_api: Api, stlouis_api: Api, listed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "target_occupation=29-1141&seeker_language=ar"
    assert search(halifax_api, query)["candidates"] == 3  # the first build is done at once
    build = search_module._build
    release = threading.Event()

    def held_build() -> search_module.Directory:
        assert release.wait(30)
        return build()

    monkeypatch.setattr(search_module, "_build", held_build)
    # A sync is applied in place (below); a status change needs a rebuild.
    set_status("stlouis", CommunityStatus.SUSPENDED, actor="test")
    # While the new matrix is built, searches answer at once from the previous one.
    assert "29-1141" in occupations(search(halifax_api, query))
    release.set()
    search_module.wait_for_rebuild()
    assert "29-1141" not in occupations(search(halifax_api, query))


@pytest.mark.parametrize(
    "hub_app_config", [{"DIRECTORY_CACHE_SECONDS": 0, "DIRECTORY_BACKGROUND_ROWS": 1}]
)
def test_a_failed_background_rebuild_keeps_the_previous_matrix(
    halifax_api: Api, stlouis_api: Api, listed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "target_occupation=29-1141&seeker_language=ar"
    assert search(halifax_api, query)["candidates"] == 3
    build = search_module._build

    def broken() -> search_module.Directory:
        raise RuntimeError("database went away")

    monkeypatch.setattr(search_module, "_build", broken)
    set_status("stlouis", CommunityStatus.SUSPENDED, actor="test")
    search(halifax_api, query)
    search_module.wait_for_rebuild()
    assert search(halifax_api, query)["candidates"] == 3  # still the previous matrix
    search_module.wait_for_rebuild()
    monkeypatch.setattr(search_module, "_build", build)
    search(halifax_api, query)  # the next check starts another rebuild, which works
    search_module.wait_for_rebuild()
    assert "29-1141" not in occupations(search(halifax_api, query))


@pytest.mark.parametrize(
    "hub_app_config", [{"DIRECTORY_CACHE_SECONDS": 0, "DIRECTORY_BACKGROUND_ROWS": 1}]
)
def test_a_sync_is_applied_in_place_without_a_rebuild(
    halifax_api: Api, stlouis_api: Api, listed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "target_occupation=29-1141&seeker_language=ar"
    assert search(halifax_api, query)["candidates"] == 3

    build = search_module._build

    def no_rebuild() -> search_module.Directory:
        raise AssertionError("a sync must not rebuild the directory")

    monkeypatch.setattr(search_module, "_build", no_rebuild)
    # A tombstone, an update and a new profile in one batch: all seen by the next search.
    response = stlouis_api.batch(
        tombstone(10, 5),
        profile(13, version=2, occupation="29-1141", cross_city_ok=True),
        profile(16, occupation="29-1171", cross_city_ok=True),
    )
    assert response.status_code == 200
    body = search(halifax_api, query)
    assert occupations(body) == ["29-1141", "29-1171", "29-1171"]
    assert body["candidates"] == 3
    # The same answer as a directory built afresh from the table.
    monkeypatch.setattr(search_module, "_build", build)
    search_module._caches.clear()
    assert search(halifax_api, query) == body


@pytest.mark.parametrize(
    "query",
    [
        "",  # the seeker's target occupation is required
        "target_occupation=99-9999",
        "target_occupation=29-1141&seeker_language=Arabic",
        "target_occupation=29-1141&k=0",
        "target_occupation=29-1141&related=minor",
        "target_occupation=29-1141&name=Amira",
    ],
)
def test_bad_queries(halifax_api: Api, listed: None, query: str) -> None:
    search(halifax_api, query, status=422)


def test_needs_directory_read(api_for: Any, halifax: Any) -> None:
    api = api_for(halifax, "intros:read")
    assert api.get(f"{SEARCH}?target_occupation=29-1141").status_code == 403
