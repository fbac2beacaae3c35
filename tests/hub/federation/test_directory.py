"""GET /directory: anonymized profiles of other communities, with filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hub.communities.models import CommunityStatus
from hub.communities.services import Credentials, add_community, set_status
from tests.hub.federation.conftest import Api, profile, tombstone

DIRECTORY = "/api/v1/directory"


@pytest.fixture
def listed(halifax_api: Api, stlouis_api: Api) -> None:
    assert halifax_api.batch(profile(1, occupation="29-1141")).status_code == 200
    stlouis = stlouis_api.batch(
        profile(10, occupation="29-1141"),
        profile(11, occupation="29-1171", remote_ok=False,
                languages=[{"language": "fra", "level": "B2"}]),
        profile(12, occupation="29-1000", occupation_level="minor", accepting=False),
        profile(13, occupation="15-1252", experience_band=None),
        profile(14, occupation="29-1141"),
        tombstone(15, 1),
    )  # fmt: skip
    assert stlouis.status_code == 200


def occupations(api: Api, query: str = "") -> list[str]:
    response = api.get(f"{DIRECTORY}{query}")
    assert response.status_code == 200, response.get_json()
    return sorted(item["occupation"] for item in response.get_json()["items"])


def test_lists_other_communities_without_refs_or_tombstones(halifax_api: Api, listed: None) -> None:
    body = halifax_api.get(DIRECTORY).get_json()
    assert body["total"] == 5 and body["pages"] == 1
    entry = next(i for i in body["items"] if i["occupation"] == "15-1252")
    assert set(entry) == {
        "id", "community", "occupation", "occupation_level", "occupation_title",
        "experience_band", "languages", "skills", "availability", "remote_ok",
        "cross_city_ok", "accepting", "updated_at",
    }  # fmt: skip
    assert entry["community"] == "stlouis" and entry["experience_band"] is None
    assert entry["occupation_title"] == "Software Developers"
    assert "ref" not in entry
    assert all(i["community"] == "stlouis" for i in body["items"])


def test_own_community_only_on_request(halifax_api: Api, listed: None) -> None:
    with_own = halifax_api.get(f"{DIRECTORY}?include_own=true").get_json()
    assert with_own["total"] == 6
    assert occupations(halifax_api, "?community=halifax") == []
    assert occupations(halifax_api, "?community=halifax&include_own=true") == ["29-1141"]


def test_filters(halifax_api: Api, listed: None) -> None:
    assert occupations(halifax_api, "?occupation=29-1141") == ["29-1141", "29-1141"]
    assert occupations(halifax_api, "?occupation=29-1141&related=broad") == [
        "29-1141", "29-1141",
    ]  # fmt: skip
    assert occupations(halifax_api, "?occupation=29-1141&related=minor") == [
        "29-1000", "29-1141", "29-1141", "29-1171",
    ]  # fmt: skip
    assert occupations(halifax_api, "?occupation=15-1252&related=major") == ["15-1252"]
    assert occupations(halifax_api, "?language=fr") == ["29-1171"]
    # Either form: ISO 639-3 as stored, or ISO 639-1 as earlier nodes and links have it.
    for code in ("ara", "ar"):
        assert occupations(halifax_api, f"?language={code}") == [
            "15-1252", "29-1000", "29-1141", "29-1141",
        ]  # fmt: skip
    assert occupations(halifax_api, "?remote_ok=false") == ["29-1171"]
    assert occupations(halifax_api, "?accepting=false") == ["29-1000"]
    assert occupations(halifax_api, "?community=portland") == []


@pytest.mark.parametrize(
    "query",
    ["?occupation=99-9999", "?occupation=nurse", "?related=minor", "?related=city",
     "?language=Arabic", "?per_page=500", "?page=0", "?unknown=1"],
)  # fmt: skip
def test_bad_filters_are_422(halifax_api: Api, listed: None, query: str) -> None:
    assert halifax_api.get(f"{DIRECTORY}{query}").status_code == 422


def test_pagination(halifax_api: Api, listed: None) -> None:
    first = halifax_api.get(f"{DIRECTORY}?per_page=2").get_json()
    second = halifax_api.get(f"{DIRECTORY}?per_page=2&page=2").get_json()
    third = halifax_api.get(f"{DIRECTORY}?per_page=2&page=3").get_json()
    assert (first["total"], first["pages"]) == (5, 3)
    ids = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert len(ids) == len(set(ids)) == 5


def test_suspended_communities_drop_out(halifax_api: Api, stlouis_api: Any, listed: None) -> None:
    set_status("stlouis", CommunityStatus.SUSPENDED, actor="test")
    assert halifax_api.get(DIRECTORY).get_json()["total"] == 0


def test_directory_needs_its_scope(
    api_for: Callable[..., Api], halifax: Credentials, listed: None
) -> None:
    assert api_for(halifax, "profiles:write").get(DIRECTORY).status_code == 403
    portland = add_community("portland", "Portland", country="US", actor="test")
    assert api_for(portland, "directory:read").get(DIRECTORY).get_json()["total"] == 6
