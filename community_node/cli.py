"""``connector-node``: set up, administer and run a community node from the shell."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from community_node.auth.models import Role
from community_node.auth.services import create_token, create_user, get_user_by_email
from community_node.errors import DomainError


def _create_app() -> Flask:
    from community_node.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Run and administer a Connector Network community node."""


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database schema, or upgrade it to the newest version."""
    upgrade()
    click.echo("Database is at the newest schema version.")


@click.group("users")
def users_group() -> None:
    """Manage staff accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.COORDINATOR.value)
@click.password_option(help="Asked for when not given.")
@with_appcontext
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account."""
    try:
        user = create_user(email, name, Role(role), password, actor="cli")
    except DomainError as exc:
        raise click.ClickException(_describe(exc)) from exc
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@click.group("tokens")
def tokens_group() -> None:
    """Manage personal API tokens."""


@tokens_group.command("create")
@click.option("--email", required=True, help="The staff account the token acts as.")
@click.option("--name", default="script", show_default=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Expire after N days.")
@with_appcontext
def tokens_create(email: str, name: str, days: int | None) -> None:
    """Create an API token; it is printed once and cannot be shown again."""
    try:
        issued = create_token(get_user_by_email(email), name, actor="cli", expires_in_days=days)
    except DomainError as exc:
        raise click.ClickException(_describe(exc)) from exc
    click.echo(issued.secret)


def _describe(exc: DomainError) -> str:
    errors = exc.extra.get("errors")
    if errors:
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
    return exc.message


def register(app: Flask) -> None:
    """Attach every command group to the app's ``flask``/``connector-node`` CLI."""
    app.cli.add_command(init_command)
    app.cli.add_command(users_group)
    app.cli.add_command(tokens_group)
    for command in _feature_commands():
        app.cli.add_command(command)


def _feature_commands() -> list[click.Command]:
    from community_node.eligibility.cli import commands as eligibility
    from community_node.imports.cli import commands as imports
    from community_node.introductions.cli import commands as introductions
    from community_node.matches.cli import commands as matches
    from community_node.matching.cli import commands as matching
    from community_node.reports.cli import commands as reports
    from community_node.sync.cli import commands as sync

    return [
        *eligibility,
        *imports,
        *introductions,
        *matches,
        *matching,
        *reports,
        *sync,
    ]
