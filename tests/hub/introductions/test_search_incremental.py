"""Syncs applied to a worker's directory in place answer as a directory built afresh."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from hub.directory import search as search_module
from hub.directory.services import list_directory
from tests.hub.federation.conftest import Api, random_item, tombstone

SEARCH = "/api/v1/directory/search"
CODES = ["29-1141", "29-1171", "29-1000", "15-1252", "15-1253", "13-2011"]
SKILLS = ["triage", "wound-care", "python", "audit"]
#: The staff list's filters (page and per_page as DirectoryArgsSchema loads them).
LISTS: list[dict[str, Any]] = [
    {},
    {"occupation": "29-1141"},
    {"occupation": "29-1141", "related": "minor", "language": "ar"},
    {"occupation": "15-1252", "related": "major", "accepting": True},
    {"language": "en", "cross_city_ok": False, "remote_ok": True},
    {"community": "stlouis", "accepting": False},
    {"cross_city_ok": True, "per_page": 7, "page": 2},
    {"page": 40},
]
QUERIES = [
    "target_occupation=29-1141&seeker_language=ar:native&k=50&include_own=true",
    "target_occupation=15-1252&seeker_language=en&seeker_skill=triage&k=50",
    "target_occupation=29-1141&seeker_language=fr&occupation=29-1141&related=minor&k=50",
    "target_occupation=13-2011&seeker_language=en:C1&remote_ok=true&k=50&include_own=true",
    "target_occupation=29-1171&seeker_language=ar&skill=wound-care&k=50",
    "target_occupation=29-1141&seeker_language=en&community=stlouis&k=50",
    # a skill nobody holds: its IDF counts the live profiles, whatever rows were removed
    "target_occupation=29-1141&seeker_language=en&seeker_skill=triage&seeker_skill=no-such"
    "&k=50&include_own=true",
]


@pytest.fixture
def hub_app_config() -> dict[str, Any]:
    # Background rebuilds from one row: any rebuild would show as a stale answer.
    return {"DIRECTORY_CACHE_SECONDS": 0, "DIRECTORY_BACKGROUND_ROWS": 1}


def _random_item(rng: random.Random, n: int, version: int) -> dict[str, Any]:
    return random_item(rng, n, version, tombstones=0.2, codes=CODES, skills=SKILLS, most_skills=3)


def _answers(api: Api) -> list[Any]:
    found = []
    for query in QUERIES:
        response = api.get(f"{SEARCH}?{query}")
        assert response.status_code == 200, response.get_json()
        found.append(response.get_json())
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_syncs_applied_in_place_equal_a_rebuild(
    halifax_api: Api, stlouis_api: Api, count_builds: Callable[[], list[None]], seed: int
) -> None:
    rng = random.Random(seed)
    versions: dict[tuple[int, int], int] = {}
    apis = [halifax_api, stlouis_api]

    def sync(round_size: int) -> None:
        which = rng.randrange(2)
        items = []
        for n in rng.sample(range(30), round_size):
            version = versions[which, n] = versions.get((which, n), 0) + rng.randint(1, 3)
            items.append(_random_item(rng, n, version))
        assert apis[which].batch(*items).status_code == 200

    sync(20)
    sync(20)
    _answers(halifax_api)  # the first search builds the directory
    builds = count_builds()
    for _ in range(6):
        sync(rng.randint(1, 12))
        incremental = _answers(halifax_api) + _answers(stlouis_api)
        search_module.wait_for_rebuild()
        search_module._caches.clear()  # the next search builds afresh from the table
        rebuilt = _answers(halifax_api) + _answers(stlouis_api)
        assert incremental == rebuilt
    assert len(builds) == 6  # only the forced ones: every sync was applied in place


def _lists() -> list[dict[str, Any]]:
    """The staff list's pages, as the database lists them and as the directory does."""
    found = []
    for args in LISTS:
        full = {"page": 1, "per_page": 5, **args}
        found.append((list_directory(None, full), search_module.browse(full)))
    return found


