"""What the deployment tests share: the repository's deploy/ folder and the tools they drive."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
#: CI installs every tool these tests drive (.ci/run); elsewhere a missing one skips.
IN_CI = os.environ.get("CI", "").lower() == "true"
#: The virtualenv running the tests: units and install.sh point at its executables.
VENV = Path(sys.prefix)


def tool(name: str) -> str:
    """Return the path of a system tool, skipping the test (failing in CI) without it."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )
    if found is None:
        message = f"{name} is not installed (Debian: see .ci/run)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def child_env(**extra: str) -> dict[str, str]:
    """The environment for scripts and services: this checkout's code first on the path."""
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": f"{REPO}{os.pathsep}{path}" if path else str(REPO),
        **extra,
    }


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Make a certificate for localhost and 127.0.0.1 with openssl; return (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def systemd_verify(units: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run ``systemd-analyze verify`` on unit files (their executables must exist)."""
    return subprocess.run(
        [tool("systemd-analyze"), "verify", *map(str, units)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
