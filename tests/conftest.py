"""Fixtures every test tree shares: which databases to run on.

Every test that asks for a database runs once on SQLite and, when ``TEST_POSTGRES_URL``
is set, once more on PostgreSQL. SQLite tests get a fresh file each; on PostgreSQL each
service (node, hub, …) gets one database per test worker, emptied after each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.web import staff

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
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


class _RememberingHasher(PasswordHasher):
    """argon2id with the production parameters, computed once per password (and per
    password and hash checked) in a test process.

    A hash costs tens of milliseconds of several cores by design; thousands of tests
    create an account or log in, and would otherwise spend minutes of CI on it. What the
    tests check (the algorithm, the parameters, a wrong password refused, a rehash of old
    parameters) is unchanged; tests of the cost itself use the real hasher
    (``real_password_hashing``).
    """

    def __init__(self) -> None:
        super().__init__()
        self._hashes: dict[str, str] = {}
        self._checks: dict[tuple[str, str], Exception | None] = {}

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        key = password if isinstance(password, str) else password.decode()
        if salt is not None:
            return super().hash(password, salt=salt)
        if key not in self._hashes:
            self._hashes[key] = super().hash(password)
        return self._hashes[key]

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002
        key = (str(hash), str(password))
        if key not in self._checks:
            try:
                super().verify(hash, password)
                self._checks[key] = None
            except Exception as error:  # noqa: BLE001  (remembered, raised again below)
                self._checks[key] = error
        if (error := self._checks[key]) is not None:
            raise error
        return True


@pytest.fixture(autouse=True, scope="session")
def _remembered_password_hashes() -> Iterator[None]:
    original = staff._hasher
    staff._hasher = _RememberingHasher()
    yield
    staff._hasher = original


@pytest.fixture
def real_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash and check every password afresh, as production does (for timing tests)."""
    monkeypatch.setattr(staff, "_hasher", PasswordHasher())
