"""Rank candidates for one seeker: hard filters, weighted features, top-k with reasons."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from shared.matching.explain import reasons
from shared.matching.features import (
    CURRENT_OCCUPATION_FACTOR,
    PairFeatures,
    demand_value,
    occupation_keys,
    pair_features,
    relatedness,
)
from shared.matching.matrix import CandidateMatrix, FloatArray
from shared.matching.profiles import Candidate, Seeker, level_rank
from shared.matching.tables import (
    availability_values,
    experience_values,
    language_columns,
    language_values,
)
from shared.matching.weights import FEATURES, Weights

DEFAULT_WEIGHTS = Weights()
_OUT = -np.inf


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate with its score, what each feature added, and why, in words."""

    candidate_id: object
    score: float
    #: weight × value / sum of weights, per feature; they add up to ``score``
    contributions: dict[str, float]
    #: plain-language reasons for a coordinator, strongest first
    reasons: list[str]
    #: each feature's value in [0, 1]
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Region:
    """The rows a seeker may be matched with: one contiguous slice, maybe the whole pool."""

    start: int
    stop: int
    # rows of the seeker's own community, relative to start, and whether they may match
    own: tuple[int, int]
    include_own: bool
    # A matrix whose communities are not row ranges (not ``grouped``): the whole matrix,
    # the own community's rows flagged, and whether only they may match.
    own_rows: npt.NDArray[np.bool_] | None = None
    own_only: bool = False


def _region(
    seeker: Seeker, matrix: CandidateMatrix, cross_city: bool, own_community: bool
) -> Region | None:
    wide = cross_city and seeker.cross_city_ok
    if not matrix.grouped:
        if not wide and not own_community:
            return None
        mine = matrix.community_rows(seeker.community)
        if not wide and not mine.any():
            return None
        return Region(0, len(matrix), (0, 0), own_community, mine, not wide)
    own = matrix.communities.get(seeker.community, (0, 0))
    if wide:
        return Region(0, len(matrix), own, own_community)
    if own[0] == own[1] or not own_community:
        return None
    return Region(own[0], own[1], (0, own[1] - own[0]), True)


def occupation_table(seeker: Seeker, matrix: CandidateMatrix) -> FloatArray:
    """Return the occupation value of each distinct candidate occupation (matrix.occ_codes)."""
    values = np.zeros(len(matrix.occ_codes), dtype=np.float64)
    for code, factor in (
        (seeker.target_occupation, 1.0),
        (seeker.current_occupation, CURRENT_OCCUPATION_FACTOR),
    ):
        if code is None:
            continue
        found = np.zeros(len(values)) if factor != 1.0 else values
        # Levels are nested: each deeper shared prefix overwrites the shallower value.
        for level, prefix in enumerate(occupation_keys(code)):
            rows = matrix.occ_by_prefix[level].get(prefix) if prefix >= 0 else None
            if rows is None:
                break
            found[rows] = factor * (level + 1) / 4
        if found is not values:
            np.maximum(values, found, out=values)
    return values


def language_table(seeker: Seeker, matrix: CandidateMatrix, min_rank: int) -> FloatArray:
    """Return the language value of each distinct candidate language profile."""
    profiles = matrix.lang_profiles
    values = np.zeros(len(profiles), dtype=np.float64)
    for code, level in seeker.languages.items():
        mine = level_rank(level)
        if mine < min_rank or min_rank <= 0:
            continue  # the formula gives 0 for every profile: skip the arithmetic
        for column, factor in language_columns(code, matrix.language_ids):
            theirs = profiles[:, column].astype(np.int64)
            found = language_values(mine, theirs, min_rank)
            if factor != 1.0:
                found = factor * found
            np.maximum(values, found, out=values)
    return values


def static_tables(seeker: Seeker, matrix: CandidateMatrix) -> tuple[FloatArray, FloatArray]:
    """Return experience and availability values of each distinct static combination."""
    years = np.nan if seeker.years is None else seeker.years
    experience = experience_values(years, matrix.years_values)
    mask, unknown = matrix.availability_mask(seeker.availability)
    availability = availability_values(mask, unknown, bool(seeker.availability), matrix.mask_values)
    return experience[matrix.static_years_key], availability[matrix.static_mask_key]


def skill_weights(seeker: Seeker, matrix: CandidateMatrix) -> list[tuple[int, float]]:
    """Return (vocabulary column, share of the seeker's total IDF) for the seeker's skills."""
    total = 0.0
    found: list[tuple[int, float]] = []
    for column, value in matrix.skill_idfs(sorted(seeker.skills)):
        total += value
        if column is not None:
            found.append((column, value))
    return [(column, value / total) for column, value in found] if total > 0 else []


