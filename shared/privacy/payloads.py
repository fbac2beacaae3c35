"""Build the wire Profile and Tombstone of docs/protocol.md from allow-listed facts only."""

from __future__ import annotations

from typing import Any

from shared.privacy.generalize import EXPERIENCE_BANDS, ConnectorFacts, Generalized
from shared.privacy.refs import is_ref
from shared.taxonomy import Level

#: The wire Profile's fields, in order; the hub's quick loader accepts exactly these too.
PROFILE_FIELDS = (
    "ref",
    "version",
    "occupation",
    "occupation_level",
    "experience_band",
    "languages",
    "skills",
    "availability",
    "remote_ok",
    "cross_city_ok",
    "accepting",
)
TOMBSTONE_FIELDS = ("ref", "version", "deleted")

_LEVELS = frozenset(level.value for level in Level)
# CEFR order; the wire carries one level per language, so the highest one is sent.
_LANGUAGE_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")


def profile_payload(
    facts: ConnectorFacts, *, ref: str, version: int, g: Generalized
) -> dict[str, Any]:
    """Return the wire Profile for a listed connector, built field by field."""
    _check_ref_version(ref, version)
    if g.occupation is None or g.occupation_level is None:
        raise ValueError("connector is not listed; send a tombstone instead")
    if g.occupation_level not in _LEVELS:
        raise ValueError(f"invalid occupation level: {g.occupation_level!r}")
    if g.experience_band is not None and g.experience_band not in EXPERIENCE_BANDS:
        raise ValueError(f"invalid experience band: {g.experience_band!r}")
    # Sorted and de-duplicated so that the same state always yields the same bytes,
    # which keeps Idempotency-Key replays and change detection exact.
    return {
        "ref": ref,
        "version": version,
        "occupation": str(g.occupation),
        "occupation_level": str(g.occupation_level),
        "experience_band": None if g.experience_band is None else str(g.experience_band),
        "languages": [
            {"language": str(language), "level": str(level)}
            for language, level in sorted(_best_levels(facts.languages).items())
        ],
        "skills": sorted({str(skill) for skill in facts.skills}),
        "availability": sorted({str(slot) for slot in facts.availability}),
        "remote_ok": bool(facts.remote_ok),
        "cross_city_ok": bool(facts.cross_city_ok),
        "accepting": bool(facts.accepting),
    }


def tombstone_payload(ref: str, version: int) -> dict[str, Any]:
    """Return the wire Tombstone that removes a ref from the hub directory."""
    _check_ref_version(ref, version)
    return {"ref": ref, "version": version, "deleted": True}


def _best_levels(languages: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Return one level per language, the highest when a language is given twice."""
    best: dict[str, str] = {}
    for language, level in languages:
        if language not in best or _rank(level) > _rank(best[language]):
            best[language] = level
    return best


def _rank(level: str) -> tuple[int, str]:
    known = level in _LANGUAGE_LEVELS
    return (_LANGUAGE_LEVELS.index(level) if known else -1, level)


def _check_ref_version(ref: str, version: int) -> None:
    if not is_ref(ref):
        raise ValueError("ref must be 32 lowercase hex characters (see pseudonym())")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError("version must be an int ≥ 1")
