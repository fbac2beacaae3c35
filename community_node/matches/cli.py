"""Shell commands of the matches feature: ``connector-node tick``."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from community_node.database import utcnow
from community_node.mail import cli as mail
from community_node.matches import services
from community_node.matching import services as matching
from community_node.participants import services as participants
from shared.web.cli import IsoMoment


@click.command("tick")
@click.option(
    "--now",
    type=IsoMoment(),
    help="Act as if it were this time (UTC unless an offset is given); for tests and replays.",
)
@with_appcontext
def tick_command(now: dt.datetime | None) -> None:
    """Expire unanswered proposals, end pauses, list follow-ups due (safe to rerun)."""
    now = now or utcnow()
    expired = services.expire_overdue(now, offer_next=matching.offer_next)
    if expired:
        click.echo(f"Expired {len(expired)} match(es): {', '.join(map(str, expired))}.")
    else:
        click.echo("No proposals to expire.")
    resumed = participants.resume_paused(now.date(), actor=services.TICK_ACTOR)
    if resumed:
        click.echo(f"Pauses ended for {len(resumed)} connector(s): {', '.join(map(str, resumed))}.")
    due = services.due_follow_ups(now.date())
    for item in due:
        click.echo(
            f"connectee {item.connectee_id}: {item.milestone_months}-month follow-up "
            f"due since {item.due_on.isoformat()}"
        )
    if not due:
        click.echo("No follow-ups due.")
    for line in mail.run_daily(now):
        click.echo(line)


commands: list[click.Command] = [tick_command]
