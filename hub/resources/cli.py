"""``connector-hub resources …``: national staff publish shared resources."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from hub.resources.files import FileRefused, check_file
from hub.resources.services import list_resources, publish, unpublish
from shared.protocol import AUDIENCES, RESOURCE_KINDS
from shared.web.cli import domain_errors


@click.group("resources")
def resources_group() -> None:
    """Publish, list and unpublish the resources every node receives."""


@resources_group.command("publish")
@click.option("--kind", type=click.Choice(RESOURCE_KINDS), required=True)
@click.option("--title", required=True)
@click.option("--summary", required=True)
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A Markdown file with the body.",
)
@click.option("--url", help="A link instead of a body.")
@click.option(
    "--file",
    "file_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file (PDF, DOCX, PPTX, XLSX, ODT, ODP) instead of a body or a link.",
)
@click.option("--tags", default="", help="Comma-separated, e.g. licensing,nursing.")
@click.option("--language", default="en", show_default=True)
@click.option("--audience", type=click.Choice(AUDIENCES), default="staff", show_default=True)
@with_appcontext
def resources_publish(
    kind: str,
    title: str,
    summary: str,
    body_file: Path | None,
    url: str | None,
    file_path: Path | None,
    tags: str,
    language: str,
    audience: str,
) -> None:
    """Publish a resource with a body (--body-file), a link (--url) or a file (--file)."""
    if [body_file, url, file_path].count(None) != 2:
        raise click.UsageError("Give exactly one of --body-file, --url and --file.")
    body = body_file.read_text(encoding="utf-8") if body_file is not None else None
    try:
        file = check_file(file_path.name, file_path.read_bytes()) if file_path else None
    except FileRefused as refused:
        raise click.UsageError(str(refused)) from refused
    with domain_errors():
        resource = publish(
            kind=kind,
            title=title,
            summary=summary,
            body=body,
            url=url,
            tags=[t.strip() for t in tags.split(",") if t.strip()],
            language=language,
            audience=audience,
            file=file,
            actor="cli",
        )
    click.echo(f"Published {resource.kind} {resource.id} (seq {resource.seq}): {resource.title}")


@resources_group.command("list")
@click.option("--all", "include_deleted", is_flag=True, help="Include unpublished ones.")
@with_appcontext
def resources_list(include_deleted: bool) -> None:
    """List resources: id, seq, kind, language, audience, title."""
    rows = list_resources(include_deleted)
    if not rows:
        click.echo("No resources yet: publish one with `connector-hub resources publish`.")
    for r in rows:
        state = "unpublished" if r.deleted else "published"
        click.echo(f"{r.id}\t{r.seq}\t{r.kind}\t{r.language}\t{r.audience}\t{state}\t{r.title}")


@resources_group.command("unpublish")
@click.argument("resource_id", type=int)
@with_appcontext
def resources_unpublish(resource_id: int) -> None:
    """Unpublish a resource: nodes get a tombstone and drop their copy."""
    with domain_errors():
        resource = unpublish(resource_id, actor="cli")
    click.echo(f"Unpublished resource {resource.id} (seq {resource.seq}).")


commands: list[click.Command] = [resources_group]
