"""Rank the directory for an anonymized seeker with the shared engine, filters applied.

The CandidateMatrix over every listed profile is built once per process and rebuilt when
the profiles change: the process checks a fingerprint of the table (row count, newest
``updated_at``, each community's status and ``profiles_version``) at most every
``DIRECTORY_CACHE_SECONDS`` (default 1 s), so a burst of searches costs one cheap query,
not one rebuild each. A directory of ``DIRECTORY_BACKGROUND_ROWS`` profiles or more
(default 20,000; a rebuild then takes seconds) is rebuilt in a background thread while
searches keep using the previous matrix; a smaller one is rebuilt at once, so answers
follow changes directly.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import weakref
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from flask import Flask, current_app
from sqlalchemy import Engine, Text, cast, func, select

from hub.communities.models import Community, CommunityRef, CommunityStatus
from hub.directory.services import _occupation_prefix
from hub.errors import InvalidInput
from hub.extensions import db
from hub.profiles.models import Profile
from shared.matching import DEFAULT_WEIGHTS, Candidate, CandidateMatrix, Seeker, ranking
from shared.taxonomy import default_taxonomy
from shared.taxonomy.skills import default_skills, skill_label

#: Midpoints of the experience bands, so years can be compared.
BAND_YEARS: dict[str, float] = {"0-4": 2.0, "5-9": 7.0, "10-19": 14.0, "20+": 22.0}
SEEKER_ID = "seeker"


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


@dataclass(frozen=True)
class Directory:
    """The matrix of every listed profile and the per-row facts filters and answers read."""

    matrix: CandidateMatrix
    rows: tuple[Listed, ...]  # in matrix row order
    occupations: tuple[str, ...]  # distinct occupation codes ("" for none)
    occupation_key: npt.NDArray[np.intp]  # each row's index into occupations
    remote_ok: npt.NDArray[np.bool_]
    # Each row's wire entry as JSON, written the first time a search returns it.
    entry_json: dict[int, str] = field(default_factory=dict, compare=False)

    def entry(self, row: int) -> str:
        """Return a row's DirectoryEntrySchema entry, serialized."""
        text = self.entry_json.get(row)
        if text is None:
            text = self.entry_json[row] = _dumps(_entry(self.rows[row]))
        return text


@dataclass
class _Cache:
    fingerprint: Hashable = None
    checked_at: float = 0.0
    directory: Directory | None = None
    rebuilding: threading.Thread | None = None


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

# Only the columns a search reads; JSON as text, so identical values are decoded once.
_COLUMNS = (
    Profile.id,
    Community.slug,
    Profile.occupation,
    Profile.occupation_level,
    Profile.experience_band,
    cast(Profile.languages, Text).label("languages"),
    cast(Profile.skills, Text).label("skills"),
    cast(Profile.availability, Text).label("availability"),
    Profile.remote_ok,
    Profile.cross_city_ok,
    Profile.accepting,
    Profile.updated_at,
)


def _fingerprint() -> Hashable:
    # count(*) reads the smallest index, max(updated_at) one end of its own index; they see
    # profiles written by other means than a sync (the CLI, tests). Each community's
    # profiles_version sees every sync, whatever order syncs commit in; status sees a
    # suspension (a suspended community's profiles leave the directory).
    count, newest = db.session.execute(
        select(func.count(), func.max(Profile.updated_at)).select_from(Profile)
    ).one()
    communities = tuple(
        (id_, status, version)
        for id_, status, version in db.session.execute(
            select(Community.id, Community.status, Community.profiles_version).order_by(
                Community.id
            )
        )
    )
    return (count, newest, communities)


