"""``connector-node introductions sync``: pull the hub's introductions feed, exchange cards."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from community_node.errors import DomainError
from community_node.introductions import services


@click.group("introductions")
def introductions_group() -> None:
    """Cross-city introductions through the hub."""


@introductions_group.command("sync")
@with_appcontext
def sync_command() -> None:
    """Pull introduction changes from the hub and exchange sealed contact cards."""
    try:
        report = services.sync()
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Introductions synced: {report['changed']} changed, {report['new_incoming']} new "
        f"incoming, {report['cards_received']} card(s) received, "
        f"{report['withdrawn']} withdrawn, {report['erased']} erased at the hub, "
        f"{report['erased_by_peer']} erased by the other side."
    )


commands: list[click.Command] = [introductions_group]
