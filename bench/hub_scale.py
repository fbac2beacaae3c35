"""The network at national scale: 50 communities × 20,000 connectors, syncing while searched.

The hub's database holds ``--scale`` profiles (default 1,000,000) in ``--communities``
communities (default 50, so 20,000 each), made like the search benchmark's
(``bench.hub_directory_search.profile_rows``: generalized per community, real ESCO skill
ids) and written straight into ``profiles``. One process plays a hub worker: the hub app
with its default directory settings (``DIRECTORY_CACHE_SECONDS`` 1 s, updates in a
background thread), searching back to back (``search.search``, the view's work without
HTTP). Its resident size is read after its first search built the directory, and at the
end (peak included). First it searches for ``IDLE_S`` with no sync (the reference, same
run); then, every ``--every`` seconds for ``--rounds`` rounds, this process writes
``--syncing`` communities' syncs of ``--changes`` items each through the real write path
(``hub.profiles.services.apply_batch``, committed: a tenth new profiles, a tenth
tombstones, the rest updates), while the worker keeps searching. After each commit the
worker is told one updated profile and its new version; the freshness lag is the time
from the commit to the first search whose directory holds that version.

Alone: ``python -m bench.hub_scale [--scale 100000]`` (SQLite, and PostgreSQL too when
``BENCH_POSTGRES_URL`` is set); ``make bench`` runs it at ``BENCH_HUB_SCALE`` profiles
(default 1,000,000).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import Figure, Result, Skipped, percentile
from bench.hub_directory_apply import _args, _batch
from bench.hub_directory_search import pools, profile_rows, queries
from bench.sync_push import HubProcess, hub_database

SCALE = int(os.environ.get("BENCH_HUB_SCALE", 1_000_000))
COMMUNITIES = 50
ROUNDS = 8
EVERY_S = 3.0
SYNCING = 5  # communities syncing each round
CHANGES = 300  # items per sync
IDLE_S = 10.0
TARGET_RSS_MIB = 1.5e9 / 2**20  # issue 18: ≤ 1.5 GB at 1,000,000 profiles


@dataclass(frozen=True)
class Plan:
    """What one run simulates."""

    scale: int = SCALE
    communities: int = COMMUNITIES
    rounds: int = ROUNDS
    every_s: float = EVERY_S
    syncing: int = SYNCING
    changes: int = CHANGES

    @property
    def batch(self) -> int:
        """Items per sync: ``changes``, at most half a community (small scales)."""
        return min(self.changes, self.scale // self.communities // 2)


def _slug(number: int) -> str:
    return f"c{number:02d}"


def fill(hub_url: str, workdir: Path, plan: Plan) -> float:
    """Create the schema, the communities and their profiles; return the seconds taken."""
    from sqlalchemy import Table

    from hub.app import create_app
    from hub.communities.services import add_community, get_community
    from hub.extensions import db
    from hub.profiles.models import Profile

    started = time.perf_counter()
    HubProcess(hub_url, workdir).cli("init")
    app = create_app({"SQLALCHEMY_DATABASE_URI": hub_url, "SECRET_KEY": "bench", "ENV": "testing"})
    data = pools()
    each = plan.scale // plan.communities
    table: Table = Profile.__table__  # type: ignore[assignment]
    with app.app_context():
        for number in range(plan.communities):
            slug = _slug(number)
            add_community(slug, f"Community {number}", actor="bench")
            community_id = get_community(slug).id
            count = each if number < plan.communities - 1 else plan.scale - each * number
            rows = profile_rows({slug: community_id}, data, 1000 + number, [(slug, count)])
            for first in range(0, len(rows), 10_000):
                db.session.execute(table.insert(), rows[first : first + 10_000])
            db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - started


def _resident() -> tuple[float, float]:
    """This process's resident size now and at its peak, in MiB (Linux)."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line[:5]] = int(line.split()[1]) / 1024
    return found.get("VmRSS", float("nan")), found.get("VmHWM", float("nan"))


