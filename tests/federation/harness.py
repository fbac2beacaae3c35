"""Run the hub and community nodes as real processes on loopback, as deployed.

Each service is gunicorn serving its app factory, with its own database (a SQLite file,
or a PostgreSQL database of its own) and configured only through the environment.
Administration goes through the real console scripts (``connector-hub``,
``connector-node``), the same way staff run them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """One gunicorn process serving one app, restartable on the same port and data."""

    name: str
    app: str  # "hub.app:create_app()"
    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run the service's console script with the service's environment."""
        script = "connector-hub" if self.app.startswith("hub") else "connector-node"
        result = subprocess.run(
            [str(BIN / script), *args],
            env={**os.environ, **self.env},
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{script} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start the service's console script without waiting (in its own process group)."""
        script = "connector-hub" if self.app.startswith("hub") else "connector-node"
        return subprocess.Popen(
            [str(BIN / script), *args],
            env={**os.environ, **self.env},
            cwd=self.workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def python(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``python <args>`` with the service's environment (``-m community_node.demo``)."""
        result = subprocess.run(
            [sys.executable, *args],
            env={**os.environ, **self.env},
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"python {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def gunicorn_args(self) -> list[str]:
        """How gunicorn is told to serve: here one worker with threads, on the port."""
        return [
            "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{self.port}",
            "--graceful-timeout", "2",
        ]  # fmt: skip

    def start_env(self) -> dict[str, str]:
        """Variables the start adds to the service's environment."""
        return {"OPENBLAS_NUM_THREADS": "1"}

    def start(self) -> None:
        """Start gunicorn (in its own process group: a kill takes the workers too) and wait
        until ``/healthz`` answers."""
        with (self.workdir / f"{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), *self.gunicorn_args(), self.app],
                env={**os.environ, **self.start_env(), **self.env},
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not become healthy: {self.log()}")

    def log(self) -> str:
        """What the service wrote to its log file (gunicorn's and the app's lines)."""
        return (self.workdir / f"{self.name}.log").read_text(errors="replace")

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash or a pulled plug would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@dataclass(frozen=True)
class Registration:
    slug: str
    client_id: str
    client_secret: str


def register_community(hub: Service, slug: str, name: str) -> Registration:
    out = hub.cli("communities", "add", "--slug", slug, "--name", name).stdout
    client_id = re.search(r"client_id:\s+(\S+)", out)
    secret = re.search(r"client_secret:\s+(\S+)", out)
    assert client_id and secret, out
    return Registration(slug, client_id.group(1), secret.group(1))


def node_token(node: Service, email: str = "coordinator@example.org") -> str:
    """Create a coordinator account on a node and return a fresh API token for it."""
    node.cli(
        "users",
        "create",
        "--email",
        email,
        "--name",
        "Coordinator",
        "--role",
        "coordinator",
        "--password",
        "correct horse battery",
    )
    return node.cli("tokens", "create", "--email", email).stdout.strip().splitlines()[-1]
