"""The node's shell commands, attached by ``create_app`` to ``connector-node``/``flask``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from community_node.auth.models import Role
from community_node.auth.services import (
    create_token,
    create_user,
    get_user_by_email,
    revoke_token,
)
from community_node.eligibility.cli import commands as eligibility
from community_node.imports.cli import commands as imports
from community_node.introductions.cli import commands as introductions
from community_node.mail.cli import commands as mail
from community_node.matches.cli import commands as matches
from community_node.matching.cli import commands as matching
from community_node.reports.cli import commands as reports
from community_node.sync.cli import commands as sync
from shared.web.cli import domain_errors, init_command, users_group


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
    with domain_errors():
        issued = create_token(get_user_by_email(email), name, actor="cli", expires_in_days=days)
    click.echo(issued.secret)


@tokens_group.command("revoke")
@click.option(
    "--id", "token_id", type=click.IntRange(1, 2147483647), required=True, help="The token's id."
)
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token: every request that presents it is refused from now on."""
    with domain_errors():
        token = revoke_token(token_id, actor="cli")
    click.echo(f"Revoked token {token.id} ({token.name}) of {token.user.email}.")


def commands() -> list[click.Command]:
    """Return every command group of the node, features' included."""
    return [
        init_command(help="Create the database schema, or upgrade it to the newest version."),
        users_group(
            roles=Role, default=Role.COORDINATOR, create_user=create_user, what="staff account"
        ),
        tokens_group,
        *eligibility,
        *imports,
        *introductions,
        *mail,
        *matches,
        *matching,
        *reports,
        *sync,
    ]


def register_cli(app: Flask) -> None:
    """Attach every command to the app's console."""
    for command in commands():
        app.cli.add_command(command)