@pytest.mark.parametrize("seed", [4, 5])
def test_staff_list_from_the_directory_equals_the_database_list(
    hub_app: Flask, halifax_api: Api, stlouis_api: Api, seed: int
) -> None:
    rng = random.Random(seed)
    apis = [halifax_api, stlouis_api]
    versions: dict[tuple[int, int], int] = {}
    for _ in range(4):
        which = rng.randrange(2)
        items = []
        for n in rng.sample(range(30), rng.randint(5, 20)):
            version = versions[which, n] = versions.get((which, n), 0) + 1
            items.append(_random_item(rng, n, version))
        assert apis[which].batch(*items).status_code == 200
        with hub_app.app_context():
            for from_database, from_directory in _lists():
                assert from_directory == from_database


@pytest.mark.parametrize(
    "hub_app_config", [{"DIRECTORY_CACHE_SECONDS": 0.01, "DIRECTORY_BACKGROUND_ROWS": 1}]
)
def test_a_background_refresh_applies_syncs_in_place(
    halifax_api: Api, stlouis_api: Api, count_builds: Callable[[], list[None]]
) -> None:
    rng = random.Random(7)
    apis = [halifax_api, stlouis_api]
    for n, api in enumerate(apis):
        assert (
            api.batch(*(_random_item(rng, k, 1) for k in range(20 * n, 20 * n + 20))).status_code
            == 200
        )
    _answers(halifax_api)  # the first search builds the directory
    builds = count_builds()
    for version in range(2, 6):
        which = rng.randrange(2)
        items = [_random_item(rng, k, version) for k in rng.sample(range(20), 8)]
        assert apis[which].batch(*items).status_code == 200
        time.sleep(0.02)
        _answers(halifax_api)  # starts the refresh; answers from the directory as it was
        search_module.wait_for_rebuild()
        refreshed = _answers(halifax_api) + _answers(stlouis_api)
        search_module._caches.clear()
        rebuilt = _answers(halifax_api) + _answers(stlouis_api)
        assert refreshed == rebuilt
    assert len(builds) == 4  # only the forced ones


@pytest.mark.parametrize("seed", [8, 9])
def test_many_interleaved_syncs_applied_in_place_end_as_a_fresh_build(
    halifax_api: Api, stlouis_api: Api, count_builds: Callable[[], list[None]], seed: int
) -> None:
    # Many small syncs of both communities, each applied by the search after it, with
    # profiles coming, changing and going again: the pool and the store reuse slots, the
    # store's skill runs are compacted, retired slots are released. Compared only at the
    # end, so no fresh build in between hides a drift of the incremental state.
    rng = random.Random(seed)
    apis = [halifax_api, stlouis_api]
    versions: dict[tuple[int, int], int] = {}
    _answers(halifax_api)  # the first search builds the (empty) directory
    builds = count_builds()
    for _ in range(30):
        which = rng.randrange(2)
        items = []
        for n in rng.sample(range(40), rng.randint(1, 15)):
            version = versions[which, n] = versions.get((which, n), 0) + rng.randint(1, 2)
            items.append(_random_item(rng, n, version))
        assert apis[which].batch(*items).status_code == 200
        apis[rng.randrange(2)].get(f"{SEARCH}?{rng.choice(QUERIES)}")  # applies the sync
    incremental = _answers(halifax_api) + _answers(stlouis_api)
    assert len(builds) == 0  # every sync was applied in place
    search_module._caches.clear()  # the next search builds afresh from the table
    rebuilt = _answers(halifax_api) + _answers(stlouis_api)
    assert incremental == rebuilt
    assert any(answer["items"] for answer in rebuilt)  # the comparison saw profiles


def test_an_update_waits_for_the_searches_reading_and_holds_off_new_ones() -> None:
    guard = search_module._Guard()
    events: list[str] = []
    entered = threading.Event()

    def write() -> None:
        entered.set()
        with guard.writing():
            events.append("write")

    with guard.reading():
        writer = threading.Thread(target=write)
        writer.start()
        entered.wait(5)
        time.sleep(0.05)  # the writer is waiting on this reader by now
        events.append("read done")
    writer.join(5)
    assert events == ["read done", "write"]
    with guard.writing():
        reader_done = threading.Event()

        def read() -> None:
            with guard.reading():
                events.append("read")
            reader_done.set()

        reader = threading.Thread(target=read)
        reader.start()
        assert not reader_done.wait(0.05)  # no search reads while an update writes
        events.append("write done")
    reader.join(5)
    assert events[2:] == ["write done", "read"]


