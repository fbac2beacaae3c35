"""The directory keeps profiles as numbers: each decodes to what the table stores, and the
search answers as a reference built from the table's rows in the plain way."""

from __future__ import annotations

import datetime as dt
import json
import random
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from hub.communities.models import Community
from hub.directory import search as search_module
from hub.directory.services import directory_entry
from hub.directory.store import Listed, ListingStore
from hub.extensions import db
from hub.profiles.models import Profile
from shared.matching import DEFAULT_WEIGHTS, Candidate, CandidateMatrix, ranking
from shared.protocol.directory import DirectoryEntrySchema
from shared.taxonomy.skills import skill_label
from tests.hub.federation.conftest import Api, random_item

SEARCH = "/api/v1/directory/search"
CODES = ["29-1141", "29-1171", "29-1000", "15-1252", "13-2011"]
SKILLS = ["wound-care", "triage", "python", "audit", "zz-unknown"]


@pytest.fixture
def hub_app_config() -> dict[str, Any]:
    return {"DIRECTORY_CACHE_SECONDS": 0, "DIRECTORY_ENTRY_CACHE": 7}


def _item(rng: random.Random, n: int, version: int) -> dict[str, Any]:
    return random_item(rng, n, version, tombstones=0.15, codes=CODES, skills=SKILLS, most_skills=4)


def _sync(rng: random.Random, apis: list[Api], versions: dict[tuple[int, int], int]) -> None:
    which = rng.randrange(len(apis))
    items = []
    for n in rng.sample(range(25), rng.randint(5, 15)):
        version = versions[which, n] = versions.get((which, n), 0) + 1
        items.append(_item(rng, n, version))
    assert apis[which].batch(*items).status_code == 200


def _stored() -> dict[int, Listed]:
    """Each listed profile as the table holds it."""
    rows = db.session.execute(
        select(Profile, Community.slug)
        .join(Community, Community.id == Profile.community_id)
        .where(Profile.deleted.is_(False))
    ).all()
    return {
        p.id: Listed(
            p.id, slug, p.occupation, p.occupation_level, p.experience_band, p.languages,
            p.skills, p.availability, p.remote_ok, p.cross_city_ok, p.accepting, p.updated_at,
        )
        for p, slug in rows
    }  # fmt: skip


def test_each_row_decodes_to_the_profile_the_table_holds(
    hub_app: Flask, halifax_api: Api, stlouis_api: Api
) -> None:
    rng = random.Random(3)
    versions: dict[tuple[int, int], int] = {}
    for round_ in range(5):
        _sync(rng, [halifax_api, stlouis_api], versions)
        with hub_app.app_context():
            found = search_module.directory()  # built first, then changed in place
            stored = _stored()
            rows = {found.listed(row).id: found.listed(row) for row in range(len(found.matrix))}
            assert rows == stored, round_
            for listed in rows.values():
                assert listed.updated_at.isoformat() == stored[listed.id].updated_at.isoformat()
            db.session.commit()


def _reference(caller: Community, args: dict[str, Any]) -> dict[str, Any]:
    """The answer built the plain way: one Candidate per row, CandidateMatrix.build."""
    profiles = db.session.scalars(
        select(Profile).where(Profile.deleted.is_(False)).order_by(Profile.id)
    ).all()
    slugs = dict(db.session.execute(select(Community.id, Community.slug)).all())
    candidates = [
        Candidate(
            id=p.id,
            occupation=p.occupation,
            skills=frozenset(p.skills),
            years=search_module.BAND_YEARS.get(p.experience_band or ""),
            languages={lang["language"]: lang["level"] for lang in p.languages},
            availability=frozenset(p.availability),
            community=slugs[p.community_id],
            capacity=1,
            capacity_left=1 if p.accepting else 0,
            remote_ok=p.remote_ok,
            cross_city_ok=p.cross_city_ok,
        )
        for p in profiles
    ]
    by_id = {p.id: p for p in profiles}
    ranked = ranking(
        search_module.seeker_of(caller, args),
        CandidateMatrix.build(candidates),
        int(args["k"]),
        DEFAULT_WEIGHTS,
        cross_city=True,
        own_community=bool(args.get("include_own")),
        skill_label=skill_label,
    )
    schema = DirectoryEntrySchema()
    return {
        "items": [
            {
                "profile": schema.dump(
                    directory_entry(
                        by_id[hit.candidate_id], slugs[by_id[hit.candidate_id].community_id]
                    )
                ),
                "score": round(hit.score, 4),
                "contributions": {k: round(v, 4) for k, v in hit.contributions.items()},
                "reasons": hit.reasons,
            }
            for hit in ranked.suggestions
        ],
        "candidates": ranked.considered,
    }


QUERIES: list[dict[str, Any]] = [
    {"target_occupation": "29-1141", "seeker_language": ["ara:native"], "k": 40},
    {"target_occupation": "15-1252", "seeker_language": ["eng"], "k": 40, "include_own": True,
     "seeker_skill": ["python", "audit"], "experience_band": "5-9"},
    {"target_occupation": "13-2011", "seeker_language": ["fra:C1", "eng:B1"], "k": 3},
]  # fmt: skip


