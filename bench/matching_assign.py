"""Batch proposals: 2,000 waiting connectees, 800 connectors with capacity 3 each."""

from __future__ import annotations

import dataclasses
import time

from bench import Figure, Result
from shared.matching import CandidateMatrix, assign, synthetic
from shared.matching.assign import BLOCK, DEFAULT_TOP_M, score_block
from shared.matching.explain import esco_label

SEEKERS = 2_000
CONNECTORS = 800
CAPACITY = 3
RUNS = 5
TARGET_MS = 60.0  # issue 18
NAME = f"assign {SEEKERS:,} connectees to {CONNECTORS} connectors (capacity {CAPACITY})"


def run() -> list[Result]:
    """Time assign() end to end (scores, exact assignment), beside the score matrix alone."""
    pool = [
        dataclasses.replace(c, capacity=CAPACITY, capacity_left=CAPACITY, consented=True)
        for c in synthetic.candidates(CONNECTORS, seed=303)
    ]
    waiting = synthetic.seekers(SEEKERS, seed=404)
    esco_label("")  # load the skills vocabulary the reasons use once, outside the timing
    timings: list[float] = []
    proposals = []
    for _ in range(RUNS):
        started = time.perf_counter()
        matrix = CandidateMatrix.build(pool)
        proposals = assign(waiting, matrix)
        timings.append((time.perf_counter() - started) * 1000)
    served = len(proposals)
    mean = sum(p.score for p in proposals) / max(1, served)
    note = (
        f"median of {RUNS} runs, matrix build included, reasons on demand; worst "
        f"{max(timings):,.0f} ms; {served:,} proposals, mean score {mean:.2f}"
    )
    timings.sort()
    # Reasons are written when a proposal's suggestion is first read: all of them, once.
    started = time.perf_counter()
    for proposal in proposals:
        _ = proposal.suggestion.reasons
    reasons_ms = (time.perf_counter() - started) * 1000
    # The same problem with every pair an edge from the start: the exact optimum to match.
    started = time.perf_counter()
    everything = assign(waiting, CandidateMatrix.build(pool), top_m=None)
    full_ms = (time.perf_counter() - started) * 1000
    full_note = (
        f"{len(everything):,} proposals, total score {sum(p.score for p in everything):,.4f} "
        f"vs {sum(p.score for p in proposals):,.4f} by default (first cut about top "
        f"{DEFAULT_TOP_M}, then the optimality check)"
    )
    # Reference, same run: only the score matrix (every seeker against every connector, in
    # the blocks assign() uses), no top-m cut, no assignment, no reasons. It bounds from
    # below what assign() can cost while it scores this way.
    scoring: list[float] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        matrix = CandidateMatrix.build(pool)
        for first in range(0, SEEKERS, BLOCK):
            score_block(waiting[first : first + BLOCK], matrix)
        scoring.append((time.perf_counter() - started) * 1000)
    scoring.sort()
    return [
        Figure(NAME, timings[len(timings) // 2], "ms", TARGET_MS, note),
        Figure(
            f"{NAME}: reference, the score matrix alone",
            scoring[len(scoring) // 2],
            "ms",
            note=f"median of {RUNS}, matrix build included; no assignment, no reasons",
        ),
        Figure(
            f"{NAME}: the {served:,} proposals' reasons, when read",
            reasons_ms,
            "ms",
            note="written on first use of Proposal.suggestion",
        ),
        Figure(f"{NAME}, every pair considered (top_m=None)", full_ms, "ms", note=full_note),
    ]


if __name__ == "__main__":
    for result in run():
        print(result.line())
