"""Shell commands of the matches feature: ``connector-node tick``."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from community_node.database import utcnow
from community_node.matches import services
from community_node.matching import services as matching


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("Use an ISO date or time, e.g. 2026-03-01T09:00") from exc
    # A bare date or local-looking time from an operator means UTC, the node's clock.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@click.command("tick")
@click.option(
    "--now",
    callback=_parse_now,
    metavar="ISO-TIME",
    help="Act as if it were this time (UTC unless an offset is given); for tests and replays.",
)
@with_appcontext
def tick_command(now: dt.datetime | None) -> None:
    """Expire unanswered proposals and list the follow-ups that are due (safe to rerun)."""
    now = now or utcnow()
    expired = services.expire_overdue(now, offer_next=matching.offer_next)
    if expired:
        click.echo(f"Expired {len(expired)} match(es): {', '.join(map(str, expired))}.")
    else:
        click.echo("No proposals to expire.")
    due = services.due_follow_ups(now.date())
    for item in due:
        click.echo(
            f"connectee {item.connectee_id}: {item.milestone_months}-month follow-up "
            f"due since {item.due_on.isoformat()}"
        )
    if not due:
        click.echo("No follow-ups due.")


commands: list[click.Command] = [tick_command]
