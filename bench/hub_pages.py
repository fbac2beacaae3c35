"""National staff's page latency: the hub's pages at 100,000 profiles and 50 communities.

Through the Flask test client with a logged-in admin's session, as a browser asks for them
(server-side rendering included, the network not). Issue 14 asks for page p95 ≤ 100 ms
at 100,000 directory profiles and 50 communities on PostgreSQL; ``/healthz``, timed in
the same run, is the reference for what the app costs before any page work.

The data: 50 communities registered through the real service, the search benchmark's
100,000 generalized profiles (``bench.hub_directory_search.profile_rows``) spread over
them, four quarters of outcome cells per community through ``replace_cells`` (with
suppressed cells), and a handful of onboarding applications.

PostgreSQL is the target, so this one runs on it whenever a server answers:
``BENCH_POSTGRES_URL`` with ``_hub_pages`` appended to its database name, else
``postgresql://postgres@127.0.0.1:5432/connector_bench_hub_pages`` (a scratch database:
its tables are dropped and recreated). Run it alone with ``python -m bench.hub_pages``.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bench import (
    POSTGRES_URL_VARIABLE,
    Figure,
    Result,
    Skipped,
    machine,
    postgres_problem,
    staff_client,
    time_staff_pages,
)
from bench.hub_directory_search import COMMUNITIES as SEARCH_COMMUNITIES
from bench.hub_directory_search import pools, profile_rows
from hub.app import create_app
from hub.auth.services import create_user
from hub.communities.models import Community
from hub.communities.services import add_community
from hub.extensions import db
from hub.onboarding import services as onboarding
from hub.outcomes.services import replace_cells
from hub.profiles.models import Profile
from shared.web.staff import Role

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/connector_bench"
COMMUNITY_COUNT = 50
QUARTERS = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
GROUPS = ("29", "15", "17", "13", "11", "25", "43")
METRICS = ("enrolled", "eligible", "matched", "met", "referred", "employed", "employed_in_field")
REQUESTS = 60  # per page kind
WARMUP = 5
TARGET_P95_MS = 100.0
PASSWORD = "bench-password"  # noqa: S105 - a scratch database's only account


def postgres_url() -> str:
    base = sa.engine.make_url(os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL)
    return base.set(database=f"{base.database}_hub_pages").render_as_string(hide_password=False)


@contextmanager
def hub_app(url: str) -> Iterator[Flask]:
    """Yield a hub app with an empty schema, inside its app context."""
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        app = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": "bench-only",
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "RESOURCE_FILES_DIR": tmp,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            try:
                yield app
            finally:
                db.session.remove()
                db.drop_all()
                db.engine.dispose()


def _cells(rng: random.Random) -> list[dict[str, Any]]:
    """A node's cells of one quarter: groups below 5 withheld, totals over all groups."""
    cells = []
    for metric in METRICS:
        values = [rng.randint(0, 40) for _ in GROUPS]
        for group, value in zip(GROUPS, values, strict=True):
            suppressed = 0 < value < 5  # what a node withholds
            cells.append(
                {
                    "major_group": group,
                    "metric": metric,
                    "value": None if suppressed else value,
                    "suppressed": suppressed,
                }
            )
        total = sum(values)
        cells.append({"major_group": "all", "metric": metric, "value": total, "suppressed": False})
    return cells


def _application(n: int) -> dict[str, Any]:
    return {
        "organisation": f"Newcomer Centre {n}",
        "city": f"Town {n}",
        "region": "NB",
        "country": "CA",
        "contact_name": "Bench Contact",
        "contact_email": f"contact{n}@example.org",
        "partners": [{"kind": "chamber_of_commerce", "name": f"Chamber {n}"}],
        "expected_connectees": 50,
        "expected_connectors": 30,
        "planned_launch": "2027-06-01",
    }


