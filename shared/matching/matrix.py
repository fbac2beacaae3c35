"""Candidates precomputed as numpy arrays, so one seeker is scored against all at once."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, TypedDict

import numpy as np
import numpy.typing as npt
from scipy import sparse

from shared.matching.features import idf, occupation_keys
from shared.matching.profiles import Candidate, level_rank

#: Availability slots are bits of an int64 mask.
MAX_SLOTS = 63

IntArray = npt.NDArray[np.int64]
KeyArray = npt.NDArray[np.intp]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


#: Combined keys are renumbered before the next column's product would pass this.
_KEY_LIMIT = 1 << 62


def _factorize(columns: Sequence[npt.NDArray[np.generic]]) -> tuple[KeyArray, KeyArray]:
    """Return for each row the index of its distinct combination, and one row per combination.

    The combinations are numbered in lexicographic order of the columns, and each one's row
    is its first: what ``np.unique`` of the rows as records gives. Each column is numbered
    on its own (a plain sort), the numbers joined into one integer per row, and that sorted:
    sorting records compares them field by field, in Python-level loops, several times
    slower. A float column holds no NaN (the callers give unknown values a number).
    """
    if not columns:
        raise ValueError("no columns to factorize")
    key: npt.NDArray[np.generic] = columns[0]  # one column is its own key: sorted once
    if len(columns) > 1:
        numbered, key = np.unique(key, return_inverse=True)
        size = len(numbered)
    for column in columns[1:]:
        values, codes = np.unique(column, return_inverse=True)
        if size * len(values) >= _KEY_LIMIT:
            numbered, key = np.unique(key, return_inverse=True)
            size = len(numbered)
        key = key.reshape(-1).astype(np.int64) * len(values) + codes.reshape(-1)
        size *= len(values)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.reshape(-1).astype(np.intp), first.astype(np.intp)


def _unique_rows(rows: npt.NDArray[np.generic]) -> tuple[KeyArray, KeyArray]:
    """``_factorize`` of a 2-D array's columns: as ``np.unique(rows, axis=0)`` numbers them."""
    return _factorize([rows[:, column] for column in range(rows.shape[1])])


def community_order(name: str | None) -> tuple[bool, str]:
    """The order build() groups communities in: no community first, then by name."""
    return (name is not None, name or "")


