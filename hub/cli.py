"""``connector-hub``: set up, administer and run the national hub from the shell."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from hub.auth.keys import ensure_signing_key
from hub.auth.models import Role
from hub.auth.services import create_user
from hub.errors import DomainError


def _create_app() -> Flask:
    from hub.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Run and administer the Connector Network national hub."""


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database schema, and make a token signing key if none exists."""
    upgrade()
    click.echo("Database is at the newest schema version.")
    key, created = ensure_signing_key(actor="cli")
    click.echo(f"{'Created' if created else 'Kept'} token signing key {key.kid}.")


@click.group("users")
def users_group() -> None:
    """Manage national staff accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.COORDINATOR.value)
@click.password_option(help="Asked for when not given.")
@with_appcontext
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create a national staff account."""
    try:
        user = create_user(email, name, Role(role), password, actor="cli")
    except DomainError as exc:
        raise click.ClickException(describe(exc)) from exc
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


def describe(exc: DomainError) -> str:
    """Turn a service error into one line for the terminal."""
    errors = exc.extra.get("errors")
    if errors:
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
    return exc.message


def register(app: Flask) -> None:
    """Attach every command group to the app's ``flask``/``connector-hub`` CLI."""
    from hub.communities.cli import commands as communities
    from hub.introductions.cli import commands as introductions
    from hub.resources.cli import commands as resources

    app.cli.add_command(init_command)
    app.cli.add_command(users_group)
    for command in (*communities, *resources, *introductions):
        app.cli.add_command(command)
