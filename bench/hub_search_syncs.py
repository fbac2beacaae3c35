"""Directory search while syncs arrive: the search load with one community's sync every 2 s.

The hub and its load are the search benchmark's (``bench.hub_directory_search``: 100,000
profiles in 4 communities, gunicorn as deployed with 2 workers, 4 client processes, default
``DIRECTORY_CACHE_SECONDS``). Two measured phases of ``DURATION_S`` run back to back on
the same warm hub: first without syncs (the reference, measured in the same run), then
while a thread of this process writes one community's sync batch every ``SYNC_EVERY_S``
(the apply benchmark's batches of 500: 400 updated, 50 new, 50 tombstones, through
``hub.profiles.services.apply_batch``, committed; the communities in turn). Each worker
sees each sync within a second and applies it to its directory between searches. Targets:
the throughput with syncs at least 90 % of the one without, and the p95 with syncs
≤ 20 ms.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench import Figure, Result, Skipped, percentile
from bench.hub_directory_apply import BATCH, _batch
from bench.hub_directory_search import (
    CLIENTS,
    DURATION_S,
    PROFILES,
    Pools,
    load,
    prepare,
    worker_pids,
)
from bench.sync_push import HubProcess, RateFigure, hub_database

SYNC_EVERY_S = 2.0
TARGET_SHARE = 0.9  # of the throughput without syncs
TARGET_P95_MS = 20.0


def run(label: str, url: str | None) -> list[Result]:
    """Start a hub on a fresh database, fill it, then load it without and with syncs."""
    name = (
        f"directory search while syncs arrive ({PROFILES:,} profiles, a {BATCH}-item sync "
        f"every {SYNC_EVERY_S:.0f} s), {label}"
    )
    with tempfile.TemporaryDirectory(prefix="cn-bench-syncs-") as tmp:
        workdir = Path(tmp)
        with hub_database(url, workdir, "hub_syncs_bench") as hub_url:
            hub = HubProcess(hub_url, workdir)
            # A worker builds its directory as it starts: on a busy machine that can take
            # longer than gunicorn's default 30 s before it kills the worker.
            hub.env["GUNICORN_CMD_ARGS"] = "--timeout 300"
            try:
                return _measure(name, hub, hub_url)
            except RuntimeError as exc:
                return [Skipped(name, str(exc)[:500])]
            finally:
                hub.stop()


class _Syncer:
    """Writes one community's sync batch every SYNC_EVERY_S while the load runs."""

    def __init__(self, hub_url: str, pool: Pools) -> None:
        from hub.app import create_app

        self.app = create_app(
            {"SQLALCHEMY_DATABASE_URI": hub_url, "SECRET_KEY": "bench-only", "ENV": "testing"}
        )
        self.pool = pool
        self.rng = np.random.default_rng(19)
        self.number = 0
        self.write_s: list[float] = []
        self.late = 0  # syncs that could not start on time (the previous one took too long)
        self.failure: BaseException | None = None

    @contextmanager
    def running(self) -> Iterator[None]:
        stop = threading.Event()
        thread = threading.Thread(target=self._loop, args=(stop,), name="bench-syncs")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
        if self.failure is not None:
            raise RuntimeError(f"a sync failed: {self.failure!r}")

    def _loop(self, stop: threading.Event) -> None:
        from sqlalchemy import select

        from hub.communities.models import Community
        from hub.extensions import db
        from hub.profiles.models import Profile
        from hub.profiles.services import apply_batch

        try:
            with self.app.app_context():
                communities = db.session.scalars(select(Community).order_by(Community.id)).all()
                refs: dict[int, list[str]] = {
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
                due = time.monotonic()
                while not stop.is_set():
                    community = communities[self.number % len(communities)]
                    items = _batch(self.rng, refs[community.id], 50 * self.number, self.pool)
                    started = time.perf_counter()
                    results = apply_batch(community, items, actor="bench")
                    db.session.commit()
                    self.write_s.append(time.perf_counter() - started)
                    if any(r["status"] not in ("created", "updated", "deleted") for r in results):
                        raise RuntimeError(f"unexpected batch results: {results[:3]}")
                    self.number += 1
                    due += SYNC_EVERY_S
                    wait = due - time.monotonic()
                    if wait < 0:
                        self.late += 1
                        due = time.monotonic()
                    stop.wait(max(0.0, wait))
        except BaseException as exc:  # reported by running()
            self.failure = exc


def _measure(name: str, hub: HubProcess, hub_url: str) -> list[Result]:
    pool, jobs, count, _ = prepare(hub, hub_url)
    assert hub.process is not None
    workers = worker_pids(hub.process.pid)
    idle = load(jobs, workers)
    syncer = _Syncer(hub_url, pool)
    busy = load(jobs, workers, cold=False, during=syncer.running)
    for seen in (idle, busy):
        if seen.errors:
            raise RuntimeError(f"the search answered errors: {seen.errors}")
    resident = [_resident_mib(pid) for pid in workers]
    idle_ms = [x * 1000 for x in idle.latencies]
    busy_ms = [x * 1000 for x in busy.latencies]
    idle_rate, busy_rate = len(idle_ms) / DURATION_S, len(busy_ms) / DURATION_S
    share = busy_rate / idle_rate
    writes = [s * 1000 for s in syncer.write_s]
    figures: list[Result] = [
        Figure(
            f"{name}: reference, throughput without syncs",
            idle_rate,
            "requests/s",
            note=f"p95 {percentile(idle_ms, 95):.1f} ms; {CLIENTS} clients, {DURATION_S:.0f} s; "
            f"load average {idle.load_average:.1f} at the start",
        ),
        Figure(
            f"{name}: throughput with syncs",
            busy_rate,
            "requests/s",
            note=f"{syncer.number} syncs of {BATCH} applied to {count:,} profiles "
            f"(writing one took {percentile(writes, 50):.0f} ms at the median, in this "
            f"process), {syncer.late} late; load average {busy.load_average:.1f} at the start",
        ),
        RateFigure(
            f"{name}: throughput with syncs / without", share * 100, "%", TARGET_SHARE * 100
        ),
        Figure(
            f"{name}: p95 with syncs",
            percentile(busy_ms, 95),
            "ms",
            TARGET_P95_MS,
            f"p50 {percentile(busy_ms, 50):.1f} ms, p99 {percentile(busy_ms, 99):.1f} ms, "
            f"max {max(busy_ms):.1f} ms; server CPU "
            f"{busy.server_cpu_s / len(busy_ms) * 1000:.2f} ms per request "
            f"({idle.server_cpu_s / len(idle_ms) * 1000:.2f} without syncs)",
        ),
        Figure(
            f"{name}: a worker's resident size",
            max(resident),
            "MiB",
            note=f"after the load, {count:,} profiles; both workers: "
            + ", ".join(f"{r:,.0f} MiB" for r in resident),
        ),
    ]
    return figures


def _resident_mib(pid: int) -> float:
    """A process's resident set size (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    from bench import backends, machine

    info = machine()
    print("  " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    for label, url in backends():
        for result in run(label, url):
            print(result.line(), flush=True)


if __name__ == "__main__":
    main()