@dataclass(frozen=True, eq=False)
class CandidateMatrix:
    """Every candidate's facts as arrays, rows grouped by community.

    Rows that share the facts a table-driven feature reads are grouped too: ``occ_key``
    points into ``occ_codes`` (distinct occupations), ``lang_key`` into ``lang_profiles``
    (distinct language levels) and ``static_key`` into the distinct (years, availability,
    capacity, flags) combinations. Ranking computes each feature once per distinct value
    and gathers it, instead of once per candidate.
    """

    candidates: Sequence[Candidate]
    index: Mapping[Hashable, int]
    communities: dict[str | None, tuple[int, int]]
    community_code: Int32Array
    # occupation: (distinct codes, 4 prefix levels), and each row's distinct code
    occ_codes: Int32Array
    occ_key: KeyArray
    # the occupation code as written of each occ_codes entry (its first candidate's)
    occ_names: tuple[str | None, ...]
    # skills: rows x vocabulary incidence (CSR), its CSC twin's arrays, and IDF per column
    skill_ids: dict[str, int]
    skill_names: tuple[str, ...]
    skills: sparse.csr_matrix
    skill_indptr: IntArray
    skill_rows: Int32Array
    skill_idf: FloatArray
    # languages: the distinct rows of level ranks (0 = not spoken), and each row's one
    language_ids: dict[str, int]
    lang_profiles: npt.NDArray[np.int8]
    lang_key: KeyArray
    # distinct (occupation, language profile) pairs, and each row's pair
    profile_occ: KeyArray
    profile_lang: KeyArray
    profile_key: KeyArray
    # per-row facts
    slot_ids: dict[str, int]
    years: FloatArray
    availability: IntArray
    capacity: Int32Array
    capacity_left: Int32Array
    load: FloatArray
    eligible: BoolArray
    cross_ok: BoolArray
    remote_ok: BoolArray
    # the distinct (years, availability, load, eligible, cross_ok) combinations
    static_key: KeyArray
    static_years: FloatArray
    static_availability: IntArray
    static_load: FloatArray
    static_eligible: BoolArray
    static_cross_ok: BoolArray
    # the distinct years and availability masks of those combinations
    years_values: FloatArray
    static_years_key: KeyArray
    mask_values: IntArray
    static_mask_key: KeyArray
    # per prefix level (major … detailed): prefix -> indices into occ_codes having it
    occ_by_prefix: tuple[dict[int, KeyArray], ...]
    blocked_by: dict[Hashable, Int32Array]
    _idf_list: list[float] = field(init=False, repr=False)
    #: Each community is one contiguous row range (``communities``) and a fresh build's
    #: row order is the tie order. A matrix patched in place (shared.matching.pool) is not.
    grouped: ClassVar[bool] = True

    @classmethod
    def build(cls, candidates: Iterable[Candidate]) -> CandidateMatrix:
        """Precompute the arrays for a pool of candidates; ids must be unique."""
        pool = list(candidates)
        # Group rows by community so a local search reads one contiguous slice.
        pool.sort(key=lambda c: community_order(c.community))
        keys = np.array([occupation_keys(c.occupation) for c in pool], dtype=np.int32)
        keys = keys.reshape(len(pool), 4)
        occ_key, occ_first = _unique_rows(keys)
        occ_codes = keys[occ_first]
        languages = _languages(pool)
        profile_key, profile_first = _factorize([occ_key, languages["lang_key"]])
        return cls(
            candidates=tuple(pool),
            index=_index(pool),
            **_communities(pool),
            occ_codes=occ_codes,
            occ_key=occ_key,
            occ_names=tuple(pool[i].occupation for i in occ_first.tolist()),
            **_skills(pool),
            **languages,
            profile_occ=occ_key[profile_first],
            profile_lang=languages["lang_key"][profile_first],
            profile_key=profile_key,
            **_static(pool),
            occ_by_prefix=_occ_by_prefix(occ_codes),
            blocked_by=_blocked_by(pool),
        )

    def __post_init__(self) -> None:
        # Python floats: explanations read single values, where numpy scalars are slow.
        object.__setattr__(self, "_idf_list", self.skill_idf.tolist())

    def __len__(self) -> int:
        return len(self.candidates)

    @property
    def live_rows(self) -> int:
        """How many rows hold a candidate (the documents an IDF counts)."""
        return len(self.candidates)

    def postings(self, column: int) -> Int32Array:
        """Return the rows holding a vocabulary column's skill."""
        indptr = self.skill_indptr
        return self.skill_rows[indptr[column] : indptr[column + 1]]

    def community_rows(self, community: str | None) -> BoolArray:
        """Return one flag per row: whether the row belongs to that community."""
        keep = np.zeros(len(self), dtype=bool)
        start, stop = self.communities.get(community, (0, 0))
        keep[start:stop] = True
        return keep

    def tie_keys(self, rows: KeyArray) -> tuple[npt.NDArray[np.generic], ...]:
        """Return sort keys (least significant first) putting rows in a fresh build's order."""
        return (rows,)

    def candidate(self, candidate_id: Hashable) -> Candidate:
        """Return the candidate with that id, or raise KeyError."""
        return self.candidates[self.index[candidate_id]]

    def availability_mask(self, slots: Iterable[str]) -> tuple[int, int]:
        """Return the bit mask of the slots this pool knows, and how many it does not."""
        mask, unknown = 0, 0
        for slot in set(slots):
            bit = self.slot_ids.get(slot)
            if bit is None:
                unknown += 1
            else:
                mask |= 1 << bit
        return mask, unknown

    def skill_idfs(self, skills: Iterable[str]) -> list[tuple[int | None, float]]:
        """Return (vocabulary column or None, IDF) of each skill, as :meth:`idf` gives it."""
        # One call per seeker instead of one per skill: scoring a batch reads ~15 a seeker.
        columns, values = self.skill_ids, self._idf_list
        unknown = idf(0, self.live_rows)
        found: list[tuple[int | None, float]] = []
        for skill in skills:
            column = columns.get(skill)
            found.append((column, unknown if column is None else values[column]))
        return found

    def idf(self, skill: str) -> float:
        """Return a skill's IDF over this pool (skills nobody has get the highest)."""
        column = self.skill_ids.get(skill)
        if column is None:
            return idf(0, self.live_rows)
        return self._idf_list[column]


