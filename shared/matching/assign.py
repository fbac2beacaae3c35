"""Batch proposals: give waiting seekers connectors, respecting each connector's capacity."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from shared.matching.engine import DEFAULT_WEIGHTS, Suggestion, explained, skill_weights
from shared.matching.features import CURRENT_OCCUPATION_FACTOR, demand_value, occupation_keys
from shared.matching.matrix import CandidateMatrix, FloatArray
from shared.matching.profiles import Seeker, level_rank
from shared.matching.tables import (
    availability_values,
    experience_values,
    language_columns,
    language_values,
)
from shared.matching.weights import FEATURES, Weights

#: Each seeker keeps only its best candidates; on the benchmark's data the optimum with
#: 100 per seeker equals the optimum over all pairs, at a third of the time.
DEFAULT_TOP_M = 100
#: Seekers scored together; bounds the dense block to BLOCK × candidates floats.
BLOCK = 256
_OUT = -np.inf


@dataclass(frozen=True)
class Proposal:
    """One proposed pair, for staff to review before anything is sent."""

    seeker_id: Hashable
    candidate_id: Hashable
    suggestion: Suggestion

    @property
    def score(self) -> float:
        """Return the pair's score."""
        return self.suggestion.score


def _relatedness(codes: npt.NDArray[np.int32], keys: npt.NDArray[np.int32]) -> FloatArray:
    """Return (seekers × distinct codes) occupation relatedness values in [0, 1]."""
    # Prefixes are nested (equal broad codes have equal minor and major ones), so counting
    # the equal levels counts the shared leading levels.
    shared = np.zeros((len(keys), len(codes)))
    for level in range(4):
        mine = keys[:, level][:, None]
        shared += (codes[:, level][None, :] == mine) & (mine >= 0)
    relation: FloatArray = shared / 4.0
    return relation


@dataclass(frozen=True)
class _BlockTables:
    """Feature values of a block of seekers, per distinct candidate value (as in rank)."""

    occupation: FloatArray  # seekers × distinct occupations
    language: FloatArray  # seekers × distinct language profiles
    experience: FloatArray  # seekers × distinct static combinations
    availability: FloatArray  # seekers × distinct static combinations
    skills: FloatArray  # seekers × candidates
    demand: FloatArray  # seekers × 1

    def values(
        self, matrix: CandidateMatrix, rows: npt.NDArray[np.intp], columns: npt.NDArray[np.intp]
    ) -> FloatArray:
        """Return the (pairs × FEATURES) values of the given (seeker, candidate) pairs."""
        static = matrix.static_key[columns]
        found = {
            "occupation": self.occupation[rows, matrix.occ_key[columns]],
            "skills": self.skills[rows, columns],
            "experience": self.experience[rows, static],
            "language": self.language[rows, matrix.lang_key[columns]],
            "availability": self.availability[rows, static],
            "demand": self.demand[rows, 0],
            "load": matrix.load[columns],
        }
        return np.stack([found[name] for name in FEATURES], axis=1)


def score_block(
    seekers: Sequence[Seeker],
    matrix: CandidateMatrix,
    weights: Weights = DEFAULT_WEIGHTS,
    demands: Sequence[float | None] | None = None,
    *,
    cross_city: bool = False,
) -> FloatArray:
    """Return the (seekers × candidates) score matrix; -inf marks pairs a filter excludes."""
    return _score_block(seekers, matrix, weights, demands, cross_city)[0]


def _score_block(
    seekers: Sequence[Seeker],
    matrix: CandidateMatrix,
    weights: Weights,
    demands: Sequence[float | None] | None,
    cross_city: bool,
) -> tuple[FloatArray, _BlockTables]:
    count, rows = len(seekers), len(matrix)
    if count == 0 or rows == 0:
        empty = np.zeros((count, 0))
        tables = _BlockTables(empty, empty, empty, empty, empty, np.zeros((count, 1)))
        return np.full((count, rows), _OUT), tables
    experience, availability = _static_block(seekers, matrix)
    tables = _BlockTables(
        occupation=_occupation_block(seekers, matrix),
        language=_language_block(seekers, matrix, weights.min_rank),
        experience=experience,
        availability=availability,
        skills=_skill_coverage(seekers, matrix),
        demand=np.array(
            [
                demand_value(s, None if demands is None else demands[number])
                for number, s in enumerate(seekers)
            ]
        )[:, None],
    )
    result = _weighted(tables, matrix, weights)
    _filter_pairs(result, seekers, matrix, cross_city)
    return result, tables


