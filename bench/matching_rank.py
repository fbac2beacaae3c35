"""Ranking speed: one connectee against 100,000 directory profiles, beside a bare matvec.

The reference is the least any weighted-feature ranking must do: ``F @ w`` over the
dense (profiles × features) matrix of the same seeker's feature values. The engine
computes those features itself (from precomputed candidate arrays), applies the hard
filters, takes the top 10 and writes their reasons. Both are timed alternately, query
by query, so the ratio compares them under the same machine load; F is computed just
before its product, which therefore reads it from cache, and BLAS runs on one thread as
the engine does: the strictest reference we could make.
"""

from __future__ import annotations

import ctypes
import dataclasses
import glob
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from bench import Figure, Result, percentile
from shared.matching import FEATURES, CandidateMatrix, Weights, rank, synthetic
from shared.matching.engine import feature_values

PROFILES = 100_000
COMMUNITIES = tuple(f"city-{n:02d}" for n in range(40))
QUERIES = 300
WARMUP = 20
TARGET_P95_MS = 3.0  # issue 18
TARGET_RATIO = 1.5  # issue 18
NAME = f"rank {PROFILES:,} profiles for one connectee"


@contextmanager
def single_threaded_blas() -> Iterator[str]:
    """Run the BLAS reference on one thread, as the engine runs; say whether that worked.

    numpy's bundled OpenBLAS otherwise wakes a thread per CPU for every product, which on
    a small busy machine makes the reference slower and far noisier than the engine.
    """
    libraries = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*"))
    try:
        blas = ctypes.CDLL(libraries[0])
        get = blas.scipy_openblas_get_num_threads64_
        set_threads = blas.scipy_openblas_set_num_threads64_
    except (IndexError, OSError, AttributeError):
        yield "BLAS threads as configured"
        return
    before = get()
    set_threads(1)
    try:
        yield "BLAS on 1 thread"
    finally:
        set_threads(before)


def run() -> list[Result]:
    """Time rank() and F @ w for the same seekers; report p50/p95 and their ratio."""
    started = time.perf_counter()
    pool = synthetic.candidates(PROFILES, seed=101, communities=COMMUNITIES)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    matrix = CandidateMatrix.build(pool)
    built = time.perf_counter() - started
    # Cross-city seekers: the search covers every community, as the hub's directory does.
    seekers = [
        dataclasses.replace(s, cross_city_ok=True)
        for s in synthetic.seekers(QUERIES + WARMUP, seed=202, communities=COMMUNITIES)
    ]
    weights = Weights()
    vector = np.array([weights.normalized()[name] for name in FEATURES])
    engine: list[float] = []
    reference: list[float] = []
    found = 0
    with single_threaded_blas() as blas:
        for number, seeker in enumerate(seekers):
            # F was just written, so the product reads it from cache: the strictest reference.
            features = feature_values(seeker, matrix, weights)
            started = time.perf_counter()
            suggestions = rank(seeker, matrix, 10, weights, cross_city=True)
            middle = time.perf_counter()
            product = features @ vector
            ended = time.perf_counter()
            assert product.shape == (PROFILES,)
            if number >= WARMUP:
                engine.append((middle - started) * 1000)
                reference.append((ended - middle) * 1000)
                found += len(suggestions)
    ratio = percentile(engine, 50) / percentile(reference, 50)
    note = f"{QUERIES} queries, {found / QUERIES:.1f} suggestions each"
    return [
        Figure(
            f"{NAME}: build the candidate matrix",
            built * 1000,
            "ms",
            note=f"profiles generated in {generated:.1f} s",
        ),
        Figure(f"{NAME}: p50", percentile(engine, 50), "ms"),
        Figure(f"{NAME}: p95", percentile(engine, 95), "ms", TARGET_P95_MS, note),
        Figure(
            f"{NAME}: reference F @ w p50",
            percentile(reference, 50),
            "ms",
            note=(
                f"p95 {percentile(reference, 95):.2f} ms; "
                f"F is {PROFILES:,} × {len(FEATURES)}; {blas}"
            ),
        ),
        Figure(
            f"{NAME}: engine p50 / reference p50",
            ratio,
            "×",
            TARGET_RATIO,
            note=f"p95 / p95: {percentile(engine, 95) / percentile(reference, 95):.1f}",
        ),
    ]


if __name__ == "__main__":
    for result in run():
        print(result.line())
