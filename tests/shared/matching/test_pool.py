"""A CandidatePool changed step by step ranks exactly as CandidateMatrix.build from scratch."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Hashable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.matching import Candidate, CandidateMatrix, assign, level_rank, ranking, scores
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


@dataclasses.dataclass
class PoolWalk:
    """A pool changed by random steps, as syncs change the hub's, beside what it should hold."""

    pool: CandidatePool
    current: dict[Hashable, Candidate]
    keys: dict[Hashable, int]  # ordering keys, as the hub's ids
    spread: int  # new keys fall anywhere in [0, spread)
    next_id: int = 1000

    @classmethod
    def of(cls, start: list[Candidate]) -> PoolWalk:
        keys: dict[Hashable, int] = {c.id: 10 * n for n, c in enumerate(start)}
        pool = CandidatePool(start, [keys[c.id] for c in start])
        return cls(pool, {c.id: c for c in start}, keys, 10 * len(start) + 500)

    def remove(self, rng: random.Random, count: int) -> None:
        gone = rng.sample(sorted(self.current, key=str), min(count, len(self.current)))
        self.pool.remove(gone)
        for candidate_id in gone:
            del self.current[candidate_id]
            del self.keys[candidate_id]

    def upsert(self, rng: random.Random, fresh: list[Candidate], replace: bool) -> None:
        """Write these candidates: each replaces a held one (maybe moving it to another
        community) if ``replace`` and any is held, else comes new."""
        changed: list[Candidate] = []
        for candidate in fresh:
            if replace and self.current:
                candidate_id: Hashable = rng.choice(sorted(self.current, key=str))
            else:
                candidate_id, self.next_id = self.next_id, self.next_id + 1
                # A new key may sort anywhere among the old ones (a re-listed profile).
                key = rng.randrange(0, self.spread)
                while key in self.keys.values():
                    key += 1
                self.keys[candidate_id] = key
            changed.append(dataclasses.replace(candidate, id=candidate_id))
            self.current[candidate_id] = changed[-1]
        self.pool.upsert(changed, [self.keys[c.id] for c in changed])

    def ordered(self) -> list[Candidate]:
        """The held candidates in the order a fresh build reads them."""
        return sorted(self.current.values(), key=lambda c: self.keys[c.id])


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
    walk = PoolWalk.of(random_pool(rng, 25))
    for action, count in steps:
        fresh = random_pool(rng, count)
        if action == "remove":
            walk.remove(rng, count)
            continue
        walk.upsert(rng, fresh, replace=action == "upsert")
        ordered = walk.ordered()
        _same(CandidateMatrix.build(ordered), walk.pool.matrix(), seed, len(ordered))
    assert len(walk.pool) == len(walk.current)


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


def _fields(candidate: Candidate) -> dict[str, object]:
    """A candidate's fields as the engine reads them (a level by its rank)."""
    found = dataclasses.asdict(candidate)
    found["languages"] = {code: level_rank(level) for code, level in candidate.languages.items()
                          if level_rank(level) > 0}  # fmt: skip
    found["years"] = None if candidate.years is None else float(candidate.years)
    return found


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 30))
def test_the_matrix_rebuilds_each_candidate_it_was_given(seed: int, size: int) -> None:
    given_ = random_pool(random.Random(seed), size)
    matrix = CandidatePool(given_).matrix()
    by_id = {c.id: c for c in given_}
    assert sorted(map(str, matrix.index)) == sorted(str(c.id) for c in given_)
    for row, rebuilt in enumerate(matrix.candidates):
        assert matrix.index[rebuilt.id] == row
        assert _fields(rebuilt) == _fields(by_id[rebuilt.id])
        assert matrix.candidate(rebuilt.id) is matrix.candidates[row]


def test_a_matrix_keeps_its_candidates_while_the_pool_changes() -> None:
    rng = random.Random(11)
    first = random_pool(rng, 12)
    pool = CandidatePool(first)
    before = pool.matrix()
    seen = [_fields(c) for c in before.candidates]
    ids = [c.id for c in before.candidates]
    pool.remove(ids[:4])
    # New candidates take the freed slots; old ones change in place.
    pool.upsert(dataclasses.replace(c, id=100 + n) for n, c in enumerate(random_pool(rng, 4)))
    pool.upsert(dataclasses.replace(c, id=ids[5]) for c in random_pool(rng, 1))
    assert [_fields(c) for c in before.candidates] == seen
    assert [before.index[i] for i in ids] == list(range(12))
    assert 100 not in before.index and len(before.index) == 12
    after = pool.matrix()
    assert ids[0] not in after.index and 100 in after.index


def test_skills_of_replaced_candidates_survive_compaction() -> None:
    # Each replacement with more skills moves the candidate's run to the end of the
    # skills' data, so the data fills up with old runs and is compacted many times.
    rng = random.Random(5)
    vocabulary = [f"k{n}" for n in range(60)]
    current = {n: Candidate(id=n, occupation="15-1252") for n in range(200)}
    pool = CandidatePool(current.values())
    for size in range(1, 40):
        changed = [
            Candidate(id=n, occupation="15-1252", skills=frozenset(rng.sample(vocabulary, size)))
            for n in rng.sample(sorted(current), 120)
        ]
        current.update((c.id, c) for c in changed)
        pool.upsert(changed)
        if rng.random() < 0.3:
            gone = rng.sample(sorted(current), 5)
            pool.remove(gone)
            for n in gone:
                del current[n]
    matrix = pool.matrix()
    assert {c.id: c.skills for c in matrix.candidates} == {n: c.skills for n, c in current.items()}
    built = CandidateMatrix.build(sorted(current.values(), key=lambda c: c.id))
    assert np.array_equal(
        matrix.skill_idf[[matrix.skill_ids[s] for s in built.skill_ids]], built.skill_idf
    )
