"""The listed profiles' directory fields kept as numbers: no Python object per profile.

A hub worker holds every listed profile in memory (a million at national scale). Kept
as one tuple of decoded lists each, they took about 3 KB a profile; here each is a slot
of flat arrays: repeated values (occupations, levels, bands, the languages' and the
availability's JSON texts, communities, time zones) are numbered once, the skills are
numbers into a vocabulary laid end to end (one run per profile), and the stamp is
microseconds since the epoch. :meth:`ListingStore.listed` decodes one slot back into
the :class:`Listed` it was written from, for the few profiles a search or a list page
returns.

Slots are written once: a changed profile gets a new slot, and the old one (like a
removed profile's) is only retired, so a search still ranking with the previous matrix
reads the profile as that matrix knew it. Retired slots are reused after the next change
(:meth:`ListingStore.release`), as the directory's previous matrix is then gone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NAIVE_EPOCH = dt.datetime(1970, 1, 1)
_MICROSECOND = dt.timedelta(microseconds=1)
_REMOTE, _CROSS_CITY, _ACCEPTING = 1, 2, 4


class Listed(NamedTuple):
    """A listed profile's columns a search reads (JSON columns decoded)."""

    id: int
    slug: str
    occupation: str | None
    occupation_level: str | None
    experience_band: str | None
    languages: list[dict[str, str]]
    skills: list[str]
    availability: list[str]
    remote_ok: bool
    cross_city_ok: bool
    accepting: bool
    updated_at: dt.datetime


class _Numbered:
    """Distinct values, each numbered once (append only: a number never changes)."""

    def __init__(self) -> None:
        self.number: dict[Hashable, int] = {}
        self.values: list[Any] = []

    def __call__(self, value: Hashable, decoded: Any = None) -> int:
        found = self.number.get(value)
        if found is None:
            found = self.number[value] = len(self.values)
            self.values.append(value if decoded is None else decoded)
        return found


_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("id", np.int64),
    ("version", np.int64),
    ("community", np.int32),
    ("occupation", np.int32),
    ("level", np.int32),
    ("band", np.int32),
    ("languages", np.int32),
    ("availability", np.int32),
    ("flags", np.uint8),
    ("stamp", np.int64),  # updated_at, microseconds since the epoch
    ("zone", np.int32),  # updated_at's time zone
    ("skill_count", np.int32),
    # how many times the slot was written: a cached answer names the write it came from
    ("generation", np.int64),
)


