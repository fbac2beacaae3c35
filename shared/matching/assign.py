"""Batch proposals: give waiting seekers connectors, respecting each connector's capacity."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
import numpy.typing as npt
from scipy import sparse

from shared.matching.engine import DEFAULT_WEIGHTS, Suggestion, skill_weights, suggestion
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

#: The solver first sees about each seeker's DEFAULT_TOP_M best pairs (and those within
#: DEFAULT_SPREAD of its best), plus its OPEN_TOP_M best among the connectors those lists
#: leave room in; duals then show which left-out pairs could still improve the total (the
#: result is the optimum over every pair).
DEFAULT_TOP_M = 10
DEFAULT_SPREAD = 0.0
OPEN_TOP_M = 10
#: While the scores are kept, a repair adds for each seeker with an improving pair its
#: REPRICE_TOP best pairs under the duals' prices within REPRICE_SPREAD of its share.
REPRICE_SPREAD = 0.03
REPRICE_TOP = 20
#: Repairs 2 to REPLACE_ROUNDS solve over the pairs that matter under the duals only
#: (the first repair and those after keep every edge so far, so the rounds end).
REPLACE_ROUNDS = 6
_SAMPLE = 128
#: Scores kept whole up to this many seekers × candidates (8 bytes each).
_KEEP_SCORES = 16_000_000
#: Pairs this close to improving the assignment are added with those that would.
_MARGIN = 0.02
#: Score differences below this count as ties in the optimality check (scores are in [0, 1]).
_TOLERANCE = 1e-9
#: Seekers scored together; bounds the dense block to BLOCK × candidates floats.
BLOCK = 256
_OUT = -np.inf
BoolArray = npt.NDArray[np.bool_]


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
    # Seekers share few language profiles (48 among the benchmark's 2,000): compute each
    # distinct one once, then copy its row (the same arithmetic, so the same bits).
    number_of: dict[tuple[tuple[str, str], ...], int] = {}
    distinct: list[Seeker] = []
    row_of: list[int] = []
    for seeker in seekers:
        number = number_of.setdefault(tuple(seeker.languages.items()), len(distinct))
        if number == len(distinct):
            distinct.append(seeker)
        row_of.append(number)
    if len(distinct) < len(seekers):
        rows = np.array(row_of, dtype=np.intp)
        found: FloatArray = _language_rows(distinct, matrix, min_rank)[rows]
        return found
    return _language_rows(seekers, matrix, min_rank)


def _language_rows(seekers: Sequence[Seeker], matrix: CandidateMatrix, min_rank: int) -> FloatArray:
    """Return (seekers × distinct language profiles) values, one row per seeker."""
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
    # Each formula runs once per distinct (seeker value, candidate value): few years and
    # slot masks on either side. Gathering the results gives the very same numbers.
    year_number: dict[float | None, int] = {}
    year_of = [year_number.setdefault(s.years, len(year_number)) for s in seekers]
    distinct_years = np.array([np.nan if y is None else y for y in year_number], dtype=np.float64)
    experience = experience_values(distinct_years[:, None], matrix.years_values[None, :])
    mask_number: dict[tuple[int, int, bool], int] = {}
    mask_of = [
        mask_number.setdefault(
            (*matrix.availability_mask(s.availability), bool(s.availability)), len(mask_number)
        )
        for s in seekers
    ]
    distinct_masks = list(mask_number)
    availability = availability_values(
        np.array([m for m, _, _ in distinct_masks], dtype=np.int64)[:, None],
        np.array([u for _, u, _ in distinct_masks], dtype=np.float64)[:, None],
        np.array([g for _, _, g in distinct_masks])[:, None],
        matrix.mask_values[None, :],
    )
    by_year: FloatArray = np.take(experience, matrix.static_years_key, axis=1)
    by_mask: FloatArray = np.take(availability, matrix.static_mask_key, axis=1)
    return by_year[year_of], by_mask[mask_of]


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

    # np.take along an axis gathers about twice as fast as fancy indexing [:, key]; the
    # additions keep their order (occupation, language, static, skills): the same bits.
    result: FloatArray = np.take(occ_table, matrix.occ_key, axis=1)
    result += np.take(lang_table, matrix.lang_key, axis=1)
    result += np.take(static, matrix.static_key, axis=1)
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


class _Scores:
    """The seekers × candidates scores, −inf where no pair may be proposed.

    Kept whole when it fits in ``_KEEP_SCORES`` floats (the benchmark's 2,000 × 800 is
    12.8 MB); beyond that, rows are scored again when asked for.
    """

    def __init__(
        self,
        seekers: Sequence[Seeker],
        matrix: CandidateMatrix,
        weights: Weights,
        demands: Sequence[float | None],
        cross_city: bool,
        min_score: float,
    ) -> None:
        self.seekers, self.matrix, self.weights = seekers, matrix, weights
        self.demands, self.cross_city, self.min_score = demands, cross_city, min_score
        self.kept: FloatArray | None = None
        if len(seekers) * len(matrix) <= _KEEP_SCORES:
            self.kept = np.empty((len(seekers), len(matrix)))

    def blocks(self) -> Iterator[tuple[int, FloatArray]]:
        """Score every seeker, BLOCK at a time; yield (first seeker, block)."""
        for first in range(0, len(self.seekers), BLOCK):
            block = self._score(np.arange(first, min(first + BLOCK, len(self.seekers))))
            if self.kept is not None:
                self.kept[first : first + len(block)] = block
            yield first, block

    def rows(self, numbers: npt.NDArray[np.intp]) -> FloatArray:
        """Return the score rows of seekers ``numbers`` (after ``blocks`` went through)."""
        if self.kept is not None:
            return self.kept[numbers]
        found: FloatArray = np.concatenate(
            [self._score(numbers[at : at + BLOCK]) for at in range(0, len(numbers), BLOCK)]
        )
        return found

    def _score(self, numbers: npt.NDArray[np.intp]) -> FloatArray:
        chosen = numbers.tolist()
        block = _score_block(
            [self.seekers[n] for n in chosen],
            self.matrix,
            self.weights,
            [self.demands[n] for n in chosen],
            self.cross_city,
        )[0]
        block[block < self.min_score] = _OUT
        return block


@dataclass(frozen=True)
class _Edges:
    """The pairs the solver may use, ordered by (seeker, candidate row).

    ``bound[i]`` is the best score of the feasible pairs of seeker ``i`` left out (−inf:
    none), so the optimality check knows whose left-out pairs need a look.
    """

    rows: npt.NDArray[np.intp]
    columns: npt.NDArray[np.intp]
    values: FloatArray
    bound: FloatArray


def _cut_rows(
    block: FloatArray, cut: FloatArray
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """Split a block's feasible pairs at a per-row cut: (rows, columns) kept, bound left."""
    kept = block >= cut[:, None]
    kept &= block > _OUT
    rows, columns = np.nonzero(kept)  # row-major: ordered by (seeker, candidate)
    bound: FloatArray = np.full(len(block), _OUT)
    if block.shape[1]:
        bound = np.where(kept, _OUT, block).max(axis=1)
    return rows, columns, bound