def _occupation_block(seekers: Sequence[Seeker], matrix: CandidateMatrix) -> FloatArray:
    """Return (seekers × distinct occupations) values: target, or current at a discount."""
    target = np.array([occupation_keys(s.target_occupation) for s in seekers], dtype=np.int32)
    current = np.array([occupation_keys(s.current_occupation) for s in seekers], dtype=np.int32)
    occupation: FloatArray = np.maximum(
        _relatedness(matrix.occ_codes, target),
        CURRENT_OCCUPATION_FACTOR * _relatedness(matrix.occ_codes, current),
    )
    return occupation


def _language_block(
    seekers: Sequence[Seeker], matrix: CandidateMatrix, min_rank: int
) -> FloatArray:
    """Return (seekers × distinct language profiles) values: the best shared language."""
    ranks = np.zeros((len(seekers), matrix.lang_profiles.shape[1]), dtype=np.int64)
    # A seeker's rank in a column the seeker meets through a macrolanguage, with its factor.
    related: dict[tuple[int, float], npt.NDArray[np.int64]] = {}
    for number, seeker in enumerate(seekers):
        for code, level in seeker.languages.items():
            for column, factor in language_columns(code, matrix.language_ids):
                if factor == 1.0:
                    ranks[number, column] = level_rank(level)
                else:
                    block = related.setdefault(
                        (column, factor), np.zeros(len(seekers), dtype=np.int64)
                    )
                    block[number] = max(block[number], level_rank(level))
    language = np.zeros((len(seekers), len(matrix.lang_profiles)))
    for spoken in np.flatnonzero((ranks >= min_rank).any(axis=0)).tolist():
        theirs = matrix.lang_profiles[:, spoken].astype(np.int64)[None, :]
        values = language_values(ranks[:, spoken][:, None], theirs, min_rank)
        np.maximum(language, values, out=language)
    for (column, factor), mine in related.items():
        theirs = matrix.lang_profiles[:, column].astype(np.int64)[None, :]
        values = factor * language_values(mine[:, None], theirs, min_rank)
        np.maximum(language, values, out=language)
    return language


def _static_block(
    seekers: Sequence[Seeker], matrix: CandidateMatrix
) -> tuple[FloatArray, FloatArray]:
    """Return (seekers × distinct static combinations) experience and availability values."""
    years = np.array([np.nan if s.years is None else s.years for s in seekers], dtype=float)
    experience = experience_values(years[:, None], matrix.static_years[None, :])
    masks = [matrix.availability_mask(s.availability) for s in seekers]
    availability = availability_values(
        np.array([m for m, _ in masks], dtype=np.int64)[:, None],
        np.array([u for _, u in masks], dtype=np.float64)[:, None],
        np.array([bool(s.availability) for s in seekers])[:, None],
        matrix.static_availability[None, :],
    )
    return experience, availability


def _skill_coverage(seekers: Sequence[Seeker], matrix: CandidateMatrix) -> FloatArray:
    """Return (seekers × candidates) IDF-weighted shares of each seeker's skills covered."""
    indptr, indices, data = [0], [], []
    for seeker in seekers:
        for column, fraction in skill_weights(seeker, matrix):
            indices.append(column)
            data.append(fraction)
        indptr.append(len(indices))
    shape = (len(seekers), len(matrix.skill_ids))
    wanted = sparse.csr_matrix((data, indices, indptr), shape=shape)
    coverage: FloatArray = np.asarray((wanted @ matrix.skills.T).todense())
    return coverage


def _weighted(tables: _BlockTables, matrix: CandidateMatrix, weights: Weights) -> FloatArray:
    """Return (seekers × candidates) weighted scores; -inf where a must-have fails."""
    share = weights.normalized()
    must = weights.must_have
    static = (
        share["experience"] * tables.experience
        + share["availability"] * tables.availability
        + share["load"] * matrix.static_load[None, :]
        + share["demand"] * tables.demand
    )
    static[:, ~matrix.static_eligible] = _OUT
    occ_table = share["occupation"] * tables.occupation
    lang_table = np.where(tables.language > 0, share["language"] * tables.language, _OUT)
    for name, table, values in (
        ("occupation", occ_table, tables.occupation),
        ("language", lang_table, tables.language),
        ("experience", static, tables.experience),
        ("availability", static, tables.availability),
        ("load", static, np.broadcast_to(matrix.static_load[None, :], static.shape)),
        ("demand", static, np.broadcast_to(tables.demand, static.shape)),
    ):
        if name in must:
            table[values < must[name]] = _OUT

    result: FloatArray = occ_table[:, matrix.occ_key]
    result += lang_table[:, matrix.lang_key]
    result += static[:, matrix.static_key]
    result += share["skills"] * tables.skills
    if "skills" in must:
        result[tables.skills < must["skills"] - 1e-12] = _OUT
    return result


