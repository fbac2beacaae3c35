"""What a node says of itself on every call to the hub: its software version and its clock.

The node sends ``User-Agent: connector-node/<version>`` and an HTTP ``Date`` header; the
hub shows national staff which version each community runs and how far its clock is off
(access tokens are stamped by the node's clock as much as the hub's).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from importlib import metadata

PRODUCT = "connector-node"
_AGENT = re.compile(rf"^{PRODUCT}/([0-9A-Za-z.+_-]{{1,40}})(?:\s|$)")


def software_version() -> str:
    """The installed version of this software (``unknown`` when run from a bare checkout)."""
    try:
        return metadata.version("connector-network")
    except metadata.PackageNotFoundError:
        return "unknown"


def request_headers(now: dt.datetime | None = None) -> dict[str, str]:
    """The headers a node adds to each call to the hub."""
    moment = now or dt.datetime.now(dt.UTC)
    return {
        "User-Agent": f"{PRODUCT}/{software_version()}",
        "Date": email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True),
    }


@dataclass(frozen=True)
class NodeInfo:
    version: str | None
    #: The node's clock minus the hub's, in whole seconds; None when it sent no Date.
    clock_skew_seconds: int | None


def read_headers(user_agent: str | None, date: str | None, now: dt.datetime) -> NodeInfo:
    """Read what a call says of its node; anything malformed reads as unknown."""
    match = _AGENT.match(user_agent or "")
    skew: int | None = None
    if date:
        try:
            sent = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            sent = None
        if sent is not None and sent.tzinfo is not None:
            skew = round((sent - now).total_seconds())
    return NodeInfo(match.group(1) if match else None, skew)
