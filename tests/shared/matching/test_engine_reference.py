"""The vectorized engine gives the same scores and filters as the plain-Python definition."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from shared.matching import (
    Candidate,
    CandidateMatrix,
    Seeker,
    Weights,
    assign,
    pair_features,
    rank,
    ranking,
    score,
    scores,
    synthetic,
)
from shared.matching.assign import score_block

CODES = [
    "29-1141", "29-1171", "29-1122", "29-1000", "29-2061", "15-1252", "15-1253", "15-1250",
    "15-1211", "15-2051", "13-2011", "13-1020", "17-2051", "99-9991", None,
]  # fmt: skip
# Persian with Dari, Arabic with Levantine Arabic: macrolanguages meeting their members.
LANGUAGES = ["eng", "ara", "fra", "spa", "ukr", "fas", "prs", "apc"]
LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2", "native"]
SLOTS = ["weekday_mornings", "weekday_evenings", "weekends", "weekday_afternoons"]
SKILLS = [f"k{n}" for n in range(12)]
COMMUNITIES = ["halifax", "moncton", "sydney", None]


def _languages(rng: random.Random) -> dict[str, str]:
    chosen = rng.sample(LANGUAGES, rng.randint(0, 3))
    return {code: rng.choice(LEVELS) for code in chosen}


def random_pool(rng: random.Random, size: int) -> list[Candidate]:
    """Return candidates with every kind of edge case the filters and features meet."""
    pool = []
    for number in range(size):
        capacity = rng.randint(0, 4)
        pool.append(
            Candidate(
                id=number,
                occupation=rng.choice(CODES),
                skills=frozenset(rng.sample(SKILLS, rng.randint(0, 5))),
                years=rng.choice([None, 0, 2, 5, 8.5, 12, 30]),
                languages=_languages(rng),
                availability=frozenset(rng.sample(SLOTS[:3], rng.randint(0, 3))),
                community=rng.choice(COMMUNITIES),
                capacity=capacity,
                capacity_left=rng.randint(0, capacity),
                remote_ok=rng.random() < 0.3,
                cross_city_ok=rng.random() < 0.3,
                consented=rng.random() < 0.9,
                blocked=frozenset({"s1"}) if rng.random() < 0.1 else frozenset(),
            )
        )
    return pool


def random_seeker(rng: random.Random, number: int, pool_size: int) -> Seeker:
    """Return a seeker with random facts, blocks and exclusions."""
    return Seeker(
        id=f"s{number}",
        target_occupation=rng.choice(CODES),
        current_occupation=rng.choice(CODES),
        # "zz" is a skill nobody in the pool has; it still counts in the denominator.
        skills=frozenset(rng.sample([*SKILLS, "zz"], rng.randint(0, 5))),
        years=rng.choice([None, 0, 3, 6, 15]),
        languages=_languages(rng),
        availability=frozenset(rng.sample(SLOTS, rng.randint(0, 4))),
        community=rng.choice(COMMUNITIES),
        consented=rng.random() < 0.95,
        cross_city_ok=rng.random() < 0.7,
        blocked=frozenset(rng.sample(range(pool_size), min(2, pool_size))),
        excluded=frozenset(rng.sample(range(pool_size), min(2, pool_size))),
        demand=rng.choice([None, 0.1, 0.9]),
    )


def random_weights(rng: random.Random) -> Weights:
    """Return default weights, or random ones with random must-haves."""
    if rng.random() < 0.3:
        return Weights()
    must: dict[str, float] = {}
    for name in ("occupation", "skills", "language", "experience", "availability", "load"):
        if rng.random() < 0.15:
            must[name] = rng.choice([0.25, 0.5, 0.6])
    return Weights(
        occupation=rng.uniform(0, 2),
        skills=rng.uniform(0, 2),
        experience=rng.uniform(0, 1),
        language=rng.uniform(0, 1),
        availability=rng.uniform(0, 1),
        demand=rng.uniform(0, 1),
        load=rng.uniform(0.01, 1),
        min_language_level=rng.choice(["A2", "B1", "B2"]),
        must_have=must,
    )


def reference_scores(
    seeker: Seeker,
    matrix: CandidateMatrix,
    weights: Weights,
    *,
    cross_city: bool,
    own_community: bool = True,
) -> np.ndarray:
    """Score every row the slow way: -inf where a hard filter says no."""
    result = np.full(len(matrix), -np.inf)
    for row, candidate in enumerate(matrix.candidates):
        pair = pair_features(
            seeker,
            candidate,
            weights,
            matrix.idf,
            cross_city=cross_city,
            own_community=own_community,
        )
        if pair.feasible:
            result[row] = score(pair.values, weights)
    return result


def engine_scores(seeker: Seeker, matrix: CandidateMatrix, weights: Weights, **options: bool):
    start, values = scores(seeker, matrix, weights, **options)
    full = np.full(len(matrix), -np.inf)
    full[start : start + len(values)] = values
    return full


@pytest.mark.parametrize("seed", range(12))
def test_scores_equal_the_reference_on_random_data(seed: int) -> None:
    rng = random.Random(seed)
    matrix = CandidateMatrix.build(random_pool(rng, rng.choice([1, 7, 60, 150])))
    checked = 0
    for number in range(25):
        seeker = random_seeker(rng, number, len(matrix))
        weights = random_weights(rng)
        cross_city = rng.random() < 0.5
        own = rng.random() < 0.8
        expected = reference_scores(
            seeker, matrix, weights, cross_city=cross_city, own_community=own
        )
        actual = engine_scores(seeker, matrix, weights, cross_city=cross_city, own_community=own)
        assert np.array_equal(np.isfinite(expected), np.isfinite(actual))
        finite = np.isfinite(expected)
        np.testing.assert_allclose(actual[finite], expected[finite], rtol=0, atol=1e-9)
        checked += int(finite.sum())

        suggestions = rank(seeker, matrix, 5, weights, cross_city=cross_city, own_community=own)
        best = np.sort(expected[finite])[::-1][:5]
        assert [round(s.score, 9) for s in suggestions] == [round(v, 9) for v in best]
        for suggestion in suggestions:
            row = matrix.index[suggestion.candidate_id]
            assert suggestion.score == pytest.approx(expected[row], abs=1e-9)
            assert sum(suggestion.contributions.values()) == pytest.approx(suggestion.score)
            assert all(0 <= v <= 1 for v in suggestion.values.values())
    if len(matrix) >= 60:
        assert checked > 0  # the random data must leave some pairs through the filters


@pytest.mark.parametrize("seed", range(6))
def test_batch_scores_equal_the_reference(seed: int) -> None:
    rng = random.Random(100 + seed)
    matrix = CandidateMatrix.build(random_pool(rng, 80))
    seekers = [random_seeker(rng, number, len(matrix)) for number in range(30)]
    weights = random_weights(rng)
    cross_city = seed % 2 == 0
    block = score_block(seekers, matrix, weights, cross_city=cross_city)
    for number, seeker in enumerate(seekers):
        expected = reference_scores(seeker, matrix, weights, cross_city=cross_city)
        assert np.array_equal(np.isfinite(block[number]), np.isfinite(expected))
        finite = np.isfinite(expected)
        np.testing.assert_allclose(block[number][finite], expected[finite], atol=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_batch_scores_shared_by_equal_seekers_are_each_seekers_own(seed: int) -> None:
    """Rows computed once per distinct language, years or slots are bit for bit each
    seeker's row scored alone."""
    rng = random.Random(300 + seed)
    matrix = CandidateMatrix.build(random_pool(rng, 60))
    seekers = [random_seeker(rng, number, len(matrix)) for number in range(20)]
    seekers += synthetic.seekers(20, seed=seed)
    # Seekers that share some values with others and differ in the rest.
    seekers += [
        dataclasses.replace(s, id=f"copy-{n}", languages=seekers[n - 1].languages)
        for n, s in enumerate(seekers[1:15], start=1)
    ]
    weights = random_weights(rng)
    block = score_block(seekers, matrix, weights, cross_city=seed % 2 == 0)
    for number, seeker in enumerate(seekers):
        alone = score_block([seeker], matrix, weights, cross_city=seed % 2 == 0)[0]
        assert np.array_equal(block[number], alone)


