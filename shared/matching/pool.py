"""A pool of candidates kept encoded, so changing k of them costs O(k) Python work.

``CandidateMatrix.build`` encodes every candidate in Python (occupation keys, language
ranks, skill columns, slot bits): seconds at 100,000. A :class:`CandidatePool` encodes a
candidate once, when it is added or replaced, into one slot of flat arrays and into small
tables of distinct values (occupations, language profiles, static combinations);
:meth:`CandidatePool.matrix` then assembles the matrix with numpy gathers only (a few
milliseconds at 100,000 rows, in C). The matrix ranks exactly as ``build`` over the same
candidates in the same order: rows grouped by community the same way, within a community
by each candidate's order key (its insertion order unless the caller gives keys).

The pool keeps no Candidate object: a candidate is encoded into numbers (its id aside),
and the matrix's ``candidates`` rebuild one from the assembled arrays when asked (the
engine asks for the k it explains), so a pool of a million candidates holds no million
Python objects. A rebuilt candidate equals the one given in every field the engine reads
(levels come back as their canonical names: "b2" as "B2", which rank alike).

Removed candidates free their slot for the next one. The vocabularies (skills, languages,
slots) only grow: a column nobody holds any more scores as an unknown value would, and the
distinct tables are compacted at every assembly, so nothing stale reaches a score. A new
pool from :meth:`CandidatePool.candidates` starts the vocabularies afresh.

:meth:`CandidatePool.patched` skips the assembly: its matrix's rows are the pool's
slots, the pool's arrays themselves, so changing k candidates costs O(k) and no O(n)
gather. A removed slot is a row nobody matches until a new candidate takes it; the
skills' column index is the one last folded (:meth:`CandidatePool.fold`, once a 16th of
the slots, at most 16,384, have changed since) masked for the slots changed since, plus
their own columns. The engine reads such a matrix without relying on its row order
(``CandidateMatrix.grouped``), so it answers exactly as ``CandidateMatrix.build`` over
the live candidates.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, overload

import numpy as np
import numpy.typing as npt
from scipy import sparse

from shared.matching.features import idf, occupation_keys
from shared.matching.matrix import (
    MAX_SLOTS,
    BoolArray,
    CandidateMatrix,
    KeyArray,
    _factorize,
    _occ_by_prefix,
    community_order,
)
from shared.matching.profiles import LANGUAGE_LEVELS, Candidate, level_rank

_NO_YEARS = -1e300  # build()'s key for unknown years (NaN never equals itself)
_SLOT_COLUMNS: tuple[tuple[str, Any, Any], ...] = (
    ("_seq", np.int64, 0),
    ("_alive", np.bool_, False),
    ("_community", np.int32, 0),
    ("_occ", np.int32, 0),
    ("_lang", np.int32, 0),
    ("_static", np.int32, 0),
    ("_pair", np.int32, 0),
    ("_years", np.float64, 0.0),
    ("_mask", np.int64, 0),
    ("_cap", np.int32, 0),
    ("_left", np.int32, 0),
    ("_load", np.float64, 0.0),
    ("_eligible", np.bool_, False),
    ("_cross", np.bool_, False),
    ("_remote", np.bool_, False),
    ("_crosscity", np.bool_, False),
    ("_consented", np.bool_, False),
    ("_id", np.object_, None),
    # where the slot's skill columns sit in _skill_data, and how many
    ("_skill_start", np.int64, 0),
    ("_skill_count", np.int32, 0),
    # written since the skills' column index was last folded (see CandidatePool.patched)
    ("_dirty", np.bool_, False),
)
_DEAD = ("dead",)  # the static combination of a removed slot: never eligible
# Fold the changed rows into the column index past a 16th of the slots, at least 2,048
# and at most 16,384 (the delta index is rebuilt at every update: kept small).
_FOLD_MIN = 2_048
_FOLD_MAX = 16_384
_FOLD_SHARE = 16
_STATIC_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("years", np.float64),
    ("masks", np.int64),
    ("load", np.float64),
    ("eligible", np.bool_),
    ("cross_ok", np.bool_),
)


def _compact(keys: npt.NDArray[np.integer[Any]], size: int) -> tuple[KeyArray, KeyArray]:
    """Renumber keys < size densely: (each row's new key, the old key of each new one)."""
    if size > 4 * len(keys) + 1024:  # a sparse key space: sorting is cheaper than a table
        used, inverse = np.unique(keys, return_inverse=True)
        return inverse.reshape(-1).astype(np.intp), used.astype(np.intp)
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    renumber = np.cumsum(present) - 1
    return renumber[keys].astype(np.intp), np.flatnonzero(present).astype(np.intp)


def _runs(starts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The positions of runs (start, count) laid end to end: one index array, no loop."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    # Each position's run start, shifted by how far into its run the position is.
    return np.repeat(starts - (ends - counts), counts) + np.arange(total, dtype=np.int64)


class PoolRows(Sequence[Candidate]):
    """The matrix's candidates in row order, each rebuilt from the matrix when asked.

    ``ids`` and ``keys`` (the pool's order keys) are per-row arrays a caller may read
    without rebuilding a candidate.
    """

    def __init__(
        self,
        ids: npt.NDArray[np.object_],
        keys: npt.NDArray[np.int64],
        facts: dict[str, Any],
        blocked: dict[int, frozenset[Hashable]],
    ) -> None:
        self.ids = ids
        self.keys = keys
        self._facts = facts  # the matrix's arrays and vocabularies, by field name
        self._blocked = blocked  # row -> the seeker ids that candidate blocked
        self._recent: dict[int, Candidate] = {}
        self._names: dict[str, tuple[Any, ...]] = {}
        self._spoken: dict[int, dict[str, str]] = {}
        self._masks: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, row: int) -> Candidate: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[Candidate]: ...
    def __getitem__(self, row: int | slice) -> Candidate | Sequence[Candidate]:
        if isinstance(row, slice):
            return [self[r] for r in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        found = self._recent.get(row)
        if found is None:
            if len(self._recent) >= 4096:  # the engine asks twice for each of k winners
                self._recent.clear()
            found = self._recent[row] = self._rebuild(row)
        return found

    def _inverse(self, name: str) -> tuple[Any, ...]:
        """A vocabulary (name -> column) as a tuple of names by column, made once."""
        found = self._names.get(name)
        if found is None:
            by_column = self._facts[name]
            found = self._names[name] = tuple(sorted(by_column, key=by_column.__getitem__))
        return found

    def _rebuild(self, row: int) -> Candidate:
        # .item(): a Python scalar straight away (numpy scalars are slow to index and convert)
        f = self._facts
        names: tuple[str, ...] = f["skill_names"]
        years = f["years"].item(row)
        return Candidate(
            id=self.ids[row],
            occupation=f["occ_names"][f["occ_key"].item(row)],
            skills=frozenset([names[c] for c in self._skill_columns(row)]),
            years=None if years != years else years,  # NaN: unknown
            languages=self._languages(f["lang_key"].item(row)),
            availability=self._slots(f["availability"].item(row)),
            community=f["community_names"][f["community_code"].item(row)],
            capacity=f["capacity"].item(row),
            capacity_left=f["capacity_left"].item(row),
            remote_ok=f["remote_ok"].item(row),
            cross_city_ok=f["cross_city_ok"].item(row),
            consented=f["consented"].item(row),
            blocked=self._blocked.get(row, frozenset()),
        )

    def _skill_columns(self, row: int) -> list[int]:
        skills: sparse.csr_matrix = self._facts["skills"]
        start, stop = skills.indptr[row : row + 2].tolist()
        columns: list[int] = skills.indices[start:stop].tolist()
        return columns

    def _languages(self, profile: int) -> dict[str, str]:
        """The languages of a distinct language profile, made once per matrix."""
        found = self._spoken.get(profile)
        if found is None:
            codes = self._inverse("language_ids")
            ranks = self._facts["lang_profiles"][profile].tolist()
            found = self._spoken[profile] = {
                codes[column]: LANGUAGE_LEVELS[rank - 1]
                for column, rank in enumerate(ranks)
                if rank > 0
            }
        return found

    def _slots(self, mask: int) -> frozenset[str]:
        """The availability slots of a bit mask, made once per matrix."""
        found = self._masks.get(mask)
        if found is None:
            names = self._inverse("slot_ids")
            found = self._masks[mask] = frozenset(
                name for bit, name in enumerate(names) if mask >> bit & 1
            )
        return found


class _SlotRows(PoolRows):
    """A patched matrix's candidates: rows are the pool's slots, skills read from its runs."""

    def __init__(
        self,
        ids: npt.NDArray[np.object_],
        keys: npt.NDArray[np.int64],
        facts: dict[str, Any],
        blocked: dict[int, frozenset[Hashable]],
        runs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int32]],
    ) -> None:
        super().__init__(ids, keys, facts, blocked)
        self._runs = runs  # each slot's run start and length, and the runs' data

    def _skill_columns(self, row: int) -> list[int]:
        starts, counts, data = self._runs
        start = starts.item(row)
        columns: list[int] = data[start : start + counts.item(row)].tolist()
        return columns


