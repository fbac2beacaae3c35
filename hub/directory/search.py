"""Rank the directory for an anonymized seeker with the shared engine, filters applied.

The CandidateMatrix over every listed profile is built once per process and rebuilt when
the profiles change: the process checks a fingerprint of the table (row count, newest
``updated_at``, suspended communities) at most every ``DIRECTORY_CACHE_SECONDS``
(default 1 s), so a burst of searches costs one cheap query, not one rebuild each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from flask import current_app
from sqlalchemy import func, select

from hub.communities.models import Community, CommunityStatus
from hub.directory.services import _occupation_prefix
from hub.errors import InvalidInput
from hub.extensions import db
from hub.profiles.models import Profile
from shared.matching import Candidate, CandidateMatrix, Seeker, Weights
from shared.matching.engine import scores, suggestion, top_k
from shared.taxonomy import default_taxonomy
from shared.taxonomy.skills import UnknownSkill, default_skills

#: Midpoints of the experience bands, so years can be compared.
BAND_YEARS: dict[str, float] = {"0-4": 2.0, "5-9": 7.0, "10-19": 14.0, "20+": 22.0}
SEEKER_ID = "seeker"


@dataclass(frozen=True)
class Directory:
    """The matrix of every listed profile and the per-row facts filters read."""

    matrix: CandidateMatrix
    entries: tuple[dict[str, Any], ...]  # wire entries, in matrix row order
    occupation: npt.NDArray[np.str_]
    remote_ok: npt.NDArray[np.bool_]


@dataclass
class _Cache:
    fingerprint: Hashable = None
    checked_at: float = 0.0
    directory: Directory | None = None


_caches: dict[str, _Cache] = {}
_lock = threading.Lock()


def _fingerprint() -> Hashable:
    count, newest = db.session.execute(
        select(func.count(Profile.id), func.max(Profile.updated_at))
    ).one()
    suspended = tuple(
        db.session.scalars(
            select(Community.id).where(Community.status == CommunityStatus.SUSPENDED)
        )
    )
    return (count, newest, suspended)


def _entry(profile: Profile, slug: str) -> dict[str, Any]:
    taxonomy = default_taxonomy()
    return {
        "id": profile.id,
        "community": slug,
        "occupation": profile.occupation,
        "occupation_level": profile.occupation_level,
        "occupation_title": taxonomy.get(profile.occupation).title if profile.occupation else "",
        "experience_band": profile.experience_band,
        "languages": profile.languages,
        "skills": profile.skills,
        "availability": profile.availability,
        "remote_ok": profile.remote_ok,
        "cross_city_ok": profile.cross_city_ok,
        "accepting": profile.accepting,
        "updated_at": profile.updated_at,
    }


def _build() -> Directory:
    rows = db.session.execute(
        select(Profile, Community.slug)
        .join(Community, Community.id == Profile.community_id)
        .where(Profile.deleted.is_(False), Community.status != CommunityStatus.SUSPENDED)
    ).all()
    entries = {p.id: _entry(p, slug) for p, slug in rows}
    candidates = [
        Candidate(
            id=p.id,
            occupation=p.occupation,
            skills=frozenset(p.skills or ()),
            years=BAND_YEARS.get(p.experience_band or ""),
            languages={lang["language"]: lang["level"] for lang in p.languages or ()},
            availability=frozenset(p.availability or ()),
            community=slug,
            # A directory profile has no capacity figure: accepting or not.
            capacity=1,
            capacity_left=1 if p.accepting else 0,
            remote_ok=p.remote_ok,
            cross_city_ok=p.cross_city_ok,
        )
        for p, slug in rows
    ]
    matrix = CandidateMatrix.build(candidates)
    ordered = tuple(entries[int(c.id)] for c in matrix.candidates)  # type: ignore[call-overload]
    return Directory(
        matrix=matrix,
        entries=ordered,
        occupation=np.array([e["occupation"] or "" for e in ordered], dtype=np.str_),
        remote_ok=np.array([e["remote_ok"] for e in ordered], dtype=bool),
    )


def directory() -> Directory:
    """Return this process's matrix of the directory, rebuilt if the profiles changed."""
    ttl = float(current_app.config.get("DIRECTORY_CACHE_SECONDS", 1.0))
    key = str(db.engine.url)
    with _lock:
        cache = _caches.setdefault(key, _Cache())
        now = time.monotonic()
        if cache.directory is not None and now - cache.checked_at < ttl:
            return cache.directory
        fingerprint = _fingerprint()
        cache.checked_at = now
        if cache.directory is None or fingerprint != cache.fingerprint:
            cache.directory = _build()
            cache.fingerprint = fingerprint
        return cache.directory