@dataclass(frozen=True)
class _Tables:
    """One seeker's feature values per distinct candidate value, kept to explain winners."""

    occupation: FloatArray
    language: FloatArray
    experience: FloatArray
    availability: FloatArray
    demand: float
    skills: dict[str, float]


def _score(
    seeker: Seeker,
    matrix: CandidateMatrix,
    weights: Weights,
    demand: float | None,
    cross_city: bool,
    own_community: bool,
) -> tuple[int, FloatArray, _Tables | None]:
    region = _region(seeker, matrix, cross_city, own_community)
    if region is None or not seeker.consented or len(matrix) == 0:
        return 0, np.empty(0), None
    skills = skill_weights(seeker, matrix)
    experience, availability = static_tables(seeker, matrix)
    tables = _Tables(
        occupation=occupation_table(seeker, matrix),
        language=language_table(seeker, matrix, weights.min_rank),
        experience=experience,
        availability=availability,
        demand=demand_value(seeker, demand),
        skills={matrix.skill_names[column]: fraction for column, fraction in skills},
    )
    result = _gather(matrix, region, *_weighted_tables(tables, matrix, weights))
    _add_skills(result, matrix, region, skills, weights)
    _block_out(result, seeker, matrix, region)
    return region.start, result, tables


def _weighted_tables(
    tables: _Tables, matrix: CandidateMatrix, weights: Weights
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return the weighted occupation, language and static tables; -inf where filtered."""
    share = weights.normalized()
    must = weights.must_have
    occ_table = share["occupation"] * tables.occupation
    lang_table = np.where(tables.language > 0, share["language"] * tables.language, _OUT)
    static = (
        share["experience"] * tables.experience
        + share["availability"] * tables.availability
        + share["load"] * matrix.static_load
        + share["demand"] * tables.demand
    )
    static = np.where(matrix.static_eligible, static, _OUT)
    for name, table, values in (
        ("occupation", occ_table, tables.occupation),
        ("language", lang_table, tables.language),
        ("experience", static, tables.experience),
        ("availability", static, tables.availability),
        ("load", static, matrix.static_load),
    ):
        if name in must:
            table[values < must[name]] = _OUT
    if "demand" in must and tables.demand < must["demand"]:
        static[:] = _OUT
    return occ_table, lang_table, static


def _gather(
    matrix: CandidateMatrix,
    region: Region,
    occ_table: FloatArray,
    lang_table: FloatArray,
    static: FloatArray,
) -> FloatArray:
    """Gather the per-distinct-value tables into one score per row of the region."""
    start, stop = region.start, region.stop
    profile = occ_table[matrix.profile_occ] + lang_table[matrix.profile_lang]
    result = np.take(profile, matrix.profile_key[start:stop])
    own_start, own_stop = region.own
    keys = matrix.static_key[start:stop]
    if region.own_rows is not None:
        return result + _static_by_community(region, region.own_rows, keys, static, matrix)
    if own_start == 0 and own_stop == stop - start and region.include_own:
        result += np.take(static, keys)
        return result
    # Rows outside the seeker's community need cross-city consent on both sides.
    part = np.take(np.where(matrix.static_cross_ok, static, _OUT), keys)
    if region.include_own:
        part[own_start:own_stop] = np.take(static, keys[own_start:own_stop])
    else:
        part[own_start:own_stop] = _OUT
    result += part
    return result


def _static_by_community(
    region: Region,
    own: npt.NDArray[np.bool_],
    keys: npt.NDArray[np.intp],
    static: FloatArray,
    matrix: CandidateMatrix,
) -> FloatArray:
    """The static part where the own community is a set of flagged rows, not a range."""
    # One gather from two tables side by side, the own rows reading the second: no
    # boolean scatter over the rows.
    size = len(static)
    blocked = np.full(size, _OUT)
    # Rows outside the seeker's community need cross-city consent on both sides.
    outside = blocked if region.own_only else np.where(matrix.static_cross_ok, static, _OUT)
    inside = static if region.include_own else blocked
    offsets = own.astype(np.intp)
    offsets *= size
    offsets += keys
    return np.take(np.concatenate((outside, inside)), offsets)


def _add_skills(
    result: FloatArray,
    matrix: CandidateMatrix,
    region: Region,
    skills: list[tuple[int, float]],
    weights: Weights,
) -> None:
    """Add the skills feature to the region's rows (sparse: only rows with a skill)."""
    start, stop = region.start, region.stop
    share = weights.normalized()["skills"]
    must = weights.must_have
    coverage = np.zeros(stop - start) if "skills" in must else None
    for column, fraction in skills:
        rows = matrix.postings(column)
        if start or stop != len(matrix):
            rows = rows[np.searchsorted(rows, start) : np.searchsorted(rows, stop)] - start
        if coverage is not None:
            coverage[rows] += fraction
        else:
            result[rows] += share * fraction
    if coverage is not None:
        result += share * coverage
        result[coverage < must["skills"] - 1e-12] = _OUT


def _block_out(result: FloatArray, seeker: Seeker, matrix: CandidateMatrix, region: Region) -> None:
    """Set -inf on the rows the seeker excluded or blocked, or whose candidate blocked it."""
    start, stop = region.start, region.stop
    for candidate_id in seeker.blocked | seeker.excluded:
        row = matrix.index.get(candidate_id)
        if row is not None and start <= row < stop:
            result[row - start] = _OUT
    blocked = matrix.blocked_by.get(seeker.id)
    if blocked is not None:
        inside = blocked[(blocked >= start) & (blocked < stop)]
        result[inside - start] = _OUT


def scores(
    seeker: Seeker,
    matrix: CandidateMatrix,
    weights: Weights = DEFAULT_WEIGHTS,
    demand: float | None = None,
    *,
    cross_city: bool = False,
    own_community: bool = True,
) -> tuple[int, FloatArray]:
    """Return (first row, scores of rows first..first+len); -inf marks filtered-out rows."""
    start, result, _ = _score(seeker, matrix, weights, demand, cross_city, own_community)
    return start, result


#: Rows per block when looking for the top k (see top_k).
_BLOCK = 512


def top_k(
    values: FloatArray,
    k: int,
    ties: Callable[[npt.NDArray[np.intp]], tuple[npt.NDArray[np.generic], ...]] | None = None,
) -> npt.NDArray[np.intp]:
    """Return the positions of the k largest finite values, best first.

    Ties go to the lower position, or the lower ``ties`` keys (least significant first).
    """
    if k <= 0 or len(values) == 0:
        return np.empty(0, dtype=np.intp)
    # The k-th largest block maximum is a lower bound of the k-th largest value: k blocks
    # reach it. One pass finds the few rows above it; argpartition over all rows would
    # cost several times that.
    maxima = np.maximum.reduceat(values, np.arange(0, len(values), _BLOCK))
    floor = -np.inf
    if len(maxima) > k:
        floor = np.partition(maxima, len(maxima) - k)[len(maxima) - k]
    chosen = (
        np.flatnonzero(values >= floor) if floor > -np.inf else np.flatnonzero(np.isfinite(values))
    )
    if len(chosen) > k:
        # Keep every row tied with the k-th, so the tie-break below sees them all.
        kth = np.partition(values[chosen], len(chosen) - k)[len(chosen) - k]
        chosen = chosen[values[chosen] >= kth]
    order = np.lexsort((*(ties(chosen) if ties else (chosen,)), -values[chosen]))
    return chosen[order][:k]


def suggestion(
    seeker: Seeker,
    matrix: CandidateMatrix,
    row: int,
    weights: Weights = DEFAULT_WEIGHTS,
    demand: float | None = None,
    *,
    cross_city: bool = False,
    own_community: bool = True,
    skill_label: Callable[[str], str | None] | None = None,
) -> Suggestion:
    """Explain one candidate row for a seeker: values, contributions and reasons."""
    candidate = matrix.candidates[row]
    pair = pair_features(
        seeker,
        candidate,
        weights,
        matrix.idf,
        demand=demand,
        cross_city=cross_city,
        own_community=own_community,
    )
    demand_known = demand is not None or seeker.demand is not None
    return _suggestion(seeker, matrix, candidate, pair, weights, demand_known, skill_label)


def _suggestion(
    seeker: Seeker,
    matrix: CandidateMatrix,
    candidate: Candidate,
    pair: PairFeatures,
    weights: Weights,
    demand_known: bool,
    skill_label: Callable[[str], str | None] | None,
) -> Suggestion:
    """Weigh a pair's feature values into contributions, a score and reasons."""
    share = weights.normalized()
    contributions = {name: share[name] * pair.values[name] for name in FEATURES}
    return Suggestion(
        candidate_id=candidate.id,
        score=math.fsum(contributions.values()),
        contributions=contributions,
        reasons=reasons(
            seeker,
            candidate,
            pair,
            contributions,
            weights,
            idf_of=matrix.idf,
            skill_label=skill_label,
            demand_known=demand_known,
        ),
        values=dict(pair.values),
    )


def explained(
    seeker: Seeker,
    matrix: CandidateMatrix,
    row: int,
    values: dict[str, float],
    weights: Weights,
    *,
    demand_known: bool,
    skill_label: Callable[[str], str | None] | None = None,
) -> Suggestion:
    """Build the suggestion for a row whose feature values are already known."""
    candidate = matrix.candidates[row]
    by_target = relatedness(
        occupation_keys(seeker.target_occupation), occupation_keys(candidate.occupation)
    )
    pair = PairFeatures(
        values=values, feasible=True, via_current=values["occupation"] > by_target / 4
    )
    return _suggestion(seeker, matrix, candidate, pair, weights, demand_known, skill_label)


def _explain(
    seeker: Seeker,
    matrix: CandidateMatrix,
    rows: npt.NDArray[np.intp],
    tables: _Tables,
    weights: Weights,
    demand_known: bool,
    skill_label: Callable[[str], str | None] | None,
) -> list[Suggestion]:
    """Explain the winners from the tables their scores were computed from."""
    static = matrix.static_key[rows]
    # One numpy gather per feature, then plain floats: single numpy scalars are slow.
    occupation = tables.occupation[matrix.occ_key[rows]].tolist()
    experience = tables.experience[static].tolist()
    language = tables.language[matrix.lang_key[rows]].tolist()
    availability = tables.availability[static].tolist()
    load = matrix.load[rows].tolist()
    found: list[Suggestion] = []
    for number, row in enumerate(rows.tolist()):
        theirs = matrix.candidates[row].skills
        values = {
            "occupation": occupation[number],
            "skills": math.fsum(tables.skills.get(s, 0.0) for s in seeker.skills & theirs),
            "experience": experience[number],
            "language": language[number],
            "availability": availability[number],
            "demand": tables.demand,
            "load": load[number],
        }
        found.append(
            explained(
                seeker,
                matrix,
                row,
                values,
                weights,
                demand_known=demand_known,
                skill_label=skill_label,
            )
        )
    return found


class Ranking(NamedTuple):
    """The best candidates, explained, and how many candidates passed every filter."""

    suggestions: list[Suggestion]
    considered: int


def ranking(
    seeker: Seeker,
    matrix: CandidateMatrix,
    k: int = 10,
    weights: Weights | None = None,
    demand: float | None = None,
    *,
    cross_city: bool = False,
    own_community: bool = True,
    skill_label: Callable[[str], str | None] | None = None,
    keep: npt.NDArray[np.bool_] | None = None,
) -> Ranking:
    """Rank like :func:`rank`; ``keep`` (one flag per matrix row) adds the caller's filters.

    ``considered`` counts the rows that passed the engine's hard filters and ``keep``.
    """
    weights = weights or DEFAULT_WEIGHTS
    start, values, tables = _score(seeker, matrix, weights, demand, cross_city, own_community)
    if tables is None:
        return Ranking([], 0)
    if keep is not None:
        np.copyto(values, _OUT, where=~keep[start : start + len(values)])
    considered = int(np.count_nonzero(values != _OUT))
    demand_known = demand is not None or seeker.demand is not None
    # A patched matrix's rows are not in a fresh build's order: its tie keys are.
    winners = start + top_k(values, k, None if matrix.grouped else matrix.tie_keys)
    return Ranking(
        _explain(seeker, matrix, winners, tables, weights, demand_known, skill_label),
        considered,
    )


def rank(
    seeker: Seeker,
    matrix: CandidateMatrix,
    k: int = 10,
    weights: Weights | None = None,
    demand: float | None = None,
    *,
    cross_city: bool = False,
    own_community: bool = True,
    skill_label: Callable[[str], str | None] | None = None,
) -> list[Suggestion]:
    """Return the k best candidates for a seeker, best first, each explained.

    ``cross_city`` widens the search to other communities' candidates who accept remote or
    cross-city matches, if the seeker agreed to it (``seeker.cross_city_ok``);
    ``own_community=False`` then leaves the seeker's own community out. ``demand`` overrides
    ``seeker.demand``; ``skill_label`` turns skill ids into words for the reasons.
    """
    return ranking(
        seeker,
        matrix,
        k,
        weights,
        demand,
        cross_city=cross_city,
        own_community=own_community,
        skill_label=skill_label,
    ).suggestions


def feature_values(
    seeker: Seeker,
    matrix: CandidateMatrix,
    weights: Weights = DEFAULT_WEIGHTS,
    demand: float | None = None,
) -> FloatArray:
    """Return every candidate's feature values for a seeker, rows × FEATURES, unfiltered."""
    rows = len(matrix)
    values = np.empty((rows, len(FEATURES)))
    experience, availability = static_tables(seeker, matrix)
    coverage = np.zeros(rows)
    for column, fraction in skill_weights(seeker, matrix):
        coverage[matrix.postings(column)] += fraction
    columns = {
        "occupation": occupation_table(seeker, matrix)[matrix.occ_key],
        "skills": coverage,
        "experience": experience[matrix.static_key],
        "language": language_table(seeker, matrix, weights.min_rank)[matrix.lang_key],
        "availability": availability[matrix.static_key],
        "demand": np.full(rows, demand_value(seeker, demand)),
        "load": matrix.load,
    }
    for number, name in enumerate(FEATURES):
        values[:, number] = columns[name]
    return values
