"""Fixtures every test tree shares: which databases to run on.

Every test that asks for a database runs once on SQLite and, when ``TEST_POSTGRES_URL``
is set, once more on PostgreSQL. SQLite tests get a fresh file each; on PostgreSQL each
service (node, hub, …) gets one database per test worker, emptied after each test.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


def pytest_configure(config: pytest.Config) -> None:
    """Compile the message catalogs that are missing or older than their .po, as
    ``make test`` does, so that ``pytest`` alone also reads translated pages (once, in
    the controlling process, not in each xdist worker)."""
    if hasattr(config, "workerinput"):
        return
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "translations.py"
    spec = importlib.util.spec_from_file_location("_translations", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    module.compile_all()


BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


_databases: dict[str, str] = {}


@dataclass(frozen=True)
class Backend:
    name: str
    worker: str

    def url_for(self, tmp_path: os.PathLike[str], label: str = "db") -> str:
        """A database for ``label`` (node, hub, …): a fresh SQLite file, or this worker's
        PostgreSQL database of that name, created on first use in the session."""
        if self.name == "sqlite":
            return f"sqlite:///{os.fspath(tmp_path)}/{label}.sqlite"
        if label not in _databases:
            _databases[label] = worker_database(POSTGRES_URL, self.worker, suffix=f"_{label}")
        return _databases[label]


def worker_database(base_url: str, worker: str, suffix: str = "") -> str:
    """Create (afresh) a database for this xdist worker and return its URL."""
    url = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"{url.database}_{worker}{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, worker_id: str) -> Iterator[Backend]:
    yield Backend(request.param, worker_id)


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """The xdist worker name, or ``main`` without xdist."""
    return getattr(request.config, "workerinput", {}).get("workerid", "main")
