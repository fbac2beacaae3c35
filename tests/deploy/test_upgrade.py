"""deploy/upgrade.sh against a temporary installation (no systemd): a failed readiness
check rolls code and schema back; a good upgrade migrates and serves the new code.

The installation is a real virtualenv with the project installed by pip from a wheel made
here: version 1 is the code as it is, version 2 adds one migration (a table). The
project's dependencies come from the test environment's own site-packages, through a
``.pth`` file, so nothing is downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from tests.backup_checks import scratch_url
from tests.conftest import Backend
from tests.federation.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
UPGRADE = ROOT / "deploy" / "upgrade.sh"
SITE_PACKAGES = Path(requests.__file__).resolve().parents[1]
PROBE = "0p5upgradepr0be"


def _head() -> str:
    return ScriptDirectory(str(ROOT / "community_node" / "migrations")).get_current_head() or ""


PROBE_MIGRATION = f'''"""upgrade.sh test: version 2 adds a table"""
from alembic import op
import sqlalchemy as sa

revision = "{PROBE}"
down_revision = "{{down}}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("upgrade_probe", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("upgrade_probe")
'''


def build_wheel(out: Path, version: str, extra: dict[str, str]) -> Path:
    """Package the project as pip installs it: the three packages and their entry points."""
    dist = f"connector_network-{version}"
    wheel = out / f"{dist}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:

        def add(name: str, data: bytes) -> None:
            zf.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append(f"{name},sha256={digest.decode()},{len(data)}")

        for package in ("shared", "community_node", "hub"):
            for path in sorted((ROOT / package).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    add(path.relative_to(ROOT).as_posix(), path.read_bytes())
        for name, content in extra.items():
            add(name, content.encode())
        add(
            f"{dist}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: connector-network\nVersion: {version}\n".encode(),
        )
        add(
            f"{dist}.dist-info/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        add(f"{dist}.dist-info/entry_points.txt",
            b"[console_scripts]\nconnector-node = community_node.cli:main\n"
            b"connector-hub = hub.cli:main\n")  # fmt: skip
        zf.writestr(f"{dist}.dist-info/RECORD", "\n".join([*records, f"{dist}.dist-info/RECORD,,"]))
    return wheel


@dataclass
class Install:
    prefix: Path
    venv: Path
    env: dict[str, str]
    url: str
    server: subprocess.Popen[bytes] | None = None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # In the prefix, as the service runs: a checkout's working directory holds the
        # project's own egg-info, which would answer for the installed version.
        result = subprocess.run(args, env=self.env, capture_output=True, text=True, check=False,
                                timeout=300, cwd=self.prefix)  # fmt: skip
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def version(self) -> str:
        return self.run(
            str(self.venv / "bin" / "python"), "-c",
            "import importlib.metadata as m; print(m.version('connector-network'))",
        ).stdout.strip()  # fmt: skip

    def start(self) -> None:
        with (self.prefix / "gunicorn.log").open("ab") as log:
            self.server = subprocess.Popen(
                [str(self.venv / "bin" / "python"), "-m", "gunicorn", "--workers", "1",
                 "--bind", self.url.removeprefix("http://"), "community_node.app:create_app()"],
                env=self.env, cwd=self.prefix, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError((self.prefix / "gunicorn.log").read_text()[-3000:])


@pytest.fixture
def install(backend: Backend, worker_id: str, tmp_path: Path) -> Iterator[Install]:
    """Version 1 installed in <tmp>/srv/.venv, migrated, with a staff account, serving."""
    prefix = tmp_path / "srv"
    venv = prefix / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # The dependencies (and pip) from the test environment, without its own install of
    # this project, so pip sees only the copy installed here.
    deps = tmp_path / "deps"
    deps.mkdir()
    for entry in SITE_PACKAGES.iterdir():
        if not entry.name.startswith(("connector_network", "__editable__")):
            (deps / entry.name).symlink_to(entry)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "test-dependencies.pth").write_text(f"{deps}\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({
        "DATABASE_URL": scratch_url(backend, worker_id, tmp_path, "upgrade_node"),
        "NODE_SECRET_KEY": "upgrade-test",
        "NODE_BACKUP_DIR": str(tmp_path / "backups"),
        "OPENBLAS_NUM_THREADS": "1",
    })  # fmt: skip
    made = Install(prefix, venv, env, f"http://127.0.0.1:{free_port()}")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    migration = f"community_node/migrations/versions/{PROBE}_upgrade_probe.py"
    made.env["V1"] = str(build_wheel(wheels, "0.1.0.post1", {}))
    made.env["V2"] = str(build_wheel(
        wheels, "0.1.0.post2", {migration: PROBE_MIGRATION.replace("{down}", _head())}
    ))  # fmt: skip
    pip = ("--no-deps", "--no-index", "--quiet")
    made.run(str(venv / "bin" / "python"), "-m", "pip", "install", *pip, made.env["V1"])
    cli = str(venv / "bin" / "connector-node")
    made.run(cli, "init")
    made.run(cli, "users", "create", "--email", "ana@example.org", "--name", "Ana",
             "--password", "correct horse battery")  # fmt: skip
    made.start()
    yield made
    if made.server is not None:
        made.server.terminate()
        made.server.wait(timeout=30)


def _schema(install: Install) -> tuple[str, bool, int]:
    engine = create_engine(install.env["DATABASE_URL"], poolclass=NullPool)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        probe = inspect(conn).has_table("upgrade_probe")
        staff = conn.execute(text("SELECT count(*) FROM staff_users")).scalar_one()
    engine.dispose()
    return version, probe, staff


def _upgrade(install: Install, *options: str) -> subprocess.CompletedProcess[str]:
    return install.run(
        "bash", str(UPGRADE), "node", "--prefix", str(install.prefix),
        "--env-file", str(install.prefix / "no-such-env"), "--source", install.env["V2"],
        "--pip-args", "--no-deps --no-index", "--health-timeout", "30", *options,
        check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_a_failed_readiness_check_rolls_back_code_and_schema(install: Install) -> None:
    assert install.version() == "0.1.0.post1"
    before = _schema(install)
    # The new version never becomes ready (nothing answers where it should).
    result = _upgrade(install, "--no-restart", "--health-url", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "rolling back" in result.stdout and "database restored" in result.stdout
    assert install.version() == "0.1.0.post1"
    assert _schema(install) == before  # the probe table is gone, the staff account kept
    assert len(list((install.prefix.parent / "backups").iterdir())) == 1
    install.wait_ready()  # the old version still serves


@pytest.mark.slow
def test_an_upgrade_migrates_restarts_and_is_ready(install: Install) -> None:
    assert install.server is not None
    reload = f"kill -HUP {install.server.pid}"  # gunicorn starts workers on the new code
    result = _upgrade(install, "--restart-command", reload, "--health-url", install.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert install.version() == "0.1.0.post2"
    version, probe, staff = _schema(install)
    assert (version, probe, staff) == (PROBE, True, 1)
    # Ready means the serving workers know the new head (they import the new code).
    assert requests.get(f"{install.url}/readyz", timeout=10).json()["schema"] == "head"
    assert (install.venv.parent / ".venv.previous").is_dir()  # kept for a manual rollback


def test_an_unknown_service_is_refused() -> None:
    result = subprocess.run(["bash", str(UPGRADE), "mail"], capture_output=True, text=True)
    assert result.returncode == 2 and "node or hub" in result.stderr