def _entry(row: Listed) -> dict[str, Any]:
    """Return what DirectoryEntrySchema dumps for a row (the test compares the two)."""
    taxonomy = default_taxonomy()
    return {
        "id": row.id,
        "community": row.slug,
        "occupation": row.occupation,
        "occupation_level": row.occupation_level,
        "occupation_title": taxonomy.get(row.occupation).title if row.occupation else "",
        "experience_band": row.experience_band,
        "languages": [
            {"language": lang["language"], "level": lang["level"]} for lang in row.languages
        ],
        "skills": list(row.skills),
        "availability": list(row.availability),
        "remote_ok": row.remote_ok,
        "cross_city_ok": row.cross_city_ok,
        "accepting": row.accepting,
        "updated_at": row.updated_at.isoformat(),
    }


def _build() -> Directory:
    result = db.session.execute(
        select(*_COLUMNS)
        .join(Community, Community.id == Profile.community_id)
        .where(Profile.deleted.is_(False), Community.status != CommunityStatus.SUSPENDED)
    )
    # Most profiles share their languages and availability: decode each text once.
    languages: dict[str | None, tuple[list[dict[str, str]], dict[str, str]]] = {None: ([], {})}
    slots: dict[str | None, tuple[list[str], frozenset[str]]] = {None: ([], frozenset())}
    candidates = []
    listed = []
    for row in result:
        spoken = languages.get(row.languages)
        if spoken is None:
            decoded = json.loads(row.languages)
            spoken = languages[row.languages] = (
                decoded,
                {lang["language"]: lang["level"] for lang in decoded},
            )
        available = slots.get(row.availability)
        if available is None:
            decoded = json.loads(row.availability)
            available = slots[row.availability] = (decoded, frozenset(decoded))
        skills = json.loads(row.skills) if row.skills is not None else []
        profile = Listed(
            row.id,
            row.slug,
            row.occupation,
            row.occupation_level,
            row.experience_band,
            spoken[0],
            skills,
            available[0],
            row.remote_ok,
            row.cross_city_ok,
            row.accepting,
            row.updated_at,
        )
        listed.append(profile)
        candidates.append(
            Candidate(
                id=profile.id,
                occupation=profile.occupation,
                skills=frozenset(skills),
                years=BAND_YEARS.get(profile.experience_band or ""),
                languages=spoken[1],
                availability=available[1],
                community=profile.slug,
                # A directory profile has no capacity figure: accepting or not.
                capacity=1,
                capacity_left=1 if profile.accepting else 0,
                remote_ok=profile.remote_ok,
                cross_city_ok=profile.cross_city_ok,
            )
        )
    matrix = CandidateMatrix.build(candidates)
    default_skills()  # loaded once per process for the reasons' skill labels: now, not mid-search
    # The matrix sorts its rows (by community): put the profiles in the same order.
    ordered: list[Listed | None] = [None] * len(listed)
    for profile in listed:
        ordered[matrix.index[profile.id]] = profile
    rows = tuple(p for p in ordered if p is not None)
    occupations: dict[str, int] = {}
    occupation_key = np.fromiter(
        (occupations.setdefault(r.occupation or "", len(occupations)) for r in rows),
        dtype=np.intp,
        count=len(rows),
    )
    return Directory(
        matrix=matrix,
        rows=rows,
        occupations=tuple(occupations),
        occupation_key=occupation_key,
        remote_ok=np.fromiter((r.remote_ok for r in rows), dtype=bool, count=len(rows)),
    )


def directory() -> Directory:
    """Return this process's matrix of the directory, rebuilt if the profiles changed."""
    ttl = float(current_app.config.get("DIRECTORY_CACHE_SECONDS", 1.0))
    background_rows = int(current_app.config.get("DIRECTORY_BACKGROUND_ROWS", 20_000))
    engine = db.engine
    with _lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = _Cache()
        now = time.monotonic()
        if cache.directory is not None and (
            cache.rebuilding is not None or now - cache.checked_at < ttl
        ):
            return cache.directory
        fingerprint = _fingerprint()
        cache.checked_at = now
        if cache.directory is not None and fingerprint == cache.fingerprint:
            return cache.directory
        if cache.directory is None or len(cache.directory.rows) < background_rows:
            cache.directory = _build()
            cache.fingerprint = fingerprint
            return cache.directory
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        cache.rebuilding = threading.Thread(
            target=_rebuild, args=(app, cache), name="directory-rebuild", daemon=True
        )
        cache.rebuilding.start()
        return cache.directory


