"""Batch assignment respects capacity and filters; the engine beats the naive baseline."""

from __future__ import annotations

import collections
import dataclasses
import itertools
import random

import pytest

from shared.matching import (
    Candidate,
    CandidateMatrix,
    Seeker,
    Weights,
    assign,
    pair_features,
    score,
    synthetic,
)
from shared.matching.evaluation import evaluate, grade, ndcg_at, precision_at


def random_case(seed: int, seekers: int = 40, candidates: int = 15):
    rng = random.Random(seed)
    codes = ["29-1141", "29-1171", "29-2061", "15-1252", "15-1253"]
    pool = [
        Candidate(
            id=f"c{n}",
            occupation=rng.choice(codes),
            skills=frozenset(rng.sample(["a", "b", "c", "d"], rng.randint(0, 3))),
            years=rng.randint(0, 20),
            languages={
                "eng": rng.choice(["B1", "C1", "native"]),
                **({"ara": "B2"} if n % 3 else {}),
            },
            community=rng.choice(["h", "m"]),
            capacity=3,
            capacity_left=rng.randint(0, 3),
            cross_city_ok=rng.random() < 0.5,
            blocked=frozenset({"s0"}) if n == 0 else frozenset(),
        )
        for n in range(candidates)
    ]
    waiting = [
        Seeker(
            id=f"s{n}",
            target_occupation=rng.choice(codes),
            skills=frozenset(rng.sample(["a", "b", "c", "d"], rng.randint(0, 3))),
            years=rng.randint(0, 15),
            languages=rng.choice(
                [{"eng": "B2"}, {"ara": "native"}, {"eng": "A2", "fra": "native"}]
            ),
            community=rng.choice(["h", "m"]),
            cross_city_ok=rng.random() < 0.5,
            excluded=frozenset({f"c{n % candidates}"}),
        )
        for n in range(seekers)
    ]
    return waiting, pool


DEFAULT = Weights()


def check(proposals, waiting, matrix, weights=DEFAULT, cross_city=False, max_slots=None):
    by_seeker = collections.Counter(p.seeker_id for p in proposals)
    assert all(count == 1 for count in by_seeker.values())
    per_candidate = collections.Counter(p.candidate_id for p in proposals)
    seekers = {s.id: s for s in waiting}
    for candidate_id, count in per_candidate.items():
        limit = matrix.candidate(candidate_id).capacity_left
        assert count <= (limit if max_slots is None else min(limit, max_slots))
    for proposal in proposals:
        pair = pair_features(
            seekers[proposal.seeker_id],
            matrix.candidate(proposal.candidate_id),
            weights,
            matrix.idf,
            cross_city=cross_city,
        )
        assert pair.feasible, proposal
        assert proposal.score == pytest.approx(score(pair.values, weights))
        assert proposal.suggestion.reasons


@pytest.mark.parametrize("seed", range(8))
def test_assign_respects_capacity_and_filters_and_is_optimal(seed: int) -> None:
    waiting, pool = random_case(seed)
    matrix = CandidateMatrix.build(pool)
    cross_city = seed % 2 == 1
    sparse = assign(waiting, matrix, cross_city=cross_city, top_m=None)
    dense = assign(waiting, matrix, cross_city=cross_city, top_m=None, dense=True)
    check(sparse, waiting, matrix, cross_city=cross_city)
    check(dense, waiting, matrix, cross_city=cross_city)
    assert len(sparse) == len(dense)
    assert sum(p.score for p in sparse) == pytest.approx(sum(p.score for p in dense))
    capped = assign(waiting, matrix, cross_city=cross_city, max_slots=1)
    check(capped, waiting, matrix, cross_city=cross_city, max_slots=1)


def brute_force(waiting, matrix, weights=DEFAULT):
    """Return (pairs served, total score) of the best assignment by trying them all."""
    slots = [c.id for c in matrix.candidates for _ in range(max(0, c.capacity_left))]
    options = []
    for seeker in waiting:
        allowed = {}
        for candidate in matrix.candidates:
            pair = pair_features(seeker, candidate, weights, matrix.idf)
            if pair.feasible:
                allowed[candidate.id] = score(pair.values, weights)
        options.append(allowed)
    best = (0, 0.0)
    for choice in itertools.product(*[[None, *sorted(o)] for o in options]):
        used = collections.Counter(c for c in choice if c is not None)
        if any(used[c] > slots.count(c) for c in used):
            continue
        value = sum(options[i][c] for i, c in enumerate(choice) if c is not None)
        best = max(best, (sum(used.values()), value))
    return best


