"""Command-line pieces both services' consoles (``connector-hub``, ``connector-node``) share."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from flask_sqlalchemy import SQLAlchemy

from shared.backup import BackupError, backup_database, restore_database
from shared.web.errors import DomainError


def console(create_app: Callable[[], Flask], *, name: str, help: str) -> click.Group:  # noqa: A002
    """Return a service's console entry point: Flask's commands plus the app's own."""
    return FlaskGroup(name=name, help=help, create_app=create_app, add_default_commands=True)


class IsoMoment(click.ParamType[dt.datetime]):
    """An ISO date or time from an operator; without an offset it means UTC, the server's clock."""

    name = "ISO-TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            self.fail("Use an ISO date or time, e.g. 2026-03-01T09:00", param, ctx)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def describe(exc: DomainError) -> str:
    """Turn a service error into one line for the terminal: field messages, else the message."""
    errors = exc.extra.get("errors")
    if errors:
        return "; ".join(_flatten(errors))
    return exc.message


def _flatten(errors: Any, path: str = "") -> Iterator[str]:
    # A marshmallow error tree: field (or list index) -> messages, or a deeper tree.
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(errors, list | tuple) and all(isinstance(m, str) for m in errors):
        yield f"{path}: {' '.join(errors)}" if path else " ".join(errors)
    elif isinstance(errors, list | tuple):
        for item in errors:
            yield from _flatten(item, path)
    else:
        yield f"{path}: {errors}" if path else str(errors)


@contextlib.contextmanager
def domain_errors() -> Iterator[None]:
    """Turn a service error raised inside into a one-line command failure (exit code 1)."""
    try:
        yield
    except DomainError as exc:
        raise click.ClickException(describe(exc)) from exc


def init_command(*, help: str, then: Callable[[], None] | None = None) -> click.Command:  # noqa: A002
    """Return ``init``: upgrade the database to the newest schema, then run ``then``."""

    @click.command("init", help=help)
    @with_appcontext
    def init() -> None:
        upgrade()
        click.echo("Database is at the newest schema version.")
        if then is not None:
            then()

    return init


class Account(Protocol):
    """What ``users create`` prints about the account it made."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def role(self) -> enum.Enum: ...


class CreateUser(Protocol):
    def __call__(
        self, email: str, name: str, role: Any, password: str, *, actor: str
    ) -> Account: ...


def users_group(
    *, roles: type[enum.Enum], default: enum.Enum, create_user: CreateUser, what: str
) -> click.Group:
    """Return ``users create``, which makes a ``what`` (e.g. "staff account") with a role."""

    @click.group("users", help=f"Manage {what}s.")
    def users() -> None:
        pass

    @users.command("create", help=f"Create a {what}.")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice([r.value for r in roles]), default=default.value)
    @click.password_option(help="Asked for when not given.")
    @with_appcontext
    def create(email: str, name: str, role: str, password: str) -> None:
        with domain_errors():
            user = create_user(email, name, roles(role), password, actor="cli")
        click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")

    return users


def backup_commands(db: SQLAlchemy, *, label: str) -> list[click.Command]:
    """Return ``backup`` and ``restore`` for a service whose backups are named ``label``."""

    @click.command("backup")
    @click.option(
        "--dir",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Where backups go (default: BACKUP_DIR, else the instance folder's backups/).",
    )
    @click.option(
        "--keep",
        type=click.IntRange(min=1),
        default=None,
        help="How many of the newest backups to keep (default: BACKUP_KEEP).",
    )
    @with_appcontext
    def backup(directory: Path | None, keep: int | None) -> None:
        """Back up the database into a new file, delete the oldest; print the file's path."""
        config = current_app.config
        where = directory or Path(
            config["BACKUP_DIR"] or Path(current_app.instance_path, "backups")
        )
        try:
            made = backup_database(
                db.engine.url, where, label=label, keep=keep or config["BACKUP_KEEP"]
            )
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(str(made.path))

    @click.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
    @click.option(
        "--yes", is_flag=True, help="Replace the database without asking (scripts, upgrade.sh)."
    )
    @with_appcontext
    def restore(path: Path, yes: bool) -> None:
        """Replace every table of the database with a backup made by ``backup``."""
        url = db.engine.url
        if not yes:
            click.confirm(
                f"Replace every table of {url.render_as_string(hide_password=True)} "
                f"with {path.name}?",
                abort=True,
            )
        db.session.remove()
        db.engine.dispose()  # no pooled connection may keep reading the old pages
        try:
            restore_database(url, path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            db.engine.dispose()
        click.echo(f"Restored {path.name}.")

    return [backup, restore]
