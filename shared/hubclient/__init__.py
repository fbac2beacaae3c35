"""A node's client of the national hub: OAuth2 client credentials and the federation API.

Every call has a timeout and raises one of these (never a bare ``requests`` error)::

    HubError                    any failure talking to the hub
    ├── HubUnavailable          connection error, timeout, 5xx, 408; ``retry_after`` (s)
    │   └── HubRateLimited      429; ``retry_after`` from its Retry-After header
    ├── HubAuthError            401 after one token refetch, 403, or the token refused
    ├── HubRejected             any other 4xx; ``status`` and ``body``; do not retry
    └── CursorExpired           410 on a change feed: drop the local copy, resync from 0

Plain ``http`` is accepted only for loopback hosts (local development and tests).
"""

from shared.hubclient.client import (
    ALL_SCOPES,
    Changes,
    CursorExpired,
    HubAuthError,
    HubClient,
    HubError,
    HubRateLimited,
    HubRejected,
    HubUnavailable,
    ItemResult,
    JSONText,
    NotModified,
    SnapshotResult,
    parse_retry_after,
)

__all__ = [
    "ALL_SCOPES",
    "Changes",
    "CursorExpired",
    "HubAuthError",
    "HubClient",
    "HubError",
    "HubRateLimited",
    "HubRejected",
    "HubUnavailable",
    "ItemResult",
    "JSONText",
    "NotModified",
    "SnapshotResult",
    "parse_retry_after",
]
