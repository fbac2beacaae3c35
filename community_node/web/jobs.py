"""Slow work started from a staff page (an import, a sync): a thread, its state on disk.

A large import or a sync that talks to the hub takes seconds, longer than a request
should wait. The page starts a job and polls its state. The state lives in a small JSON
file in the instance folder, not in memory, so any worker process can answer the poll.
Each job belongs to the staff user who started it: another user's token reads as missing.

Files here are named by a random token and removed after ``JOB_TTL``; they hold counts
and messages, and an upload waiting for its confirmation, never a log line.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app

from community_node.extensions import db
from shared.web.errors import DomainError

#: How long an upload waits for its confirmation, and a finished job's state is kept.
JOB_TTL = 3600.0

_TOKEN_LENGTH = 32

#: Reports progress: (done, total).
Progress = Callable[[int, int], None]


def jobs_dir() -> Path:
    """The folder of job states and pending uploads (``STAFF_JOBS_DIR`` in tests)."""
    configured = current_app.config.get("STAFF_JOBS_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "staff-jobs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _valid(token: str) -> bool:
    return len(token) == _TOKEN_LENGTH and all(c.isalnum() or c in "-_" for c in token)


def new_token() -> str:
    # token_urlsafe(24) is 32 characters of [A-Za-z0-9_-]: safe as a file name.
    return secrets.token_urlsafe(24)


def path_for(token: str, suffix: str) -> Path:
    """The file of ``token`` with ``suffix``; refuses anything but a well-formed token."""
    if not _valid(token):
        raise ValueError("not a job token")
    return jobs_dir() / f"{token}{suffix}"


def write_state(token: str, state: dict[str, Any]) -> None:
    """Replace a job's state in one step, so a poll never reads half a file."""
    target = path_for(token, ".json")
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(state), encoding="utf-8")
    os.replace(partial, target)


def read_state(token: str, owner: int) -> dict[str, Any] | None:
    """Return the state of ``owner``'s job ``token``, or None (unknown, expired, not theirs)."""
    if not _valid(token):
        return None
    try:
        state: dict[str, Any] = json.loads(path_for(token, ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if state.get("owner") == owner else None


def remove(token: str) -> None:
    """Delete every file of a job."""
    if not _valid(token):
        return
    for path in jobs_dir().glob(f"{token}.*"):
        path.unlink(missing_ok=True)


def sweep(now: float | None = None) -> None:
    """Delete uploads never confirmed and states of jobs finished long ago."""
    limit = (now if now is not None else time.time()) - JOB_TTL
    for path in jobs_dir().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # removed meanwhile by another worker


def start(
    token: str,
    owner: int,
    work: Callable[[Progress], dict[str, Any]],
    **details: Any,
) -> threading.Thread:
    """Run ``work`` in a thread inside the app; record its progress and result.

    ``work`` gets a progress callback and returns what the page shows when it is done.
    A ``DomainError`` (bad rows, the hub not configured) ends the job with its message;
    anything else is logged as a bug, with the token and never the file's contents.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state: dict[str, Any] = {
        "owner": owner,
        "status": "running",
        "done": 0,
        "total": 0,
        "started": time.time(),
        **details,
    }
    write_state(token, state)

    def report(done: int, total: int) -> None:
        state.update(done=done, total=total)
        write_state(token, state)

    def run() -> None:
        with app.app_context():
            try:
                state["result"] = work(report)
                state["status"] = "done"
            except DomainError as exc:
                state["status"] = "failed"
                state["message"] = exc.message
                state["errors"] = exc.extra.get("errors", {})
            except Exception:
                app.logger.exception("Staff job %s failed", token)
                state["status"] = "failed"
                state["message"] = "Something went wrong; nothing was changed. Try again."
            finally:
                db.session.remove()
            write_state(token, state)

    thread = threading.Thread(target=run, name=f"staff-job-{token[:6]}", daemon=True)
    thread.start()
    return thread
