"""Start a demo federation: the national hub and four community nodes, on this machine.

``make run`` calls this. The first run creates ``var/demo/`` with a SQLite database per
service, loads each city's synthetic program (its own seed and eligibility rules),
registers every city with the hub and syncs once; later runs reuse all of it. Ctrl-C
stops every process. Only the console scripts are used, as an operator would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "demo"
BIN = Path(sys.executable).parent
HUB_PORT = 8000


@dataclass(frozen=True)
class City:
    slug: str
    name: str
    port: int
    seed: int
    connectees: int
    connectors: int


CITIES = (
    City("halifax", "Halifax", 8001, 11, 400, 250),
    City("st-louis", "St. Louis", 8002, 23, 300, 180),
    City("portland", "Portland, Maine", 8003, 37, 150, 90),
    City("pittsburgh", "Pittsburgh", 8004, 41, 250, 150),
)


def run(script: str, *args: str, env: dict[str, str]) -> str:
    """Run a console script; stop the demo with its output if it fails."""
    result = subprocess.run(
        [str(BIN / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"{script} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def serve(name: str, app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = (VAR / f"{name}.log").open("ab")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", app],
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{name} did not start: see {VAR / (name + '.log')}")


def hub_env() -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{VAR / 'hub.sqlite'}",
        "HUB_SECRET_KEY": "demo-hub",
        "HUB_TOKEN_ISSUER": f"http://127.0.0.1:{HUB_PORT}",
    }


def node_env(city: City) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{VAR / (city.slug + '.sqlite')}",
        "NODE_SECRET_KEY": f"demo-{city.slug}",
        "NODE_COMMUNITY_SLUG": city.slug,
        "NODE_COMMUNITY_NAME": city.name,
        "NODE_ELIGIBILITY_RULES": str(ROOT / "deploy" / "demo" / "rules" / f"{city.slug}.toml"),
    }


def register(city: City) -> dict[str, str]:
    """Register the city with the hub once; keep its credentials beside its database."""
    path = VAR / f"{city.slug}.credentials.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    out = run(
        "connector-hub",
        "communities",
        "add",
        "--slug",
        city.slug,
        "--name",
        city.name,
        env=hub_env(),
    )
    creds = {
        key: m.group(1)
        for key in ("client_id", "client_secret")
        if (m := re.search(rf"{key}:\s+(\S+)", out))
    }
    path.write_text(json.dumps(creds))
    path.chmod(0o600)
    return creds


def main() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    run("connector-hub", "init", env=hub_env())
    processes.append(serve("hub", "hub.app:create_app()", HUB_PORT, hub_env()))
    tokens: dict[str, str] = {}
    for city in CITIES:
        env = node_env(city)
        out = run(
            "python",
            "-m",
            "community_node.demo",
            "load",
            "--connectees",
            str(city.connectees),
            "--connectors",
            str(city.connectors),
            "--seed",
            str(city.seed),
            env=env,
        )
        if m := re.search(r"\(shown once\): (\S+)", out):
            tokens[city.slug] = m.group(1)
        creds = register(city)
        run(
            "connector-node",
            "hub",
            "connect",
            "--url",
            f"http://127.0.0.1:{HUB_PORT}",
            "--client-id",
            creds["client_id"],
            "--client-secret",
            creds["client_secret"],
            env=env,
        )
        processes.append(serve(city.slug, "community_node.app:create_app()", city.port, env))
        print(f"{city.name}: syncing with the hub …", flush=True)
        print(run("connector-node", "sync", "--full", env=env).strip(), flush=True)

    print("\n" + "=" * 72)
    print(f"  National hub        http://127.0.0.1:{HUB_PORT}/api/docs")
    print(f"    roll-up           http://127.0.0.1:{HUB_PORT}/api/v1/rollup?by=community")
    for city in CITIES:
        print(f"  {city.name:<19} http://127.0.0.1:{city.port}/   (API docs: /api/docs)")
        if city.slug in tokens:
            print(f"    API token (shown once): {tokens[city.slug]}")
    print("\n  Every node: log in as demo@example.org / connector-demo (admin)")
    print("  Logs and databases: var/demo/.  Ctrl-C stops everything.")
    print("=" * 72, flush=True)
    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"a service exited (code {process.returncode}); see var/demo/*.log")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
