"""Alembic's environment for a service run through Flask-Migrate (each ``env.py`` calls this)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app
from sqlalchemy import Connection

logger = logging.getLogger("alembic.env")


def run_migrations() -> None:
    """Run (or, offline, print) the migrations against the current app's database."""
    config = context.config
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    db = current_app.extensions["migrate"].db
    url = db.engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # for tools reading it
    if context.is_offline_mode():
        # Emit SQL to stdout instead of running it.
        context.configure(url=url, target_metadata=db.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def process_revision_directives(context: Any, revision: Any, directives: list[Any]) -> None:
        # An autogenerate with no changes should not leave an empty revision behind.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with db.engine.connect() as connection, _sqlite_foreign_keys_off(connection):
        context.configure(connection=connection, target_metadata=db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, run the migrations with foreign keys off, then check them all.

    Batch mode alters a SQLite table by copying it and dropping the original; with
    foreign keys on, dropping a table other rows refer to fails, so a database holding
    data could not be upgraded (the upgrade test found it). The pragma only takes effect
    outside a transaction; once the migrations are done, every reference is checked.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"The migrations left rows with broken references: {broken[:5]}")
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
