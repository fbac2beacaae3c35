"""``connector-hub communities …``: register communities and manage their credentials."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hub.communities.models import ALL_SCOPES, CommunityStatus
from hub.communities.services import (
    Credentials,
    add_community,
    list_communities,
    rotate_secret,
    set_status,
)
from shared.web.cli import domain_errors


@click.group("communities")
def communities_group() -> None:
    """Manage member communities and their OAuth2 clients."""


def _print_credentials(creds: Credentials) -> None:
    click.echo(f"community:     {creds.community.slug}")
    click.echo(f"client_id:     {creds.client_id}")
    click.echo(f"client_secret: {creds.client_secret}")
    click.echo("Store the secret in the node's configuration now: it cannot be shown again.")


@communities_group.command("add")
@click.option("--slug", required=True, help="Short lowercase id, e.g. halifax.")
@click.option("--name", required=True)
@click.option("--country", default="CA", show_default=True, help="ISO 3166-1 alpha-2.")
@click.option("--region", default=None, help="Province or state, e.g. NS.")
@click.option(
    "--scopes",
    default=" ".join(ALL_SCOPES),
    show_default=True,
    help="Space-separated scopes the client may request.",
)
@with_appcontext
def communities_add(slug: str, name: str, country: str, region: str | None, scopes: str) -> None:
    """Register a community; prints its client id and secret once."""
    with domain_errors():
        creds = add_community(
            slug, name, country=country, region=region, scopes=scopes.split(), actor="cli"
        )
    _print_credentials(creds)


@communities_group.command("list")
@with_appcontext
def communities_list() -> None:
    """List communities with their status, client id and scopes."""
    rows = list_communities()
    if not rows:
        click.echo("No communities yet: add one with `connector-hub communities add`.")
    for c in rows:
        click.echo(f"{c.slug}\t{c.status.value}\t{c.client.client_id}\t{c.name}\t{c.client.scope}")


@communities_group.command("rotate-secret")
@click.argument("slug")
@with_appcontext
def communities_rotate_secret(slug: str) -> None:
    """Issue a new client secret; the old one and tokens issued with it stop working."""
    with domain_errors():
        creds = rotate_secret(slug, actor="cli")
    _print_credentials(creds)


def _status_command(name: str, status: CommunityStatus, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("slug")
    @click.option(
        "--reason",
        help="Why, for the audit log (no names or other personal data; at most 500 characters).",
    )
    @with_appcontext
    def command(slug: str, reason: str | None) -> None:
        with domain_errors():
            community = set_status(slug, status, actor="cli", reason=reason)
        click.echo(f"{community.slug} is now {community.status.value}.")

    return command


communities_group.add_command(
    _status_command("activate", CommunityStatus.ACTIVE, "Restore a community's full access.")
)
communities_group.add_command(
    _status_command(
        "silence",
        CommunityStatus.SILENCED,
        "Let a community read but not write (its write calls get 403).",
    )
)
communities_group.add_command(
    _status_command(
        "suspend",
        CommunityStatus.SUSPENDED,
        "Cut a community off: no new tokens, and its live tokens stop working.",
    )
)

commands: list[click.Command] = [communities_group]
