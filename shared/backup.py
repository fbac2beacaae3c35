"""Back up and restore a service's database: one file per backup, the newest N kept.

PostgreSQL is dumped with ``pg_dump --format=custom`` (compressed, restorable table by
table); SQLite is copied with its online backup API, which reads a consistent snapshot
while the service keeps writing. Restoring replaces every table of the target database in
one transaction on PostgreSQL (the dump is replayed through ``psql --single-transaction``
after the old tables are dropped), so a restore that fails half-way leaves the database as
it was. No Flask here: the services' ``backup`` and ``restore`` commands call this.

A backup holds every personal record of a city: files are created readable by their
owner only (0600), in a directory made 0700.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

#: A backup's file name: ``<label>-<UTC moment>.<sqlite|dump>``; the moment sorts as text.
_NAME = re.compile(r"^(?P<label>[a-z0-9_-]+)-(?P<moment>\d{8}T\d{6}(?:\.\d{6})?Z)\.(sqlite|dump)$")

#: The moment's format in a file name (microseconds: two backups in a second stay apart).
_MOMENT = "%Y%m%dT%H%M%S.%fZ"

#: Drops every table, view, sequence and function of the ``public`` schema (what the
#: migrations created), so the dump replays onto an empty schema; extensions' functions
#: stay. Run in the restore's transaction, so a failed restore drops nothing.
_EMPTY_PUBLIC_SCHEMA = r"""
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT format('DROP VIEW IF EXISTS public.%I CASCADE', viewname) AS s
           FROM pg_views WHERE schemaname = 'public' LOOP EXECUTE r.s; END LOOP;
  FOR r IN SELECT format('DROP TABLE IF EXISTS public.%I CASCADE', tablename) AS s
           FROM pg_tables WHERE schemaname = 'public' LOOP EXECUTE r.s; END LOOP;
  FOR r IN SELECT format('DROP SEQUENCE IF EXISTS public.%I CASCADE', sequencename) AS s
           FROM pg_sequences WHERE schemaname = 'public' LOOP EXECUTE r.s; END LOOP;
  FOR r IN SELECT format('DROP FUNCTION IF EXISTS %s CASCADE', p.oid::regprocedure) AS s
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                             WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP EXECUTE r.s; END LOOP;
END $$;
"""


class BackupError(Exception):
    """A backup or restore did not complete; the message says why, without a password."""


@dataclass(frozen=True)
class Backup:
    """One backup file and when it was taken."""

    path: Path
    taken_at: dt.datetime


def backup_database(
    url: str | URL,
    directory: Path,
    *,
    label: str,
    keep: int,
    now: dt.datetime | None = None,
) -> Backup:
    """Write a backup of ``url`` into ``directory``; then keep only the newest ``keep``.

    ``label`` names the service (``node``, ``hub``) so two services can share a directory.
    The file is written under a temporary name and renamed when complete: a crash never
    leaves a half backup that looks whole, and retention never counts one.
    """
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    if not re.fullmatch(r"[a-z0-9_-]+", label):
        raise BackupError(f"A backup label is lowercase letters, digits, - or _: {label!r}.")
    db_url = make_url(url)
    taken_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    suffix = "sqlite" if db_url.get_backend_name() == "sqlite" else "dump"
    final = directory / f"{label}-{taken_at.strftime(_MOMENT)}.{suffix}"
    partial = final.with_name(f".{final.name}.partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    try:
        if suffix == "sqlite":
            _sqlite_copy(_sqlite_path(db_url), partial, journal="DELETE")
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"], db_url)
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    prune(directory, label=label, keep=keep)
    return Backup(final, taken_at)


def list_backups(directory: Path, *, label: str) -> list[Backup]:
    """Return the complete backups of ``label`` in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if match and match["label"] == label and path.is_file():
            moment = dt.datetime.strptime(match["moment"], _MOMENT).replace(tzinfo=dt.UTC)
            found.append(Backup(path, moment))
    return sorted(found, key=lambda b: b.taken_at)


def prune(directory: Path, *, label: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups of ``label``; return what was deleted."""
    backups = list_backups(directory, label=label)
    doomed = [b.path for b in backups[: max(len(backups) - keep, 0)]]
    for path in doomed:
        path.unlink()
    return doomed


def restore_database(url: str | URL, backup: Path) -> None:
    """Replace every table of ``url`` with the contents of ``backup``.

    The caller disposes of its connection pool first: on SQLite an open connection would
    keep reading the old pages.
    """
    if not backup.is_file():
        raise BackupError(f"No backup file at {backup}.")
    db_url = make_url(url)
    if db_url.get_backend_name() == "sqlite":
        if backup.suffix != ".sqlite":
            raise BackupError(f"{backup.name} is not a SQLite backup.")
        _sqlite_copy(backup, _sqlite_path(db_url))
        return
    if backup.suffix != ".dump":
        raise BackupError(f"{backup.name} is not a PostgreSQL backup (pg_dump custom format).")
    script = _run(["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(backup)], None)
    _run(
        ["psql", "--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
        db_url,
        stdin=_EMPTY_PUBLIC_SCHEMA.encode() + script,
    )


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path, *, journal: str | None = None) -> None:
    # The online backup API copies page by page under SQLite's own locks: a consistent
    # snapshot even while a worker writes, and the WAL's committed pages included.
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            if journal is not None:
                # A backup is one self-contained file: no -wal or -shm beside it, ever.
                dst.execute(f"PRAGMA journal_mode={journal}")
        finally:
            dst.close()
    finally:
        src.close()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    # The password goes in the environment, not the command line, where `ps` would show it.
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], url: URL | None, *, stdin: bytes | None = None) -> bytes:
    env = None
    if url is not None:
        dsn, env = _libpq(url)
        command = [*command, f"--dbname={dsn}"]
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt install postgresql-client)."
        ) from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{command[0]} failed: {' '.join(message[-3:])}")
    return done.stdout