def _filter_pairs(
    result: FloatArray, seekers: Sequence[Seeker], matrix: CandidateMatrix, cross_city: bool
) -> None:
    """Set -inf where the community rule, consent or a block excludes a pair."""
    codes = {community: code for code, community in enumerate(matrix.communities)}
    mine = np.array([codes.get(s.community, -1) for s in seekers])[:, None]
    allowed = mine == matrix.community_code[None, :]
    if cross_city:
        open_to = np.array([s.cross_city_ok for s in seekers])[:, None]
        allowed |= open_to & matrix.cross_ok[None, :]
    result[~allowed] = _OUT
    for number, seeker in enumerate(seekers):
        if not seeker.consented:
            result[number] = _OUT
            continue
        for candidate_id in seeker.blocked | seeker.excluded:
            row = matrix.index.get(candidate_id)
            if row is not None:
                result[number, row] = _OUT
        blocked = matrix.blocked_by.get(seeker.id)
        if blocked is not None:
            result[number, blocked] = _OUT


@dataclass(frozen=True)
class _Edges:
    """Every pair a seeker may be proposed, ordered by (seeker, candidate row)."""

    rows: npt.NDArray[np.intp]
    columns: npt.NDArray[np.intp]
    values: FloatArray
    features: FloatArray  # pairs × FEATURES, to explain the proposals


def _edges(
    seekers: Sequence[Seeker],
    matrix: CandidateMatrix,
    weights: Weights,
    demands: Sequence[float | None],
    cross_city: bool,
    top_m: int | None,
    min_score: float,
) -> _Edges | None:
    """Score the seekers block by block and keep each one's ``top_m`` feasible pairs."""
    found: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray, FloatArray]] = []
    for first in range(0, len(seekers), BLOCK):
        block, tables = _score_block(
            seekers[first : first + BLOCK],
            matrix,
            weights,
            demands[first : first + BLOCK],
            cross_city,
        )
        block[block < min_score] = _OUT
        if top_m is not None and top_m < block.shape[1]:
            cut = block.shape[1] - top_m
            # Sorted, so edges come ordered by (seeker, candidate): see _proposals.
            keep = np.sort(np.argpartition(block, cut, axis=1)[:, cut:], axis=1)
        else:
            keep = np.broadcast_to(np.arange(block.shape[1])[None, :], block.shape)
        values = np.take_along_axis(block, keep, axis=1)
        rows = np.broadcast_to(np.arange(block.shape[0])[:, None], keep.shape)
        feasible = np.isfinite(values)
        # Keep the features of the surviving edges only: they explain the proposals.
        features = tables.values(matrix, rows[feasible], keep[feasible])
        found.append((rows[feasible] + first, keep[feasible], values[feasible], features))
    if not found or not any(len(rows) for rows, _, _, _ in found):
        return None
    rows, columns, values, features = (np.concatenate(part) for part in zip(*found, strict=True))
    return _Edges(rows, columns, values, features)


@dataclass(frozen=True)
class _Slots:
    """Each edge repeated once per free slot of its candidate: the solver's columns."""

    rows: npt.NDArray[np.intp]  # the seeker of each (seeker, slot) edge
    columns: npt.NDArray[np.intp]  # the slot of each edge
    values: FloatArray  # the pair's score
    owner: npt.NDArray[np.intp]  # the candidate row of each slot
    count: int


def _slots(edges: _Edges, matrix: CandidateMatrix, max_slots: int | None) -> _Slots:
    """Expand each candidate used by an edge into as many slots as it still has room."""
    used, candidate_of_edge = np.unique(edges.columns, return_inverse=True)
    slot_count = np.maximum(matrix.capacity_left[used].astype(np.int64), 0)
    if max_slots is not None:
        slot_count = np.minimum(slot_count, max_slots)
    first_slot = np.concatenate(([0], np.cumsum(slot_count)))
    repeat = slot_count[candidate_of_edge]
    offsets = np.arange(int(repeat.sum())) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    return _Slots(
        rows=np.repeat(edges.rows, repeat),
        columns=np.repeat(first_slot[candidate_of_edge], repeat) + offsets,
        values=np.repeat(edges.values, repeat),
        owner=np.repeat(used, slot_count),
        count=int(first_slot[-1]),
    )


