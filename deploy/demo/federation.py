"""Start a demo federation: the national hub and four community nodes, on this machine.

``make run`` calls this. The first run creates ``var/demo/`` with a SQLite database per
service, loads each city's synthetic program (its own seed and eligibility rules),
registers every city with the hub and syncs once; later runs reuse all of it. Ctrl-C
stops every process. Only the console scripts are used, as an operator would.

Pittsburgh's data includes six civil engineers open to cross-city introductions and
Portland's a civil engineer who consented to them (and no local engineer), so the final
printout's walk-through (also in the README) always has a cross-city candidate.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "demo"
BIN = Path(sys.executable).parent
HUB_PORT = 8000
DEMO_ADMIN = "demo@example.org"
DEMO_PASSWORD = "connector-demo"  # noqa: S105 - the demo's printed login, as on the nodes
DEMO_COORDINATOR = "coordinator@example.org"  # the nodes' demo coordinator (demo/loader.py)


@dataclass(frozen=True)
class City:
    slug: str
    name: str
    port: int
    seed: int
    connectees: int
    connectors: int
    #: Fixed records for the walk-through (``python -m community_node.demo load --scenario``).
    scenarios: tuple[str, ...] = ()
    #: The OEWS metro of the demand signal (US metros only: Halifax has none, so neutral).
    demand_metro: str | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"


CITIES = (
    City("halifax", "Halifax", 8001, 11, 400, 250),
    City("st-louis", "St. Louis", 8002, 23, 300, 180, demand_metro="41180"),
    City("portland", "Portland, Maine", 8003, 37, 150, 90, ("seeker",), "38860"),
    City("pittsburgh", "Pittsburgh", 8004, 41, 250, 150, ("connectors",), "38300"),
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
        **({"NODE_DEMAND_METRO": city.demand_metro} if city.demand_metro else {}),
    }


def hub_staff() -> None:
    """Create the hub's demo national staff login once (its web UI at the hub's root)."""
    done = VAR / "hub-staff.created"
    if done.exists():
        return
    run(
        "connector-hub",
        "users",
        "create",
        "--email",
        DEMO_ADMIN,
        "--name",
        "Demo national staff",
        "--role",
        "admin",
        "--password",
        DEMO_PASSWORD,
        env=hub_env(),
    )
    done.touch()


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


def api_token(city: City, load_output: str) -> str:
    """The demo admin's API token: from this load, else kept from the first, else a new one."""
    path = VAR / f"{city.slug}.token"
    if m := re.search(r"\(shown once\): (\S+)", load_output):
        path.write_text(m.group(1))
        path.chmod(0o600)
    if not path.exists():  # a var/demo/ from before tokens were kept
        token = run("connector-node", "tokens", "create", "--email", DEMO_ADMIN,
                    "--name", "demo", env=node_env(city)).strip()  # fmt: skip
        path.write_text(token)
        path.chmod(0o600)
    return path.read_text().strip()


def write_env_file(city: City) -> Path:
    """Keep the city's environment in var/demo/<slug>.env for the printed CLI commands."""
    path = VAR / f"{city.slug}.env"
    path.write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in node_env(city).items()))
    return path


