"""Each feature and hard filter for one (seeker, candidate) pair, in plain Python.

This is the definition the vectorized engine must reproduce (the tests compare the two
on random data), and what explanations are computed from for the few winners.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shared.languages import related_languages
from shared.matching.profiles import NATIVE_RANK, Candidate, Seeker, level_rank
from shared.matching.weights import FEATURES, Weights
from shared.taxonomy import Level, default_taxonomy, normalize_code

#: Weight of the seeker's current occupation relative to the target one.
CURRENT_OCCUPATION_FACTOR = 0.8
#: Experience value with equal years; each year of difference moves it by EXPERIENCE_STEP.
EXPERIENCE_EVEN = 0.7
EXPERIENCE_STEP = 0.1
#: Value of a feature that cannot be computed because one side did not say (years, slots).
UNKNOWN = 0.5
#: Share of the language value given for speaking the seeker's native language.
NATIVE_BONUS = 0.25
#: Share of a language's value kept when one side speaks the macrolanguage and the other one
#: of its members (Persian ``fas`` and Dari ``prs``, Arabic ``ara`` and Levantine ``apc``):
#: they understand each other, but the general code hides which variety is meant.
RELATED_LANGUAGE_FACTOR = 0.8
DEFAULT_DEMAND = 0.5


@functools.lru_cache(maxsize=8192)
@functools.lru_cache(maxsize=8192)
def occupation_keys(code: str | None) -> tuple[int, int, int, int]:
    """Return integer prefixes (major, minor, broad, detailed); -1 below the code's level.

    "15-1252" -> (15, 151, 15125, 151252); the minor group "15-1200" -> (15, 151, -1, -1).
    The level is the taxonomy's; for a code it does not list, the level shows in its
    zeros: xx-0000 major, xx-x000 or xx-xy00 minor, xx-xyz0 broad, anything else detailed.
    """
    if code is None:
        return (-1, -1, -1, -1)
    return _keys(normalize_code(code))


_DEPTH = {Level.MAJOR: 1, Level.MINOR: 2, Level.BROAD: 3, Level.DETAILED: 4, Level.AGGREGATE: 4}


def _keys(code: str) -> tuple[int, int, int, int]:
    digits = code.replace("-", "")
    taxonomy = default_taxonomy()
    if taxonomy.folds(code):
        # A code stored from the OEWS list (13-1020, also a SOC broad group) named one
        # occupation there: two of them stay the same occupation.
        depth = 4
    elif code in taxonomy:
        depth = _DEPTH[taxonomy.get(code).level]
    elif digits[2:] == "0000":
        depth = 1
    elif digits[4:] == "00":
        depth = 2
    elif digits[5] == "0":
        depth = 3
    else:
        depth = 4
    keys = [int(digits[:2]), int(digits[:3]), int(digits[:5]), int(digits)]
    for level in range(depth, 4):
        keys[level] = -1
    return (keys[0], keys[1], keys[2], keys[3])


def relatedness(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """Return how many levels two occupations share: 4 same, 3 broad, 2 minor, 1 major, 0."""
    shared = 0
    for x, y in zip(a, b, strict=True):
        if x < 0 or x != y:
            break
        shared += 1
    return shared


def occupation_value(seeker: Seeker, candidate: Candidate) -> tuple[float, bool]:
    """Return the occupation feature and whether the seeker's current occupation gave it."""
    theirs = occupation_keys(candidate.occupation)
    target = relatedness(occupation_keys(seeker.target_occupation), theirs) / 4
    current = relatedness(occupation_keys(seeker.current_occupation), theirs) / 4
    if CURRENT_OCCUPATION_FACTOR * current > target:
        return CURRENT_OCCUPATION_FACTOR * current, True
    return target, False


def idf(document_frequency: int, documents: int) -> float:
    """Return the smoothed inverse document frequency of a skill."""
    return math.log((1 + documents) / (1 + document_frequency)) + 1.0


def skills_value(seeker: Seeker, candidate: Candidate, idf_of: Callable[[str], float]) -> float:
    """Return the IDF-weighted share of the seeker's skills the candidate also has."""
    total = sum(idf_of(s) for s in seeker.skills)
    if total <= 0:
        return 0.0
    return sum(idf_of(s) for s in seeker.skills & candidate.skills) / total


def experience_value(seeker: Seeker, candidate: Candidate) -> float:
    """Return 1 when the connector has ≥ 3 more years, less when fewer, 0.5 if unknown."""
    if seeker.years is None or candidate.years is None:
        return UNKNOWN
    gap = candidate.years - seeker.years
    return min(1.0, max(0.0, EXPERIENCE_EVEN + EXPERIENCE_STEP * gap))


def language_quality(seeker_rank: int, candidate_rank: int, min_rank: int) -> float:
    """Return the value of one language both may speak (0 if either is below min_rank)."""
    if seeker_rank < min_rank or candidate_rank < min_rank or min_rank <= 0:
        return 0.0
    value = (1 - NATIVE_BONUS) * min(seeker_rank, candidate_rank) / NATIVE_RANK
    return value + (NATIVE_BONUS if seeker_rank == NATIVE_RANK else 0.0)


