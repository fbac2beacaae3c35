"""Rank the directory for an anonymized seeker with the shared engine, filters applied.

Each process keeps the listed profiles in a ``CandidatePool`` (shared.matching.pool) and
the matrix over its slots (``CandidatePool.patched``). It checks a fingerprint of the
table (newest id, newest ``updated_at``, each community's status and
``profiles_version``) at most every ``DIRECTORY_CACHE_SECONDS`` (default 1 s; 0: before
every search, so a search after a committed sync sees it). A sync bumps its community's
``profiles_version`` in the transaction that writes the profiles, so the version is the
change log each worker applies on its own: for a community whose version moved, the
worker reads that community's live (id, version) pairs, fetches only the profiles whose
version it does not hold, drops the ones gone, and patches the matrix in place: rows are
pool slots, a changed profile's row rewritten, a new one in a freed slot or at the end,
a removed one a row nobody matches until reused, the skills' column index folded again
once a 16th of the rows (at most 16,384) changed (made beside the searches, installed
under the lock). O(k) for k changed profiles, no reassembly, and no worker rebuilds.
Searches read the directory under ``_Guard``'s read side and an update writes under its
write side, so none sees a half-written row.
Anything else (a status change, rows written without a sync, the first search, removed
profiles' rows a quarter of the matrix) rebuilds the pool from the table; a directory of
``DIRECTORY_BACKGROUND_ROWS`` profiles or more (default 20,000) is rebuilt in a
background thread while searches keep using the previous matrix. For such a directory,
when ``DIRECTORY_CACHE_SECONDS`` is above 0, the check and the update run in that thread
too: no search waits for the database or holds the lock across its read (with 0 every
search checks first, so it sees every committed sync).

Memory: no Python object per profile. The pool keeps candidates as numbers
(shared.matching.pool) and the listing fields sit in a ``ListingStore``
(hub.directory.store); the few profiles a search returns are decoded from them, and their
serialized entries kept in a cache of at most ``DIRECTORY_ENTRY_CACHE`` (default 50,000).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import weakref
from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from flask import Flask, current_app
from sqlalchemy import Engine, Select, Text, cast, func, select

from hub.communities.models import Community, CommunityRef, CommunityStatus
from hub.directory.services import _occupation_prefix, directory_entry
from hub.directory.store import Listed, ListingStore
from hub.errors import InvalidInput
from hub.extensions import db
from hub.profiles.models import Profile
from shared.matching import DEFAULT_WEIGHTS, Candidate, Seeker, ranking
from shared.matching.pool import CandidatePool, PatchedMatrix
from shared.taxonomy import default_taxonomy
from shared.taxonomy.skills import default_skills, skill_label

#: Midpoints of the experience bands, so years can be compared.
BAND_YEARS: dict[str, float] = {"0-4": 2.0, "5-9": 7.0, "10-19": 14.0, "20+": 22.0}
SEEKER_ID = "seeker"


#: Rows put into the pool at once while the directory is read (bounds what a read holds).
_CHUNK = 5_000
#: A directory whose removed profiles' rows reach a quarter of its matrix (and at least
#: _WORN_MIN rows) is rebuilt at its next change instead of patched: its searches would
#: keep scoring rows nobody can match, and its vocabularies keep what nobody holds.
_WORN_SHARE = 4
_WORN_MIN = 4_096


class _Guard:
    """Many searches read the directory at once; an update writes it alone, in between.

    The update patches the matrix in place (O(k), see apply_changes), so a search must
    not see it half written: searches hold the read side while they rank and serialize,
    an update the write side while it changes the pool (a few milliseconds). A waiting
    update goes first: searches arriving meanwhile wait for it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


@dataclass
class _State:
    """What a process holds of the table: the pool and the listing fields, each profile once."""

    pool: CandidatePool
    store: ListingStore
    # the store slot of each pool slot (a row of the patched matrix)
    row_slot: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    guard: _Guard = field(default_factory=_Guard)
    # the directory as the last update left it: what a search reads under guard.reading()
    latest: Directory | None = None
    # community id -> the newest updated_at read of its profiles (see apply_changes)
    stamped: dict[int, dt.datetime] = field(default_factory=dict)
    # The wire entries returned so far, as JSON, by store slot, with the slot's generation
    # they were written from (a search on an older matrix may write one late).
    entry_json: dict[int, tuple[int, str]] = field(default_factory=dict)
    entry_limit: int = 50_000


