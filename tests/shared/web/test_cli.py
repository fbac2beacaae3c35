"""Command-line helpers: the ISO time option and service errors as one line."""

from __future__ import annotations

import datetime as dt

import click
import pytest
from click.testing import CliRunner

from shared.web.cli import IsoMoment, describe, domain_errors
from shared.web.errors import InvalidInput, NotFound


@click.command()
@click.option("--now", type=IsoMoment())
def show(now: dt.datetime | None) -> None:
    click.echo(now.isoformat() if now else "none")


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("2026-03-01", "2026-03-01T00:00:00+00:00"),
        ("2026-03-01T09:00", "2026-03-01T09:00:00+00:00"),
        ("2026-03-01T09:00+02:00", "2026-03-01T09:00:00+02:00"),
    ],
)
def test_an_iso_moment_without_an_offset_means_utc(given: str, shown: str) -> None:
    result = CliRunner().invoke(show, ["--now", given])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == shown


def test_a_bad_moment_is_a_usage_error() -> None:
    result = CliRunner().invoke(show, ["--now", "yesterday"])
    assert result.exit_code == 2
    assert "Use an ISO date or time" in result.output


def test_describe_flattens_an_error_tree() -> None:
    error = InvalidInput({"email": ["Taken."], "skills": {1: {"id": ["Unknown."]}}})
    assert describe(error) == "email: Taken.; skills.1.id: Unknown."
    assert describe(NotFound("No such account.")) == "No such account."


def test_domain_errors_become_a_one_line_failure() -> None:
    with pytest.raises(click.ClickException, match="^No such account.$"), domain_errors():
        raise NotFound("No such account.")
