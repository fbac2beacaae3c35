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
from shared.matching.features import (
    CURRENT_OCCUPATION_FACTOR,
    EXPERIENCE_EVEN,
    EXPERIENCE_STEP,
    NATIVE_BONUS,
    UNKNOWN,
    demand_value,
    occupation_keys,
)
from shared.matching.matrix import CandidateMatrix, FloatArray
from shared.matching.profiles import NATIVE_RANK, Seeker, level_rank
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
    share = weights.normalized()
    must = weights.must_have
    min_rank = weights.min_rank

    target = np.array([occupation_keys(s.target_occupation) for s in seekers], dtype=np.int32)
    current = np.array([occupation_keys(s.current_occupation) for s in seekers], dtype=np.int32)
    occupation = np.maximum(
        _relatedness(matrix.occ_codes, target),
        CURRENT_OCCUPATION_FACTOR * _relatedness(matrix.occ_codes, current),
    )

    ranks = np.zeros((count, matrix.lang_profiles.shape[1]), dtype=np.int64)
    for number, seeker in enumerate(seekers):
        for code, level in seeker.languages.items():
            column = matrix.language_ids.get(code)
            if column is not None:
                ranks[number, column] = level_rank(level)
    language = np.zeros((count, len(matrix.lang_profiles)))
    for spoken in np.flatnonzero((ranks >= min_rank).any(axis=0)).tolist():
        mine = ranks[:, spoken][:, None]
        theirs = matrix.lang_profiles[:, spoken].astype(np.int64)[None, :]
        quality = (1 - NATIVE_BONUS) * np.minimum(mine, theirs) / NATIVE_RANK
        quality = quality + NATIVE_BONUS * (mine == NATIVE_RANK)
        usable = (mine >= min_rank) & (theirs >= min_rank) & (min_rank > 0)
        np.maximum(language, np.where(usable, quality, 0.0), out=language)

    years = np.array([np.nan if s.years is None else s.years for s in seekers], dtype=float)
    gap = matrix.static_years[None, :] - years[:, None]
    experience = np.where(
        np.isnan(gap), UNKNOWN, np.clip(EXPERIENCE_EVEN + EXPERIENCE_STEP * gap, 0.0, 1.0)
    )
    masks = [matrix.availability_mask(s.availability) for s in seekers]
    mask = np.array([m for m, _ in masks], dtype=np.int64)[:, None]
    unknown = np.array([u for _, u in masks], dtype=np.float64)[:, None]
    theirs_slots = matrix.static_availability[None, :]
    inter = np.bitwise_count(theirs_slots & mask).astype(np.float64)
    union = np.bitwise_count(theirs_slots | mask).astype(np.float64) + unknown
    no_slots = np.array([not s.availability for s in seekers])[:, None] | (theirs_slots == 0)
    availability = np.where(no_slots, UNKNOWN, inter / np.maximum(union, 1.0))
    demand = np.array(
        [
            demand_value(s, None if demands is None else demands[number])
            for number, s in enumerate(seekers)
        ]
    )[:, None]

    static = (
        share["experience"] * experience
        + share["availability"] * availability
        + share["load"] * matrix.static_load[None, :]
        + share["demand"] * demand
    )
    static[:, ~matrix.static_eligible] = _OUT
    occ_table = share["occupation"] * occupation
    lang_table = np.where(language > 0, share["language"] * language, _OUT)
    for name, table, values in (
        ("occupation", occ_table, occupation),
        ("language", lang_table, language),
        ("experience", static, experience),
        ("availability", static, availability),
        ("load", static, np.broadcast_to(matrix.static_load[None, :], static.shape)),
        ("demand", static, np.broadcast_to(demand, static.shape)),
    ):
        if name in must:
            table[values < must[name]] = _OUT

    result = occ_table[:, matrix.occ_key]
    result += lang_table[:, matrix.lang_key]
    result += static[:, matrix.static_key]

    indptr, indices, data = [0], [], []
    for seeker in seekers:
        for column, fraction in skill_weights(seeker, matrix):
            indices.append(column)
            data.append(fraction)
        indptr.append(len(indices))
    wanted = sparse.csr_matrix((data, indices, indptr), shape=(count, len(matrix.skill_ids)))
    coverage = np.asarray((wanted @ matrix.skills.T).todense())
    result += share["skills"] * coverage
    if "skills" in must:
        result[coverage < must["skills"] - 1e-12] = _OUT

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
    tables = _BlockTables(occupation, language, experience, availability, coverage, demand)
    return result, tables


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
    edge_rows: list[npt.NDArray[np.intp]] = []
    edge_columns: list[npt.NDArray[np.intp]] = []
    edge_values: list[FloatArray] = []
    edge_features: list[FloatArray] = []
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
            # Sorted, so edges come ordered by (seeker, candidate): see searchsorted below.
            keep = np.sort(np.argpartition(block, cut, axis=1)[:, cut:], axis=1)
        else:
            keep = np.broadcast_to(np.arange(block.shape[1])[None, :], block.shape)
        values = np.take_along_axis(block, keep, axis=1)
        rows = np.broadcast_to(np.arange(block.shape[0])[:, None], keep.shape)
        feasible = np.isfinite(values)
        edge_rows.append(rows[feasible] + first)
        edge_columns.append(keep[feasible])
        edge_values.append(values[feasible])
        # Keep the features of the surviving edges only: they explain the proposals.
        edge_features.append(tables.values(matrix, rows[feasible], keep[feasible]))
    rows_all = np.concatenate(edge_rows) if edge_rows else np.empty(0, dtype=np.intp)
    if len(rows_all) == 0:
        return []
    columns_all = np.concatenate(edge_columns)
    values_all = np.concatenate(edge_values)
    features_all = np.concatenate(edge_features)

    # Slots: each candidate used by an edge, repeated as often as it still has room.
    used, candidate_of_edge = np.unique(columns_all, return_inverse=True)
    slot_count = np.maximum(matrix.capacity_left[used].astype(np.int64), 0)
    if max_slots is not None:
        slot_count = np.minimum(slot_count, max_slots)
    first_slot = np.concatenate(([0], np.cumsum(slot_count)))
    repeat = slot_count[candidate_of_edge]
    slot_rows = np.repeat(rows_all, repeat)
    slot_values = np.repeat(values_all, repeat)
    offsets = np.arange(int(repeat.sum())) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    slot_columns = np.repeat(first_slot[candidate_of_edge], repeat) + offsets
    slots = int(first_slot[-1])
    slot_owner = np.repeat(used, slot_count)

    # Costs 2 - score lie in [1, 2]; leaving a seeker out costs more than any reshuffle of
    # the others could save, so the most seekers are served first, then the best total.
    count = len(seekers)
    left_out = float(count + 3)
    if dense:
        cost = np.full((count, slots), left_out)
        cost[slot_rows, slot_columns] = 2.0 - slot_values
        assigned_rows, assigned_slots = linear_sum_assignment(cost)
        pairs = [
            (r, s)
            for r, s in zip(assigned_rows.tolist(), assigned_slots.tolist(), strict=True)
            if cost[r, s] < left_out
        ]
    else:
        # One private "nobody" column per seeker makes a full matching always exist. Edges
        # come grouped by seeker, in order, so the CSR arrays can be laid out directly.
        per_row = np.bincount(slot_rows, minlength=count)
        edges = sparse.csr_matrix(
            (2.0 - slot_values, slot_columns, np.concatenate(([0], np.cumsum(per_row)))),
            shape=(count, slots),
        )
        nobody = sparse.csr_matrix(
            (np.full(count, left_out), np.arange(count), np.arange(count + 1)),
            shape=(count, count),
        )
        graph = sparse.hstack([edges, nobody], format="csr")
        assigned_rows, assigned_slots = min_weight_full_bipartite_matching(graph)
        pairs = [
            (r, s)
            for r, s in zip(assigned_rows.tolist(), assigned_slots.tolist(), strict=True)
            if s < slots
        ]

    chosen_rows = np.array([r for r, _ in sorted(pairs)], dtype=np.intp)
    chosen_columns = slot_owner[np.array([s for _, s in sorted(pairs)], dtype=np.intp)]
    # Edges are ordered by (seeker, candidate): find each proposal's edge by bisection.
    edge = np.searchsorted(
        rows_all * len(matrix) + columns_all, chosen_rows * len(matrix) + chosen_columns
    )
    proposals: list[Proposal] = []
    for number, row, features in zip(
        chosen_rows.tolist(), chosen_columns.tolist(), features_all[edge].tolist(), strict=True
    ):
        seeker = seekers[number]
        proposals.append(
            Proposal(
                seeker_id=seeker.id,
                candidate_id=matrix.candidates[row].id,
                suggestion=explained(
                    seeker,
                    matrix,
                    row,
                    dict(zip(FEATURES, features, strict=True)),
                    weights,
                    demand_known=demands[number] is not None or seeker.demand is not None,
                    skill_label=skill_label,
                ),
            )
        )
    return proposals
