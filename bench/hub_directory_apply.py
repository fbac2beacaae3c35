"""A sync batch reaching the directory: one worker's update after 500 changed profiles.

The hub holds 100,000 profiles (the directory-search benchmark's data, set up the same
way: ``connector-hub init``, four ``communities add``, then the rows written straight
into ``profiles``). In this process, a hub app builds its directory once (the reference:
what every worker did after every sync before issue 18). Then, ``ROUNDS`` times, one
community's node pushes a batch of 500 items through the real write path
(``hub.profiles.services.apply_batch``, committed): 400 updated profiles (new version,
other occupation, languages, skills and flags), 50 new ones and 50 tombstones. The timed
part is the next ``directory()`` call, what a worker runs before its next search: the
freshness check, the changed community's (id, version) pairs, the 500 rows fetched,
decoded and put into the pool, and the matrix assembled. A rebuild during the rounds
fails the benchmark; at the end the answers of a set of searches are compared with those
of a directory built afresh.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import Figure, Result, Skipped, percentile
from bench.hub_directory_search import COMMUNITIES, PROFILES, insert_profiles, pools, queries
from bench.sync_push import HubProcess, hub_database

BATCH = 500
ROUNDS = 12
TARGET_MS = 50.0
NAME = f"apply a {BATCH}-profile sync to the directory of {PROFILES:,}"


def run(label: str, url: str | None) -> list[Result]:
    """Set up a hub database, then time the directory's update after each sync batch."""
    name = f"{NAME}, {label}"
    with tempfile.TemporaryDirectory(prefix="cn-bench-apply-") as tmp:
        workdir = Path(tmp)
        with hub_database(url, workdir, "hub_apply_bench") as hub_url:
            hub = HubProcess(hub_url, workdir)
            try:
                hub.cli("init")
                for slug, title, _ in COMMUNITIES:
                    out = hub.cli("communities", "add", "--slug", slug, "--name", title)
                    if not re.search(r"client_id:\s+\S+", out):
                        raise RuntimeError(f"unexpected `communities add` output: {out}")
                pool = pools()
                insert_profiles(hub_url, pool)
                return _measure(name, hub_url, pool)
            except RuntimeError as exc:
                return [Skipped(name, str(exc)[:500])]


def _batch(
    rng: np.random.Generator, refs: list[str], fresh: int, pool: Any, size: int = BATCH
) -> list[Any]:
    """A community's sync as a node sends it: of ``size`` items (500: 400 updates, 50 new
    profiles and 50 tombstones), a tenth new and a tenth tombstones, the rest updates."""
    tenth = size // 10
    chosen = rng.choice(len(refs), size=size, replace=False)
    items: list[dict[str, Any]] = []
    picked = [refs[int(i)] for i in chosen[: size - 2 * tenth]]
    gone = [refs[int(i)] for i in chosen[size - 2 * tenth : size - tenth]]
    codes = [pool.codes[int(i)] for i in rng.choice(len(pool.codes), size=size)]
    version = int(time.time() * 1000)
    new = [f"{0xBE:08x}{fresh + k:024x}" for k in range(tenth)]
    for n, ref in enumerate(picked + new):
        code = codes[n]
        skills = pool.skills[code][: int(rng.integers(2, 7))]
        items.append(
            {
                "ref": ref,
                "version": version,
                "occupation": code,
                "occupation_level": "detailed",
                "experience_band": ("0-4", "5-9", "10-19", "20+")[int(rng.integers(0, 4))],
                "languages": [
                    {"language": "eng", "level": "C1"},
                    {"language": ("ara", "fra", "spa")[int(rng.integers(0, 3))], "level": "B2"},
                ],
                "skills": sorted(set(skills)),
                "availability": ["weekends"] if rng.random() < 0.5 else [],
                "remote_ok": bool(rng.random() < 0.4),
                "cross_city_ok": bool(rng.random() < 0.5),
                "accepting": bool(rng.random() < 0.8),
            }
        )
    items.extend({"ref": ref, "version": version, "deleted": True} for ref in gone)
    for ref in gone:
        refs.remove(ref)
    refs.extend(new)
    return items


