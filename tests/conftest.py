"""Fixtures every test tree shares: which databases to run on.

Every test that asks for a database runs once on SQLite and, when ``TEST_POSTGRES_URL``
is set, once more on PostgreSQL. SQLite tests get a fresh file each; on PostgreSQL each
service (node, hub, …) gets one database per test worker, emptied after each test.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url

from shared.web import staff

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


class SchemaTemplates:
    """Empty SQLite databases holding a service's tables, made once per test process.

    Creating ~40 tables (and their indexes) costs more than many a test it serves; a new
    test's database file is instead a copy of the template, made before its app opens it.
    """

    def __init__(self) -> None:
        self._folder: Path | None = None

    def _path(self, label: str) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="schema-templates-"))
        return self._folder / f"{label}.sqlite"

    def copy_to(self, label: str, target: Path) -> bool:
        """Write the template of ``label`` to ``target``; False if there is none yet."""
        template = self._path(label)
        if not template.exists():
            return False
        target.write_bytes(template.read_bytes())
        return True

    def save(self, label: str, engine: Engine) -> None:
        """Keep ``engine``'s database (just created) as the template of ``label``.

        SQLite's backup copies every page, those still in the write-ahead log included.
        """
        template = self._path(label)
        partial = template.with_suffix(".partial")
        source = engine.raw_connection()
        try:
            with sqlite3.connect(partial) as copy:
                source.driver_connection.backup(copy)  # type: ignore[union-attr]
            copy.close()
        finally:
            source.close()
        partial.replace(template)


#: The per-process SQLite schema templates (see ``SchemaTemplates``).
sqlite_templates = SchemaTemplates()


@contextmanager
def recorded_statements(
    engine: Engine, keep: Callable[[str], bool] = lambda statement: True
) -> Iterator[list[str]]:
    """The SQL statements ``engine`` sends while the block runs (those ``keep`` accepts),
    in order, as the database receives them."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if keep(statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def empty_postgres_tables(engine: Engine, metadata: MetaData) -> None:
    """Empty the tables a test wrote to and restart the sequences it used.

    Truncating every table after every test costs ~0.1 s (a new file per table and
    index); most tests touch a handful. A table counts as written if it holds a row; a
    sequence as used if it has handed out a value (rows may have been deleted since).
    """
    names = [table.name for table in metadata.sorted_tables]
    probe = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names
    )
    with engine.begin() as conn:
        written = conn.execute(text(probe)).scalars().all() if names else []
        if written:
            listed = ", ".join(f'"{name}"' for name in written)
            conn.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
        used = conn.execute(
            text(
                "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
                " WHERE last_value IS NOT NULL"
            )
        ).scalars()
        for sequence in used:
            conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


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