class _Browse(NamedTuple):
    """What the staff list reads besides the matrix, in the matrix's row order."""

    # the rows, the most recently updated first (then the highest id), as the list sorts
    newest_first: npt.NDArray[np.intp]
    accepting: npt.NDArray[np.bool_]
    cross_city_ok: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Directory:
    """The matrix of every listed profile and what filters and answers read besides."""

    matrix: PatchedMatrix
    state: _State = field(compare=False)
    # Each row's slot in the state's store: the profile as this matrix ranked it.
    slots: npt.NDArray[np.int32] = field(compare=False)
    # The staff list's arrays, made by the first list of this matrix (see browse()).
    browsing: dict[str, _Browse] = field(default_factory=dict, compare=False)

    def holds(self, profile_id: int, version: int) -> bool:
        """Whether the directory as last updated lists this profile at this version."""
        state = self.state
        with state.guard.reading():
            latest = state.latest or self
            row = latest.matrix.index.get(profile_id)
            return row is not None and int(state.store.version[latest.slots[row]]) == version

    def listed(self, row: int) -> Listed:
        """Return a row's profile, decoded."""
        return self.state.store.listed(int(self.slots[row]))

    def entry(self, row: int) -> str:
        """Return a row's DirectoryEntrySchema entry, serialized."""
        slot = int(self.slots[row])
        state = self.state
        generation = int(state.store.generation[slot])
        entries = state.entry_json
        cached = entries.get(slot)
        if cached is not None and cached[0] == generation:
            return cached[1]
        text = _dumps(_entry(state.store.listed(slot)))
        if len(entries) >= state.entry_limit:
            entries.clear()  # atomic, unlike evicting one by one beside other threads
        entries[slot] = (generation, text)
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
    Profile.community_id,
    Profile.version,
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


class _Fingerprint(NamedTuple):
    last_id: int | None
    newest: dt.datetime | None
    # (community id, status, profiles_version), by id
    communities: tuple[tuple[int, CommunityStatus, int], ...]


def _fingerprint() -> _Fingerprint:
    # max(id) and max(updated_at) each read one end of an index (count(*), which this
    # read before, scanned one: 5-30 ms at 100,000 rows); they see profiles written by
    # other means than a sync (the CLI, tests). The hub never deletes a profile row (a
    # tombstone is an update). Each community's profiles_version sees every sync, whatever
    # order syncs commit in; status sees a suspension (its profiles leave the directory).
    # Two scalar subqueries: SQLite reads a lone max() from an index end, but two
    # aggregates in one SELECT scan the table.
    last_id, newest = db.session.execute(
        select(
            select(func.max(Profile.id)).scalar_subquery(),
            select(func.max(Profile.updated_at)).scalar_subquery(),
        )
    ).one()
    communities = tuple(
        (id_, status, version)
        for id_, status, version in db.session.execute(
            select(Community.id, Community.status, Community.profiles_version).order_by(
                Community.id
            )
        )
    )
    return _Fingerprint(last_id, newest, communities)


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


def _listed_query() -> Select[Any]:
    # Ordered by id: the pool orders rows within a community by id, incremental or not.
    query: Select[Any] = (
        select(*_COLUMNS)  # type: ignore[assignment]
        .join(Community, Community.id == Profile.community_id)
        .where(Profile.deleted.is_(False), Community.status != CommunityStatus.SUSPENDED)
        .order_by(Profile.id)
    )
    return query


