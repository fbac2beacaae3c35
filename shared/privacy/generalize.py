"""Generalize connector profiles so every published (occupation, band) cell has ≥ k profiles.

Each connector starts in the cell (its SOC code, its experience band). Cells are settled
from the finest SOC level to the coarsest; a cell with fewer than k profiles moves all of
them to the cell of the parent code (the nearest ancestor listed in the taxonomy) with the
same band, where they are counted together with the profiles already there. A small cell
at the major-group level drops its band instead. Profiles left in a major-group cell
without band that still has fewer than k profiles first absorb the group's smallest banded
major cells, when that reaches k; otherwise they are not listed at all.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from shared.taxonomy import Level, Taxonomy, UnknownOccupation, default_taxonomy

DEFAULT_K = 5

EXPERIENCE_BANDS = ("0-4", "5-9", "10-19", "20+")

# Settling order: finest level first, so a cell is counted only once every cell that
# can move profiles into it has been settled.
_DEPTH = {Level.DETAILED: 0, Level.AGGREGATE: 0, Level.BROAD: 1, Level.MINOR: 2, Level.MAJOR: 3}


def experience_band(years: int | None) -> str | None:
    """Return the experience band for a number of years in the field."""
    if years is None:
        return None
    if isinstance(years, bool) or not isinstance(years, int):
        raise TypeError("years must be an int or None")
    if years < 0:
        raise ValueError("years in the field cannot be negative")
    if years < 5:
        return "0-4"
    if years < 10:
        return "5-9"
    if years < 20:
        return "10-19"
    return "20+"


@dataclass(frozen=True, slots=True)
class ConnectorFacts:
    """The only connector facts that anonymization may read; no personal data fits here."""

    local_id: int
    occupation: str | None
    years_in_field: int | None
    languages: tuple[tuple[str, str], ...]
    availability: tuple[str, ...]
    remote_ok: bool
    cross_city_ok: bool
    accepting: bool
    skills: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Generalized:
    """What a connector may be published as; occupation None means "do not list"."""

    occupation: str | None
    occupation_level: str | None
    experience_band: str | None

    @property
    def listed(self) -> bool:
        """Tell whether the connector may appear in the directory."""
        return self.occupation is not None


NOT_LISTED = Generalized(occupation=None, occupation_level=None, experience_band=None)

_Cell = tuple[str, str | None]  # (SOC code, experience band)


def generalize(
    facts: Sequence[ConnectorFacts],
    k: int = DEFAULT_K,
    *,
    taxonomy: Taxonomy | None = None,
) -> dict[int, Generalized]:
    """Return, for every connector, the coarsest-needed (occupation, band) to publish."""
    if k < 1:
        raise ValueError("k must be at least 1")
    soc = taxonomy if taxonomy is not None else default_taxonomy()
    result: dict[int, Generalized] = {}
    members: dict[_Cell, list[int]] = defaultdict(list)
    for fact in facts:
        if fact.local_id in result:
            raise ValueError(f"duplicate connector local_id: {fact.local_id}")
        result[fact.local_id] = NOT_LISTED
        if fact.occupation is None:
            continue
        try:
            code = soc.get(fact.occupation).code
        except UnknownOccupation:
            # Without a place in the hierarchy the profile cannot be generalized safely.
            continue
        members[(code, experience_band(fact.years_in_field))].append(fact.local_id)

    published: dict[_Cell, list[int]] = {}
    residue: dict[str, list[int]] = {}  # major code -> unbanded major cell below k
    queue = [(_settle_order(soc, cell), cell) for cell in members]
    heapq.heapify(queue)
    while queue:
        _, cell = heapq.heappop(queue)
        ids = members.pop(cell)
        code, band = cell
        parent = soc.get(code).parent
        if len(ids) >= k:
            published[cell] = ids
            continue
        if parent is not None:
            target: _Cell = (parent, band)
        elif band is not None:
            target = (code, None)
        else:
            residue[code] = ids
            continue
        if target not in members:
            # The target always sorts after the current cell, so it is still to come.
            heapq.heappush(queue, (_settle_order(soc, target), target))
        members[target].extend(ids)

    for major, ids in residue.items():
        banded = sorted(
            (c for c in published if c[0] == major and c[1] is not None),
            key=lambda c: (len(published[c]), c[1] or ""),
        )
        if len(ids) + sum(len(published[c]) for c in banded) < k:
            continue  # the whole group is too small to list anyone in it
        merged = list(ids)
        for c in banded:
            if len(merged) >= k:
                break
            merged.extend(published.pop(c))
        published[(major, None)] = merged

    for (code, band), ids in published.items():
        level = soc.get(code).level
        # An OEWS aggregate (21-1018) is as fine as a detailed occupation on the wire.
        wire_level = (Level.DETAILED if level is Level.AGGREGATE else level).value
        for local_id in ids:
            result[local_id] = Generalized(code, wire_level, band)
    return result


def _settle_order(soc: Taxonomy, cell: _Cell) -> tuple[int, bool, str, str]:
    """Sort cells so no cell is settled before any cell that can flow into it."""
    code, band = cell
    return (_DEPTH[soc.get(code).level], band is None, code, band or "")