@dataclass(frozen=True, eq=False)
class PatchedMatrix(CandidateMatrix):
    """A pool's matrix whose rows are its slots, patched in place as candidates change.

    Removed slots stay as rows no seeker can match (their static combination is never
    eligible) until a new candidate takes the slot. So rows are neither grouped by
    community nor in a fresh build's order: the engine flags the own community's rows
    (:meth:`community_rows`) and breaks ties by :meth:`tie_keys`, which order rows as
    ``CandidateMatrix.build`` would; IDFs count live rows only. A skill's rows are the
    column index folded at some point (``skill_indptr``/``skill_rows``) less the slots
    written since (``dirty``), plus those slots' own columns (the delta).
    """

    grouped: ClassVar[bool] = False
    live: BoolArray
    live_count: int
    seq: npt.NDArray[np.int64]
    # each pool community number's rank in build()'s order, and the numbers by name
    community_rank: npt.NDArray[np.int64]
    community_number: Mapping[Hashable, int]
    dirty: BoolArray
    any_dirty: bool
    delta_indptr: npt.NDArray[np.int64]
    delta_rows: npt.NDArray[np.int32]

    @property
    def live_rows(self) -> int:
        return self.live_count

    def postings(self, column: int) -> npt.NDArray[np.int32]:
        indptr = self.skill_indptr
        if column + 1 < len(indptr):
            base = self.skill_rows[indptr[column] : indptr[column + 1]]
            if self.any_dirty:
                base = base[~self.dirty[base]]
        else:
            base = np.zeros(0, dtype=np.int32)
        delta = self.delta_indptr
        if column + 1 >= len(delta) or delta[column] == delta[column + 1]:
            return base
        return np.concatenate((base, self.delta_rows[delta[column] : delta[column + 1]]))

    def community_rows(self, community: str | None) -> BoolArray:
        number = self.community_number.get(community)
        if number is None:
            return np.zeros(len(self), dtype=bool)
        # Removed rows may be flagged too: nobody matches them anyway.
        return np.asarray(self.community_code == number, dtype=bool)

    def tie_keys(self, rows: KeyArray) -> tuple[npt.NDArray[np.generic], ...]:
        return (self.seq[rows], self.community_rank[self.community_code[rows]])


