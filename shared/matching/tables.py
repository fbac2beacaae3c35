"""The language, experience and availability formulas over arrays, written once.

:mod:`shared.matching.features` defines each feature for one pair in plain Python; these
are the same formulas over numpy arrays, for the engine (one seeker against the distinct
candidate values) and the batch assignment (a block of seekers, one row each). The seeker
side is a scalar or a column (``n × 1``) and broadcasts against the candidate side, so
both callers run the very same arithmetic and get the same bits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.languages import related_languages
from shared.matching.features import (
    EXPERIENCE_EVEN,
    EXPERIENCE_STEP,
    NATIVE_BONUS,
    RELATED_LANGUAGE_FACTOR,
    UNKNOWN,
)
from shared.matching.profiles import NATIVE_RANK

FloatArray = npt.NDArray[np.float64]
#: A seeker-side value: a Python scalar, or an array broadcast against the candidates.
Side = Any


def language_values(mine: Side, theirs: npt.NDArray[np.int64], min_rank: int) -> FloatArray:
    """Return one language's value (features.language_quality) for ranks ``mine`` × ``theirs``.

    0 where either side is below ``min_rank`` (or when ``min_rank`` is 0: no language rule).
    """
    quality = (1 - NATIVE_BONUS) * np.minimum(mine, theirs) / NATIVE_RANK
    quality = quality + NATIVE_BONUS * np.equal(mine, NATIVE_RANK)
    usable = (np.greater_equal(mine, min_rank)) & (theirs >= min_rank) & (min_rank > 0)
    values: FloatArray = np.where(usable, quality, 0.0)
    return values


def language_columns(code: str, language_ids: Mapping[str, int]) -> list[tuple[int, float]]:
    """Return the (column, factor) pairs a seeker's language meets among a pool's languages:
    its own column in full, its macrolanguage's or members' at RELATED_LANGUAGE_FACTOR."""
    found = [(language_ids[code], 1.0)] if code in language_ids else []
    for related in sorted(related_languages(code)):
        column = language_ids.get(related)
        if column is not None:
            found.append((column, RELATED_LANGUAGE_FACTOR))
    return found


def experience_values(mine: Side, theirs: FloatArray) -> FloatArray:
    """Return the experience value (features.experience_value); NaN years are unknown."""
    gap = theirs - mine
    values: FloatArray = np.where(
        np.isnan(gap), UNKNOWN, np.clip(EXPERIENCE_EVEN + EXPERIENCE_STEP * gap, 0.0, 1.0)
    )
    return values


def availability_values(
    mask: Side, unknown: Side, gave_slots: Side, theirs: npt.NDArray[np.int64]
) -> FloatArray:
    """Return the Jaccard overlap of slot masks (features.availability_value).

    ``mask`` holds the seeker's slots this pool knows as bits, ``unknown`` counts the ones
    it does not (they widen the union only); either side without slots is unknown.
    """
    inter = np.bitwise_count(theirs & mask).astype(np.float64)
    union = np.bitwise_count(theirs | mask).astype(np.float64) + unknown
    no_slots = np.logical_not(gave_slots) | (theirs == 0)
    values: FloatArray = np.where(no_slots, UNKNOWN, inter / np.maximum(union, 1.0))
    return values