def worker(hub_url: str, plan: Plan, markers: Any, synced: Any, results: Any) -> None:
    """Play a hub worker: build, search idle, then search while syncs arrive."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from sqlalchemy import select

    from hub.app import create_app
    from hub.communities.models import Community
    from hub.directory import search
    from hub.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": hub_url, "SECRET_KEY": "bench", "ENV": "testing"})
    applies: list[float] = []
    apply_changes = search.apply_changes

    def timed(found: Any, communities: Any) -> Any:
        started = time.perf_counter()
        try:
            return apply_changes(found, communities)
        finally:
            applies.append(time.perf_counter() - started)

    search.apply_changes = timed
    slugs = [_slug(n) for n in range(plan.communities)]
    asked = [dict(_args(q)) for q in queries(pools(), slugs, 2_000, seed=11)]
    with app.app_context():
        caller = db.session.scalars(select(Community).order_by(Community.id)).first()
        assert caller is not None
        base_rss, _ = _resident()
        started = time.perf_counter()
        search.search(caller, asked[0])
        build_s = time.perf_counter() - started
        built_rss, built_peak = _resident()
        rows = len(search.directory().matrix)

        def searching(until: Any, pending: list[Any] | None) -> list[float]:
            latencies: list[float] = []
            lags: list[float] = []
            n = 0
            while not (until.is_set() if pending is not None else time.perf_counter() >= until):
                t0 = time.perf_counter()
                search.search(caller, asked[n % len(asked)])
                latencies.append(time.perf_counter() - t0)
                n += 1
                if pending is None:
                    continue
                while True:
                    try:
                        pending.append(markers.get_nowait())
                    except queue.Empty:
                        break
                if pending:
                    found = search.directory()
                    now = time.time()
                    for marker in list(pending):
                        profile_id, version, committed = marker
                        if found.holds(profile_id, version):
                            lags.append(now - committed)
                            pending.remove(marker)
            if pending is not None:
                results.put(("lags", lags, len(pending)))
            return latencies

        idle = searching(time.perf_counter() + IDLE_S, None)
        results.put(("idle done",))
        busy = searching(synced, [])
        end_rss, end_peak = _resident()
        results.put(
            (
                "worker",
                {
                    "rows": rows,
                    "build_s": build_s,
                    "base_rss": base_rss,
                    "built_rss": built_rss,
                    "built_peak": built_peak,
                    "end_rss": end_rss,
                    "end_peak": end_peak,
                    "idle": idle,
                    "busy": busy,
                    "applies": applies,
                },
            )
        )


def sync(hub_url: str, plan: Plan, markers: Any) -> list[float]:
    """Write the rounds of syncs; tell the worker each commit; return each write's seconds."""
    from sqlalchemy import select

    from hub.app import create_app
    from hub.communities.models import Community
    from hub.extensions import db
    from hub.profiles.models import Profile
    from hub.profiles.services import apply_batch

    app = create_app({"SQLALCHEMY_DATABASE_URI": hub_url, "SECRET_KEY": "bench", "ENV": "testing"})
    rng = np.random.default_rng(18)
    data = pools()
    writes: list[float] = []
    with app.app_context():
        communities = db.session.scalars(select(Community).order_by(Community.id)).all()
        refs: dict[int, list[str]] = {}
        # New profiles' refs: numbered from this run's start in microseconds, so that a
        # run on a database filled before (--reuse) never names one an earlier run made.
        fresh = time.time_ns() // 1000
        due = time.monotonic()
        for number in range(plan.rounds):
            for k in range(plan.syncing):
                community = communities[(number * plan.syncing + k) % len(communities)]
                if community.id not in refs:
                    refs[community.id] = list(
                        db.session.scalars(
                            select(Profile.ref).where(
                                Profile.community_id == community.id, Profile.deleted.is_(False)
                            )
                        )
                    )
                items = _batch(rng, refs[community.id], fresh, data, plan.batch)
                fresh += plan.batch
                started = time.perf_counter()
                results = apply_batch(community, items, actor="bench")
                db.session.commit()
                committed = time.time()
                writes.append(time.perf_counter() - started)
                if any(r["status"] not in ("created", "updated", "deleted") for r in results):
                    odd = [
                        r for r in results if r["status"] not in ("created", "updated", "deleted")
                    ]
                    raise RuntimeError(f"unexpected batch results: {odd[:3]}")
                marker = db.session.execute(
                    select(Profile.id, Profile.version).where(
                        Profile.community_id == community.id, Profile.ref == items[0]["ref"]
                    )
                ).one()
                db.session.commit()
                markers.put((int(marker.id), int(marker.version), committed))
            due += plan.every_s
            time.sleep(max(0.0, due - time.monotonic()))
        db.engine.dispose()
    return writes


def run(label: str, url: str | None, plan: Plan | None = None) -> list[Result]:
    """Fill a fresh hub database at the plan's scale, then simulate the rounds."""
    plan = plan or Plan()
    name = (
        f"{plan.communities} communities × {plan.scale // plan.communities:,} profiles "
        f"({plan.scale:,}), {label}"
    )
    with tempfile.TemporaryDirectory(prefix="cn-bench-scale-") as tmp:
        workdir = Path(tmp)
        with hub_database(url, workdir, "hub_scale_bench") as hub_url:
            try:
                return _measure(name, hub_url, workdir, plan)
            except RuntimeError as exc:
                return [Skipped(name, str(exc)[:500])]