@pytest.mark.parametrize("cross_city", [False, True])
def test_batch_assignment_scores_equal_the_engine_per_pair(cross_city: bool) -> None:
    """The batch and the per-seeker engine share their formulas: same scores, same filters."""
    communities = ("halifax", "moncton")
    matrix = CandidateMatrix.build(synthetic.candidates(400, seed=3, communities=communities))
    seekers = synthetic.seekers(120, seed=5, communities=communities)
    weights = Weights(must_have={"language": 0.3})
    block = score_block(seekers, matrix, weights, cross_city=cross_city)
    for number, seeker in enumerate(seekers):
        start, engine = scores(seeker, matrix, weights, cross_city=cross_city)
        expected = np.full(len(matrix), -np.inf)
        expected[start : start + len(engine)] = engine
        assert np.array_equal(np.isfinite(block[number]), np.isfinite(expected))
        finite = np.isfinite(expected)
        np.testing.assert_allclose(block[number][finite], expected[finite], rtol=0, atol=1e-12)
    proposals = assign(seekers, matrix, weights, cross_city=cross_city)
    assert len(proposals) > len(seekers) // 2
    for proposal in proposals:
        seeker = seekers[int(str(proposal.seeker_id)[1:])]
        start, engine = scores(seeker, matrix, weights, cross_city=cross_city)
        row = matrix.index[proposal.candidate_id]
        assert proposal.score == pytest.approx(engine[row - start], rel=0, abs=1e-12)


