"""``connector-hub tick``: end introductions that waited too long or lost their connector."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from hub.extensions import db
from hub.introductions.services import expiry_days, sweep
from shared.web.cli import IsoMoment


@click.command("tick")
@click.option("--now", type=IsoMoment(), help="Act as if it were this time.")
@with_appcontext
def tick_command(now: dt.datetime | None) -> None:
    """Expire introduction requests unanswered for INTRO_EXPIRY_DAYS (safe to rerun)."""
    ended = sweep(now, actor="system:tick")
    db.session.commit()
    click.echo(
        f"Ended {ended} introduction request(s) (expiry after {expiry_days()} days)."
        if ended
        else "No introduction requests to end."
    )


commands: list[click.Command] = [tick_command]