def _measure(name: str, hub_url: str, pool: Any) -> list[Result]:
    from sqlalchemy import select

    from hub.app import create_app
    from hub.communities.models import Community
    from hub.directory import search
    from hub.extensions import db
    from hub.profiles.models import Profile
    from hub.profiles.services import apply_batch

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": hub_url,
            "SECRET_KEY": "bench-only",
            "ENV": "testing",
            "DIRECTORY_CACHE_SECONDS": 0,
            "DIRECTORY_BACKGROUND_ROWS": 10**9,
        }
    )
    rng = np.random.default_rng(18)
    with app.app_context():
        started = time.perf_counter()
        search.directory()
        full_ms = (time.perf_counter() - started) * 1000
        build = search._build
        builds = 0

        def counted() -> search.Directory:
            nonlocal builds
            builds += 1
            return build()

        search._build = counted
        samples: list[float] = []
        try:
            communities = db.session.scalars(select(Community).order_by(Community.id)).all()
            refs = {
                c.id: list(
                    db.session.scalars(
                        select(Profile.ref).where(
                            Profile.community_id == c.id, Profile.deleted.is_(False)
                        )
                    )
                )
                for c in communities
            }
            db.session.commit()
            for number in range(ROUNDS):
                community = communities[number % len(communities)]
                items = _batch(rng, refs[community.id], 50 * number, pool)
                results = apply_batch(community, items, actor="bench")
                db.session.commit()
                if any(r["status"] not in ("created", "updated", "deleted") for r in results):
                    raise RuntimeError(f"unexpected batch results: {results[:3]}")
                started = time.perf_counter()
                found = search.directory()
                samples.append((time.perf_counter() - started) * 1000)
                db.session.commit()
        finally:
            search._build = build
        if builds:
            raise RuntimeError(f"the directory was rebuilt {builds} times during the syncs")
        slugs = [slug for slug, _, _ in COMMUNITIES]
        asked = [dict(_args(q)) for q in queries(pool, slugs, 20, seed=5)]
        caller = communities[0]
        incremental = [search.search(caller, a) for a in asked]
        search._caches.clear()
        fresh = [search.search(caller, a) for a in asked]
        same = incremental == fresh
        rows = len(found.matrix)
    median = percentile(samples, 50)
    figures: list[Result] = [
        Figure(
            f"{name}: reference, a full rebuild of the directory", full_ms, "ms",
            note="what each worker did after every sync before",
        ),
        Figure(
            f"{name}: p50", median, "ms", TARGET_MS,
            f"{ROUNDS} batches of {BATCH} (400 updated, 50 new, 50 tombstones), no rebuild; "
            f"max {max(samples):.1f} ms; {full_ms / median:.0f}× faster than the rebuild; "
            f"{rows:,} rows after; answers {'equal' if same else 'DIFFER from'} a fresh build",
        ),
    ]  # fmt: skip
    if not same:
        figures.append(Figure(f"{name}: answers equal a fresh build", 1, "", 0))
    return figures


def _args(query: str) -> list[tuple[str, Any]]:
    """The search view's parsed arguments for a bench query string."""
    from urllib.parse import parse_qsl

    many = {"seeker_language", "seeker_skill", "language", "skill"}
    found: dict[str, Any] = {"k": 10}
    for key, value in parse_qsl(query.split("?", 1)[-1]):
        if key in many:
            found.setdefault(key, []).append(value)
        elif key in ("k",):
            found[key] = int(value)
        elif key in ("remote_ok", "include_own"):
            found[key] = value == "true"
        else:
            found[key] = value
    return list(found.items())


def main() -> None:
    from bench import backends

    for label, url in backends():
        for result in run(label, url):
            print(result.line(), flush=True)


if __name__ == "__main__":
    main()
