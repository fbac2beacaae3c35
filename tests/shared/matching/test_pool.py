"""A CandidatePool changed step by step ranks exactly as CandidateMatrix.build from scratch."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.matching import Candidate, CandidateMatrix, assign, ranking, scores
from shared.matching.pool import CandidatePool
from tests.shared.matching.test_engine_reference import (
    random_pool,
    random_seeker,
    random_weights,
)


def _answers(matrix: CandidateMatrix, rng: random.Random, size: int) -> list[object]:
    """Every answer the engine gives over the matrix for a few random seekers."""
    found: list[object] = []
    for number in range(6):
        seeker = random_seeker(rng, number, max(size, 1))
        weights = random_weights(rng)
        cross_city = rng.random() < 0.7
        own = rng.random() < 0.8
        result = ranking(seeker, matrix, 5, weights, cross_city=cross_city, own_community=own)
        found.append(result.considered)
        found.extend((s.candidate_id, s.score, s.contributions, s.reasons, s.values)
                     for s in result.suggestions)  # fmt: skip
        start, values = scores(seeker, matrix, weights, cross_city=cross_city, own_community=own)
        by_id = {matrix.candidates[start + i].id: v for i, v in enumerate(values.tolist())}
        found.append(sorted(by_id.items(), key=lambda item: str(item[0])))
    seekers = [random_seeker(rng, n, max(size, 1)) for n in range(4)]
    found.extend((p.seeker_id, p.candidate_id) for p in assign(seekers, matrix, cross_city=True))
    return found


def _same(built: CandidateMatrix, assembled: CandidateMatrix, seed: int, size: int) -> None:
    assert [c.id for c in assembled.candidates] == [c.id for c in built.candidates]
    assert dict(assembled.communities) == dict(built.communities)
    assert {k: assembled.index[k] for k in built.index} == dict(built.index)
    assert np.array_equal(assembled.community_code, built.community_code)
    assert np.array_equal(assembled.skill_idf[[assembled.skill_ids[s] for s in built.skill_ids]],
                          built.skill_idf)  # fmt: skip
    assert _answers(assembled, random.Random(seed), size) == _answers(
        built, random.Random(seed), size
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 40))
def test_a_pool_assembles_what_build_builds(seed: int, size: int) -> None:
    pool = random_pool(random.Random(seed), size)
    _same(CandidateMatrix.build(pool), CandidatePool(pool).matrix(), seed, size)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    steps=st.lists(
        st.tuples(st.sampled_from(["upsert", "remove", "add"]), st.integers(1, 8)),
        min_size=1,
        max_size=8,
    ),
)
def test_changes_applied_in_place_equal_a_fresh_build(
    seed: int, steps: list[tuple[str, int]]
) -> None:
    rng = random.Random(seed)
    start = random_pool(rng, 25)
    keys = {c.id: 10 * i for i, c in enumerate(start)}  # ordering keys, as the hub's ids
    current = {c.id: c for c in start}
    pool = CandidatePool(start, [keys[c.id] for c in start])
    next_id = 1000
    for action, count in steps:
        fresh = random_pool(rng, count)
        if action == "remove":
            gone = rng.sample(sorted(current, key=str), min(count, len(current)))
            pool.remove(gone)
            for candidate_id in gone:
                del current[candidate_id]
                del keys[candidate_id]
            continue
        changed: list[Candidate] = []
        for candidate in fresh:
            if action == "upsert" and current:
                # Replace an existing one (maybe moving it to another community).
                candidate_id = rng.choice(sorted(current, key=str))
            else:
                candidate_id, next_id = next_id, next_id + 1
                # A new id may sort anywhere among the old ones (a re-listed profile).
                key = rng.randrange(0, 10 * len(start) + 500)
                while key in keys.values():
                    key += 1
                keys[candidate_id] = key
            changed.append(dataclasses.replace(candidate, id=candidate_id))
            current[candidate_id] = changed[-1]
        pool.upsert(changed, [keys[c.id] for c in changed])
        assembled = pool.matrix()
        ordered = sorted(current.values(), key=lambda c: keys[c.id])
        _same(CandidateMatrix.build(ordered), assembled, seed, len(ordered))
    assert len(pool) == len(current)


def test_an_empty_pool_and_one_emptied() -> None:
    pool = CandidatePool()
    assert len(pool.matrix()) == 0
    one = random_pool(random.Random(3), 1)
    pool.upsert(one)
    assert len(pool.matrix()) == 1
    pool.remove([one[0].id, "not there"])
    matrix = pool.matrix()
    assert len(matrix) == 0 and matrix.communities == {}


def test_the_slot_limit_is_the_builds() -> None:
    many = Candidate(id=1, occupation=None, availability=frozenset(f"s{n}" for n in range(64)))
    try:
        CandidatePool([many])
    except ValueError as error:
        assert "availability slots" in str(error)
    else:
        raise AssertionError("64 slots must be refused")
