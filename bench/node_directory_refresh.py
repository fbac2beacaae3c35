"""The node's anonymized directory after one connector's change, at 10,000 listed connectors."""

from __future__ import annotations

import random
import statistics
import time

from sqlalchemy import select

from bench import Figure, Result, node_app
from bench.sync_push import load_listable_connectors
from community_node.database import utcnow
from community_node.extensions import db
from community_node.participants.models import Connector
from community_node.sync import outbox
from community_node.sync.models import HubConnection

CONNECTORS = 10_000
ROUNDS = 10
NAME = f"directory refresh after one connector's change, {CONNECTORS:,} listed"


def run(label: str, url: str | None) -> list[Result]:
    """Time the incremental refresh beside a full recompute, alternately, same data."""
    with node_app(url):
        load_listable_connectors(CONNECTORS)
        db.session.add(
            HubConnection(
                url="https://hub.invalid", client_id="bench", client_secret="bench",
                connected_at=utcnow(),
            )
        )  # fmt: skip
        started = time.perf_counter()
        enqueued = outbox.refresh_directory(force=True)  # what `hub connect` does
        db.session.commit()
        first = time.perf_counter() - started
        ids = list(db.session.scalars(select(Connector.id)))
        rng = random.Random(18)
        one: list[float] = []
        full: list[float] = []
        moved: list[float] = []
        sent = {"one": 0, "full": 0, "moved": 0}
        for _ in range(ROUNDS):
            for kind in ("one", "full", "moved"):
                connector = db.session.get(Connector, rng.choice(ids))
                assert connector is not None
                if kind == "moved":
                    # A new cell: generalization reruns over the kept entries.
                    connector.years_in_field = (connector.years_in_field or 0) + 10
                else:
                    connector.remote_ok = not connector.remote_ok
                db.session.flush()
                started = time.perf_counter()
                if kind == "full":
                    sent[kind] += outbox.refresh_directory()
                else:
                    sent[kind] += outbox.refresh_directory(changed=[connector.id])
                db.session.commit()
                {"one": one, "full": full, "moved": moved}[kind].append(
                    (time.perf_counter() - started) * 1000
                )
    one_ms, full_ms, moved_ms = (statistics.median(t) for t in (one, full, moved))
    return [
        Figure(
            f"{NAME}, {label}: first full refresh (hub connect)",
            first,
            "s",
            note=f"{enqueued:,} profiles enqueued",
        ),
        Figure(
            f"{NAME}, {label}: that connector alone",
            one_ms,
            "ms",
            note=f"median of {ROUNDS}, commit included; {sent['one']} profiles enqueued",
        ),
        Figure(
            f"{NAME}, {label}: reference, full recompute",
            full_ms,
            "ms",
            note=f"median of {ROUNDS}, same run, alternating; {sent['full']} profiles enqueued",
        ),
        Figure(
            f"{NAME}, {label}: full / one",
            full_ms / one_ms,
            "×",
            note=f"a change of experience band (generalization reruns): {moved_ms:,.1f} ms",
        ),
    ]


if __name__ == "__main__":
    from bench import backends

    for backend_label, backend_url in backends():
        for result in run(backend_label, backend_url):
            print(result.line(), flush=True)
