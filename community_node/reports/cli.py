"""Shell commands of the reports feature: ``connector-node report funnel|outcomes``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import click
from flask.cli import with_appcontext

from community_node.reports import services
from community_node.reports.schemas import GROUPINGS, PERIODS

_DATE = click.DateTime(["%Y-%m-%d"])


@click.group("report")
def report_group() -> None:
    """Print the program's reports (definitions in docs/reports.md)."""


def _report_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--period", type=click.Choice(PERIODS), default="quarter", show_default=True),
        click.option("--from", "start", type=_DATE, help="First intake date (YYYY-MM-DD)."),
        click.option("--to", "end", type=_DATE, help="Last intake date (YYYY-MM-DD)."),
        click.option("--group-by", type=click.Choice(GROUPINGS), default=None),
        click.option("--csv", "as_csv", is_flag=True, help="CSV instead of JSON lines."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run(
    report: Callable[..., Sequence[Any]],
    columns: Sequence[str],
    period: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    group_by: str | None,
    as_csv: bool,
) -> None:
    first, last = (d.date() if d is not None else None for d in (start, end))
    if first is not None and last is not None and first > last:
        raise click.ClickException("--to must not be before --from.")
    rows = report(period=period, start=first, end=last, group_by=group_by)
    if as_csv:
        click.echo(services.to_csv(rows, columns), nl=False)
        return
    for row in rows:
        click.echo(json.dumps(asdict(row)))


@report_group.command("funnel")
@_report_options
@with_appcontext
def funnel_command(**options: Any) -> None:
    """Print the program funnel per intake cohort."""
    _run(services.funnel, services.FUNNEL_COLUMNS, **options)


@report_group.command("outcomes")
@_report_options
@with_appcontext
def outcomes_command(**options: Any) -> None:
    """Print follow-up outcomes per cohort, milestone and category."""
    _run(services.outcomes, services.OUTCOME_COLUMNS, **options)


commands: list[click.Command] = [report_group]
