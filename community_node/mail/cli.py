"""``connector-node mail``: deliver the outbox, send the staff digest."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from community_node.database import utcnow
from community_node.mail import sender, services
from shared.web.cli import IsoMoment


@click.group("mail")
def mail_group() -> None:
    """Deliver messages and look at the outbox."""


@mail_group.command("send")
@click.option("--now", type=IsoMoment(), help="Act as if it were this time (tests, replays).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most N.")
@with_appcontext
def send_command(now: dt.datetime | None, limit: int | None) -> None:
    """Deliver every message that is due (safe to run from several places at once)."""
    click.echo(str(sender.send_due(now, limit=limit)))


@mail_group.command("status")
@with_appcontext
def status_command() -> None:
    """Count the outbox's messages by state."""
    for state, count in services.counts().items():
        click.echo(f"{state}: {count}")


def run_daily(now: dt.datetime | None = None) -> list[str]:
    """What ``tick`` does for mail: surveys due, the staff digest, then delivery."""
    from community_node.matches import services as matches
    from community_node.web import queries

    now = now or utcnow()
    due = matches.due_follow_ups(now.date())
    surveys = services.invite_due_surveys(
        [(item.connectee_id, item.milestone_months) for item in due], now=now
    )
    lines = [f"Survey invitations written: {surveys}."]
    today = queries.today(now)
    section_counts = {
        "signups": today.signups.count,
        "waiting": today.waiting.count,
        "expiring": today.expiring.count,
        "meetings": today.meetings.count,
        "follow_ups": today.follow_ups.count,
        "intros": today.intros.count,
        "sync": today.sync.count,
    }
    lines.append(f"Staff digests written: {services.send_digests(section_counts, now=now)}.")
    lines.append(str(sender.send_due(now)))
    return lines


commands: list[click.Command] = [mail_group]
