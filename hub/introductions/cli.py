"""``connector-hub tick`` and ``connector-hub introductions purge``.

The daily tick ends introductions that waited too long or lost their connector, and
purges the pitches and cards of those ended longer than the retention period ago.
"""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from hub.extensions import db
from hub.introductions.services import expiry_days, purge, retention_days, sweep
from shared.web.cli import IsoMoment


@click.command("tick")
@click.option("--now", type=IsoMoment(), help="Act as if it were this time.")
@with_appcontext
def tick_command(now: dt.datetime | None) -> None:
    """Expire requests unanswered for INTRO_EXPIRY_DAYS, purge past retention (safe to rerun)."""
    ended = sweep(now, actor="system:tick")
    purged = purge(now, actor="system:tick")
    db.session.commit()
    click.echo(
        f"Ended {ended} introduction request(s) (expiry after {expiry_days()} days)."
        if ended
        else "No introduction requests to end."
    )
    _echo_purged(purged)


def _echo_purged(purged: int) -> None:
    click.echo(
        f"Purged the pitch and cards of {purged} ended introduction(s) "
        f"(retention {retention_days()} days)."
        if purged
        else "No ended introductions past retention."
    )


@click.group("introductions")
def introductions_group() -> None:
    """Cross-city introductions held by the hub."""


@introductions_group.command("purge")
@click.option("--now", type=IsoMoment(), help="Act as if it were this time.")
@with_appcontext
def purge_command(now: dt.datetime | None) -> None:
    """Delete pitches, consent refs and cards of introductions ended INTRO_RETENTION_DAYS ago."""
    purged = purge(now, actor="system:purge")
    db.session.commit()
    _echo_purged(purged)


commands: list[click.Command] = [tick_command, introductions_group]
