"""Shell commands of the imports feature."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from community_node.errors import DomainError
from community_node.imports.columns import KINDS
from community_node.imports.services import import_file


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and count, writing nothing.")
@with_appcontext
def import_command(kind: str, path: Path, dry_run: bool) -> None:
    """Import connectees or connectors from a CSV or XLSX file: all rows or none."""
    try:
        report = import_file(kind, path.name, path.read_bytes(), actor="cli", dry_run=dry_run)
    except DomainError as exc:
        details = exc.extra.get("errors", {})
        for error in details.get("rows", []):
            click.echo(
                f"row {error['row']}, column {error['column']}: {error['message']}", err=True
            )
        raise click.ClickException(exc.message) from exc
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} {report.rows} {kind} from {path.name}: {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged."
    )
    if dry_run:
        click.echo("Dry run: nothing was written.")


commands: list[click.Command] = [import_command]