def api_get(city: City, token: str, path: str, **params: Any) -> Any:
    """GET a node's API; None when it fails (the printout then shows a placeholder)."""
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    request = urllib.request.Request(
        f"{city.api}{path}{query}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def first_id(page: Any) -> str | None:
    items = page.get("items") if isinstance(page, dict) else None
    return str(items[0]["id"]) if items else None


def browser_tour(tokens: dict[str, str]) -> list[str]:
    """The coordinator's day in the browser, on Halifax: the first path a newcomer takes."""
    halifax = next(c for c in CITIES if c.slug == "halifax")
    token = tokens["halifax"]
    nurse_id = first_id(
        api_get(halifax, token, "/connectees", status="approved", occupation="29-1141",
                per_page=1)
    ) or "<id>"  # fmt: skip
    match_id = first_id(api_get(halifax, token, "/matches", per_page=1)) or "<id>"
    url = f"http://127.0.0.1:{halifax.port}"
    steps = [
        ("Today: what needs you now", "/"),
        ("Review a sign-up: accept or decline", "/people/review"),
        ("A connectee: profile, eligibility", f"/connectees/{nurse_id}"),
        ("Their suggestions; Propose one", f"/matching/{nurse_id}"),
        ("A match: meeting, referrals, outcome", f"/matches/{match_id}"),
        ("Cross-city introductions", "/introductions"),
        ("Imports (CSV/XLSX, dry run first)", "/imports"),
        ("Reports, charts and downloads", "/reports"),
        ("The hub connection; sync now", "/hub"),
        (f"Admin (as {DEMO_ADMIN})", "/admin"),
    ]
    return [
        "  In the browser first: a coordinator's day in Halifax (every city works alike)",
        f"    Log in at {url}/login as {DEMO_COORDINATOR} / {DEMO_PASSWORD}",
        *(f"    {n:>2}. {label:<38} {url}{path}" for n, (label, path) in enumerate(steps, 1)),
        "  Then with curl, through the API: use the tokens above, or create your own on",
        f"  {url}/admin/tokens and paste it into Authorize on {url}/api/docs.",
    ]


def walkthrough(tokens: dict[str, str]) -> list[str]:
    """The copy-paste commands of the matching and cross-city walk-through."""
    halifax, portland, pittsburgh = (
        next(c for c in CITIES if c.slug == slug) for slug in ("halifax", "portland", "pittsburgh")
    )
    local_id = first_id(
        api_get(halifax, tokens["halifax"], "/connectees", status="approved",
                occupation="29-1141", per_page=1)
    ) or "<an approved connectee's id>"  # fmt: skip
    seeker_id = (
        first_id(
            api_get(portland, tokens["portland"], "/connectees", q="kovalenko", status="approved")
        )
        or "<Olena Kovalenko's id>"
    )
    found = api_get(portland, tokens["portland"], f"/matching/suggestions/{seeker_id}")
    cross = found.get("cross_city") if isinstance(found, dict) else None
    profile_id = str(cross[0]["directory_profile_id"]) if cross else "<directory_profile_id>"
    venv = shlex.quote(str(BIN))

    def auth(city: City) -> str:
        return f"-H 'Authorization: Bearer {tokens[city.slug]}'"

    def cli(city: City, *args: str) -> str:
        env = shlex.quote(str(VAR / f"{city.slug}.env"))
        return f"(set -a; . {env}; {venv}/connector-node {' '.join(args)})"

    pick_id = f'{venv}/python -c \'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])\''
    return [
        "  Walk-through: matching, then a cross-city introduction (copy and paste):",
        "  (a) Halifax: explained local suggestions for a nurse",
        f"    curl -s {auth(halifax)} {halifax.api}/matching/suggestions/{local_id}",
        "  (b) Portland has no engineer: Pittsburgh's civil engineers appear in cross_city",
        f"    curl -s {auth(portland)} {portland.api}/matching/suggestions/{seeker_id}",
        "  (c) Portland requests an introduction to the first cross-city candidate",
        f"    curl -s {auth(portland)} -H 'Content-Type: application/json' -X POST \\",
        f'      -d \'{{"connectee_id": {seeker_id}, "directory_profile_id": {profile_id}}}\' \\',
        f"      {portland.api}/introductions",
        "  (d) Both nodes sync (cron would): Pittsburgh receives the request",
        f"    {cli(portland, 'sync')}",
        f"    {cli(pittsburgh, 'sync')}",
        "  (e) Pittsburgh's staff record the connector's yes (this sends the sealed card)",
        f"    INTRO=$(curl -s {auth(pittsburgh)} \\",
        f"      '{pittsburgh.api}/introductions?direction=incoming&status=requested' | {pick_id})",
        f"    curl -s {auth(pittsburgh)} -X POST {pittsburgh.api}/introductions/$INTRO/accept",
        "  (f) Both sync again: each side opens the other's card",
        f"    {cli(portland, 'sync')}",
        f"    {cli(pittsburgh, 'sync')}",
        "  (g) Each side reads the introduction with the other's decrypted card (their_card)",
        f"    curl -s {auth(portland)} '{portland.api}/introductions?direction=outgoing'",
        f"    curl -s {auth(pittsburgh)} {pittsburgh.api}/introductions/$INTRO",
    ]


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
    hub_staff()
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
            *(arg for scenario in city.scenarios for arg in ("--scenario", scenario)),
            env=env,
        )
        tokens[city.slug] = api_token(city, out)
        write_env_file(city)
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
    print(f"  National hub        http://127.0.0.1:{HUB_PORT}/   (API docs: /api/docs)")
    print(f"    roll-up           http://127.0.0.1:{HUB_PORT}/api/v1/rollup?by=community")
    print(f"    demand signals    http://127.0.0.1:{HUB_PORT}/api/v1/demand")
    for city in CITIES:
        print(f"  {city.name:<19} http://127.0.0.1:{city.port}/   (API docs: /api/docs)")
        print(f"    API token: {tokens[city.slug]}")
    print(f"\n  The hub and every node: log in as {DEMO_ADMIN} / {DEMO_PASSWORD} (admin)")
    print(f"  Public sign-up forms: http://127.0.0.1:{CITIES[0].port}/join (each city has its own)")
    print("  Logs, databases, API tokens (*.token): var/demo/.  Ctrl-C stops everything.")
    print()
    print("\n".join(browser_tour(tokens)))
    print()
    print("\n".join(walkthrough(tokens)))
    print("=" * 72, flush=True)
    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"a service exited (code {process.returncode}); see var/demo/*.log")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
