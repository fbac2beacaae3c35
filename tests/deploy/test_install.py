"""install.sh sets up a node and a hub from nothing; a second run changes nothing at all."""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import secrets
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from shared.web.settings import normalize_database_url
from tests.conftest import POSTGRES_URL
from tests.deploy.conftest import DEPLOY, IN_CI, VENV, child_env, systemd_verify, tool

pytestmark = pytest.mark.slow


@pytest.fixture
def scratch_database() -> Iterator[tuple[str, str]]:
    """(a superuser URL, a fresh name h_deploy_…) for the role and database install.sh makes."""
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("TEST_POSTGRES_URL is not set")
        pytest.skip("install.sh needs PostgreSQL (TEST_POSTGRES_URL)")
    tool("psql")
    admin = make_url(POSTGRES_URL).set(database="postgres")
    name = f"h_deploy_{secrets.token_hex(4)}"
    yield admin.render_as_string(hide_password=False), name
    engine = create_engine(
        normalize_database_url(admin.render_as_string(hide_password=False)),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    engine.dispose()


def install(service: str, prefix: Path, admin_url: str, db: str) -> str:
    result = subprocess.run(
        [
            str(DEPLOY / "install.sh"), service, "--prefix", str(prefix), "--venv", str(VENV),
            "--user", getpass.getuser(), "--no-start", "--pg-admin", admin_url,
            "--db-name", db, "--server-name", "connect.example.org",
            "--admin-email", f"admin@{service}.example.org",
            "--redis", os.environ.get("TEST_REDIS_URL", "memory://"),
            "--slug", "kitchener", "--name", "Kitchener & Waterloo's",
        ],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=180,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def files(prefix: Path) -> dict[str, tuple[int, int, int, str]]:
    """Every path under the prefix: mode, owner, group and (for files) a hash of the bytes."""
    found = {}
    for path in sorted(prefix.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[str(path.relative_to(prefix))] = (
            stat.S_IMODE(info.st_mode),
            info.st_uid,
            info.st_gid,
            digest,
        )
    return found


def env_value(prefix: Path, service: str, name: str) -> str:
    for line in (prefix / f"etc/connector-{service}/env").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1].strip('"')
    raise AssertionError(f"{name} is not set")


#: One table's whole content as a hash: every row, in a fixed order.
TABLE_HASH = "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{}\" t"


def database(url: str) -> dict[str, str]:
    """Every table's whole content, as a hash (the audit log and schema version included)."""
    engine = create_engine(normalize_database_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {t: str(conn.scalar(text(TABLE_HASH.format(t)))) for t in tables}
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", ["node", "hub"])
def test_install_twice_changes_nothing_the_second_time(
    service: str, tmp_path: Path, scratch_database: tuple[str, str]
) -> None:
    if os.geteuid() != 0:
        pytest.skip("install.sh sets owners and modes: run as root (CI does)")
    admin_url, db = scratch_database
    prefix = tmp_path / "root"

    first = install(service, prefix, admin_url, db)
    assert f"admin admin@{service}.example.org created; password (shown once):" in first
    url = env_value(prefix, service, "DATABASE_URL")
    assert make_url(url).database == db and make_url(url).username == db
    after_first = (files(prefix), database(url))
    assert after_first[1]["alembic_version"] and after_first[1]["audit_events"]

    second = install(service, prefix, admin_url, db)
    assert "Nothing changed" in second, second
    assert "changed " not in second and "password" not in second
    assert (files(prefix), database(url)) == after_first

    # The environment file: private, with fresh secrets, every placeholder filled.
    env_file = prefix / f"etc/connector-{service}/env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    assert not re.search(r"@[A-Z_]+@", env_file.read_text())  # every placeholder filled
    assert len(env_value(prefix, service, f"{service.upper()}_SECRET_KEY")) >= 48
    if service == "node":
        assert env_value(prefix, service, "NODE_COMMUNITY_NAME") == "Kitchener & Waterloo's"
    # Built indexes go where the hardened units may write: the service's state directory.
    cache = prefix / f"var/lib/connector-{service}/cache"
    assert env_value(prefix, service, "CONNECTOR_CACHE_DIR") == str(cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o750

    # The installed units point at this prefix and pass systemd's own check.
    units = sorted((prefix / "etc/systemd/system").iterdir())
    assert {u.name for u in units} >= {
        f"connector-{service}.service",
        f"connector-{service}-tick.timer",
    }
    for unit in (u for u in units if u.suffix == ".service"):
        body = unit.read_text()
        assert f"EnvironmentFile={prefix}/etc/connector-{service}/env" in body
        assert f"ReadWritePaths={prefix}/var/lib/connector-{service}" in body
    verified = systemd_verify(units)
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr

    # The nginx site is rendered whole, against the installed packages' asset folders.
    site = (prefix / f"etc/nginx/sites-available/connector-{service}.conf").read_text()
    assert "@" not in site.replace("$request_uri", "")
    assert "ssl_certificate /etc/letsencrypt/live/connect.example.org/fullchain.pem;" in site
