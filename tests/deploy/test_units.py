"""The systemd units: valid for systemd, hardened, and every scheduled job has its timer."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from tests.deploy.conftest import DEPLOY, VENV, systemd_verify

UNITS = sorted((DEPLOY / "systemd").glob("*.service")) + sorted(
    (DEPLOY / "systemd").glob("*.timer")
)
SERVICES = [u for u in UNITS if u.suffix == ".service"]
HARDENING = {
    "NoNewPrivileges": "true",
    "PrivateTmp": "true",
    "ProtectSystem": "strict",
    "ProtectHome": "true",
    "PrivateDevices": "true",
    "RestrictSUIDSGID": "true",
    "CapabilityBoundingSet": "",
}


def read_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(path.read_text())
    return parser


def environment(unit: Path) -> list[str]:
    """Every ``Environment=`` assignment of a unit (configparser keeps only the last line)."""
    return [
        assignment
        for line in unit.read_text().splitlines()
        if line.startswith("Environment=")
        for assignment in line.removeprefix("Environment=").split()
    ]


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """Verified as installed: executables point into a real virtualenv (this one)."""
    rendered = []
    for unit in UNITS:
        text = re.sub(r"/srv/connector-(node|hub)/\.venv", str(VENV), unit.read_text())
        (tmp_path / unit.name).write_text(text)
        rendered.append(tmp_path / unit.name)
    result = systemd_verify(rendered)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


@pytest.mark.parametrize("unit", SERVICES, ids=lambda p: p.name)
def test_every_service_is_hardened_and_runs_as_its_own_user(unit: Path) -> None:
    service = read_unit(unit)["Service"]
    owner = "connector-hub" if unit.name.startswith("connector-hub") else "connector-node"
    assert service["User"] == owner and service["Group"] == owner
    for option, value in HARDENING.items():
        assert service.get(option) == value, f"{unit.name}: {option}"
    # The one place it writes: its state directory (uploads, the sync lock).
    assert service["ReadWritePaths"] == f"/var/lib/{owner}"
    assert service["EnvironmentFile"] == f"/etc/{owner}/env"
    assert "OPENBLAS_NUM_THREADS=1" in environment(unit)


def test_hub_workers_are_never_replaced_and_node_workers_are() -> None:
    # A new hub worker builds the directory again before it searches: the hub's unit turns
    # gunicorn's replacement after GUNICORN_MAX_REQUESTS off; the node's keeps the guard
    # against slow leaks (deploy/gunicorn.conf.py's default).
    hub = environment(DEPLOY / "systemd" / "connector-hub.service")
    node = environment(DEPLOY / "systemd" / "connector-node.service")
    assert "GUNICORN_MAX_REQUESTS=0" in hub
    assert not [a for a in node if a.startswith("GUNICORN_MAX_REQUESTS=")]


@pytest.mark.parametrize(
    ("job", "command"),
    [
        ("connector-node-tick", "connector-node tick"),
        ("connector-node-sync", "connector-node sync"),
        ("connector-node-sync-full", "connector-node sync --full"),
        ("connector-node-mail", "connector-node mail send"),
        ("connector-hub-tick", "connector-hub tick"),
    ],
)
def test_every_scheduled_job_has_a_timer(job: str, command: str) -> None:
    service = read_unit(DEPLOY / "systemd" / f"{job}.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"].endswith(command)
    timer = read_unit(DEPLOY / "systemd" / f"{job}.timer")
    assert "OnCalendar" in timer["Timer"] or "OnUnitActiveSec" in timer["Timer"]
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_two_syncs_take_one_lock_and_never_overlap() -> None:
    sync = read_unit(DEPLOY / "systemd" / "connector-node-sync.service")["Service"]
    full = read_unit(DEPLOY / "systemd" / "connector-node-sync-full.service")["Service"]
    lock = "/var/lib/connector-node/sync.lock"
    # The frequent run skips itself (a success) while the other holds the lock...
    assert sync["ExecStart"].startswith(
        f"/usr/bin/flock --nonblock --conflict-exit-code 75 {lock} "
    )
    assert sync["SuccessExitStatus"] == "75"
    # ...and the nightly one waits for it.
    assert full["ExecStart"].startswith(f"/usr/bin/flock --wait 900 {lock} ")
    cron = (DEPLOY / "cron" / "connector-node-sync.cron").read_text()
    assert cron.count(f"flock -n {lock} ") == 1 and cron.count(f"flock -w 900 {lock} ") == 1


def test_the_web_services_start_gunicorn_with_the_shared_configuration() -> None:
    for name, app in (("node", "community_node"), ("hub", "hub")):
        service = read_unit(DEPLOY / "systemd" / f"connector-{name}.service")["Service"]
        assert service["ExecStart"] == (
            f"/srv/connector-{name}/.venv/bin/gunicorn -c /srv/connector-{name}/gunicorn.conf.py "
            f"'{app}.app:create_app()'"
        )


def test_the_web_services_give_their_workers_a_fresh_metrics_directory() -> None:
    """Several gunicorn workers share their Prometheus samples through a directory that
    must start empty: systemd's runtime directory is created at each start, removed at stop,
    and writable despite ``ProtectSystem=strict``."""
    for name in ("node", "hub"):
        unit = DEPLOY / "systemd" / f"connector-{name}.service"
        service = read_unit(unit)["Service"]
        assert service["RuntimeDirectory"] == f"connector-{name}-metrics"
        assert "RuntimeDirectoryPreserve" not in service  # the default: removed at stop
        assert f"PROMETHEUS_MULTIPROC_DIR=/run/connector-{name}-metrics" in environment(unit)