def _index(pool: Sequence[Candidate]) -> dict[Hashable, int]:
    index: dict[Hashable, int] = {}
    for row, candidate in enumerate(pool):
        if candidate.id in index:
            raise ValueError(f"duplicate candidate id: {candidate.id!r}")
        index[candidate.id] = row
    return index


class _Communities(TypedDict):
    communities: dict[str | None, tuple[int, int]]
    community_code: Int32Array


class _Skills(TypedDict):
    skill_ids: dict[str, int]
    skill_names: tuple[str, ...]
    skills: sparse.csr_matrix
    skill_indptr: IntArray
    skill_rows: Int32Array
    skill_idf: FloatArray


class _Languages(TypedDict):
    language_ids: dict[str, int]
    lang_profiles: npt.NDArray[np.int8]
    lang_key: KeyArray


class _Static(TypedDict):
    slot_ids: dict[str, int]
    years: FloatArray
    availability: IntArray
    capacity: Int32Array
    capacity_left: Int32Array
    load: FloatArray
    eligible: BoolArray
    cross_ok: BoolArray
    remote_ok: BoolArray
    static_key: KeyArray
    static_years: FloatArray
    static_availability: IntArray
    static_load: FloatArray
    static_eligible: BoolArray
    static_cross_ok: BoolArray
    years_values: FloatArray
    static_years_key: KeyArray
    mask_values: IntArray
    static_mask_key: KeyArray


def _communities(pool: Sequence[Candidate]) -> _Communities:
    """Each community's (first, stop) rows, and each row's community number."""
    communities: dict[str | None, tuple[int, int]] = {}
    community_code = np.empty(len(pool), dtype=np.int32)
    for row, candidate in enumerate(pool):
        start, _ = communities.get(candidate.community, (row, row))
        communities[candidate.community] = (start, row + 1)
        community_code[row] = len(communities) - 1
    return {"communities": communities, "community_code": community_code}


def _skills(pool: Sequence[Candidate]) -> _Skills:
    """The rows × skills incidence (CSR), its CSC twin's arrays, and each skill's IDF."""
    skill_ids: dict[str, int] = {}
    indices: list[int] = []
    indptr = [0]
    for candidate in pool:
        indices.extend(skill_ids.setdefault(s, len(skill_ids)) for s in sorted(candidate.skills))
        indptr.append(len(indices))
    incidence = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float64), np.array(indices, dtype=np.int32), indptr),
        shape=(len(pool), len(skill_ids)),
    )
    by_skill = incidence.tocsc()
    by_skill.sort_indices()
    frequency = np.diff(by_skill.indptr)
    return {
        "skill_ids": skill_ids,
        "skill_names": tuple(skill_ids),
        "skills": incidence,
        "skill_indptr": by_skill.indptr.astype(np.int64),
        "skill_rows": by_skill.indices.astype(np.int32),
        "skill_idf": np.array([idf(int(f), len(pool)) for f in frequency], dtype=np.float64),
    }


