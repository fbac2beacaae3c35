"""CSV import speed: 10,000 connectees in one file, the shape the node's export writes.

Beside it, in the same run and database, the reference: the same people and languages
written again by two plain Core ``executemany`` inserts (what storing them costs at
least, with no reading, checking or matching), so runs on busy machines compare by ratio.
"""

from __future__ import annotations

import datetime as dt
import importlib
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select

from bench import Figure, Result, Skipped, node_app
from community_node.demo.generator import generate
from community_node.extensions import db
from community_node.participants.models import Connectee, ConnecteeLanguage
from community_node.participants.schemas import ConnecteeSchema
from shared.taxonomy.skills import DATA_FILE, DATA_PACKAGE, cached_vocabulary, default_skills
from shared.web.csv import csv_response

ROWS = 10_000
TARGET_S = 2.0  # issue 18 (was 5 s)
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
    # A process gets the skill vocabulary once, at its first save of a person: its index is
    # built once per data version and kept in a cache file, which every later process
    # (each `connector-node import`) reads instead. Both timed apart, so the import is
    # timed as a running node does it.
    skills = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    with tempfile.TemporaryDirectory(prefix="cn-bench-skills-") as cache:
        started = time.perf_counter()
        cached_vocabulary(skills, Path(cache))
        vocabulary_s = time.perf_counter() - started
        started = time.perf_counter()
        cached_vocabulary(skills, Path(cache))
        cached_s = time.perf_counter() - started
    default_skills()
    with node_app(url):
        started = time.perf_counter()
        result = import_file("connectees", "bench.csv", data, actor="bench")
        elapsed = time.perf_counter() - started
        imported = db.session.scalar(select(func.count(Connectee.id))) or 0
        reference_s = _plain_insert()
    note = f"{imported:,} rows stored; {elapsed / reference_s:.1f}× the plain insert"
    if imported != ROWS:
        note += f"; expected {ROWS:,}: {_summary(result)}"
    return [
        Figure(
            f"{NAME}, {label}: skill vocabulary built and cached (once per data version)",
            vocabulary_s,
            "s",
        ),
        Figure(
            f"{NAME}, {label}: skill vocabulary read from its cache (each later process)",
            cached_s,
            "s",
            note=f"{vocabulary_s / cached_s:.0f}× less than the build",
        ),
        Figure(f"{NAME}, {label}", elapsed, "s", TARGET_S, note),
        Figure(
            f"{NAME}, {label}: reference, plain executemany of the stored rows",
            reference_s,
            "s",
            note="the imported rows read back, deleted, and inserted again, timed",
        ),
    ]


def _plain_insert() -> float:
    """Time writing the imported connectees and languages again with bare executemany."""
    person, language = cast(Table, Connectee.__table__), cast(Table, ConnecteeLanguage.__table__)
    people = [dict(row) for row in db.session.execute(select(person)).mappings()]
    languages = [dict(row) for row in db.session.execute(select(language)).mappings()]
    db.session.execute(delete(language))
    db.session.execute(delete(person))
    db.session.commit()
    started = time.perf_counter()
    db.session.execute(insert(person), people)
    db.session.execute(insert(language), languages)
    db.session.commit()
    return time.perf_counter() - started


def _summary(result: Any) -> str:
    text = repr(result)
    return text if len(text) < 300 else text[:300] + "…"
