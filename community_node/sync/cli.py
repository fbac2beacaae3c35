"""``connector-node hub connect|status`` and ``connector-node sync``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from community_node.errors import DomainError
from community_node.sync import connection as hub_connection
from community_node.sync import run
from shared.hubclient import HubError

commands: list[click.Command] = []


def _client_factory() -> hub_connection.ClientFactory:
    return hub_connection.configured_client_factory()


@click.group("hub")
def hub_group() -> None:
    """Connect this node to the national hub and see the connection."""


@hub_group.command("connect")
@click.option("--url", required=True, help="The hub's base URL, e.g. https://hub.example.org")
@click.option("--client-id", required=True)
@click.option(
    "--client-secret",
    required=True,
    prompt=True,
    hide_input=True,
    help="Asked for when not given; stored in the node database (a secret: protect backups).",
)
@with_appcontext
def hub_connect(url: str, client_id: str, client_secret: str) -> None:
    """Verify the hub credentials with the hub, then store them."""
    try:
        connection, who = hub_connection.connect(
            url, client_id, client_secret, actor="cli", client_factory=_client_factory()
        )
    except DomainError as exc:
        errors = exc.extra.get("errors") or {}
        raise click.ClickException(
            "; ".join(" ".join(m) for m in errors.values()) or exc.message
        ) from exc
    except HubError as exc:
        raise click.ClickException(f"The hub did not accept the connection: {exc}") from exc
    click.echo(
        f"Connected to {connection.url} as community {who.get('community')!s} "
        f"(scopes: {' '.join(who.get('scopes') or [])}). Run `connector-node sync` next."
    )


@hub_group.command("status")
@with_appcontext
def hub_status() -> None:
    """Show the hub connection and the health of syncing (never the secret)."""
    info = run.status()
    if not info["configured"]:
        click.echo("No hub is configured. Use `connector-node hub connect`.")
        return
    for key in (
        "hub_url",
        "community",
        "connected_at",
        "last_success_at",
        "last_attempt_at",
        "last_error",
        "consecutive_failures",
        "backoff_until",
        "pending",
        "dead",
        "sent",
        "resources",
    ):
        value = info[key]
        click.echo(f"{key}: {'-' if value is None else value}")


@click.command("sync")
@click.option("--full", is_flag=True, help="Resend every listed profile and a full snapshot.")
@click.option("--force", is_flag=True, help="Run even while backing off after failures.")
@with_appcontext
def sync_command(full: bool, force: bool) -> None:
    """Push changes, outcomes and demand; pull resources; sync cross-city introductions."""
    report = run.run_sync(full=full, client_factory=_client_factory(), ignore_backoff=force)
    if not report.configured:
        click.echo("No hub is configured; nothing to sync. Use `connector-node hub connect`.")
        return
    if report.skipped_until is not None:
        click.echo(f"Backing off after failures; next attempt after {report.skipped_until}.")
        return
    summary = (
        f"sent {report.sent}, dead {report.dead}, superseded {report.superseded}, "
        f"outcome periods {','.join(report.outcome_periods) or '-'}, "
        f"resources changed {report.resources_changed}"
        + (" (resynced)" if report.resources_resynced else "")
        + (", demand signals changed" if report.demand_changed else "")
    )
    if report.intros is not None:
        intros = report.intros
        summary += (
            f"; introductions: {intros['changed']} changed, {intros['new_incoming']} new "
            f"incoming, {intros['cards_received']} card(s) received, "
            f"{intros['withdrawn']} withdrawn"
        )
    if report.error is not None:
        raise click.ClickException(f"Sync failed ({summary}): {report.error}")
    click.echo(f"Synced: {summary}.")


commands.extend([hub_group, sync_command])