def _languages(pool: Sequence[Candidate]) -> _Languages:
    """The rows × languages level ranks, and their distinct profiles."""
    language_ids: dict[str, int] = {}
    for candidate in pool:
        for code in candidate.languages:
            language_ids.setdefault(code, len(language_ids))
    ranks = np.zeros((len(pool), max(1, len(language_ids))), dtype=np.int8)
    for row, candidate in enumerate(pool):
        for code, level in candidate.languages.items():
            ranks[row, language_ids[code]] = level_rank(level)
    lang_key, lang_first = _unique_rows(ranks)
    return {
        "language_ids": language_ids,
        "lang_profiles": ranks[lang_first],
        "lang_key": lang_key,
    }


def _availability(pool: Sequence[Candidate]) -> tuple[dict[str, int], IntArray]:
    """Number the availability slots, and return each row's slots as a bit mask."""
    slot_ids: dict[str, int] = {}
    availability = np.zeros(len(pool), dtype=np.int64)
    for row, candidate in enumerate(pool):
        mask = 0
        for slot in candidate.availability:
            mask |= 1 << slot_ids.setdefault(slot, len(slot_ids))
        availability[row] = mask
    if len(slot_ids) > MAX_SLOTS:
        raise ValueError(f"more than {MAX_SLOTS} distinct availability slots")
    return slot_ids, availability


def _static(pool: Sequence[Candidate]) -> _Static:
    """The per-row facts, and their distinct (years, slots, load, flags) combinations."""
    slot_ids, availability = _availability(pool)
    years = np.array(
        [np.nan if c.years is None else float(c.years) for c in pool], dtype=np.float64
    )
    capacity = np.array([c.capacity for c in pool], dtype=np.int32)
    capacity_left = np.array([c.capacity_left for c in pool], dtype=np.int32)
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(capacity > 0, np.clip(capacity_left / capacity, 0.0, 1.0), 0.0)
    consented = np.array([c.consented for c in pool], dtype=bool)
    eligible = consented & (capacity_left > 0)
    cross_ok = np.array([c.cross_city_ok or c.remote_ok for c in pool], dtype=bool)
    # NaN never equals itself, so unique() would keep every unknown-years row apart.
    years_key = np.where(np.isnan(years), -1e300, years)
    static_key, first = _factorize([years_key, availability, load, eligible, cross_ok])
    static_years_key, years_first = _factorize([years_key[first]])
    static_mask_key, mask_first = _factorize([availability[first]])
    return {
        "slot_ids": slot_ids,
        "years": years,
        "availability": availability,
        "capacity": capacity,
        "capacity_left": capacity_left,
        "load": load,
        "eligible": eligible,
        "cross_ok": cross_ok,
        "remote_ok": np.array([c.remote_ok for c in pool], dtype=bool),
        "static_key": static_key,
        "static_years": years[first],
        "static_availability": availability[first],
        "static_load": load[first],
        "static_eligible": eligible[first],
        "static_cross_ok": cross_ok[first],
        "years_values": years[first][years_first],
        "static_years_key": static_years_key,
        "mask_values": availability[first][mask_first],
        "static_mask_key": static_mask_key,
    }


def _occ_by_prefix(occ_codes: Int32Array) -> tuple[dict[int, KeyArray], ...]:
    """Per prefix level (major … detailed): prefix -> indices into occ_codes having it."""
    found: list[dict[int, KeyArray]] = []
    for depth in range(4):
        groups: dict[int, list[int]] = {}
        for position, prefix in enumerate(occ_codes[:, depth].tolist()):
            if prefix >= 0:
                groups.setdefault(prefix, []).append(position)
        found.append({k: np.array(v, dtype=np.intp) for k, v in groups.items()})
    return tuple(found)


def _blocked_by(pool: Sequence[Candidate]) -> dict[Hashable, Int32Array]:
    """Seeker id -> the rows of the candidates who blocked that seeker."""
    blocked: dict[Hashable, list[int]] = {}
    for row, candidate in enumerate(pool):
        for seeker_id in candidate.blocked:
            blocked.setdefault(seeker_id, []).append(row)
    return {k: np.array(v, dtype=np.int32) for k, v in blocked.items()}
