"""The hub connection: its stored credentials, the client port, and ``hub connect``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import DomainError, InvalidInput
from community_node.extensions import db
from community_node.introductions.keys import register_public_key
from community_node.sync import outbox
from community_node.sync.models import HubConnection
from shared.hubclient import (
    Changes,
    HubClient,
    HubUnavailable,
    ItemResult,
    JSONText,
    NotModified,
    SnapshotResult,
)
from shared.hubclient.client import check_hub_url


class HubNotConfigured(DomainError):
    """No hub is connected (``connector-node hub connect`` was never run)."""

    status = 409


class HubUnreachable(DomainError):
    """The hub could not be reached or refused the node."""

    status = 503


class HubPort(Protocol):
    """What a sync needs from the hub; ``HubClient`` is the real one, tests pass a fake."""

    def holds_token(self) -> bool:
        """Whether a request sent now would not first fetch an access token."""
        ...

    def whoami(self) -> dict[str, Any]: ...

    def push_profiles(
        self, items: Sequence[Mapping[str, Any] | JSONText], idempotency_key: str
    ) -> list[ItemResult]: ...

    def put_snapshot(self, refs: Sequence[str], version: int) -> SnapshotResult: ...

    def put_outcomes(self, period: str, cells: Sequence[Mapping[str, Any]]) -> None: ...

    def put_demand(self, signals: Sequence[Mapping[str, Any]]) -> None: ...

    def resource_changes(self, since: int, etag: str | None = None) -> Changes | NotModified: ...

    def resource_file(self, resource_id: int) -> bytes: ...

    # Cross-city introductions (see ``community_node.introductions.services.IntrosHub``).

    def intro_inbox(self, since: int) -> Changes: ...

    def withdraw_intro(self, intro_id: int, idempotency_key: str) -> dict[str, Any]: ...

    def post_contact_card(
        self, intro_id: int, sealed: str, idempotency_key: str
    ) -> dict[str, Any]: ...

    def register_public_key(self, public_key: str) -> None: ...


ClientFactory = Callable[[HubConnection], HubPort]


def default_client_factory(connection: HubConnection) -> HubPort:
    return HubClient(
        connection.url,
        connection.client_id,
        connection.client_secret,
        token=connection.access_token,
    )


def configured_client_factory() -> ClientFactory:
    """The app's client factory: tests and the federation harness set SYNC_CLIENT_FACTORY."""
    factory: ClientFactory = current_app.config.get("SYNC_CLIENT_FACTORY", default_client_factory)
    return factory


def keep_token(connection: HubConnection, client: HubPort) -> None:
    """Remember the client's access token so the next run need not ask for one."""
    token = getattr(client, "token", None)
    if isinstance(token, dict) and token != connection.access_token:
        connection.access_token = token


def load_answer(load: Callable[[Any], Any], data: Any, what: str) -> dict[str, Any]:
    """Load one of the hub's answers through its wire schema (``Schema.load`` or a field's
    ``deserialize``); a malformed answer is the hub's failure, retried like one."""
    try:
        loaded: dict[str, Any] = load(data)
    except ValidationError as exc:
        raise HubUnavailable(f"The hub's {what} is malformed: {exc.messages}") from exc
    return loaded


def get_connection() -> HubConnection | None:
    return db.session.scalars(select(HubConnection).limit(1)).first()


def connect(
    url: str,
    client_id: str,
    client_secret: str,
    *,
    actor: str,
    client_factory: ClientFactory = default_client_factory,
) -> tuple[HubConnection, dict[str, Any]]:
    """Verify credentials with the hub's whoami, then store them (replacing any earlier)."""
    try:
        url = check_hub_url(url)
    except ValueError as exc:
        raise InvalidInput({"url": [str(exc)]}) from exc
    candidate = HubConnection(url=url, client_id=client_id, client_secret=client_secret)
    hub = client_factory(candidate)
    who = hub.whoami()  # HubError propagates: nothing is stored
    connection = get_connection()
    first = connection is None
    if connection is None:
        connection = candidate
        db.session.add(connection)
    else:
        connection.url, connection.client_id = url, client_id
        connection.client_secret = client_secret
    connection.community = str(who.get("community") or "") or None
    connection.connected_at = utcnow()
    db.session.flush()
    if first:
        # Everything listable so far goes out on the first sync.
        outbox.refresh_directory(force=True)
    # Register the node's key pair for sealed contact cards (cross-city introductions).
    register_public_key(hub)
    record(
        actor, "hub.connect", "hub_connection", connection.id, {"community": connection.community}
    )
    db.session.commit()
    return connection, who