def _mask(found: Directory, args: Mapping[str, Any]) -> npt.NDArray[np.bool_] | None:
    """Rows the filters keep (None: no filter)."""
    matrix = found.matrix
    mask: npt.NDArray[np.bool_] | None = None

    def narrow(keep: npt.NDArray[np.bool_]) -> None:
        nonlocal mask
        mask = keep if mask is None else mask & keep

    if args.get("occupation"):
        prefix = _occupation_prefix(args["occupation"], args.get("related"))
        if args.get("related"):
            narrow(np.asarray(np.char.startswith(found.occupation, prefix), dtype=bool))
        else:
            narrow(found.occupation == prefix)
    elif args.get("related"):
        raise InvalidInput({"related": ["Give an occupation to relate to."]})
    if args.get("language"):
        columns = [matrix.language_ids[c] for c in args["language"] if c in matrix.language_ids]
        if columns:
            narrow(np.asarray((matrix.language_ranks[:, columns] > 0).any(axis=1), dtype=bool))
        else:
            narrow(np.zeros(len(matrix), dtype=bool))
    if args.get("skill"):
        columns = [matrix.skill_ids[s] for s in args["skill"] if s in matrix.skill_ids]
        if columns:
            narrow(np.asarray(matrix.skills[:, columns].sum(axis=1)).ravel() > 0)
        else:
            narrow(np.zeros(len(matrix), dtype=bool))
    if args.get("remote_ok") is not None:
        narrow(found.remote_ok == bool(args["remote_ok"]))
    if args.get("community"):
        keep = np.zeros(len(matrix), dtype=bool)
        start, stop = matrix.communities.get(args["community"], (0, 0))
        keep[start:stop] = True
        narrow(keep)
    return mask


def _skill_label(skill_id: str) -> str:
    try:
        return default_skills().label(skill_id)
    except UnknownSkill:
        return skill_id


def seeker_of(caller: Community, args: Mapping[str, Any]) -> Seeker:
    languages: dict[str, str] = {}
    for item in args.get("seeker_language") or ():
        code, _, level = item.partition(":")
        languages[code] = level or "B2"
    return Seeker(
        id=SEEKER_ID,
        target_occupation=args["target_occupation"],
        skills=frozenset(args.get("seeker_skill") or ()),
        years=BAND_YEARS.get(args.get("experience_band") or ""),
        languages=languages,
        community=caller.slug,
        cross_city_ok=True,
    )


def search(caller: Community, args: Mapping[str, Any]) -> dict[str, Any]:
    """Rank listed profiles for the seeker the query describes; best first, explained."""
    found = directory()
    matrix = found.matrix
    seeker = seeker_of(caller, args)
    weights = Weights()
    own = bool(args.get("include_own"))
    start, values = scores(seeker, matrix, weights, cross_city=True, own_community=own)
    mask = _mask(found, args)
    if mask is not None and len(values):
        values = np.where(mask[start : start + len(values)], values, -np.inf)
    candidates = int(np.isfinite(values).sum()) if len(values) else 0
    items = []
    for position in top_k(values, int(args["k"])):
        row = start + int(position)
        hit = suggestion(
            seeker,
            matrix,
            row,
            weights,
            cross_city=True,
            own_community=own,
            skill_label=_skill_label,
        )
        items.append(
            {
                "profile": found.entries[row],
                "score": round(hit.score, 4),
                "contributions": {k: round(v, 4) for k, v in hit.contributions.items()},
                "reasons": hit.reasons,
            }
        )
    return {"items": items, "candidates": candidates}
