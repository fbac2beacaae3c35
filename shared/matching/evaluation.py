"""Ranking quality on a labelled synthetic set: the engine beside a naive baseline.

Ground truth, for a seeker and a candidate: not relevant (0) unless they share a language
at B1 or better and the candidate has capacity left; then 3 = same detailed occupation
and at least one shared skill, 2 = same broad occupation group, 1 = same minor group.
Relevant for precision means grade ≥ 2. The baseline is what a spreadsheet filter gives:
candidates of the same SOC major group, in random order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from shared.matching.engine import rank
from shared.matching.features import language_value, occupation_keys, relatedness
from shared.matching.matrix import CandidateMatrix
from shared.matching.profiles import Candidate, Seeker, level_rank
from shared.matching.synthetic import candidates as synthetic_candidates
from shared.matching.synthetic import seekers as synthetic_seekers
from shared.matching.weights import Weights

RELEVANT = 2
PRECISION_AT = 5
NDCG_AT = 10


def grade(seeker: Seeker, candidate: Candidate) -> int:
    """Return the ground-truth relevance of a candidate for a seeker (0 to 3)."""
    if candidate.capacity_left <= 0 or language_value(seeker, candidate, level_rank("B1")) <= 0:
        return 0
    shared = relatedness(
        occupation_keys(seeker.target_occupation), occupation_keys(candidate.occupation)
    )
    if shared == 4:
        return 3 if seeker.skills & candidate.skills else 2
    return {3: 2, 2: 1}.get(shared, 0)


def precision_at(grades: Sequence[int], k: int = PRECISION_AT) -> float:
    """Return the share of the first k places holding a relevant candidate."""
    return sum(1 for g in grades[:k] if g >= RELEVANT) / k


def ndcg_at(grades: Sequence[int], ideal: Sequence[int], k: int = NDCG_AT) -> float:
    """Return the normalized discounted cumulative gain of the first k places."""

    def dcg(values: Sequence[int]) -> float:
        return sum((2.0**g - 1) / math.log2(place + 2) for place, g in enumerate(values[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(grades) / best if best > 0 else 0.0


@dataclass(frozen=True)
class Quality:
    """Mean precision@5 and nDCG@10 of one ranking method over the evaluated seekers."""

    precision_at_5: float
    ndcg_at_10: float


@dataclass(frozen=True)
class Evaluation:
    """The engine's and the baseline's quality on the same labelled set."""

    engine: Quality
    baseline: Quality
    #: the ground truth's own order: the most any ranking could reach on this set
    ideal: Quality
    seekers: int
    candidates: int
    seed: int


Ranker = Callable[[Seeker], list[Hashable]]


def _quality(
    seekers: Sequence[Seeker], pool: Sequence[Candidate], ranker: Ranker
) -> tuple[Quality, int]:
    by_id = {c.id: c for c in pool}
    precisions: list[float] = []
    gains: list[float] = []
    for seeker in seekers:
        ideal = [grade(seeker, c) for c in pool]
        if max(ideal, default=0) < RELEVANT:
            continue  # nothing relevant exists: no ranking can be judged
        grades = [grade(seeker, by_id[cid]) for cid in ranker(seeker)[:NDCG_AT]]
        precisions.append(precision_at(grades))
        gains.append(ndcg_at(grades, ideal))
    if not precisions:
        return Quality(0.0, 0.0), 0
    return Quality(float(np.mean(precisions)), float(np.mean(gains))), len(precisions)


def evaluate(
    seed: int = 2024,
    candidates: int = 3000,
    seekers: int = 300,
    weights: Weights | None = None,
) -> Evaluation:
    """Build the labelled set from seed and measure the engine and the baseline on it."""
    pool = synthetic_candidates(candidates, seed=seed)
    waiting = synthetic_seekers(seekers, seed=seed + 1)
    matrix = CandidateMatrix.build(pool)
    rng = np.random.default_rng(seed + 2)

    def engine(seeker: Seeker) -> list[Hashable]:
        return [s.candidate_id for s in rank(seeker, matrix, NDCG_AT, weights)]

    def baseline(seeker: Seeker) -> list[Hashable]:
        major = occupation_keys(seeker.target_occupation)[0]
        same = [c.id for c in pool if occupation_keys(c.occupation)[0] == major]
        return [same[i] for i in rng.permutation(len(same))[:NDCG_AT]]

    def oracle(seeker: Seeker) -> list[Hashable]:
        return [c.id for c in sorted(pool, key=lambda c: -grade(seeker, c))[:NDCG_AT]]

    engine_quality, judged = _quality(waiting, pool, engine)
    baseline_quality, _ = _quality(waiting, pool, baseline)
    ideal_quality, _ = _quality(waiting, pool, oracle)
    return Evaluation(engine_quality, baseline_quality, ideal_quality, judged, candidates, seed)
