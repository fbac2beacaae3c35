"""Shell commands of the reports feature."""

from __future__ import annotations

import click

commands: list[click.Command] = []
