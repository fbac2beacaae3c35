"""The hub's shell commands, attached by ``create_app`` to ``connector-hub``/``flask``."""

from __future__ import annotations

import click
from flask import Flask

from hub.auth.cli import commands as keys
from hub.auth.keys import ensure_signing_key
from hub.auth.models import Role
from hub.auth.services import create_user
from hub.communities.cli import commands as communities
from hub.extensions import db
from hub.introductions.cli import commands as introductions
from hub.resources.cli import commands as resources
from shared.web.cli import backup_commands, init_command, users_group


def _make_signing_key() -> None:
    key, created = ensure_signing_key(actor="cli")
    click.echo(f"{'Created' if created else 'Kept'} token signing key {key.kid}.")


def commands() -> list[click.Command]:
    """Return every command group of the hub, features' included."""
    return [
        init_command(
            help="Create or upgrade the database schema, and make a token signing key "
            "if none exists.",
            then=_make_signing_key,
        ),
        users_group(
            roles=Role,
            default=Role.COORDINATOR,
            create_user=create_user,
            what="national staff account",
        ),
        *backup_commands(db, label="hub"),
        *communities,
        *keys,
        *resources,
        *introductions,
    ]


def register_cli(app: Flask) -> None:
    """Attach every command to the app's console."""
    for command in commands():
        app.cli.add_command(command)
