"""``python -m community_node.demo serve|load``: the demo node behind ``make run``."""

from __future__ import annotations

import click
from flask import Flask
from flask_migrate import upgrade

from community_node.app import create_app
from community_node.demo.generator import SCENARIOS
from community_node.demo.loader import DEMO_PASSWORD, DEMO_STAFF, LoadResult, load_demo


def _prepare(
    connectees: int, connectors: int, seed: int, scenarios: tuple[str, ...] = ()
) -> tuple[Flask, LoadResult]:
    """Build the app from the environment, upgrade its database and load the demo once."""
    app = create_app()
    with app.app_context():
        upgrade()
        result = load_demo(
            connectees=connectees, connectors=connectors, seed=seed, scenarios=scenarios
        )
    return app, result


def _describe(result: LoadResult) -> str:
    if not result.created:
        return "Demo data already present; nothing added."
    counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in result.counts.items())
    return f"Loaded the demo community: {counts}."


_size_options = [
    click.option("--connectees", type=click.IntRange(min=0), default=400, show_default=True),
    click.option("--connectors", type=click.IntRange(min=0), default=250, show_default=True),
    click.option("--seed", type=int, default=7, show_default=True),
    click.option(
        "--scenario",
        "scenarios",
        multiple=True,
        type=click.Choice(SCENARIOS),
        help="Add the fixed records of a walk-through: `connectors` (6 civil engineers open "
        "to cross-city introductions) or `seeker` (a civil engineer who consented to them, "
        "and no local engineer). Repeatable.",
    ),
]


def _with_size(f: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(_size_options):
        f = option(f)
    return f


#: The coordinator's day, page by page (the walk-through the banner prints first).
_TOUR = [
    ("Today: what needs you now", "/"),
    ("Review a sign-up: accept or decline", "/people/review"),
    ("A connectee: open one from the list", "/connectees"),
    ("Their suggestions; Propose one", "/matching/<connectee id>"),
    ("A match: meeting, referrals, outcome", "/matches/<match id>"),
    ("Cross-city introductions", "/introductions"),
    ("Imports (CSV/XLSX, dry run first)", "/imports"),
    ("Reports, charts and downloads", "/reports"),
    ("The hub connection", "/hub"),
    (f"Admin (as {DEMO_STAFF[0][0]})", "/admin"),
]


@click.group()
def main() -> None:
    """Run a demo community node with synthetic data."""


@main.command()
@_with_size
def load(connectees: int, connectors: int, seed: int, scenarios: tuple[str, ...]) -> None:
    """Create or upgrade the database and load the demo community if it is empty."""
    app, result = _prepare(connectees, connectors, seed, scenarios)
    click.echo(_describe(result))
    click.echo(f"Database: {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}")
    if result.token:
        click.echo(f"API token for {DEMO_STAFF[0][0]} (shown once): {result.token}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@_with_size
def serve(
    host: str, port: int, connectees: int, connectors: int, seed: int, scenarios: tuple[str, ...]
) -> None:
    """Prepare the demo node, print how to use it, and serve it (development server)."""
    app, result = _prepare(connectees, connectors, seed, scenarios)
    url = f"http://{host}:{port}"
    token = result.token or "<your token>"
    lines = [
        "",
        "=" * 72,
        f"  Connector Network demo node: {url}",
        f"  {_describe(result)}",
        "",
        "  Log in (synthetic data only):",
        *(f"    {email:<26} {DEMO_PASSWORD}   ({role.value})" for email, _, role in DEMO_STAFF),
        "",
        f"  In the browser first, a coordinator's day (log in as {DEMO_STAFF[1][0]}):",
        *(f"    {n:>2}. {label:<38} {url}{path}" for n, (label, path) in enumerate(_TOUR, 1)),
        "",
        "  Then with curl, through the API (or create a personal token on /admin/tokens",
        "  and paste it into Authorize on the API docs page):",
        f"  API docs: {url}/api/docs",
    ]
    if result.token:
        lines.append(f"  API token for {DEMO_STAFF[0][0]} (shown only this once):")
        lines.append(f"    {result.token}")
    else:
        lines.append(
            f"  API token: make one with  .venv/bin/connector-node tokens create "
            f"--email {DEMO_STAFF[0][0]}"
        )
    lines += [
        "  Try:",
        f"    curl -H 'Authorization: Bearer {token}' \\",
        f"      '{url}/api/v1/connectees?occupation=29-1141&related=minor&sort=-intake_date"
        "&per_page=5'",
        "=" * 72,
        "",
    ]
    click.echo("\n".join(lines))
    # The built-in server is fine for a local demo; deployments run gunicorn instead.
    app.run(host=host, port=port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
