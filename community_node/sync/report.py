"""What one sync run did, and how a failure is written down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: The longest error text kept on a sync state or an outbox item.
ERROR_LENGTH = 500


@dataclass
class SyncReport:
    """What one sync run did."""

    configured: bool = True
    skipped_until: dt.datetime | None = None
    enqueued: int = 0
    sent: int = 0
    dead: int = 0
    superseded: int = 0
    outcome_periods: list[str] = field(default_factory=list)
    resources_changed: int = 0
    resources_resynced: bool = False
    demand_changed: bool = False
    #: What the introductions sync did (``introductions.services.sync``); None when it did not run.
    intros: dict[str, int] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.configured and self.error is None and self.skipped_until is None


def error_text(exc: BaseException) -> str:
    """An exception as a short line for ``last_error`` (no traceback, bounded length)."""
    return f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