def _first_cut(block: FloatArray, top_m: int | None) -> FloatArray:
    """Keep each seeker's pairs within DEFAULT_SPREAD of its best, and about its top_m best.

    The ``top_m``-th best is estimated from an even sample of the columns (an exact
    per-row selection costs as much as the scoring): the optimality check makes the
    result exact whatever is kept first; the estimate only decides how much it adds.
    """
    columns = block.shape[1]
    if top_m is None or columns <= top_m:
        return np.full(block.shape[0], _OUT)
    step = max(1, columns // _SAMPLE)
    sample = block[:, ::step]
    rank = min(sample.shape[1] - 1, -(-top_m * sample.shape[1] // columns))
    nth: FloatArray = -np.partition(-sample, rank, axis=1)[:, rank]
    cut: FloatArray = np.minimum(block.max(axis=1) - DEFAULT_SPREAD, nth)
    return cut


def _edges(scores: _Scores, top_m: int | None, capacity: npt.NDArray[np.int64]) -> _Edges:
    """Score the seekers block by block and keep each one's best pairs."""
    if scores.kept is None:
        parts = []
        for first, block in scores.blocks():
            rows, columns, bound = _cut_rows(block, _first_cut(block, top_m))
            parts.append((rows + first, columns, block[rows, columns], bound))
        return _Edges(
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
            np.concatenate([p[3] for p in parts]),
        )
    cut = np.concatenate([_first_cut(block, top_m) for _, block in scores.blocks()])
    kept = scores.kept
    wanted = kept >= cut[:, None]
    if top_m is None:
        return _kept_edges(kept, wanted)
    # Short lists crowd the popular connectors and leave seekers out, whose repair would
    # take all their pairs: each seeker also gets its best among the connectors that fewer
    # lists name than they have slots.
    open_ = np.count_nonzero(wanted & (kept > _OUT), axis=0) < capacity
    if open_.any():
        among = kept[:, open_]
        chosen = among >= _first_cut(among, OPEN_TOP_M)[:, None]
        wanted[:, open_] |= chosen
    return _kept_edges(kept, wanted)


def _kept_edges(kept: FloatArray, wanted: BoolArray) -> _Edges:
    """Return the wanted pairs of the kept scores as edges (feasible ones only)."""
    wanted &= kept > _OUT
    rows, columns = np.nonzero(wanted)  # row-major: ordered by (seeker, candidate)
    bound: FloatArray = np.where(wanted, _OUT, kept).max(axis=1)
    return _Edges(rows, columns, kept[rows, columns], bound)


def _add_pairs(
    edges: _Edges,
    scores: _Scores,
    numbers: npt.NDArray[np.intp],
    cut: FloatArray,
    wanted: Callable[[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray], BoolArray],
) -> _Edges | None:
    """Return ``edges`` plus the pairs of seekers ``numbers`` at or above ``cut`` that are
    ``wanted(rows, columns, values)`` and new, re-sorted; None when there are none."""
    block = scores.rows(numbers)
    local, columns, bound = _cut_rows(block, cut)
    rows, values = numbers[local], block[local, columns]
    count = len(scores.matrix)
    keys, wanted_keys = edges.rows * count + edges.columns, rows * count + columns
    # Edges are sorted by key: bisection finds the known ones (np.isin would hash them all).
    at = np.minimum(np.searchsorted(keys, wanted_keys), len(keys) - 1)
    known = keys[at] == wanted_keys
    fresh = wanted(rows, columns, values) & ~known
    if not fresh.any():
        return None
    every_bound = edges.bound.copy()
    every_bound[numbers] = bound
    left = ~fresh & ~known  # above the cut, yet not added: still left out
    np.maximum.at(every_bound, rows[left], values[left])
    all_rows = np.concatenate((edges.rows, rows[fresh]))
    all_columns = np.concatenate((edges.columns, columns[fresh]))
    order = np.lexsort((all_columns, all_rows))
    return _Edges(
        all_rows[order],
        all_columns[order],
        np.concatenate((edges.values, values[fresh]))[order],
        every_bound,
    )


def _capacities(matrix: CandidateMatrix, max_slots: int | None) -> npt.NDArray[np.int64]:
    """Return how many seekers each candidate row may still take."""
    slots = np.maximum(matrix.capacity_left.astype(np.int64), 0)
    return slots if max_slots is None else np.minimum(slots, max_slots)


@dataclass(frozen=True)
class _Slots:
    """Each edge repeated once per free slot of its candidate: the solver's columns."""

    rows: npt.NDArray[np.intp]  # the seeker of each (seeker, slot) edge
    columns: npt.NDArray[np.intp]  # the slot of each edge
    values: FloatArray  # the pair's score
    owner: npt.NDArray[np.intp]  # the candidate row of each slot
    count: int


def _slots(edges: _Edges, capacity: npt.NDArray[np.int64]) -> _Slots:
    """Expand each candidate used by an edge into as many slots as it still has room."""
    # np.unique without its sort: candidate rows are small integers.
    present = np.bincount(edges.columns, minlength=len(capacity)) > 0
    used = np.flatnonzero(present)
    candidate_of_edge = (np.cumsum(present) - 1)[edges.columns]
    slot_count = capacity[used]
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
    # Imported on use: scipy.optimize takes ~0.3 s to import, which every process of both
    # services (each CLI command, each gunicorn worker) would pay at start-up.
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

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
    # Each row's nobody column goes after its slots: inserted in place, not hstack-ed
    # (which copies every edge through COO).
    per_row = np.bincount(slots.rows, minlength=seekers)
    ends = np.cumsum(per_row)
    graph = sparse.csr_matrix(
        (
            np.insert(2.0 - slots.values, ends, left_out),
            np.insert(slots.columns, ends, slots.count + np.arange(seekers)),
            np.concatenate(([0], ends + np.arange(1, seekers + 1))),
        ),
        shape=(seekers, slots.count + seekers),
    )
    assigned_rows, assigned_slots = min_weight_full_bipartite_matching(graph)
    return sorted(
        (r, s)
        for r, s in zip(assigned_rows.tolist(), assigned_slots.tolist(), strict=True)
        if s < slots.count
    )


def _duals(
    edges: _Edges,
    chosen: npt.NDArray[np.intp],
    capacity: npt.NDArray[np.int64],
    served_score: FloatArray,
) -> tuple[FloatArray, FloatArray] | None:
    """Return LP duals (per seeker, per candidate) proving the assignment optimal on its edges.

    The LP: maximize Σ (score + L) over pairs, each seeker at most once, each candidate at
    most its capacity (L = seekers + 1 makes serving more seekers come first). Its duals:
    a share per seeker and a price per candidate, both ≥ 0, share + price ≥ score + L on
    every edge, equal on the chosen pairs. The lowest prices that fit are the longest
    paths from 0 over arcs a(i) → j of weight score(i, j) − score(i, a(i)) for every edge
    (i, j) of a served seeker i (j would take i at that premium), found by relaxing every
    arc until nothing changes. Candidates with room left must end at price 0; otherwise,
    or if the relaxation does not settle, there is no certificate and None is returned.
    """
    count = len(capacity)
    big = float(len(chosen) + 1)
    served = chosen >= 0
    usable = capacity[edges.columns] > 0
    mine = chosen[edges.rows]
    # Prices are negated (−price) so that the relaxation is a plain shortest path.
    negated = np.zeros(count)
    out = (mine < 0) & usable  # a seeker left out: its candidates are worth more to others
    np.minimum.at(negated, edges.columns[out], -(edges.values[out] + big))
    arc = (mine >= 0) & (mine != edges.columns) & usable
    source, target = mine[arc], edges.columns[arc]
    length = served_score[edges.rows[arc]] - edges.values[arc]
    for _ in range(count + 2):
        relaxed = negated.copy()
        np.minimum.at(relaxed, target, negated[source] + length)
        # Ties make zero-weight cycles, which rounding may leave at ±1e-16: settled is
        # settled within a tolerance far below any score difference.
        if (relaxed >= negated - _TOLERANCE / count).all():
            break
        negated = relaxed
    else:
        return None
    price = -negated
    load = np.bincount(chosen[served], minlength=count)
    room = (load < capacity) & (capacity > 0)
    if (price[room] > _TOLERANCE).any() or (
        price[chosen[served]] > served_score[served] + big
    ).any():
        return None
    price[room] = 0.0
    price[capacity <= 0] = np.inf  # no slot: never a pair, whatever its score
    share = np.where(served, served_score - price[np.maximum(chosen, 0)], -big)
    return share, price


def _repriced(
    edges: _Edges,
    scores: _Scores,
    chosen: npt.NDArray[np.intp],
    share: FloatArray,
    price: FloatArray,
    replace: bool,
) -> _Edges | None:
    """Return the edges of the next solve when a pair breaks the duals; None when none does
    (the assignment is then optimal over every pair). Needs the kept scores.

    Each seeker with a breaking pair brings its REPRICE_TOP best pairs under the duals'
    prices that come within REPRICE_SPREAD of its share (not the hundreds that may break
    duals from a poor first cut). ``replace``: the rest is every seeker's chosen pair and
    its pairs within REPRICE_SPREAD, and nothing else, so that the solves shrink to the few
    pairs that matter; else the edges so far, so that each round grows them and the
    rounds end.
    """
    kept = scores.kept
    assert kept is not None
    suspects = np.flatnonzero(edges.bound > share + _TOLERANCE)
    if len(suspects) == 0:
        return None
    reduced = kept[suspects] - price[None, :]
    breaking = (reduced > (share[suspects] + _TOLERANCE)[:, None]).any(axis=1)
    if not breaking.any():
        return None  # the pairs on the edges keep within the duals by construction
    suspects, reduced = suspects[breaking], reduced[breaking]
    wanted = reduced >= (share[suspects] - REPRICE_SPREAD)[:, None]
    crowded = np.flatnonzero(np.count_nonzero(wanted, axis=1) > REPRICE_TOP)
    if len(crowded):
        best = -np.partition(-reduced[crowded], REPRICE_TOP - 1, axis=1)[:, REPRICE_TOP - 1]
        wanted[crowded] &= reduced[crowded] >= best[:, None]
    if replace:
        every = kept - price[None, :] >= (share - REPRICE_SPREAD)[:, None]
        every[suspects] = wanted
        served = np.flatnonzero(chosen >= 0)
        every[served, chosen[served]] = True
    else:
        every = np.zeros(kept.shape, dtype=bool)
        every[edges.rows, edges.columns] = True
        every[suspects] |= wanted
    return _kept_edges(kept, every)


def _missing(edges: _Edges, scores: _Scores, share: FloatArray, price: FloatArray) -> _Edges | None:
    """Return ``edges`` with the left-out pairs that could improve the assignment added.

    Dual feasibility over every pair: score(i, j) ≤ share[i] + price[j] for the pairs left
    out too. Prices are ≥ 0, so only seekers whose left-out bound exceeds their share can
    break it; their pairs that break it (or come within ``_MARGIN``) are added. None:
    nothing breaks it, so the assignment is optimal over every pair.
    """
    suspects = np.flatnonzero(edges.bound > share + _TOLERANCE)
    if len(suspects) == 0:
        return None
    breaking = scores.rows(suspects) > (share[suspects, None] + price[None, :] + _TOLERANCE)
    if not breaking.any():
        return None  # the pairs on the edges keep within it by construction
    return _add_pairs(
        edges,
        scores,
        suspects,
        share[suspects] - _MARGIN,
        # Near-breaking pairs too (within _MARGIN): the next solve may need them.
        lambda rows, columns, values: values > share[rows] + price[columns] - _MARGIN,
    )


@dataclass(frozen=True)
class Proposal:
    """One proposed pair, for staff to review before anything is sent.

    ``suggestion`` (values, contributions and reasons) is written on first use: a batch
    whose proposals are only counted or totalled never pays for the sentences.
    """

    seeker_id: Hashable
    candidate_id: Hashable
    score: float
    explain: Callable[[], Suggestion] = field(repr=False, compare=False)

    @cached_property
    def suggestion(self) -> Suggestion:
        """Return the pair's values, contributions and reasons."""
        return self.explain()


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
    ``min_score``) is never proposed. The solver first sees each seeker's pairs within
    ``DEFAULT_SPREAD`` of its best and about its ``top_m`` best (None: every pair), and its
    best among the connectors those lists leave room in; then LP duals show which
    left-out pairs could improve the total, the best of those are added and the problem
    solved again, until none can: the result is the optimum over every pair, whatever
    ``top_m``. The solver is scipy's sparse Jonker–Volgenant
    (``min_weight_full_bipartite_matching``), or with ``dense=True``
    ``linear_sum_assignment`` over the dense seekers × slots matrix.
    ``demand`` maps seeker ids to their local demand (else ``seeker.demand``).
    """
    weights = weights or DEFAULT_WEIGHTS
    demands = [None if demand is None else demand.get(s.id) for s in seekers]
    if not seekers or len(matrix) == 0:
        return []
    scores = _Scores(seekers, matrix, weights, demands, cross_city, min_score)
    capacity = _capacities(matrix, max_slots)
    edges: _Edges | None = _edges(scores, top_m, capacity)
    rounds = 0
    while edges is not None and len(edges.rows):
        rounds += 1
        slots = _slots(edges, capacity)
        pairs = _solve(slots, len(seekers), dense)
        chosen = np.full(len(seekers), -1, dtype=np.intp)
        chosen_slots = np.array([s for _, s in pairs], dtype=np.intp)
        chosen[np.array([r for r, _ in pairs], dtype=np.intp)] = slots.owner[chosen_slots]
        served = np.flatnonzero(chosen >= 0)
        # Edges are ordered by (seeker, candidate): find each chosen pair's edge by bisection.
        keys = edges.rows * len(matrix) + edges.columns
        served_score = np.zeros(len(seekers))
        served_score[served] = edges.values[
            np.searchsorted(keys, served * len(matrix) + chosen[served])
        ]
        replace = 2 <= rounds <= REPLACE_ROUNDS
        more = _improvable(edges, scores, chosen, capacity, served_score, top_m, replace)
        if more is None:
            return [
                Proposal(
                    seekers[number].id,
                    matrix.candidates[row].id,
                    float(served_score[number]),
                    partial(
                        suggestion,
                        seekers[number],
                        matrix,
                        row,
                        weights,
                        demands[number],
                        cross_city=cross_city,
                        skill_label=skill_label,
                    ),
                )
                for number, row in zip(served.tolist(), chosen[served].tolist(), strict=True)
            ]
        edges = more
    return []


def _improvable(
    edges: _Edges,
    scores: _Scores,
    chosen: npt.NDArray[np.intp],
    capacity: npt.NDArray[np.int64],
    served_score: FloatArray,
    top_m: int | None,
    replace: bool,
) -> _Edges | None:
    """Return other edges when left-out pairs could improve the assignment; None if optimal
    (``replace``: see ``_repriced``)."""
    if top_m is None:
        return None  # every pair was an edge
    # A seeker left out while it has pairs left out gets them all first: its duals would
    # be the leaving-out penalty's, and certify nothing.
    stuck = np.flatnonzero((chosen < 0) & (edges.bound > _OUT))
    if len(stuck):
        every = np.full(len(stuck), _OUT)
        more = _add_pairs(edges, scores, stuck, every, lambda r, c, v: np.ones(len(r), bool))
        if more is not None:
            return more
    duals = _duals(edges, chosen, capacity, served_score)
    if duals is None:  # no certificate (rounding): every pair
        every = np.full(len(chosen), _OUT)
        everyone = np.arange(len(chosen))
        return _add_pairs(edges, scores, everyone, every, lambda r, c, v: np.ones(len(r), bool))
    if scores.kept is not None:
        return _repriced(edges, scores, chosen, *duals, replace)
    return _missing(edges, scores, *duals)
