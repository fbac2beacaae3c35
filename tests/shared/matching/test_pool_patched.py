"""A pool's matrix patched in place ranks exactly as CandidateMatrix.build from scratch.

Its rows are the pool's slots: removed candidates leave rows no seeker matches, new ones
take freed slots or come at the end, whatever their community or order key. Answers
(ranks, scores, contributions, reasons, how many considered) must not show it.
"""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.matching import Candidate, CandidateMatrix, ranking, scores
from shared.matching import pool as pool_module
from shared.matching.pool import CandidatePool
from tests.shared.matching.test_engine_reference import (
    random_pool,
    random_seeker,
    random_weights,
)
from tests.shared.matching.test_pool import PoolWalk


def _answers(matrix: CandidateMatrix, seed: int, size: int) -> list[object]:
    """The engine's answers over the matrix for random seekers, rows named by id."""
    rng = random.Random(seed)
    found: list[object] = []
    for number in range(10):
        seeker = random_seeker(rng, number, max(size, 1))
        weights = random_weights(rng)
        cross_city = rng.random() < 0.7
        own = rng.random() < 0.8
        result = ranking(seeker, matrix, 6, weights, cross_city=cross_city, own_community=own)
        found.append(result.considered)
        found.extend((s.candidate_id, s.score, s.contributions, s.reasons, s.values)
                     for s in result.suggestions)  # fmt: skip
        start, values = scores(seeker, matrix, weights, cross_city=cross_city, own_community=own)
        ids = [matrix.candidates[start + i].id for i in range(len(values))]
        # A built matrix scores a local search's community slice, a patched one every row:
        # the rows either may match are the same, with the same scores.
        by_id = {i: v for i, v in zip(ids, values.tolist(), strict=True) if v > -math.inf}
        found.append(sorted(by_id.items(), key=lambda item: str(item[0])))
        found.append([(skill, matrix.idf(skill)) for skill in sorted(seeker.skills)])
    return found


def _twins(rng: random.Random, count: int) -> list[Candidate]:
    """Random candidates, some repeated exactly: equal scores, so ties to break."""
    fresh = random_pool(rng, count)
    return [rng.choice(fresh) if rng.random() < 0.4 else c for c in fresh]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    steps=st.lists(
        st.tuples(st.sampled_from(["upsert", "remove", "add", "fold"]), st.integers(1, 9)),
        min_size=1,
        max_size=10,
    ),
)
def test_a_patched_matrix_answers_as_a_fresh_build(seed: int, steps: list[tuple[str, int]]) -> None:
    rng = random.Random(seed)
    walk = PoolWalk.of([dataclasses.replace(c, id=n) for n, c in enumerate(_twins(rng, 30))])
    for action, count in steps:
        if action == "fold":
            # made beside the readers, then installed: as the hub's updates fold
            walk.pool.fold(walk.pool.folded() if count % 2 else None)
        elif action == "remove":
            walk.remove(rng, count)
        else:
            walk.upsert(rng, _twins(rng, count), replace=action == "upsert")
        patched = walk.pool.patched()
        ordered = walk.ordered()
        built = CandidateMatrix.build(ordered)
        assert patched.live_rows == len(built)
        assert _answers(patched, seed, len(ordered)) == _answers(built, seed, len(ordered))
    assert len(walk.pool) == len(walk.current)


def test_removed_rows_are_never_matched_and_the_column_index_folds() -> None:
    rng = random.Random(7)
    pool = CandidatePool(random_pool(rng, 40))
    ids = sorted(pool.patched().index, key=str)
    pool.remove(ids[:30])
    patched = pool.patched()
    assert len(patched) == 40 and patched.live_rows == 10 and patched.any_dirty
    seeker = random_seeker(rng, 0, 40)
    wide = dataclasses.replace(
        seeker, cross_city_ok=True, blocked=frozenset(), excluded=frozenset()
    )
    found = ranking(wide, patched, 40, cross_city=True)
    assert {s.candidate_id for s in found.suggestions} <= set(ids[30:])
    # A matrix reads the pool as it is: take its postings before the pool changes again.
    before = [sorted(patched.postings(c).tolist()) for c in range(len(patched.skill_ids))]
    kept = {pool.slot(i) for i in ids[30:]}
    assert all(set(rows) <= kept for rows in before)
    pool.fold()
    folded = pool.patched()
    assert not folded.any_dirty
    assert [sorted(folded.postings(c).tolist()) for c in range(len(folded.skill_ids))] == before


def test_a_column_index_made_ahead_is_installed_only_on_the_pool_it_was_made_of() -> None:
    rng = random.Random(3)
    pool = CandidatePool(random_pool(rng, 40))
    pool.patched()
    ids = sorted(pool.patched().index, key=str)
    pool.remove(ids[:5])
    ahead = pool.folded()
    assert pool.patched().any_dirty  # making it changed nothing
    pool.fold(ahead)
    installed = pool.patched()
    assert not installed.any_dirty
    pool.fold()
    fresh = pool.patched()
    columns = range(len(fresh.skill_ids))
    assert [installed.postings(c).tolist() for c in columns] == [
        fresh.postings(c).tolist() for c in columns
    ]
    assert installed.skill_idf.tolist() == fresh.skill_idf.tolist()
    stale = pool.folded()
    pool.upsert([dataclasses.replace(random_pool(rng, 1)[0], id=ids[-1])])
    with pytest.raises(ValueError, match="changed since"):
        pool.fold(stale)


def test_the_column_index_is_due_past_a_sixteenth_of_the_slots_within_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(5)
    pool = CandidatePool(random_pool(rng, 64))
    assert pool.fold_due()  # never folded: no per-row bookkeeping yet
    pool.fold()
    monkeypatch.setattr(pool_module, "_FOLD_MIN", 2)
    monkeypatch.setattr(pool_module, "_FOLD_MAX", 3)
    assert not pool.fold_due(3) and pool.fold_due(4)  # the most: 3, not 64 // 16 = 4
    monkeypatch.setattr(pool_module, "_FOLD_MAX", 100)
    assert not pool.fold_due(4) and pool.fold_due(5)  # a 16th of 64
    ids = sorted(pool.patched().index, key=str)
    pool.remove(ids[:4])
    assert not pool.fold_due() and pool.fold_due(1)