def _solve(slots: _Slots, seekers: int, dense: bool) -> list[tuple[int, int]]:
    """Return the (seeker, slot) pairs of a minimum-cost assignment, sorted by seeker."""
    # Costs 2 - score lie in [1, 2]; leaving a seeker out costs more than any reshuffle of
    # the others could save, so the most seekers are served first, then the best total.
    left_out = float(seekers + 3)
    if dense:
        cost = np.full((seekers, slots.count), left_out)
        cost[slots.rows, slots.columns] = 2.0 - slots.values
        assigned_rows, assigned_slots = linear_sum_assignment(cost)
        pairs = [
            (r, s)
            for r, s in zip(assigned_rows.tolist(), assigned_slots.tolist(), strict=True)
            if cost[r, s] < left_out
        ]
        return sorted(pairs)
    # One private "nobody" column per seeker makes a full matching always exist. Edges
    # come grouped by seeker, in order, so the CSR arrays can be laid out directly.
    per_row = np.bincount(slots.rows, minlength=seekers)
    edges = sparse.csr_matrix(
        (2.0 - slots.values, slots.columns, np.concatenate(([0], np.cumsum(per_row)))),
        shape=(seekers, slots.count),
    )
    nobody = sparse.csr_matrix(
        (np.full(seekers, left_out), np.arange(seekers), np.arange(seekers + 1)),
        shape=(seekers, seekers),
    )
    graph = sparse.hstack([edges, nobody], format="csr")
    assigned_rows, assigned_slots = min_weight_full_bipartite_matching(graph)
    return sorted(
        (r, s)
        for r, s in zip(assigned_rows.tolist(), assigned_slots.tolist(), strict=True)
        if s < slots.count
    )


def assign(
    seekers: Sequence[Seeker],
    matrix: CandidateMatrix,
    weights: Weights | None = None,
    *,
    demand: Mapping[Hashable, float] | None = None,
    cross_city: bool = False,
    top_m: int | None = DEFAULT_TOP_M,
    max_slots: int | None = None,
    min_score: float = 0.0,
    dense: bool = False,
    skill_label: Callable[[str], str | None] | None = None,
) -> list[Proposal]:
    """Propose at most one candidate per seeker, and no candidate beyond its capacity left.

    Each candidate stands for ``capacity_left`` slots (at most ``max_slots``). The pairs
    serve as many seekers as possible, then maximize the total score: a minimum-cost
    assignment of seekers to slots, where a pair a hard filter excludes (or scoring below
    ``min_score``) is never proposed. ``top_m`` keeps each seeker's best candidates only
    (None: all). The solver is scipy's sparse Jonker–Volgenant
    (``min_weight_full_bipartite_matching``) over those edges, or with ``dense=True``
    ``linear_sum_assignment`` over the dense seekers × slots matrix; both are exact.
    ``demand`` maps seeker ids to their local demand (else ``seeker.demand``).
    """
    weights = weights or DEFAULT_WEIGHTS
    demands = [None if demand is None else demand.get(s.id) for s in seekers]
    edges = _edges(seekers, matrix, weights, demands, cross_city, top_m, min_score)
    if edges is None:
        return []
    slots = _slots(edges, matrix, max_slots)
    pairs = _solve(slots, len(seekers), dense)
    chosen_rows = np.array([r for r, _ in pairs], dtype=np.intp)
    chosen_columns = slots.owner[np.array([s for _, s in pairs], dtype=np.intp)]
    # Edges are ordered by (seeker, candidate): find each proposal's edge by bisection.
    edge = np.searchsorted(
        edges.rows * len(matrix) + edges.columns, chosen_rows * len(matrix) + chosen_columns
    )
    proposals: list[Proposal] = []
    for number, row, features in zip(
        chosen_rows.tolist(), chosen_columns.tolist(), edges.features[edge].tolist(), strict=True
    ):
        seeker = seekers[number]
        explanation = explained(
            seeker,
            matrix,
            row,
            dict(zip(FEATURES, features, strict=True)),
            weights,
            demand_known=demands[number] is not None or seeker.demand is not None,
            skill_label=skill_label,
        )
        proposals.append(Proposal(seeker.id, matrix.candidates[row].id, explanation))
    return proposals