def _language_pairs(
    spoken: Mapping[str, str], heard: Mapping[str, str], min_rank: int
) -> list[tuple[float, str, str]]:
    """Return (value, seeker's code, candidate's code) for each language the two share
    (``spoken``: the seeker's codes and levels, ``heard``: the candidate's), the same
    language in full and a macrolanguage with its member at a discount."""
    found: list[tuple[float, str, str]] = []
    for code, level in spoken.items():
        mine = level_rank(level)
        quality = language_quality(mine, level_rank(heard.get(code)), min_rank)
        if quality > 0:
            found.append((quality, code, code))
        for related in sorted(related_languages(code) & heard.keys()):
            theirs = level_rank(heard[related])
            quality = RELATED_LANGUAGE_FACTOR * language_quality(mine, theirs, min_rank)
            if quality > 0:
                found.append((quality, code, related))
    return found


def shared_languages(
    spoken: Mapping[str, str], heard: Mapping[str, str], min_rank: int
) -> list[tuple[str, str]]:
    """Return (seeker's code, candidate's code) for the languages both speak at min_rank or
    better, best first, from each side's codes and levels; the codes differ where a
    macrolanguage meets its member."""
    pairs = sorted(_language_pairs(spoken, heard, min_rank), key=lambda p: (-p[0], p[1], p[2]))
    return [(mine, theirs) for _, mine, theirs in pairs]


def language_value(seeker: Seeker, candidate: Candidate, min_rank: int) -> float:
    """Return the best shared language's value; 0 means no usable shared language."""
    pairs = _language_pairs(seeker.languages, candidate.languages, min_rank)
    return max((value for value, _, _ in pairs), default=0.0)


def availability_value(seeker: Seeker, candidate: Candidate) -> float:
    """Return the Jaccard overlap of availability slots, 0.5 if either side gave none."""
    if not seeker.availability or not candidate.availability:
        return UNKNOWN
    union = seeker.availability | candidate.availability
    return len(seeker.availability & candidate.availability) / len(union)


def load_value(candidate: Candidate) -> float:
    """Return the share of the connector's capacity still free (1 - used/capacity)."""
    if candidate.capacity <= 0:
        return 0.0
    return min(1.0, max(0.0, candidate.capacity_left / candidate.capacity))


def demand_value(seeker: Seeker, demand: float | None = None) -> float:
    """Return the local demand signal for the seeker's target occupation (0.5 if unknown)."""
    value = demand if demand is not None else seeker.demand
    if value is None or math.isnan(value):
        return DEFAULT_DEMAND
    return min(1.0, max(0.0, float(value)))


@dataclass(frozen=True)
class PairFeatures:
    """Every feature value of one pair, and whether the hard filters let it through."""

    values: dict[str, float]
    feasible: bool
    via_current: bool


def same_community(seeker: Seeker, candidate: Candidate) -> bool:
    """Tell whether both belong to the same community."""
    return seeker.community == candidate.community


def community_allowed(
    seeker: Seeker, candidate: Candidate, cross_city: bool, own_community: bool
) -> bool:
    """Apply the community rule: same community, or other ones open to cross-city matches."""
    if same_community(seeker, candidate):
        return own_community
    return cross_city and seeker.cross_city_ok and (candidate.cross_city_ok or candidate.remote_ok)


def pair_features(
    seeker: Seeker,
    candidate: Candidate,
    weights: Weights,
    idf_of: Callable[[str], float],
    *,
    demand: float | None = None,
    cross_city: bool = False,
    own_community: bool = True,
) -> PairFeatures:
    """Compute every feature and hard filter for one pair (the slow, obvious way)."""
    occupation, via_current = occupation_value(seeker, candidate)
    language = language_value(seeker, candidate, weights.min_rank)
    values = {
        "occupation": occupation,
        "skills": skills_value(seeker, candidate, idf_of),
        "experience": experience_value(seeker, candidate),
        "language": language,
        "availability": availability_value(seeker, candidate),
        "demand": demand_value(seeker, demand),
        "load": load_value(candidate),
    }
    feasible = (
        seeker.consented
        and candidate.consented
        and candidate.capacity_left > 0
        and language > 0
        and candidate.id not in seeker.blocked
        and candidate.id not in seeker.excluded
        and seeker.id not in candidate.blocked
        and community_allowed(seeker, candidate, cross_city, own_community)
        and all(values[name] >= threshold for name, threshold in weights.must_have.items())
    )
    return PairFeatures(values=values, feasible=feasible, via_current=via_current)


def score(values: Mapping[str, float], weights: Weights) -> float:
    """Return the weighted mean of the feature values."""
    share = weights.normalized()
    return sum(share[name] * values[name] for name in FEATURES)
