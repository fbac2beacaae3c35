"""Shell commands of the outcomes feature."""

from __future__ import annotations

import click

commands: list[click.Command] = []