class ListingStore:
    """Listed profiles by id, each in one slot of flat arrays (see the module docstring)."""

    id: npt.NDArray[np.int64]
    version: npt.NDArray[np.int64]
    community: npt.NDArray[np.int32]
    occupation: npt.NDArray[np.int32]
    level: npt.NDArray[np.int32]
    band: npt.NDArray[np.int32]
    languages: npt.NDArray[np.int32]
    availability: npt.NDArray[np.int32]
    flags: npt.NDArray[np.uint8]
    stamp: npt.NDArray[np.int64]
    zone: npt.NDArray[np.int32]
    skill_count: npt.NDArray[np.int32]
    generation: npt.NDArray[np.int64]

    def __init__(self) -> None:
        self._capacity = 0
        self._used = 0
        self._free: list[int] = []
        self._retired: list[int] = []
        # profile id -> slot (-1: not held); the hub's ids are small dense integers
        self._slot_of = np.full(1024, -1, dtype=np.int32)
        self._held = 0
        self._slugs: dict[int, str] = {}
        self._strings = _Numbered()  # occupations, levels, bands (and None)
        self._languages = _Numbered()  # JSON text -> decoded list
        self._availability = _Numbered()
        self._zones = _Numbered()
        self._skills = _Numbered()
        # Each slot's run start, and the runs' data: one pair, replaced as one, so a
        # reader never pairs the starts of one with the data of another.
        self._runs = (np.zeros(0, dtype=np.int64), np.zeros(4096, dtype=np.int32))
        self._skill_end = 0
        self._grow(1024)

    def _grow(self, capacity: int) -> None:
        for name, dtype in _COLUMNS:
            new = np.zeros(capacity, dtype=dtype)
            if self._capacity:
                new[: self._capacity] = getattr(self, name)
            setattr(self, name, new)
        starts, data = self._runs
        grown = np.zeros(capacity, dtype=np.int64)
        grown[: len(starts)] = starts
        self._runs = (grown, data)
        self._capacity = capacity

    def __len__(self) -> int:
        return self._held

    def slot(self, profile_id: int) -> int:
        """Return the profile's slot, or -1 if it is not held."""
        return int(self._slot_of[profile_id]) if 0 <= profile_id < len(self._slot_of) else -1

    def slots(self, profile_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Return the slots of held profiles (one array lookup, no Python per profile)."""
        return self._slot_of[profile_ids]

    def held_version(self, profile_id: int) -> int | None:
        """Return the version held of a profile, or None."""
        slot = self.slot(profile_id)
        return None if slot < 0 else int(self.version[slot])

    def put(self, row: Any, skills: list[str]) -> int:
        """Write a profile (a row of the search's columns) into a new slot; return it."""
        profile_id = int(row.id)
        slot = self._free.pop() if self._free else self._take()
        self.id[slot] = profile_id
        self.version[slot] = row.version
        self.community[slot] = row.community_id
        self._slugs.setdefault(row.community_id, row.slug)
        self.occupation[slot] = self._strings(row.occupation)
        self.level[slot] = self._strings(row.occupation_level)
        self.band[slot] = self._strings(row.experience_band)
        self.languages[slot] = self._number(self._languages, row.languages)
        self.availability[slot] = self._number(self._availability, row.availability)
        self.flags[slot] = (
            (_REMOTE if row.remote_ok else 0)
            | (_CROSS_CITY if row.cross_city_ok else 0)
            | (_ACCEPTING if row.accepting else 0)
        )
        stamp: dt.datetime = row.updated_at
        zone = stamp.tzinfo
        self.zone[slot] = self._zones(zone)
        self.stamp[slot] = (stamp - (_NAIVE_EPOCH if zone is None else _EPOCH)) // _MICROSECOND
        self._put_skills(slot, [self._skills(s) for s in skills])
        self.generation[slot] += 1
        self._place(profile_id, slot)
        return slot

    def remove(self, profile_id: int) -> None:
        """Stop holding a profile; its slot is retired, still readable until released."""
        slot = self.slot(profile_id)
        if slot >= 0:
            self._slot_of[profile_id] = -1
            self._held -= 1
            self._retired.append(slot)

    def release(self) -> None:
        """Let the slots retired before now be written again (no matrix reads them)."""
        self._free.extend(self._retired)
        self._retired = []

    def listed(self, slot: int) -> Listed:
        """Decode one slot back into the profile it was written from."""
        strings = self._strings.values
        starts, data = self._runs
        start = int(starts[slot])
        skill_names = self._skills.values
        skills = [
            skill_names[n] for n in data[start : start + int(self.skill_count[slot])].tolist()
        ]
        flags = int(self.flags[slot])
        zone = self._zones.values[int(self.zone[slot])]
        when = dt.timedelta(microseconds=int(self.stamp[slot]))
        return Listed(
            int(self.id[slot]),
            self._slugs[int(self.community[slot])],
            strings[int(self.occupation[slot])],
            strings[int(self.level[slot])],
            strings[int(self.band[slot])],
            self._languages.values[int(self.languages[slot])],
            skills,
            self._availability.values[int(self.availability[slot])],
            bool(flags & _REMOTE),
            bool(flags & _CROSS_CITY),
            bool(flags & _ACCEPTING),
            _NAIVE_EPOCH + when if zone is None else (_EPOCH + when).astimezone(zone),
        )

    def accepting(self, slots: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
        return (self.flags[slots] & _ACCEPTING) > 0

    def cross_city_ok(self, slots: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
        return (self.flags[slots] & _CROSS_CITY) > 0

    @staticmethod
    def _number(table: _Numbered, text: str | None) -> int:
        found = table.number.get(text)
        if found is None:
            found = table(text, [] if text is None else json.loads(text))
        return found

    def _take(self) -> int:
        if self._used == self._capacity:
            self._grow(self._capacity * 2)
        self._used += 1
        return self._used - 1

    def _place(self, profile_id: int, slot: int) -> None:
        if profile_id >= len(self._slot_of):
            grown = np.full(max(2 * len(self._slot_of), profile_id + 1), -1, dtype=np.int32)
            grown[: len(self._slot_of)] = self._slot_of
            self._slot_of = grown
        before = int(self._slot_of[profile_id])
        if before >= 0:
            self._retired.append(before)  # the profile as the current matrix knows it
        else:
            self._held += 1
        self._slot_of[profile_id] = slot

    def _put_skills(self, slot: int, numbers: list[int]) -> None:
        """Append a slot's skills to the runs' data, compacting it first when full."""
        count = len(numbers)
        if self._skill_end + count > len(self._runs[1]):
            self._compact_skills(count)
        starts, data = self._runs
        starts[slot] = self._skill_end
        self.skill_count[slot] = count
        data[self._skill_end : self._skill_end + count] = numbers
        self._skill_end += count

    def _compact_skills(self, room: int) -> None:
        """Copy the runs of the slots held or retired into new arrays, with room to spare."""
        live = np.zeros(self._used, dtype=bool)
        live[self._slot_of[self._slot_of >= 0]] = True
        live[self._retired] = True
        slots = np.flatnonzero(live)
        old_starts, old_data = self._runs
        counts = self.skill_count[slots].astype(np.int64)
        total = int(counts.sum())
        data = np.zeros(max(4096, 2 * (total + room)), dtype=np.int32)
        ends = np.cumsum(counts)
        positions = np.repeat(old_starts[slots] - (ends - counts), counts)
        data[:total] = old_data[positions + np.arange(total, dtype=np.int64)]
        starts = old_starts.copy()
        starts[slots] = ends - counts
        self._runs = (starts, data)
        self._skill_end = total