class _Decoder:
    """Turns rows of ``_COLUMNS`` into Candidates; shared JSON texts decoded once."""

    def __init__(self) -> None:
        # Most profiles share their languages and availability.
        self.languages: dict[str | None, dict[str, str]] = {None: {}}
        self.slots: dict[str | None, frozenset[str]] = {None: frozenset()}

    def __call__(self, row: Any, skills: list[str]) -> Candidate:
        spoken = self.languages.get(row.languages)
        if spoken is None:
            decoded = json.loads(row.languages)
            spoken = self.languages[row.languages] = {
                lang["language"]: lang["level"] for lang in decoded
            }
        available = self.slots.get(row.availability)
        if available is None:
            available = self.slots[row.availability] = frozenset(json.loads(row.availability))
        return Candidate(
            id=row.id,
            occupation=row.occupation,
            skills=frozenset(skills),
            years=BAND_YEARS.get(row.experience_band or ""),
            languages=spoken,
            availability=available,
            community=row.slug,
            # A directory profile has no capacity figure: accepting or not.
            capacity=1,
            capacity_left=1 if row.accepting else 0,
            remote_ok=row.remote_ok,
            cross_city_ok=row.cross_city_ok,
        )


def _decoded(rows: Iterable[Any], decode: _Decoder) -> Iterator[tuple[Any, list[str], Candidate]]:
    """Each fetched row with its skills and its Candidate."""
    for row in rows:
        skills: list[str] = json.loads(row.skills) if row.skills is not None else []
        yield row, skills, decode(row, skills)


def _upsert(state: _State, decoded: Iterable[tuple[Any, list[str], Candidate]]) -> None:
    """Put decoded rows into the store and the pool (replacing the profiles they update).

    A few thousand at a time: a million rows never become a million objects at once.
    """
    candidates: list[Candidate] = []
    keys: list[int] = []
    written: list[int] = []
    for row, skills, candidate in decoded:
        written.append(state.store.put(row, skills))
        newest = state.stamped.get(row.community_id)
        if newest is None or row.updated_at > newest:
            state.stamped[row.community_id] = row.updated_at
        candidates.append(candidate)
        keys.append(row.id)  # the pool orders a community's rows by id (the tie order)
        if len(candidates) == _CHUNK:
            _put(state, candidates, keys, written)
            candidates, keys, written = [], [], []
    _put(state, candidates, keys, written)


def _put(state: _State, candidates: list[Candidate], keys: list[int], written: list[int]) -> None:
    """Upsert into the pool; tie each candidate's pool slot to its store slot."""
    pool = state.pool
    pool.upsert(candidates, keys)
    slots = [pool.slot(key) for key in keys]
    if slots and max(slots) >= len(state.row_slot):
        grown = np.zeros(max(1024, 2 * max(slots) + 2), dtype=np.int32)
        grown[: len(state.row_slot)] = state.row_slot
        state.row_slot = grown
    state.row_slot[slots] = written


def _patched(state: _State) -> Directory:
    """The directory over the pool's matrix patched in place, each row tied to its store slot."""
    matrix = state.pool.patched()
    found = Directory(matrix=matrix, state=state, slots=state.row_slot[: len(matrix)])
    state.latest = found
    return found


def _build() -> Directory:
    """Read every listed profile into a new pool and assemble its matrix."""
    limit = int(current_app.config.get("DIRECTORY_ENTRY_CACHE", 50_000))
    state = _State(pool=CandidatePool(), store=ListingStore(), entry_limit=limit)
    # Streamed (a server-side cursor on PostgreSQL): the driver never holds every row.
    rows = db.session.execute(_listed_query().execution_options(yield_per=_CHUNK))
    _upsert(state, _decoded(rows, _Decoder()))
    state.pool.fold()
    default_skills()  # loaded once per process for the reasons' skill labels: now, not mid-search
    return _patched(state)