def seed(
    names: Sequence[tuple[str, str]] | None = None,
    email: str = "bench@example.org",
    password: str = PASSWORD,
) -> tuple[list[str], float]:
    """Register the communities (``names``: slug and name pairs, else 50 numbered cities),
    write the profiles and outcomes; return the slugs and the seconds it took."""
    started = time.perf_counter()
    create_user(email, "National staff", Role.ADMIN, password, actor="bench")
    names = names or [(f"city{n:02d}", f"City {n:02d}") for n in range(COMMUNITY_COUNT)]
    slugs = [slug for slug, _ in names]
    ids = {
        slug: add_community(slug, name, region="NS", actor="bench").community.id
        for slug, name in names
    }
    # The search benchmark's rows, generalized per its four communities, dealt out to all.
    rows = profile_rows({slug: 0 for slug, _, _ in SEARCH_COMMUNITIES}, pools())
    for n, row in enumerate(rows):
        row["community_id"] = ids[slugs[n % len(slugs)]]
        row["ref"] = f"{n:032x}"  # refs are per search community: unique over all 50 here
    table = Profile.__table__
    assert isinstance(table, sa.Table)
    for start in range(0, len(rows), 5_000):
        db.session.execute(sa.insert(table), rows[start : start + 5_000])
    db.session.commit()
    rng = random.Random(14)
    for community in db.session.scalars(sa.select(Community)):
        for quarter in QUARTERS:
            replace_cells(community, quarter, _cells(rng), "bench")
    for n in range(12):
        onboarding.submit(_application(n))
    db.session.commit()
    with db.engine.begin() as conn:  # fresh statistics, as autovacuum would give soon
        conn.execute(sa.text("ANALYZE"))
    return slugs, time.perf_counter() - started


#: Directory searches a staff member runs: an occupation, a group, a language, a city.
SEARCHES = (
    "?occupation=29-1141",
    "?occupation=15-1252&related=minor",
    "?group=13&language=ar",
    "?occupation=17-2051&accepting=true",
    "?group=29&community=city07",
    "?occupation=29-1141&page=3",
)


def run(label: str = "PostgreSQL", url: str | None = None) -> list[Result]:
    """Seed a fresh hub, log in as an admin, and time each kind of page."""
    url = url or postgres_url()
    name = "hub staff pages (logged-in admin)"
    if not url.startswith("postgresql"):
        return [Skipped(f"{label}: {name}", "measured on PostgreSQL only (the target's database)")]
    problem = postgres_problem(url)
    if problem is not None:
        return [Skipped(f"{label}: {name}", f"no PostgreSQL at {url}: {problem}")]
    with hub_app(url) as app:
        slugs, setup_s = seed()
        profiles = db.session.scalar(sa.select(sa.func.count()).select_from(Profile))
        client = staff_client(app, "bench@example.org", PASSWORD)
        results: list[Result] = [
            Figure(
                f"{label}: load {profiles:,} profiles, {COMMUNITY_COUNT} communities, "
                f"{len(QUARTERS)} quarters of outcomes",
                setup_s,
                "s",
            )
        ]
        pages: list[tuple[str, Callable[[int], str]]] = [
            ("/ dashboard", lambda n: "/"),
            ("/communities list", lambda n: "/communities"),
            ("/communities/<slug>", lambda n: f"/communities/{slugs[n % len(slugs)]}"),
            ("/directory search", lambda n: f"/directory{SEARCHES[n % len(SEARCHES)]}"),
            ("/directory/coverage", lambda n: "/directory/coverage"),
            ("/introductions overview", lambda n: "/introductions"),
            ("/figures (public)", lambda n: "/figures"),
            ("/onboarding applications", lambda n: "/onboarding"),
            ("/admin/audit", lambda n: "/admin/audit"),
        ]
        results += time_staff_pages(
            label, client, pages, count=REQUESTS, warmup=WARMUP, target=TARGET_P95_MS
        )
    return results


def main() -> int:
    info = machine()
    print("Hub staff page latency")
    print("  " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    results = run()
    for result in results:
        print(result.line(), flush=True)
    return 1 if any(getattr(r, "ok", None) is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
