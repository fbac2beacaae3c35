"""``connector-hub keys``: the token signing keys and the key that encrypts them at rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from flask.cli import with_appcontext

from hub.auth.keys import (
    create_signing_key,
    reencrypt_signing_keys,
    retire_signing_key,
    signing_keys,
)
from hub.errors import DomainError
from shared.web.settings import InsecureConfiguration

T = TypeVar("T")


@click.group("keys")
def keys_group() -> None:
    """Rotate the token signing keys and their encryption key (see docs/security.md)."""


@keys_group.command("list")
@with_appcontext
def list_keys() -> None:
    """List the signing keys, newest first; the first unretired one signs."""
    signing = True
    for row in signing_keys():
        if row.retired_at is not None:
            state = f"retired {row.retired_at:%Y-%m-%d %H:%M}"
        else:
            state, signing = ("signs" if signing else "verifies"), False
        click.echo(f"{row.kid}  {row.algorithm}  created {row.created_at:%Y-%m-%d %H:%M}  {state}")


@keys_group.command("rotate-signing")
@with_appcontext
def rotate_signing() -> None:
    """Make a new signing key; the older keys keep verifying until retired."""
    row = _run(lambda: create_signing_key(actor="cli"))
    click.echo(
        f"Created signing key {row.kid}; it signs from now on. Once the tokens of the older "
        "keys have expired (15 minutes), retire them with `connector-hub keys retire KID`."
    )


@keys_group.command("retire")
@click.argument("kid")
@with_appcontext
def retire(kid: str) -> None:
    """Retire a signing key: it stops signing and verifying at once."""
    row = _run(lambda: retire_signing_key(kid, actor="cli"))
    click.echo(f"Retired signing key {row.kid}.")


@keys_group.command("rotate-encryption")
@with_appcontext
def rotate_encryption() -> None:
    """Re-encrypt every signing key under HUB_KEY_ENCRYPTION_KEY.

    Set the new key in HUB_KEY_ENCRYPTION_KEY and the previous one in
    HUB_KEY_ENCRYPTION_OLD_KEYS first.
    """
    count = _run(lambda: reencrypt_signing_keys(actor="cli"))
    click.echo(
        f"Re-encrypted {count} signing key(s) under HUB_KEY_ENCRYPTION_KEY; "
        "HUB_KEY_ENCRYPTION_OLD_KEYS can now be removed (then restart the hub)."
    )


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except (DomainError, InsecureConfiguration) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from exc


commands: list[click.Command] = [keys_group]
