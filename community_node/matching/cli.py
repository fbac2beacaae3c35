"""``connector-node matching next``: offer next candidates for ended proposals."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from community_node.matching import services


@click.group("matching")
def matching_group() -> None:
    """Matching: next candidates after declined or expired proposals."""


@matching_group.command("next")
@with_appcontext
def next_command() -> None:
    """Offer the next untried connector for every declined or expired match lacking one."""
    count = services.offer_missing()
    click.echo(f"Offered next candidates for {count} ended match(es).")


commands: list[click.Command] = [matching_group]
