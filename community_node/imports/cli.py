"""Shell commands of the imports feature."""

from __future__ import annotations

import click

commands: list[click.Command] = []
