"""Staff page latency: list, person, match and suggestion pages of a node with 10,000
connectees.

Through the Flask test client with a logged-in coordinator's session, as a browser asks
for them (server-side rendering included, the network not). Issue 13 asks for page p95
≤ 100 ms at 10,000 connectees and 3,000 connectors on PostgreSQL; ``/healthz``, timed in
the same run, is the reference for what the app costs before any page work.

PostgreSQL is the target, so this one runs on it whenever a server answers:
``BENCH_POSTGRES_URL``, else ``postgresql://postgres@127.0.0.1:5432/connector_bench``
(a scratch database: its node tables are dropped and recreated). Run it alone with
``python -m bench.node_pages``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa

from bench import (
    POSTGRES_URL_VARIABLE,
    Figure,
    Result,
    Skipped,
    machine,
    node_app,
    postgres_problem,
    staff_client,
    time_staff_pages,
)
from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.demo.generator import generate, insert_plan
from community_node.extensions import db
from community_node.matches.models import Match
from community_node.participants.models import Connectee, ProfileStatus

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/connector_bench"
CONNECTEES = 10_000
CONNECTORS = 3_000
REQUESTS = 100  # per page kind
WARMUP = 10
TARGET_P95_MS = 100.0
#: Issue 18: the list pages, the staff's most used, at p95 ≤ 20 ms.
LIST_TARGET_P95_MS = 20.0
PASSWORD = "bench-password"  # noqa: S105 - a scratch database's only account

#: Query strings of the list pages, cycled: default, sorted, filtered, later pages, search.
CONNECTEE_QUERIES = (
    "",
    "?sort=-intake_date",
    "?status=approved&sort=last_name",
    "?page=3",
    "?q=santos",
    "?sort=-intake_date&page=2",
)
CONNECTOR_QUERIES = ("", "?sort=-capacity", "?status=approved&sort=last_name", "?page=3", "?q=lee")


def postgres_url() -> str:
    return os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL


def run(label: str = "PostgreSQL", url: str | None = None) -> list[Result]:
    """Seed a fresh node with the demo generator, log in, and time each kind of page."""
    url = url or postgres_url()
    name = "staff pages (logged-in coordinator)"
    if not url.startswith("postgresql"):
        return [Skipped(f"{label}: {name}", "measured on PostgreSQL only (the target's database)")]
    problem = postgres_problem(url)
    if problem is not None:
        return [Skipped(f"{label}: {name}", f"no PostgreSQL at {url}: {problem}")]
    with node_app(url) as app:
        started = time.perf_counter()
        user = create_user("bench@example.org", "Bench", Role.COORDINATOR, PASSWORD, actor="bench")
        plan = generate(
            connectees=CONNECTEES,
            connectors=CONNECTORS,
            seed=42,
            today=dt.date.today() - dt.timedelta(days=1),
            staff_ids=[user.id],
        )
        insert_plan(plan)
        db.session.commit()
        # What autovacuum does soon after a bulk load (this test server runs without it):
        # fresh statistics, and the rows the trigram indexes queued merged into them.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        setup_s = time.perf_counter() - started
        connectee_ids = list(db.session.scalars(sa.select(Connectee.id)))
        match_ids = list(db.session.scalars(sa.select(Match.id)))
        approved = list(
            db.session.scalars(
                sa.select(Connectee.id).where(Connectee.status == ProfileStatus.APPROVED)
            )
        )
        rng = random.Random(7)
        people = [rng.choice(connectee_ids) for _ in range(WARMUP + REQUESTS)]
        matches = [rng.choice(match_ids) for _ in range(WARMUP + REQUESTS)] if match_ids else []
        seekers = [rng.choice(approved) for _ in range(WARMUP + REQUESTS)] if approved else []
        served = {rule.rule for rule in app.url_map.iter_rules()}
        match_page = next(
            (r for r in served if r.startswith("/matches/<") and r.count("/") == 2), None
        )

        client = staff_client(app, user.email, PASSWORD)
        results: list[Result] = [
            Figure(
                f"{label}: load {CONNECTEES:,} connectees + {CONNECTORS:,} connectors "
                f"({len(match_ids):,} matches, demo generator)",
                setup_s,
                "s",
            )
        ]
        pages: list[tuple[str, Callable[[int], str]]] = [
            ("/connectees list", lambda n: f"/connectees{CONNECTEE_QUERIES[n % 6]}"),
            ("/connectors list", lambda n: f"/connectors{CONNECTOR_QUERIES[n % 5]}"),
            ("/connectees/<id> person", lambda n: f"/connectees/{people[n]}"),
        ]
        if match_page is not None and matches:
            pages.append(("/matches/<id> match", lambda n: f"/matches/{matches[n]}"))
        if seekers:
            pages.append(("/matching/<id> suggestions", lambda n: f"/matching/{seekers[n]}"))
        results += time_staff_pages(
            label,
            client,
            pages,
            count=REQUESTS,
            warmup=WARMUP,
            target=TARGET_P95_MS,
            targets={
                "/connectees list": LIST_TARGET_P95_MS,
                "/connectors list": LIST_TARGET_P95_MS,
            },
        )
        if match_page is None:
            results.append(Skipped(f"{label}: /matches/<id> match", "not served yet"))
    return results


def main() -> int:
    info = machine()
    print("Staff page latency")
    print("  " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    results = run()
    for result in results:
        print(result.line(), flush=True)
    return 1 if any(getattr(r, "ok", None) is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
