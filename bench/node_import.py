"""CSV import speed: 10,000 connectees in one file, the shape the node's export writes."""

from __future__ import annotations

import datetime as dt
import importlib
import time
from typing import Any

from sqlalchemy import func, select

from bench import Figure, Result, Skipped, node_app
from community_node.demo.generator import generate
from community_node.extensions import db
from community_node.participants.models import Connectee
from community_node.participants.schemas import ConnecteeSchema
from shared.web.csv import csv_response

ROWS = 10_000
TARGET_S = 5.0
NAME = f"import a {ROWS:,}-row connectee CSV"


def connectee_csv(rows: int, seed: int = 43) -> bytes:
    """Write demo connectees as the export endpoint would (same columns and cell format)."""
    plan = generate(
        connectees=rows,
        connectors=0,
        seed=seed,
        today=dt.date.today() - dt.timedelta(days=1),
        staff_ids=[1],
    )
    records: list[dict[str, Any]] = []
    for person, languages in zip(plan.connectees, plan.connectee_languages, strict=True):
        record = {k: v for k, v in person.items() if k not in ("coordinator_id", "search_text")}
        record["languages"] = [{"language": code, "level": level} for code, level in languages]
        records.append(record)
    schema = ConnecteeSchema()
    columns = [name for name, f in schema.fields.items() if not f.dump_only]
    columns.remove("coordinator_id")  # staff ids differ between nodes
    response = csv_response(schema.dump(records, many=True), columns, "bench.csv")
    return response.get_data()


def run(label: str, url: str | None) -> list[Result]:
    """Time ``imports.services.import_file`` on a fresh node; skip if imports are missing."""
    try:
        services = importlib.import_module("community_node.imports.services")
        import_file = services.import_file
    except (ImportError, AttributeError):
        return [Skipped(f"{NAME}, {label}", "imports not available")]
    data = connectee_csv(ROWS)
    with node_app(url):
        started = time.perf_counter()
        result = import_file("connectees", "bench.csv", data, actor="bench")
        elapsed = time.perf_counter() - started
        imported = db.session.scalar(select(func.count(Connectee.id))) or 0
    note = f"{imported:,} rows stored"
    if imported != ROWS:
        note += f"; expected {ROWS:,}: {_summary(result)}"
    return [Figure(f"{NAME}, {label}", elapsed, "s", TARGET_S, note)]


def _summary(result: Any) -> str:
    text = repr(result)
    return text if len(text) < 300 else text[:300] + "…"
