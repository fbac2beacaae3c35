"""Batch assignment reaches the optimum over every pair, whatever the first cut keeps."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from shared.matching import CandidateMatrix, assign, synthetic
from tests.shared.matching.test_assign_evaluation import check, random_case


def exact(waiting, matrix, **options):
    """The reference: every pair an edge, scipy's dense linear_sum_assignment."""
    proposals = assign(waiting, matrix, top_m=None, dense=True, **options)
    return len(proposals), sum(p.score for p in proposals)


def crowded_case(seed: int, seekers: int = 160, candidates: int = 50, capacity: int = 2):
    """Many seekers after few connectors, with exact duplicates (ties) among both."""
    pool = [
        dataclasses.replace(c, capacity=capacity, capacity_left=capacity, consented=True)
        for c in synthetic.candidates(candidates, seed=seed)
    ]
    pool += [dataclasses.replace(c, id=f"{c.id}-twin") for c in pool[:10]]
    waiting = synthetic.seekers(seekers, seed=seed + 1)
    waiting += [dataclasses.replace(s, id=f"{s.id}-twin") for s in waiting[:20]]
    return waiting, pool


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("top_m", [1, 3, 10, 100])
def test_the_total_is_the_exact_optimum_on_crowded_cases(seed: int, top_m: int) -> None:
    waiting, pool = crowded_case(seed)
    matrix = CandidateMatrix.build(pool)
    proposals = assign(waiting, matrix, top_m=top_m)
    check(proposals, waiting, matrix)
    served, total = exact(waiting, matrix)
    assert len(proposals) == served
    assert sum(p.score for p in proposals) == pytest.approx(total, rel=0, abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_the_total_is_the_exact_optimum_with_every_option(seed: int) -> None:
    waiting, pool = random_case(200 + seed, seekers=60, candidates=12)
    matrix = CandidateMatrix.build(pool)
    options = {"cross_city": seed % 2 == 1, "max_slots": 1 if seed % 4 == 2 else None}
    options["min_score"] = 0.4 if seed % 3 == 0 else 0.0
    for top_m in (1, 2, 5):
        proposals = assign(waiting, matrix, top_m=top_m, **options)
        served, total = exact(waiting, matrix, **options)
        assert len(proposals) == served
        assert sum(p.score for p in proposals) == pytest.approx(total, rel=0, abs=1e-9)


def test_ties_are_broken_the_same_way_every_time() -> None:
    waiting, pool = crowded_case(7)
    first = [(p.seeker_id, p.candidate_id) for p in assign(waiting, CandidateMatrix.build(pool))]
    again = [(p.seeker_id, p.candidate_id) for p in assign(waiting, CandidateMatrix.build(pool))]
    assert first == again


def test_reasons_are_written_only_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    # The package exports the function under the module's name: fetch the module itself.
    module = importlib.import_module("shared.matching.assign")
    calls: list[int] = []
    real = module.suggestion
    monkeypatch.setattr(module, "suggestion", lambda *a, **k: calls.append(1) or real(*a, **k))
    waiting, pool = crowded_case(3)
    proposals = assign(waiting, CandidateMatrix.build(pool))
    assert calls == []
    assert proposals[0].suggestion.reasons and calls == [1]
    assert proposals[0].suggestion.score == pytest.approx(proposals[0].score, abs=1e-12)
    assert len(calls) == 1  # written once, then kept


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("keep_scores", "replace_rounds"),
    [(0, 6), (16_000_000, 1), (16_000_000, 100)],
    ids=["rescored-rows", "repairs-only-grow", "repairs-only-replace"],
)
def test_every_repair_strategy_reaches_the_exact_optimum(
    monkeypatch: pytest.MonkeyPatch, seed: int, keep_scores: int, replace_rounds: int
) -> None:
    """Scores too many to keep (rows scored again), and repairs that only grow the edges
    or replace them for as long as it takes, all end at the optimum over every pair."""
    module = importlib.import_module("shared.matching.assign")
    waiting, pool = crowded_case(40 + seed)
    matrix = CandidateMatrix.build(pool)
    served, total = exact(waiting, matrix)
    monkeypatch.setattr(module, "_KEEP_SCORES", keep_scores)
    monkeypatch.setattr(module, "REPLACE_ROUNDS", replace_rounds)
    for top_m in (1, 3, 10):
        proposals = assign(waiting, matrix, top_m=top_m)
        check(proposals, waiting, matrix)
        assert len(proposals) == served
        assert sum(p.score for p in proposals) == pytest.approx(total, rel=0, abs=1e-9)