def test_scores_stay_in_the_unit_interval() -> None:
    rng = random.Random(5)
    matrix = CandidateMatrix.build(random_pool(rng, 200))
    for number in range(40):
        _, values = scores(random_seeker(rng, number, 200), matrix, cross_city=True)
        finite = values[np.isfinite(values)]
        assert ((finite >= 0) & (finite <= 1 + 1e-12)).all()


def test_rank_breaks_ties_by_matrix_order_and_honours_k() -> None:
    twins = [
        Candidate(id=n, occupation="29-1141", languages={"eng": "C2"}, community="h")
        for n in range(30)
    ]
    matrix = CandidateMatrix.build(twins)
    seeker = Seeker(id="s", target_occupation="29-1141", languages={"eng": "B2"}, community="h")
    assert [s.candidate_id for s in rank(seeker, matrix, 4)] == [0, 1, 2, 3]
    assert rank(seeker, matrix, 0) == []
    assert len(rank(seeker, matrix, 100)) == 30


def test_top_k_on_large_pools_equals_a_full_sort() -> None:
    from shared.matching.engine import top_k

    values = np.random.default_rng(3).random(5000)
    values[::3] = -np.inf
    values[10:20] = 0.99999  # ties across the cut
    expected = np.lexsort((np.arange(len(values)), -values))[:25]
    assert top_k(values, 25).tolist() == expected.tolist()
    assert len(top_k(np.full(900, -np.inf), 5)) == 0
    few = np.full(2000, -np.inf)
    few[[5, 1500]] = [0.1, 0.2]
    assert top_k(few, 10).tolist() == [1500, 5]


@pytest.mark.parametrize("seed", range(6))
def test_ranking_with_a_keep_mask_equals_the_reference_restricted_to_it(seed: int) -> None:
    rng = random.Random(200 + seed)
    matrix = CandidateMatrix.build(random_pool(rng, 150))
    for number in range(20):
        seeker = random_seeker(rng, number, len(matrix))
        weights = random_weights(rng)
        keep = np.array([rng.random() < 0.6 for _ in range(len(matrix))])
        expected = reference_scores(seeker, matrix, weights, cross_city=True)
        expected[~keep] = -np.inf
        found = ranking(seeker, matrix, 5, weights, cross_city=True, keep=keep)
        assert found.considered == int(np.isfinite(expected).sum())
        best = np.sort(expected[np.isfinite(expected)])[::-1][:5]
        assert [round(s.score, 9) for s in found.suggestions] == [round(v, 9) for v in best]
        assert all(keep[matrix.index[s.candidate_id]] for s in found.suggestions)
        unmasked = ranking(seeker, matrix, 5, weights, cross_city=True)
        assert unmasked.suggestions == rank(seeker, matrix, 5, weights, cross_city=True)
