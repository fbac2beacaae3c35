"""List API latency: a filtered, sorted page of 50 connectees from a 10,000-person node."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any
from urllib.parse import urlencode

from bench import Figure, Result, node_app, percentile
from community_node.auth.models import Role
from community_node.auth.services import create_token, create_user
from community_node.demo.catalog import FIELDS
from community_node.demo.generator import generate, insert_plan
from community_node.extensions import db

CONNECTEES = 10_000
CONNECTORS = 5_000
REQUESTS = 200
WARMUP = 10
TARGET_P95_MS = 50.0

LANGUAGES = ("ar", "uk", "es", "fa", "zh", "hi", "pt", "tl", "ti", "yo")
STATUSES = ("approved", "approved", "submitted", "waitlisted")
SORTS = ("-intake_date", "last_name", "-intake_date", "last_name", "-years_experience")
WORDS = ("python", "care", "sql", "audit", "haddad", "santos", "kovalenko", "autocad", "lesson")


def queries(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """Build varied list queries: occupation (with related codes), language, status, text."""
    rng = random.Random(seed)
    codes = [f.code for f in FIELDS]
    out = []
    for i in range(count):
        params: dict[str, Any] = {
            "per_page": 50,
            "sort": rng.choice(SORTS),
            "page": rng.choice((1, 1, 1, 2, 3)),
        }
        shape = i % 5
        if shape in (0, 4):
            params.update(occupation=rng.choice(codes), related="minor")
        if shape in (1, 4):
            params["language"] = rng.choice(LANGUAGES)
        if shape in (2, 4):
            params["status"] = rng.choice(STATUSES)
        if shape == 2:
            params["occupation"] = rng.choice(codes)
        if shape == 3:
            params["q"] = rng.choice(WORDS)
        out.append(params)
    return out


def run(label: str, url: str | None) -> list[Result]:
    """Fill a fresh node with the demo generator, then time the list endpoint."""
    with node_app(url) as app:
        started = time.perf_counter()
        user = create_user(
            "bench@example.org", "Bench", Role.COORDINATOR, "bench-password", actor="bench"
        )
        plan = generate(
            connectees=CONNECTEES,
            connectors=CONNECTORS,
            seed=42,
            today=dt.date.today() - dt.timedelta(days=1),
            staff_ids=[user.id],
        )
        insert_plan(plan)
        db.session.commit()
        setup_s = time.perf_counter() - started
        token = create_token(user, "bench", actor="bench").secret
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        samples, rows = [], 0
        for n, params in enumerate(queries(WARMUP + REQUESTS)):
            path = f"/api/v1/connectees?{urlencode(params)}"
            t0 = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text}")
            if n >= WARMUP:
                samples.append(elapsed)
                rows += len(response.get_json()["items"])
    name = f"list API page of 50 (filtered, sorted), {label}"
    return [
        Figure(
            f"{label}: load {CONNECTEES:,} connectees + {CONNECTORS:,} connectors (demo generator)",
            setup_s,
            "s",
        ),
        Figure(f"{name}: p50", percentile(samples, 50), "ms"),
        Figure(
            f"{name}: p95",
            percentile(samples, 95),
            "ms",
            TARGET_P95_MS,
            f"{REQUESTS} requests, {rows / REQUESTS:.0f} rows per page on average",
        ),
    ]