def _rebuild(app: Flask, cache: _Cache) -> None:
    """Build a new matrix in its own app context and session, then swap it in."""
    built: tuple[Hashable, Directory] | None = None
    try:
        with app.app_context():
            fingerprint = _fingerprint()
            built = fingerprint, _build()
    except Exception:  # a failed rebuild must not take the previous matrix away
        app.logger.exception("Rebuilding the directory matrix failed; kept the previous one.")
    finally:
        with _lock:
            if built is not None:
                cache.fingerprint, cache.directory = built
            cache.rebuilding = None
            cache.checked_at = time.monotonic()


def wait_for_rebuild(timeout: float = 60.0) -> None:
    """Wait until no background rebuild is running (tests, and a clean shutdown)."""
    with _lock:
        running = [c.rebuilding for c in _caches.values() if c.rebuilding is not None]
    for thread in running:
        thread.join(timeout)


def _rows_of(keys: npt.NDArray[np.intp], distinct: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Spread a filter computed once per distinct value over the rows holding each value."""
    return np.asarray(distinct[keys], dtype=bool)


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
            wanted = [code.startswith(prefix) for code in found.occupations]
        else:
            wanted = [code == prefix for code in found.occupations]
        narrow(_rows_of(found.occupation_key, np.array(wanted, dtype=bool)))
    elif args.get("related"):
        raise InvalidInput({"related": ["Give an occupation to relate to."]})
    if args.get("language"):
        columns = [matrix.language_ids[c] for c in args["language"] if c in matrix.language_ids]
        spoken = (matrix.lang_profiles[:, columns] > 0).any(axis=1)
        narrow(_rows_of(matrix.lang_key, np.asarray(spoken, dtype=bool)))
    if args.get("skill"):
        keep = np.zeros(len(matrix), dtype=bool)
        for skill in args["skill"]:
            column = matrix.skill_ids.get(skill)
            if column is not None:
                stop = matrix.skill_indptr[column + 1]
                keep[matrix.skill_rows[matrix.skill_indptr[column] : stop]] = True
        narrow(keep)
    if args.get("remote_ok") is not None:
        narrow(found.remote_ok == bool(args["remote_ok"]))
    if args.get("community"):
        keep = np.zeros(len(matrix), dtype=bool)
        start, stop = matrix.communities.get(args["community"], (0, 0))
        keep[start:stop] = True
        narrow(keep)
    return mask


def seeker_of(caller: CommunityRef, args: Mapping[str, Any]) -> Seeker:
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


def search(caller: CommunityRef, args: Mapping[str, Any]) -> str:
    """Rank listed profiles for the seeker the query describes; best first, explained.

    Returns DirectorySearchSchema's document as JSON text: the profiles' entries are
    serialized once per process and spliced in, as marshmallow would dump them.
    """
    found = directory()
    ranked = ranking(
        seeker_of(caller, args),
        found.matrix,
        int(args["k"]),
        DEFAULT_WEIGHTS,
        cross_city=True,
        own_community=bool(args.get("include_own")),
        skill_label=skill_label,
        keep=_mask(found, args),
    )
    items = []
    for hit in ranked.suggestions:
        row = found.matrix.index[hit.candidate_id]
        # One encode per hit; the profile's entry, serialized once, goes in front.
        rest = _dumps(
            {
                "score": round(hit.score, 4),
                "contributions": {k: round(v, 4) for k, v in hit.contributions.items()},
                "reasons": hit.reasons,
            }
        )
        items.append(f'{{"profile":{found.entry(row)},{rest[1:]}')
    candidates = ranked.considered
    return f'{{"items":[{",".join(items)}],"candidates":{candidates}}}'