def test_after_a_failed_update_searches_read_the_pool_as_it_is_and_the_retry_catches_up(
    hub_app: Flask, halifax_api: Api, stlouis_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(11)
    for n, api in enumerate((halifax_api, stlouis_api)):
        items = (_random_item(rng, k, 1) for k in range(20 * n, 20 * n + 20))
        assert api.batch(*items).status_code == 200
    _answers(halifax_api)  # the first search builds the directory
    with hub_app.app_context():
        state = search_module.directory().state
    before = state.latest
    assert halifax_api.batch(*(_random_item(rng, k, 2) for k in range(12))).status_code == 200

    def broken(*args: Any) -> None:
        raise RuntimeError("the write failed")

    with monkeypatch.context() as patch:
        patch.setattr(search_module, "_upsert", broken)
        with hub_app.app_context(), pytest.raises(RuntimeError):
            search_module.directory()
    # Not the directory made before the write: its tables may not cover the rows now.
    assert state.latest is not None and state.latest is not before
    incremental = _answers(halifax_api) + _answers(stlouis_api)  # applies the sync again
    search_module._caches.clear()
    assert incremental == _answers(halifax_api) + _answers(stlouis_api)


def test_an_update_makes_a_due_column_index_before_it_takes_the_write_side(
    hub_app: Flask, halifax_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(13)
    assert halifax_api.batch(*(_random_item(rng, k, 1) for k in range(30))).status_code == 200
    _answers(halifax_api)  # the first search builds the directory
    with hub_app.app_context():
        state = search_module.directory().state
    made: list[bool] = []
    folded = type(state.pool).folded

    def watched(pool: Any) -> Any:
        made.append(state.guard._writing)
        return folded(pool)

    monkeypatch.setattr(type(state.pool), "folded", watched)
    # Due for the update's rows (and only then: patched() itself would fold in place).
    monkeypatch.setattr(type(state.pool), "fold_due", lambda pool, coming=0: coming > 0)
    assert halifax_api.batch(*(_random_item(rng, k, 2) for k in range(10))).status_code == 200
    incremental = _answers(halifax_api)
    assert made == [False]  # made while searches could still read
    # Installed before the update's writes: the changed rows are the delta after it.
    assert state.latest is not None and state.latest.matrix.any_dirty
    search_module._caches.clear()
    assert incremental == _answers(halifax_api)


def test_a_directory_worn_by_removals_is_rebuilt_compact_at_its_next_change(
    halifax_api: Api,
    stlouis_api: Api,
    count_builds: Callable[[], list[None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_module, "_WORN_MIN", 8)
    rng = random.Random(17)

    def listed(n: int) -> dict[str, Any]:
        return random_item(rng, n, 1, tombstones=0, codes=CODES, skills=SKILLS, most_skills=3)

    assert halifax_api.batch(*(listed(n) for n in range(40))).status_code == 200
    _answers(stlouis_api)  # the first search builds the directory
    builds = count_builds()
    assert halifax_api.batch(*(tombstone(n, 2) for n in range(8))).status_code == 200
    _answers(stlouis_api)
    assert builds == []  # 8 of 40 rows removed: patched in place
    assert halifax_api.batch(*(tombstone(n, 2) for n in range(8, 12))).status_code == 200
    _answers(stlouis_api)
    assert builds == []  # 12 of 40: worn now, rebuilt at the next change
    assert halifax_api.batch(listed(40)).status_code == 200
    _answers(stlouis_api)  # starts the compacting rebuild; answers from the directory as it was
    search_module.wait_for_rebuild()
    compacted = _answers(stlouis_api)
    assert len(builds) == 1
    found = search_module._caches[next(iter(search_module._caches))].directory
    assert found is not None and len(found.matrix) == found.matrix.live_rows  # no dead rows
    search_module._caches.clear()
    assert compacted == _answers(stlouis_api)
