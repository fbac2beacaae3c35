"""The hub's quick item check agrees with the wire schemas: same loads, same rejections."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hub.profiles.services import _quick_load, load_items
from shared.protocol import ItemError, load_item
from tests.hub.federation.conftest import profile, tombstone

VALID: list[dict[str, Any]] = [
    profile(1),
    profile(2, version=2**63 - 1, experience_band=None, languages=[], availability=[]),
    profile(3, skills=["python", "c++", "node.js", "a" * 60]),
    {k: v for k, v in profile(4).items() if k != "skills"},
    profile(5, occupation="29-1000", occupation_level="broad"),
    tombstone(6, version=7),
]

# Each change makes the item invalid; the schemas must say so, whatever the quick check does.
INVALID_CHANGES: list[dict[str, Any]] = [
    {"ref": "A" * 32},
    {"ref": "a" * 31},
    {"ref": "a" * 32 + "\n0"},
    {"ref": 12},
    {"version": 0},
    {"version": 2**63},
    {"version": True},
    {"version": "3"},
    {"version": 3.0},
    {"occupation": "29-9999"},
    {"occupation": "291141"},
    {"occupation": " 29-1141"},
    {"occupation": None},
    {"occupation_level": "exact"},
    {"experience_band": "3-4"},
    {"experience_band": 5},
    {"languages": [{"language": "eng", "level": "native"}, {"language": "eng", "level": "B2"}]},
    {"languages": [{"language": "EN", "level": "B2"}]},
    {"languages": [{"language": "eng", "level": "B3"}]},
    {"languages": [{"language": "en"}]},
    {"languages": [{"language": "eng", "level": "B2", "name": "Jane"}]},
    {"languages": ["en"]},
    {"languages": "en"},
    {"languages": [{"language": f"a{chr(97 + i)}", "level": "B2"} for i in range(21)]},
    {"skills": ["Python Developer"]},
    {"skills": [""]},
    {"skills": ["x"] * 51},
    {"skills": "python"},
    {"availability": ["sundays"]},
    {"availability": ["weekends"] * 5},
    {"remote_ok": 1},
    {"cross_city_ok": "true"},
    {"accepting": None},
    {"employer": "Canary Corp"},
    {"notes": "private"},
]


@pytest.mark.parametrize("item", VALID)
def test_valid_items_load_as_the_schemas_load_them(item: dict[str, Any]) -> None:
    original = copy.deepcopy(item)
    quick = _quick_load(item)
    assert quick is not None
    assert quick == load_item(item)
    assert item == original  # the caller's item is not changed


@pytest.mark.parametrize("change", INVALID_CHANGES)
def test_invalid_profiles_are_left_to_the_schemas(change: dict[str, Any]) -> None:
    item = {**profile(1), **change}
    assert _quick_load(item) is None
    [result] = load_items([item])
    assert isinstance(result, ItemError)
    assert result == load_item(item)


@pytest.mark.parametrize(
    "item",
    [
        {**tombstone(1, version=2), "deleted": False},
        {**tombstone(1, version=2), "occupation": "29-1141"},
        {"ref": "a" * 32, "deleted": True},
        {**tombstone(1, version=2), "version": -1},
        ["not", "an", "object"],
        None,
        {**tombstone(1, version=2), "deleted": 1},  # only JSON true marks a tombstone
        {**profile(1), "ref": "a" * 32 + "\n"},  # a ref ends where its 32 digits do
    ],
)
def test_invalid_tombstones_and_shapes_are_left_to_the_schemas(item: Any) -> None:
    assert _quick_load(item) is None
    [result] = load_items([item])
    assert isinstance(result, ItemError)


def test_a_batch_mixes_quick_and_schema_loads_in_item_order() -> None:
    items = [profile(1), {**profile(2), "remote_ok": "yes"}, tombstone(3, version=4)]
    results = load_items(items)
    assert results[0] == load_item(items[0])
    assert isinstance(results[1], ItemError) and "remote_ok" in results[1].errors
    assert results[2] == {"ref": tombstone(3, version=4)["ref"], "version": 4, "deleted": True}