@pytest.mark.parametrize("seed", range(5))
def test_assign_matches_brute_force_on_tiny_cases(seed: int) -> None:
    waiting, pool = random_case(100 + seed, seekers=5, candidates=4)
    matrix = CandidateMatrix.build(pool)
    proposals = assign(waiting, matrix)
    served, total = brute_force(waiting, matrix)
    assert served > 0
    assert len(proposals) == served
    assert sum(p.score for p in proposals) == pytest.approx(total)


def test_serving_more_seekers_beats_one_better_pair() -> None:
    star = Candidate(
        id="star", occupation="29-1141", languages={"eng": "C2"}, community="h", capacity_left=1
    )
    other = dataclasses.replace(star, id="other", occupation="15-1252")
    amal = Seeker(id="amal", target_occupation="29-1141", languages={"eng": "B2"}, community="h")
    # Bo can only meet the star: the other connector is blocked for Bo.
    bo = dataclasses.replace(amal, id="bo", blocked=frozenset({"other"}))
    proposals = assign([amal, bo], CandidateMatrix.build([star, other]))
    assert {(p.seeker_id, p.candidate_id) for p in proposals} == {
        ("amal", "other"),
        ("bo", "star"),
    }


def test_min_score_and_empty_inputs() -> None:
    waiting, pool = random_case(3)
    matrix = CandidateMatrix.build(pool)
    assert all(p.score >= 0.6 for p in assign(waiting, matrix, min_score=0.6))
    assert assign(waiting, matrix, min_score=1.01) == []
    assert assign([], matrix) == []
    assert assign(waiting, CandidateMatrix.build([])) == []


def test_assign_at_scale_serves_almost_everyone() -> None:
    pool = [
        dataclasses.replace(c, capacity=3, capacity_left=3, consented=True)
        for c in synthetic.candidates(120, seed=5)
    ]
    waiting = synthetic.seekers(300, seed=6)
    matrix = CandidateMatrix.build(pool)
    proposals = assign(waiting, matrix, top_m=20)
    check(proposals, waiting, matrix)
    assert len(proposals) >= 280  # 360 slots; English B1+ is the only thing most share


# ---- evaluation --------------------------------------------------------------------------


def test_metrics_on_known_rankings() -> None:
    assert precision_at([3, 2, 1, 0, 2]) == pytest.approx(3 / 5)
    assert precision_at([3]) == pytest.approx(1 / 5)  # missing places count as misses
    assert ndcg_at([3, 2, 1], [1, 2, 3]) == pytest.approx(1.0)
    assert ndcg_at([1, 2, 3], [1, 2, 3]) < 1.0
    assert ndcg_at([0, 0], [0, 0]) == 0.0


def test_ground_truth_grades() -> None:
    nurse = Candidate(id="n", occupation="29-1141", skills=frozenset({"x"}),
                      languages={"eng": "C1"})  # fmt: skip
    seeker = Seeker(id="s", target_occupation="29-1141", skills=frozenset({"x"}),
                    languages={"eng": "B1"})  # fmt: skip
    assert grade(seeker, nurse) == 3
    assert grade(seeker, dataclasses.replace(nurse, skills=frozenset())) == 2
    assert grade(seeker, dataclasses.replace(nurse, occupation="29-1171")) == 1
    assert grade(seeker, dataclasses.replace(nurse, occupation="29-2061")) == 0
    assert grade(seeker, dataclasses.replace(nurse, capacity_left=0)) == 0
    assert grade(seeker, dataclasses.replace(nurse, languages={"eng": "A2"})) == 0


def test_engine_clearly_beats_the_baseline_on_a_small_seeded_set() -> None:
    result = evaluate(seed=7, candidates=800, seekers=80)
    assert result.seekers >= 30
    assert result.engine.precision_at_5 >= 2 * result.baseline.precision_at_5 + 0.1
    assert result.engine.ndcg_at_10 >= 2 * result.baseline.ndcg_at_10 + 0.1


def test_the_evaluation_can_fail() -> None:
    # Weights that ignore occupation and skills rank by load and availability only: the
    # comparison above must be able to tell such an engine from a good one.
    blind = Weights(occupation=0, skills=0, experience=0, language=0, demand=0)
    result = evaluate(seed=7, candidates=800, seekers=80, weights=blind)
    assert result.engine.ndcg_at_10 < 2 * result.baseline.ndcg_at_10 + 0.1
