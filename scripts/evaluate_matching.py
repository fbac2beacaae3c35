"""Print the matching engine's ranking quality beside a naive baseline on a labelled set.

    .venv/bin/python scripts/evaluate_matching.py [--seed N] [--candidates N] [--seekers N]

The set is synthetic and seeded (shared/matching/synthetic.py), with known ground truth
(shared/matching/evaluation.py); the figures are recorded in docs/matching.md.
Exit status 1 if the engine does not beat the baseline on both measures.
"""

from __future__ import annotations

import argparse
import sys

from shared.matching.evaluation import NDCG_AT, PRECISION_AT, evaluate


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print a small table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--candidates", type=int, default=3000)
    parser.add_argument("--seekers", type=int, default=300)
    args = parser.parse_args(argv)
    result = evaluate(seed=args.seed, candidates=args.candidates, seekers=args.seekers)
    print(
        f"labelled set: seed {result.seed}, {result.candidates:,} connectors, "
        f"{result.seekers:,} connectees with at least one relevant connector"
    )
    print(f"{'method':<46} {f'precision@{PRECISION_AT}':>12} {f'nDCG@{NDCG_AT}':>9}")
    for name, quality in (
        ("matching engine (default weights)", result.engine),
        ("baseline: same SOC major group, random order", result.baseline),
        ("ceiling: the ground truth's own order", result.ideal),
    ):
        print(f"{name:<46} {quality.precision_at_5:>12.3f} {quality.ndcg_at_10:>9.3f}")
    better = (
        result.engine.precision_at_5 > result.baseline.precision_at_5
        and result.engine.ndcg_at_10 > result.baseline.ndcg_at_10
    )
    return 0 if better else 1


if __name__ == "__main__":
    sys.exit(main())
