"""Matching engine: hard filters, explained weighted scores, top-k and batch assignment.

Pure numpy/scipy over plain dataclasses, used by the node (local suggestions, batch
proposals) and the hub (directory search over anonymized profiles). See docs/matching.md.
"""

from shared.matching.assign import Proposal, assign
from shared.matching.engine import (
    DEFAULT_WEIGHTS,
    Ranking,
    Suggestion,
    rank,
    ranking,
    scores,
    suggestion,
)
from shared.matching.features import pair_features, score
from shared.matching.matrix import CandidateMatrix
from shared.matching.profiles import (
    LANGUAGE_LEVELS,
    Candidate,
    Seeker,
    language_name,
    level_rank,
)
from shared.matching.weights import FEATURES, OCCUPATION_LEVELS, InvalidWeights, Weights

__all__ = [
    "DEFAULT_WEIGHTS",
    "FEATURES",
    "LANGUAGE_LEVELS",
    "OCCUPATION_LEVELS",
    "Candidate",
    "CandidateMatrix",
    "InvalidWeights",
    "Proposal",
    "Ranking",
    "Seeker",
    "Suggestion",
    "Weights",
    "assign",
    "language_name",
    "level_rank",
    "pair_features",
    "rank",
    "ranking",
    "score",
    "scores",
    "suggestion",
]