def _worn(found: Directory) -> bool:
    """Whether removed profiles fill enough of the matrix's rows to rebuild it compact."""
    rows = len(found.matrix)
    return rows - found.matrix.live_rows >= max(_WORN_MIN, rows // _WORN_SHARE)


def _changes(previous: Hashable, now: _Fingerprint) -> list[int] | None:
    """Return the communities whose profiles a sync changed; None if only a rebuild will do."""
    if not isinstance(previous, _Fingerprint):
        return None
    before = {id_: (status, version) for id_, status, version in previous.communities}
    after = {id_: (status, version) for id_, status, version in now.communities}
    if before.keys() != after.keys() or any(
        before[id_][0] != status for id_, (status, _) in after.items()
    ):
        return None  # a community came, went, or changed status
    changed = [id_ for id_, (_, version) in after.items() if before[id_][1] != version]
    # Rows moved with no sync to say where: written by other means, so read them all.
    return changed or None


def apply_changes(found: Directory, communities: Iterable[int]) -> Directory:
    """Bring the directory up to date with these communities' profiles; return it anew.

    Reads each community's rows stamped after the newest one held (tombstones included):
    its syncs commit one after another, each stamped later than the one before
    (``hub.communities.services.lock_profiles``), so nothing committed since is older.
    Idempotent: a row already held at its version changes nothing.
    """
    state = found.state
    store = state.store
    decode = _Decoder()
    # Read and decode outside the write side: searches keep going meanwhile. Only this
    # thread writes the state (directory() runs one update at a time), so reading the
    # store's versions here is safe.
    fetched: list[tuple[list[int], list[tuple[Any, list[str], Candidate]]]] = []
    stamped: dict[int, dt.datetime] = {}
    for community_id in communities:
        since = state.stamped.get(community_id)
        # No ORDER BY: SQLite would then walk the whole table in id order instead of the
        # index's few newest entries (the pool orders rows by id itself). The (community,
        # updated_at) index reads this community's changed rows only.
        query = select(*_COLUMNS, Profile.deleted).join(
            Community, Community.id == Profile.community_id
        )
        query = query.where(Profile.community_id == community_id)
        if since is not None:
            query = query.where(Profile.updated_at > since)
        rows = db.session.execute(query).all()
        if rows:
            newest = max(row.updated_at for row in rows)
            if since is None or newest > since:
                stamped[community_id] = newest
        # A profile belongs to one community, so the store tells which this one holds.
        gone = [row.id for row in rows if row.deleted and store.slot(row.id) >= 0]
        changed = [r for r in rows if not r.deleted and store.held_version(r.id) != r.version]
        fetched.append((gone, list(_decoded(changed, decode))))
    # The skills' column index, when this update makes it due, is folded here, beside the
    # searches (O(entries): a quarter of a second at 1,000,000 profiles), and only
    # installed under the write side (O(changed rows)).
    coming = sum(len(gone) + len(decoded) for gone, decoded in fetched)
    folded = state.pool.folded() if state.pool.fold_due(coming) else None
    with state.guard.writing():
        try:
            # The slots the previous change retired: no search reads them any more.
            store.release()
            if folded is not None:
                state.pool.fold(folded)
            for gone, decoded in fetched:
                for pid in gone:
                    store.remove(pid)
                state.pool.remove(gone)
                _upsert(state, decoded)
            state.stamped.update(stamped)
        finally:
            # Even after a failed write (the next check then rebuilds), searches read a
            # matrix made from the pool as it is, never old tables over rewritten rows.
            updated = _patched(state)
    return updated


def directory() -> Directory:
    """Return this process's matrix of the directory, brought up to date."""
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
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if (
            cache.directory is not None
            and ttl > 0
            and len(cache.directory.matrix) >= background_rows
        ):
            # Searches may be up to ttl behind anyway: check and apply in a thread, so no
            # search waits for the database read or the update (nor for this lock).
            cache.checked_at = now
            cache.rebuilding = threading.Thread(
                target=_refresh, args=(app, cache), name="directory-refresh", daemon=True
            )
            cache.rebuilding.start()
            return cache.directory
        # The fingerprint is read before the rows: a sync committing in between is read
        # again at the next check, never missed.
        fingerprint = _fingerprint()
        cache.checked_at = now
        if cache.directory is not None and fingerprint == cache.fingerprint:
            return cache.directory
        changed = _changes(cache.fingerprint, fingerprint) if cache.directory else None
        if cache.directory is not None and changed is not None and not _worn(cache.directory):
            cache.directory = apply_changes(cache.directory, changed)
            cache.fingerprint = fingerprint
            return cache.directory
        if cache.directory is None or len(cache.directory.matrix) < background_rows:
            cache.directory = _build()
            cache.fingerprint = fingerprint
            return cache.directory
        cache.rebuilding = threading.Thread(
            target=_rebuild, args=(app, cache), name="directory-rebuild", daemon=True
        )
        cache.rebuilding.start()
        return cache.directory


def warm_directory() -> None:
    """Build this process's directory now (a server worker runs this as it starts:
    ``on_worker_start``), so that no search waits for the build."""
    started = time.perf_counter()
    found = directory()
    current_app.logger.info(
        "The directory is built: %d profiles in %.1f s.",
        len(found.matrix),
        time.perf_counter() - started,
    )


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


def _refresh(app: Flask, cache: _Cache) -> None:
    """Check the fingerprint and bring the directory up to date (a background thread).

    While it runs (``cache.rebuilding`` is set) searches use the directory as it was and no
    other check starts, so this thread alone changes the process's pool.
    """
    found = cache.directory
    assert found is not None
    fingerprint: Hashable = None
    updated: Directory | None = None
    try:
        with app.app_context():
            fingerprint = _fingerprint()
            if fingerprint != cache.fingerprint:
                changed = _changes(cache.fingerprint, fingerprint)
                if changed is None or _worn(found):
                    updated = _build()
                else:
                    updated = apply_changes(found, changed)
    except Exception:  # the pool may be half updated: the next check rebuilds it
        app.logger.exception("Updating the directory failed; it will be rebuilt.")
        fingerprint = None
    finally:
        with _lock:
            if updated is not None or fingerprint is None:
                cache.fingerprint = fingerprint
            if updated is not None:
                cache.directory = updated
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
        codes = [code or "" for code in matrix.occ_names]
        if args.get("related"):
            wanted = [code.startswith(prefix) for code in codes]
        else:
            wanted = [code == prefix for code in codes]
        narrow(_rows_of(matrix.occ_key, np.array(wanted, dtype=bool)))
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
                keep[matrix.postings(column)] = True
        narrow(keep)
    if args.get("remote_ok") is not None:
        narrow(matrix.remote_ok == bool(args["remote_ok"]))
    if args.get("community"):
        narrow(matrix.community_rows(args["community"]))
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
    state = directory().state
    with state.guard.reading():
        found = state.latest
        assert found is not None
        return _search(found, caller, args)


def _search(found: Directory, caller: CommunityRef, args: Mapping[str, Any]) -> str:
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


def _browse_index(found: Directory) -> _Browse:
    """Return (made once per matrix) the rows' sort order and flags."""
    made = found.browsing.get("index")
    if made is None:
        store = found.state.store
        live = np.flatnonzero(found.matrix.live)  # a removed profile's row is no entry
        slots = found.slots[live]
        made = found.browsing["index"] = _Browse(
            # Stamps are exact integers (microseconds), ids break ties: newest first.
            live[np.lexsort((-store.id[slots], -store.stamp[slots]))].astype(np.intp),
            store.accepting(found.slots),
            store.cross_city_ok(found.slots),
        )
    return made


def browse(args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of the whole network's directory, as ``list_directory(None, args)`` gives it.

    Served from this process's directory (the search's matrix and profiles), not the
    database: the same filters, the most recently updated first, the same entries.
    """
    state = directory().state
    with state.guard.reading():
        found = state.latest
        assert found is not None
        return _browse(found, args)


def _browse(found: Directory, args: Mapping[str, Any]) -> dict[str, Any]:
    index = _browse_index(found)
    mask = _mask(
        found,
        {
            "occupation": args.get("occupation"),
            "related": args.get("related"),
            "language": [args["language"]] if args.get("language") else None,
            "remote_ok": args.get("remote_ok"),
            "community": args.get("community"),
        },
    )
    for flag, values in (("accepting", index.accepting), ("cross_city_ok", index.cross_city_ok)):
        if args.get(flag) is not None:
            keep = values == bool(args[flag])
            mask = keep if mask is None else mask & keep
    rows = index.newest_first if mask is None else index.newest_first[mask[index.newest_first]]
    page, per_page = int(args["page"]), int(args["per_page"])
    chosen = rows[(page - 1) * per_page : page * per_page]
    items = []
    for row in chosen.tolist():
        listed = found.listed(row)
        items.append(directory_entry(listed, listed.slug))
    total = len(rows)
    return {
        "items": items,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, -(-total // per_page)),
    }