class _RowIndex(Mapping[Hashable, int]):
    """Candidate id -> row of one matrix, through the pool's live slots (no dict copied).

    A slot's row is the matrix's; an id the pool has since moved or dropped is found (or
    not) among the matrix's own ids.
    """

    def __init__(
        self,
        slots: dict[Hashable, int],
        row_of: npt.NDArray[np.int32],
        ids: npt.NDArray[np.object_],
    ) -> None:
        self._slots = slots
        self._row_of = row_of
        self._ids = ids

    def __getitem__(self, candidate_id: Hashable) -> int:
        slot = self._slots.get(candidate_id)
        if slot is not None and slot < len(self._row_of):
            row = int(self._row_of[slot])
            if row >= 0 and self._ids[row] == candidate_id:
                return row
        # Rare (an id changed since this matrix): a scan, not a dict of every id kept.
        for row, known in enumerate(self._ids.tolist()):
            if known == candidate_id:
                return row
        raise KeyError(candidate_id)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._ids.tolist())

    def __len__(self) -> int:
        return len(self._ids)


class _Distinct:
    """A growing table of distinct values, each with a stable number."""

    def __init__(self) -> None:
        self.number: dict[Hashable, int] = {}
        self.values: list[Any] = []

    def __call__(self, key: Hashable, value: Any = None) -> int:
        found = self.number.get(key)
        if found is None:
            found = self.number[key] = len(self.values)
            self.values.append(key if value is None else value)
        return found


class Folded(NamedTuple):
    """The skills' column index over a pool's slots, made by :meth:`CandidatePool.folded`."""

    indptr: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int32]
    # the pool's count of writes when it was made: it fits the pool only if none came since
    writes: int


