"""Shell commands of the eligibility feature."""

from __future__ import annotations

import click

commands: list[click.Command] = []