@pytest.mark.parametrize(
    "hub_app_config",
    [
        # Entries cached across syncs, their slots written again by later profiles.
        {"DIRECTORY_CACHE_SECONDS": 0, "DIRECTORY_ENTRY_CACHE": 10_000},
        # A cache full after a few entries, cleared again and again.
        {"DIRECTORY_CACHE_SECONDS": 0, "DIRECTORY_ENTRY_CACHE": 7},
    ],
)
def test_answers_equal_the_plain_reference(
    hub_app: Flask, halifax_api: Api, stlouis_api: Api
) -> None:
    rng = random.Random(8)
    versions: dict[tuple[int, int], int] = {}
    for _ in range(8):
        _sync(rng, [halifax_api, stlouis_api], versions)
        with hub_app.app_context():
            caller = db.session.scalars(select(Community).order_by(Community.id)).first()
            assert caller is not None
            for args in QUERIES:
                # Twice: the second answer comes from the cache of entries.
                for _ in range(2):
                    answer = json.loads(search_module.search(caller, args))
                    assert answer == _reference(caller, args)
            db.session.commit()


def _row(n: int, version: int = 1, **changes: Any) -> SimpleNamespace:
    """A row of the search's columns, JSON as text."""
    fields: dict[str, Any] = {
        "id": n,
        "version": version,
        "community_id": 1 + n % 2,
        "slug": f"c{1 + n % 2}",
        "occupation": "29-1141",
        "occupation_level": "detailed",
        "experience_band": "5-9",
        "languages": '[{"language": "ara", "level": "native"}]',
        "skills": json.dumps([f"s{n}", "b", "a"]),
        "availability": '["weekends"]',
        "remote_ok": n % 2 == 0,
        "cross_city_ok": n % 3 == 0,
        "accepting": True,
        "updated_at": dt.datetime(2026, 12, 4, 10, 0, n % 60, 123456, tzinfo=dt.UTC),
    }
    fields.update(changes)
    return SimpleNamespace(**fields)


def _listed(row: SimpleNamespace) -> Listed:
    return Listed(
        row.id, row.slug, row.occupation, row.occupation_level, row.experience_band,
        json.loads(row.languages) if row.languages else [],
        json.loads(row.skills) if row.skills else [],
        json.loads(row.availability), row.remote_ok, row.cross_city_ok, row.accepting,
        row.updated_at,
    )  # fmt: skip


def _put(store: ListingStore, row: SimpleNamespace) -> int:
    return store.put(row, json.loads(row.skills) if row.skills else [])


def test_a_store_gives_back_each_row_and_keeps_replaced_ones_until_released() -> None:
    store = ListingStore()
    rows = {n: _row(n) for n in range(1, 3000)}
    first = {n: _put(store, row) for n, row in rows.items()}
    assert len(store) == len(rows)
    assert all(store.listed(first[n]) == _listed(row) for n, row in rows.items())
    # A change writes a new slot; the old one still reads as before (a search on the
    # previous matrix), until released; a removed profile likewise.
    changed = _row(5, 2, skills=json.dumps(["x"] * 40), languages=None, accepting=False)
    new_slot = _put(store, changed)
    store.remove(7)
    assert new_slot != first[5] and store.slot(5) == new_slot and store.slot(7) == -1
    assert store.held_version(5) == 2 and store.held_version(7) is None
    assert store.listed(first[5]) == _listed(rows[5])
    assert store.listed(first[7]) == _listed(rows[7])
    assert store.listed(new_slot) == _listed(changed)._replace(languages=[])
    store.release()
    reused = {_put(store, _row(n)) for n in (9000, 9001)}
    assert reused == {first[5], first[7]}
    assert len(store) == len(rows) + 1


def test_a_store_compacts_skills_without_losing_any_readable_slot() -> None:
    store = ListingStore()
    slots: dict[int, int] = {}
    expected: dict[int, Listed] = {}
    retired: dict[int, Listed] = {}
    for version in range(1, 30):
        retired = {}
        store.release()
        for n in range(1, 200):
            row = _row(n, version, skills=json.dumps([f"k{version}-{i}" for i in range(version)]))
            if n in slots:
                retired[slots[n]] = expected[slots[n]]
            slots[n] = _put(store, row)
            expected[slots[n]] = _listed(row)
        # Every slot a matrix may still read: the held ones and the ones just retired.
        for slot in [*slots.values(), *retired]:
            assert store.listed(slot) == (expected[slot] if slot in slots.values() else
                                          retired[slot])  # fmt: skip


def test_a_store_keeps_stamps_exactly_in_their_time_zone() -> None:
    store = ListingStore()
    stamps = [
        dt.datetime(2026, 12, 4, 10, 0, 0, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 4, 10, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3.5))),
        dt.datetime(1969, 7, 20, 20, 17, 40, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 4, 10, 0, 0),
    ]
    for n, stamp in enumerate(stamps, start=1):
        got = store.listed(_put(store, _row(n, updated_at=stamp))).updated_at
        assert got == stamp and got.isoformat() == stamp.isoformat()
        assert got.utcoffset() == stamp.utcoffset()
