"""The directory search writes its own JSON: it must say what the schemas would."""

from __future__ import annotations

from typing import Any

import pytest

from shared.protocol.introductions import DirectorySearchSchema
from tests.hub.federation.conftest import Api, profile

SEARCH = "/api/v1/directory/search"


@pytest.fixture
def hub_app_config() -> dict[str, Any]:
    return {"DIRECTORY_CACHE_SECONDS": 0}


@pytest.fixture
def listed(stlouis_api: Api) -> None:
    response = stlouis_api.batch(
        profile(10, cross_city_ok=True, remote_ok=False, skills=["triage", "wound-care"]),
        profile(11, occupation="29-1171", remote_ok=True, availability=["weekends"],
                languages=[{"language": "ara", "level": "native"},
                           {"language": "fra", "level": "B2"}]),
        profile(12, occupation="29-1000", occupation_level="minor", experience_band=None,
                cross_city_ok=True, remote_ok=False),
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()


def test_answer_is_what_the_schemas_dump(halifax_api: Api, listed: None) -> None:
    response = halifax_api.get(f"{SEARCH}?target_occupation=29-1141&seeker_language=ar:native")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert len(body["items"]) == 3 and body["candidates"] == 3
    # Loading then dumping through the schema changes nothing: same fields, same formats.
    schema = DirectorySearchSchema()
    assert schema.dump(schema.load(body)) == body
    # Each profile is exactly the directory listing's entry for it.
    listing = halifax_api.get("/api/v1/directory").get_json()["items"]
    by_id = {entry["id"]: entry for entry in listing}
    assert [hit["profile"] for hit in body["items"]] == [
        by_id[hit["profile"]["id"]] for hit in body["items"]
    ]
    first = body["items"][0]
    assert set(first["contributions"]) == {
        "occupation", "skills", "experience", "language", "availability", "demand", "load",
    }  # fmt: skip
    assert all(isinstance(reason, str) for reason in first["reasons"])


def test_filters_on_distinct_values(halifax_api: Api, listed: None) -> None:
    base = f"{SEARCH}?target_occupation=29-1141&seeker_language=ar:native"

    def occupations(query: str) -> list[str]:
        response = halifax_api.get(f"{base}&{query}")
        assert response.status_code == 200, response.get_json()
        return sorted(hit["profile"]["occupation"] for hit in response.get_json()["items"])

    assert occupations("occupation=29-1171") == ["29-1171"]
    assert occupations("occupation=29-1141&related=minor") == ["29-1000", "29-1141", "29-1171"]
    assert occupations("language=fr") == ["29-1171"]
    assert occupations("language=fr&language=xx") == ["29-1171"]
    assert occupations("language=xx") == []
    assert occupations("skill=wound-care") == ["29-1141"]
    assert occupations("skill=wound-care&skill=unknown-skill") == ["29-1141"]
    assert occupations("remote_ok=true") == ["29-1171"]
    assert occupations("remote_ok=false&occupation=29-1141&related=major") == ["29-1000", "29-1141"]
    assert occupations("community=stlouis&language=fr") == ["29-1171"]
