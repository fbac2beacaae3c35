"""tick's reminder pass: what is due (proposals, meetings, surveys) among 10,000 connectees.

The node is filled by the demo generator (10,000 connectees, 5,000 connectors, with their
matches, meetings and outcomes over the past years). The figure is the time to find
everything due at the default cadence; the reference beside it is the follow-up listing
tick has always printed (``matches.services.due_follow_ups``), which the survey pass uses.
Writing the messages is timed too (for information: rendering is the sender's budget).
"""

from __future__ import annotations

import datetime as dt
import time

from flask import current_app

from bench import Figure, Result, node_app
from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.database import utcnow
from community_node.demo.generator import generate, insert_plan
from community_node.extensions import db
from community_node.matches import services as matches
from community_node.selfservice import reminders

CONNECTEES = 10_000
CONNECTORS = 5_000
TARGET_MS = 2000.0
RUNS = 3


def run(label: str, url: str | None) -> list[Result]:
    """Fill a fresh node, then time finding what is due (best of three), then writing it."""
    with node_app(url):
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
        now = utcnow()
        cadence = reminders.Cadence.from_config(current_app.config)

        found, finds = [], []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            found = reminders.due(now, cadence)
            finds.append(time.perf_counter() - t0)
            db.session.rollback()
        references = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            matches.due_follow_ups(now.date())
            references.append(time.perf_counter() - t0)
            db.session.rollback()
        t0 = time.perf_counter()
        written = reminders.enqueue_due(now, cadence)
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = reminders.enqueue_due(now, cadence)
        rerun_s = time.perf_counter() - t0

    kinds = {
        kind: sum(1 for d in found if d.purpose == kind)
        for kind in written
        if kind in {reminders.PROPOSAL, reminders.MEETING, reminders.SURVEY}
    }
    name = f"tick: find reminders due among {CONNECTEES:,} connectees + {CONNECTORS:,} connectors"
    return [
        Figure(f"{label}: load the demo node for tick", setup_s, "s"),
        Figure(
            f"{name}, {label}",
            min(finds) * 1000,
            "ms",
            TARGET_MS,
            f"best of {RUNS}; {len(found)} due: "
            + ", ".join(f"{n} {kind}" for kind, n in kinds.items()),
        ),
        Figure(f"reference: follow-ups due listing alone, {label}", min(references) * 1000, "ms"),
        Figure(
            f"tick: write the due reminders into the outbox, {label}",
            write_s,
            "s",
            None,
            f"{sum(v for k, v in written.items() if k != 'held_back')} written, "
            f"{written['held_back']} held back by the weekly limit",
        ),
        Figure(
            f"tick: a second run (writes nothing), {label}",
            rerun_s,
            "s",
            None,
            f"{sum(v for k, v in again.items() if k != 'held_back')} written",
        ),
    ]


if __name__ == "__main__":
    from bench import backends

    for backend_label, backend_url in backends():
        for result in run(backend_label, backend_url):
            print(result.line(), flush=True)