def _measure(
    name: str, hub_url: str, workdir: Path, plan: Plan, filled: bool = False
) -> list[Result]:
    fill_s = float("nan") if filled else fill(hub_url, workdir, plan)
    context = multiprocessing.get_context("spawn")
    markers, results, synced = context.Queue(), context.Queue(), context.Event()
    process = context.Process(target=worker, args=(hub_url, plan, markers, synced, results))
    process.start()
    try:
        idle_done(results, process)
        load_average = os.getloadavg()[0]
        writes = sync(hub_url, plan, markers)
        time.sleep(3.0)  # the last commit's change has time to show
        synced.set()
        got: dict[str, Any] = {}
        while len(got) < 2:
            kind, *rest = results.get(timeout=600)
            got[kind] = rest
    finally:
        process.join(timeout=60)
        if process.is_alive():
            process.kill()
    lags = [x * 1000 for x in got["lags"][0]]
    unseen = got["lags"][1]
    w = got["worker"][0]
    idle = [x * 1000 for x in w["idle"]]
    busy = [x * 1000 for x in w["busy"]]
    applies = [x * 1000 for x in w["applies"]]
    peak = max(w["end_peak"], w["built_peak"])
    syncs = plan.rounds * plan.syncing
    figures: list[Result] = [
        Figure(
            f"{name}: hub database filled",
            fill_s,
            "s",
            note=f"schema, {plan.communities} communities, {plan.scale:,} generalized profiles"
            if not filled
            else "filled before (--reuse)",
        ),
        Figure(
            f"{name}: first search (the worker builds its directory)",
            w["build_s"],
            "s",
            note=f"{w['rows']:,} rows",
        ),
        Figure(
            f"{name}: a worker's resident size, peak",
            peak,
            "MiB",
            TARGET_RSS_MIB if plan.scale >= 1_000_000 else None,
            f"{w['base_rss']:,.0f} MiB before the directory (the app, taxonomy, skills), "
            f"{w['built_rss']:,.0f} after building it, {w['end_rss']:,.0f} at the end",
        ),
        Figure(
            f"{name}: search p95 without syncs (reference)",
            percentile(idle, 95),
            "ms",
            note=f"p50 {percentile(idle, 50):.1f} ms, {len(idle) / IDLE_S:.0f} searches/s in "
            f"one worker; load average {load_average:.1f}",
        ),
        Figure(
            f"{name}: search p95 while syncs arrive",
            percentile(busy, 95),
            "ms",
            note=f"p50 {percentile(busy, 50):.1f}, p99 {percentile(busy, 99):.1f}, "
            f"max {max(busy):.1f} ms; {syncs} syncs of {plan.batch} items "
            f"({plan.syncing} communities every {plan.every_s:g} s), written in "
            f"{percentile([x * 1000 for x in writes], 50):.0f} ms each at the median",
        ),
        Figure(
            f"{name}: freshness lag, commit to searchable, p95",
            percentile(lags, 95) if lags else float("nan"),
            "ms",
            note=f"p50 {percentile(lags, 50):.0f} ms, max {max(lags):.0f} ms over "
            f"{len(lags)} syncs; {unseen} not seen; the worker applied {len(applies)} "
            f"updates, {percentile(applies, 50):.0f} ms at the median (max "
            f"{max(applies):.0f})"
            if lags and applies
            else f"{unseen} syncs never seen",
        ),
    ]
    if unseen:
        figures.append(Figure(f"{name}: syncs never searchable", unseen, "", 0))
    return figures


def idle_done(results: Any, process: Any) -> None:
    """Wait for the worker's idle phase to end (its build included)."""
    while True:
        try:
            if results.get(timeout=5) == ("idle done",):
                return
        except queue.Empty:
            if not process.is_alive():
                raise RuntimeError("the worker died before its idle phase ended") from None


def main() -> None:
    from bench import backends, machine

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=int, default=SCALE, help="profiles in all")
    parser.add_argument("--communities", type=int, default=COMMUNITIES)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--every", type=float, default=EVERY_S, help="seconds between rounds")
    parser.add_argument("--syncing", type=int, default=SYNCING, help="communities per round")
    parser.add_argument("--changes", type=int, default=CHANGES, help="items per sync")
    parser.add_argument(
        "--reuse",
        metavar="URL",
        help="a database this benchmark filled before at the same plan: skip filling "
        "(its profiles change: each run adds the rounds' syncs)",
    )
    parser.add_argument(
        "--backend", choices=("SQLite", "PostgreSQL"), help="only this one (default: each)"
    )
    options = parser.parse_args()
    plan = Plan(
        options.scale,
        options.communities,
        options.rounds,
        options.every,
        options.syncing,
        options.changes,
    )
    info = machine()
    print("  " + "; ".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    if options.reuse:
        name = f"{plan.communities} communities × {plan.scale // plan.communities:,} profiles"
        with tempfile.TemporaryDirectory(prefix="cn-bench-scale-") as tmp:
            for result in _measure(f"{name}, reused", options.reuse, Path(tmp), plan, True):
                print(result.line(), flush=True)
        return
    for label, url in backends():
        if options.backend not in (None, label):
            continue
        for result in run(label, url, plan):
            print(result.line(), flush=True)


if __name__ == "__main__":
    main()