class CandidatePool:
    """Candidates by id, encoded into slots; :meth:`matrix` assembles a CandidateMatrix."""

    # One entry per slot (see _SLOT_COLUMNS); _skill_data holds the slots' skill columns,
    # each slot's in one run (a replaced slot's run is rewritten, or moved to the end).
    _seq: npt.NDArray[np.int64]
    _alive: npt.NDArray[np.bool_]
    _community: npt.NDArray[np.int32]
    _occ: npt.NDArray[np.int32]
    _lang: npt.NDArray[np.int32]
    _static: npt.NDArray[np.int32]
    _pair: npt.NDArray[np.int32]
    _years: npt.NDArray[np.float64]
    _mask: npt.NDArray[np.int64]
    _cap: npt.NDArray[np.int32]
    _left: npt.NDArray[np.int32]
    _load: npt.NDArray[np.float64]
    _eligible: npt.NDArray[np.bool_]
    _cross: npt.NDArray[np.bool_]
    _remote: npt.NDArray[np.bool_]
    _crosscity: npt.NDArray[np.bool_]
    _consented: npt.NDArray[np.bool_]
    _id: npt.NDArray[np.object_]
    _skill_start: npt.NDArray[np.int64]
    _skill_count: npt.NDArray[np.int32]
    _dirty: npt.NDArray[np.bool_]

    def __init__(self, candidates: Iterable[Candidate] = (), keys: Iterable[int] | None = None):
        self._slot: dict[Hashable, int] = {}
        self._free: list[int] = []
        self._used = 0
        self._counter = 0
        self._skill_data = np.zeros(4096, dtype=np.int32)
        self._skill_end = 0  # _skill_data[:_skill_end] is used, partly by old runs
        self._capacity = 0
        self._communities = _Distinct()
        self._occupations = _Distinct()
        self._profiles = _Distinct()  # language profiles: ((language column, rank), ...)
        self._statics = _Distinct()  # (years key, slot mask, load, eligible, cross_ok)
        self._pairs = _Distinct()  # (occupation number, language profile number)
        self._pair_table = np.zeros((0, 2), dtype=np.intp)
        self.skill_ids: dict[str, int] = {}
        self.language_ids: dict[str, int] = {}
        self.slot_ids: dict[str, int] = {}
        self._blocked: dict[int, frozenset[Hashable]] = {}
        self._profile_ranks = np.zeros((0, 1), dtype=np.int8)
        self._static_arrays = {name: np.empty(0, dtype=t) for name, t in _STATIC_COLUMNS}
        self._dead = self._statics(_DEAD, (np.nan, 0, 0.0, False, False))
        # For patched(): live rows per skill column, the slots written since the column
        # index (_base_indptr, _base_rows) was folded, and tables made once per size.
        self._freq = np.zeros(1024, dtype=np.int64)
        self._dirty_slots: list[int] = []
        self._base_indptr = np.zeros(1, dtype=np.int64)
        self._base_rows = np.zeros(0, dtype=np.int32)
        self._made: dict[str, tuple[int, Any]] = {}
        # Off until the first patched(): a pool only assembled, or being filled, pays no
        # per-row bookkeeping (fold() counts the frequencies from the index it builds).
        self._tracking = False
        self._blocked_changes = 0  # patched() copies _blocked only when it changed
        self._writes = 0  # slots written or removed, ever (see folded())
        self._grow(1024)
        self.upsert(candidates, keys)

    def _grow(self, capacity: int) -> None:
        for name, dtype, fill in _SLOT_COLUMNS:
            new = np.full(capacity, fill, dtype=dtype)
            if self._capacity:
                new[: self._capacity] = getattr(self, name)
            setattr(self, name, new)
        self._capacity = capacity

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, candidate_id: object) -> bool:
        return candidate_id in self._slot

    def slot(self, candidate_id: Hashable) -> int:
        """Return the candidate's slot (its row in :meth:`patched`), or -1."""
        return self._slot.get(candidate_id, -1)

    def candidates(self) -> list[Candidate]:
        """Return the candidates (rebuilt from the pool's numbers), in no particular order."""
        return list(self.matrix().candidates)

    def upsert(self, candidates: Iterable[Candidate], keys: Iterable[int] | None = None) -> None:
        """Add or replace candidates by id; ``keys`` orders rows within a community.

        Without keys a new candidate comes after every earlier one and a replaced one keeps
        its place. Raise ValueError past MAX_SLOTS distinct availability slots.
        """
        order = iter(keys) if keys is not None else None
        for candidate in candidates:
            key = next(order) if order is not None else None
            slot = self._slot.get(candidate.id)
            if slot is None:
                slot = self._free.pop() if self._free else self._take()
                self._slot[candidate.id] = slot
                if key is None:
                    key = self._counter
                    self._counter += 1
            if key is not None:
                self._seq[slot] = key
            self._encode(slot, candidate)

    def _take(self) -> int:
        if self._used == self._capacity:
            self._grow(self._capacity * 2)
        self._used += 1
        return self._used - 1

    def remove(self, candidate_ids: Iterable[Hashable]) -> None:
        """Remove candidates by id (unknown ids are ignored)."""
        for candidate_id in candidate_ids:
            slot = self._slot.pop(candidate_id, None)
            if slot is not None:
                self._writes += 1
                self._alive[slot] = False
                self._id[slot] = None
                self._put_skills(slot, [])
                self._static[slot] = self._dead
                self._eligible[slot] = False
                self._mark(slot)
                if self._blocked.pop(slot, None) is not None:
                    self._blocked_changes += 1
                self._free.append(slot)

    def _mark(self, slot: int) -> None:
        if self._tracking and not self._dirty[slot]:
            self._dirty[slot] = True
            self._dirty_slots.append(slot)

    def _encode(self, slot: int, c: Candidate) -> None:
        """Write one candidate's facts into its slot (what build() computes per row)."""
        self._writes += 1
        self._mark(slot)
        self._alive[slot] = True
        self._id[slot] = c.id
        community = c.community
        self._community[slot] = self._communities(community)
        occupation = self._occupations.number.get(c.occupation)
        if occupation is None:
            occupation = self._occupations(c.occupation, occupation_keys(c.occupation))
        self._occ[slot] = occupation
        languages = self.language_ids
        profile = tuple(
            sorted(
                (languages.setdefault(code, len(languages)), level_rank(level))
                for code, level in c.languages.items()
            )
        )
        self._lang[slot] = spoken = self._profiles(profile)
        self._pair[slot] = self._pairs((occupation, spoken))
        mask = 0
        for name in c.availability:
            bit = self.slot_ids.get(name)
            if bit is None:
                if len(self.slot_ids) >= MAX_SLOTS:
                    raise ValueError(f"more than {MAX_SLOTS} distinct availability slots")
                bit = self.slot_ids[name] = len(self.slot_ids)
            mask |= 1 << bit
        years = np.nan if c.years is None else float(c.years)
        capacity, left = c.capacity, c.capacity_left
        # The same IEEE division and clip as build()'s vectorized formula.
        load = min(max(left / capacity, 0.0), 1.0) if capacity > 0 else 0.0
        eligible = bool(c.consented and left > 0)
        cross_ok = bool(c.cross_city_ok or c.remote_ok)
        years_key = _NO_YEARS if c.years is None else years
        static = (years_key, mask, load, eligible, cross_ok)
        self._static[slot] = self._statics(static, (years, mask, load, eligible, cross_ok))
        self._years[slot] = years
        self._mask[slot] = mask
        self._cap[slot] = capacity
        self._left[slot] = left
        self._load[slot] = load
        self._eligible[slot] = eligible
        self._cross[slot] = cross_ok
        self._remote[slot] = c.remote_ok
        self._crosscity[slot] = c.cross_city_ok
        self._consented[slot] = c.consented
        skills = self.skill_ids
        self._put_skills(slot, [skills.setdefault(s, len(skills)) for s in sorted(c.skills)])
        if c.blocked:
            self._blocked[slot] = c.blocked
            self._blocked_changes += 1
        elif self._blocked.pop(slot, None) is not None:
            self._blocked_changes += 1

    def _put_skills(self, slot: int, columns: list[int]) -> None:
        """Write a slot's skill columns: over its old run if they fit, else at the end."""
        count = len(columns)
        if self._tracking:
            self._count_skills(slot, columns)
        if count > self._skill_count[slot]:
            if self._skill_end + count > len(self._skill_data):
                self._compact_skills(count)
            self._skill_start[slot] = self._skill_end
            self._skill_end += count
        start = int(self._skill_start[slot])
        self._skill_data[start : start + count] = columns
        self._skill_count[slot] = count

    def _count_skills(self, slot: int, columns: list[int]) -> None:
        """Move a slot's live counts per skill column from its old columns to its new ones."""
        held = int(self._skill_count[slot])
        if held:  # a profile's columns are distinct: one decrement each
            start = int(self._skill_start[slot])
            self._freq[self._skill_data[start : start + held]] -= 1
        if len(self.skill_ids) > len(self._freq):
            grown = np.zeros(2 * len(self.skill_ids), dtype=np.int64)
            grown[: len(self._freq)] = self._freq
            self._freq = grown
        self._freq[columns] += 1

    def _compact_skills(self, room: int) -> None:
        """Copy the live runs to a fresh arena with room for ``room`` more entries."""
        slots = np.flatnonzero(self._skill_count[: self._used] > 0)
        counts = self._skill_count[slots].astype(np.int64)
        starts = self._skill_start[slots]
        total = int(counts.sum())
        size = max(4096, 2 * (total + room))
        data = np.zeros(size, dtype=np.int32)
        data[:total] = self._skill_data[_runs(starts, counts)]
        self._skill_start[slots] = np.cumsum(counts) - counts
        self._skill_data, self._skill_end = data, total

    def _rows(self) -> KeyArray:
        """The live slots in row order: by community as build() sorts them, then by key."""
        live = np.flatnonzero(self._alive[: self._used])
        rank = self._community_rank()
        return live[np.lexsort((self._seq[live], rank[self._community[live]]))].astype(np.intp)

    def _community_rank(self) -> KeyArray:
        """Each community code's place in build()'s order of communities."""
        names = self._communities.values
        rank = np.empty(len(names), dtype=np.int64)
        rank[sorted(range(len(names)), key=lambda i: community_order(names[i]))] = np.arange(
            len(names)
        )
        return rank

    def matrix(self) -> CandidateMatrix:
        """Assemble the CandidateMatrix of the pool's candidates (numpy work only)."""
        order = self._rows()
        row_of = np.full(self._capacity, -1, dtype=np.int32)
        row_of[order] = np.arange(len(order), dtype=np.int32)
        lang_key, lang_used = _compact(self._lang[order], len(self._profiles.values))
        ids = self._id[order]
        parts: dict[str, Any] = {
            **self._community_slices(order),
            **self._occupation_part(order, lang_used),
            **self._skill_part(order),
            "language_ids": dict(self.language_ids),
            "lang_profiles": self._profile_table()[lang_used],
            "lang_key": lang_key,
            **self._static_part(order),
        }
        facts = {
            **parts,
            "community_names": tuple(parts["communities"]),
            "cross_city_ok": self._crosscity[order],
            "consented": self._consented[order],
        }
        blocked = {int(row_of[slot]): seekers for slot, seekers in self._blocked.items()}
        return CandidateMatrix(
            candidates=PoolRows(ids, self._seq[order], facts, blocked),
            index=_RowIndex(self._slot, row_of, ids),
            **parts,
            blocked_by=self._blocked_rows(row_of),
        )

    def _community_slices(self, order: KeyArray) -> dict[str, Any]:
        codes = self._community[order]
        n = len(order)
        change = np.ones(n, dtype=bool)
        change[1:] = codes[1:] != codes[:-1]
        starts = np.flatnonzero(change)
        stops = np.append(starts[1:], n)[: len(starts)]
        names = self._communities.values
        return {
            "communities": {
                names[codes[s]]: (int(s), int(e))
                for s, e in zip(starts.tolist(), stops.tolist(), strict=True)
            },
            "community_code": (np.cumsum(change) - 1).astype(np.int32),
        }

    def _occupation_part(self, order: KeyArray, lang_used: KeyArray) -> dict[str, Any]:
        table = self._occupations
        occ_key, used = _compact(self._occ[order], len(table.values))
        codes = np.array(table.values, dtype=np.int32).reshape(-1, 4)[used]
        names: list[Any] = list(table.number)
        # The distinct (occupation, language profile) pairs, numbered as they came (the
        # pool's own table; any numbering scores alike: a row reads its pair's two parts).
        pair, pair_used = _compact(self._pair[order], len(self._pairs.values))
        held = self._pair_rows()[pair_used]
        occ_new = np.zeros(len(table.values), dtype=np.intp)
        occ_new[used] = np.arange(len(used))
        lang_new = np.zeros(len(self._profiles.values), dtype=np.intp)
        lang_new[lang_used] = np.arange(len(lang_used))
        return {
            "occ_codes": codes,
            "occ_key": occ_key,
            "occ_names": tuple(names[i] for i in used.tolist()),
            "occ_by_prefix": _occ_by_prefix(codes),
            "profile_occ": occ_new[held[:, 0]],
            "profile_lang": lang_new[held[:, 1]],
            "profile_key": pair,
        }

    def _pair_rows(self) -> npt.NDArray[np.intp]:
        """Each distinct pair's (occupation, language profile) numbers, extended as they come."""
        known = self._pair_table
        values = self._pairs.values
        if len(known) < len(values):
            added = np.array(values[len(known) :], dtype=np.intp).reshape(-1, 2)
            self._pair_table = known = np.concatenate([known, added])
        return known

    def _skill_part(self, order: KeyArray) -> dict[str, Any]:
        n = len(order)
        counts = self._skill_count[order].astype(np.int64)
        indices = self._skill_data[_runs(self._skill_start[order], counts)]
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(counts, out=indptr[1:])
        incidence = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float64), indices, indptr),
            shape=(n, len(self.skill_ids)),
        )
        by_skill = incidence.tocsc()
        by_skill.sort_indices()
        frequency = np.diff(by_skill.indptr)
        # idf() in Python per distinct frequency: the very floats build() computes.
        distinct = np.flatnonzero(np.bincount(frequency, minlength=1))
        values = np.zeros(len(distinct) and int(distinct[-1]) + 1, dtype=np.float64)
        values[distinct] = [idf(int(f), n) for f in distinct.tolist()]
        return {
            "skill_ids": dict(self.skill_ids),
            "skill_names": tuple(self.skill_ids),
            "skills": incidence,
            "skill_indptr": by_skill.indptr.astype(np.int64),
            "skill_rows": by_skill.indices.astype(np.int32),
            "skill_idf": values[frequency],
        }

    def _static_part(self, order: KeyArray) -> dict[str, Any]:
        static_key, used = _compact(self._static[order], len(self._statics.values))
        table = self._static_table()
        years, masks = table["years"][used], table["masks"][used]
        years_key = np.where(np.isnan(years), _NO_YEARS, years)
        static_years_key, years_first = _factorize([years_key])
        static_mask_key, mask_first = _factorize([masks])
        return {
            "slot_ids": dict(self.slot_ids),
            "years": self._years[order],
            "availability": self._mask[order],
            "capacity": self._cap[order],
            "capacity_left": self._left[order],
            "load": self._load[order],
            "eligible": self._eligible[order],
            "cross_ok": self._cross[order],
            "remote_ok": self._remote[order],
            "static_key": static_key,
            "static_years": years,
            "static_availability": masks,
            "static_load": table["load"][used],
            "static_eligible": table["eligible"][used],
            "static_cross_ok": table["cross_ok"][used],
            "years_values": years[years_first],
            "static_years_key": static_years_key,
            "mask_values": masks[mask_first],
            "static_mask_key": static_mask_key,
        }

    def _profile_table(self) -> npt.NDArray[np.int8]:
        """Every language profile's ranks (profiles × languages), extended as they come."""
        known = self._profile_ranks
        shape = (len(self._profiles.values), max(1, len(self.language_ids)))
        if known.shape != shape:
            grown = np.zeros(shape, dtype=np.int8)
            grown[: known.shape[0], : known.shape[1]] = known
            for number in range(known.shape[0], shape[0]):
                for column, rank in self._profiles.values[number]:
                    grown[number, column] = rank
            self._profile_ranks = known = grown
        return known

    def _static_table(self) -> dict[str, npt.NDArray[Any]]:
        """The distinct static combinations as arrays, extended by the ones added since."""
        values = self._statics.values
        known = self._static_arrays
        start = len(known["years"])
        if start < len(values):
            added = values[start:]
            for number, (name, dtype) in enumerate(_STATIC_COLUMNS):
                column: npt.NDArray[Any] = np.array([v[number] for v in added], dtype=dtype)
                known[name] = np.concatenate([known[name], column])
        return known

    def _blocked_rows(self, row_of: npt.NDArray[np.int32]) -> dict[Hashable, npt.NDArray[np.int32]]:
        if not self._blocked:
            return {}
        blocked: dict[Hashable, list[int]] = {}
        for slot in sorted(self._blocked, key=lambda s: int(row_of[s])):
            for seeker_id in self._blocked[slot]:
                blocked.setdefault(seeker_id, []).append(int(row_of[slot]))
        return {k: np.array(v, dtype=np.int32) for k, v in blocked.items()}

    def _once(self, name: str, size: int, make: Any) -> Any:
        """A table derived from a distinct-value table, remade only when that one grew."""
        found = self._made.get(name)
        if found is None or found[0] != size:
            found = self._made[name] = (size, make())
        return found[1]

    def fold_due(self, coming: int = 0) -> bool:
        """Whether :meth:`patched` would fold the column index after ``coming`` more writes.

        Past a 16th of the slots changed since the last fold, at least 2,048 and at most
        16,384: the masked base and the delta index each search reads stay small.
        """
        limit = min(_FOLD_MAX, max(_FOLD_MIN, self._used // _FOLD_SHARE))
        return not self._tracking or len(self._dirty_slots) + coming > limit

    def folded(self) -> Folded:
        """Make the skills' column index over every slot (O(entries), in C); change nothing.

        Only reads the pool, so it may run while other threads read matrices of it, and
        :meth:`fold` then installs it in O(changed slots), provided nothing was written
        in between (hub.directory.search makes it outside its lock, installs it inside).
        """
        indptr, rows = self._postings(np.arange(self._used, dtype=np.int64))
        return Folded(indptr, rows, self._writes)

    def fold(self, folded: Folded | None = None) -> None:
        """Install a column index over every slot (:meth:`folded`'s, else one made now).

        Raise ValueError if the pool was written since ``folded`` was made.
        """
        if folded is None:
            folded = self.folded()
        elif folded.writes != self._writes:
            raise ValueError("the pool changed since this column index was made")
        self._base_indptr, self._base_rows = folded.indptr, folded.rows
        self._dirty[self._dirty_slots] = False
        self._dirty_slots = []
        # Removed slots hold no columns: the index counts live rows.
        counts = np.diff(self._base_indptr)
        self._freq = np.zeros(max(1024, 2 * len(counts)), dtype=np.int64)
        self._freq[: len(counts)] = counts
        self._tracking = True

    def _postings(
        self, slots: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        """The skills' column index (CSC indptr, rows ascending) of these slots, ascending."""
        counts = self._skill_count[slots].astype(np.int64)
        columns = self._skill_data[_runs(self._skill_start[slots], counts)]
        indptr = np.zeros(len(slots) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        # Rows numbered 0..len(slots); the conversion is a counting sort in C.
        by_skill = sparse.csr_matrix(
            (np.ones(len(columns), dtype=np.int8), columns, indptr),
            shape=(len(slots), len(self.skill_ids)),
        ).tocsc()
        rows = slots[by_skill.indices].astype(np.int32)
        return by_skill.indptr.astype(np.int64), rows

    def patched(self) -> PatchedMatrix:
        """Return the matrix over the pool's slots as they are now (see PatchedMatrix).

        Costs O(changed slots + distinct values), not O(slots): the per-row arrays are
        the pool's own, written in place by upsert and remove, so the matrix reads them
        as they change. A caller that changes the pool while another thread reads a
        matrix of it must keep the two apart (hub.directory.search does, with a lock).
        """
        if self.fold_due():
            self.fold()
        used = self._used
        ids = self._id[:used]
        live = self._alive[:used]
        vocabulary = len(self.skill_ids)
        changed = np.array(self._dirty_slots, dtype=np.int64)
        changed = np.sort(changed[self._alive[changed]])
        delta_indptr, delta_rows = self._postings(changed)
        rank = self._community_rank()
        occupations = self._occupations
        occ_codes = self._once(
            "occ_codes",
            len(occupations.values),
            lambda: np.array(occupations.values, dtype=np.int32).reshape(-1, 4),
        )
        parts: dict[str, Any] = {
            "communities": {},
            "community_code": self._community[:used],
            "occ_codes": occ_codes,
            "occ_key": self._occ[:used],
            "occ_names": self._once(
                "occ_names", len(occupations.values), lambda: tuple(occupations.number)
            ),
            "occ_by_prefix": self._once(
                "occ_by_prefix", len(occupations.values), lambda: _occ_by_prefix(occ_codes)
            ),
            "skill_ids": self.skill_ids,
            "skill_names": self._once("skill_names", vocabulary, lambda: tuple(self.skill_ids)),
            "skills": _NO_INCIDENCE,
            "skill_indptr": self._base_indptr,
            "skill_rows": self._base_rows,
            "skill_idf": self._live_idf(vocabulary),
            "language_ids": self.language_ids,
            "lang_profiles": self._profile_table(),
            "lang_key": self._lang[:used],
            "profile_occ": self._pair_rows()[:, 0],
            "profile_lang": self._pair_rows()[:, 1],
            "profile_key": self._pair[:used],
            **self._static_tables(used),
        }
        facts = {
            **parts,
            "community_names": tuple(self._communities.values),
            "cross_city_ok": self._crosscity[:used],
            "consented": self._consented[:used],
        }
        runs = (self._skill_start[:used], self._skill_count[:used], self._skill_data)
        blocked, blocked_by = self._once(
            "blocked", self._blocked_changes, lambda: (dict(self._blocked), self._blocked_slots())
        )
        return PatchedMatrix(
            candidates=_SlotRows(ids, self._seq[:used], facts, blocked, runs),
            index=self._slot,
            **parts,
            blocked_by=blocked_by,
            live=live,
            live_count=len(self._slot),
            seq=self._seq[:used],
            community_rank=rank,
            community_number=self._communities.number,
            dirty=self._dirty[:used],
            any_dirty=bool(self._dirty_slots),
            delta_indptr=delta_indptr,
            delta_rows=delta_rows,
        )

    def _live_idf(self, vocabulary: int) -> npt.NDArray[np.float64]:
        """Each column's IDF over the live rows: idf() in Python per distinct frequency."""
        frequency = self._freq[:vocabulary]
        distinct, inverse = np.unique(frequency, return_inverse=True)
        documents = len(self._slot)
        values = np.array([idf(int(f), documents) for f in distinct.tolist()], dtype=np.float64)
        return values[inverse.reshape(-1)] if vocabulary else np.zeros(0, dtype=np.float64)

    def _static_tables(self, used: int) -> dict[str, Any]:
        table = self._static_table()

        def keys() -> tuple[KeyArray, KeyArray, KeyArray, KeyArray]:
            years = table["years"]
            years_key, years_first = _factorize([np.where(np.isnan(years), _NO_YEARS, years)])
            mask_key, mask_first = _factorize([table["masks"]])
            return years_key, years_first, mask_key, mask_first

        years_key, years_first, mask_key, mask_first = self._once(
            "static_keys", len(table["years"]), keys
        )
        return {
            "slot_ids": self.slot_ids,
            "years": self._years[:used],
            "availability": self._mask[:used],
            "capacity": self._cap[:used],
            "capacity_left": self._left[:used],
            "load": self._load[:used],
            "eligible": self._eligible[:used],
            "cross_ok": self._cross[:used],
            "remote_ok": self._remote[:used],
            "static_key": self._static[:used],
            "static_years": table["years"],
            "static_availability": table["masks"],
            "static_load": table["load"],
            "static_eligible": table["eligible"],
            "static_cross_ok": table["cross_ok"],
            "years_values": table["years"][years_first],
            "static_years_key": years_key,
            "mask_values": table["masks"][mask_first],
            "static_mask_key": mask_key,
        }

    def _blocked_slots(self) -> dict[Hashable, npt.NDArray[np.int32]]:
        blocked: dict[Hashable, list[int]] = {}
        for slot in sorted(self._blocked):
            for seeker_id in self._blocked[slot]:
                blocked.setdefault(seeker_id, []).append(slot)
        return {k: np.array(v, dtype=np.int32) for k, v in blocked.items()}


_NO_INCIDENCE = sparse.csr_matrix((0, 0), dtype=np.float64)
