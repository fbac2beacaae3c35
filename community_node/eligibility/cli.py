"""Shell commands of the eligibility feature."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from community_node.eligibility import services
from community_node.eligibility.rules import RulesError, load_rules
from community_node.errors import DomainError


@click.group("eligibility")
def eligibility_group() -> None:
    """Check and apply the community's eligibility rules."""


@eligibility_group.command("reevaluate")
@with_appcontext
def reevaluate_command() -> None:
    """Re-evaluate pending applicants not yet decided under the active rules."""
    try:
        result = services.reevaluate_pending(actor="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Evaluated {result.evaluated} pending applicant(s) under rules "
        f"{result.ruleset_version}; {result.changed} changed status."
    )


@eligibility_group.command("show-rules")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check this rules file instead of the configured one.",
)
@with_appcontext
def show_rules_command(path: Path | None) -> None:
    """Print the active rule set (or check a file) as JSON."""
    try:
        rules = load_rules(path) if path is not None else services.active_rules()
    except RulesError as exc:
        raise click.ClickException(str(exc)) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(rules.as_json(), indent=2))


commands: list[click.Command] = [eligibility_group]
