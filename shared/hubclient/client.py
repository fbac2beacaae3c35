"""The hub client: tokens via Authlib's OAuth2Session, calls via ``requests``."""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from marshmallow import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from shared.logs import REQUEST_ID_HEADER, current_request_id
from shared.protocol import SnapshotResultSchema, load_batch_result, node_info
from shared.protocol.common import FeedPageSchema

#: Every scope the federation protocol defines; a node asks for all of them.
ALL_SCOPES: tuple[str, ...] = (
    "profiles:write",
    "outcomes:write",
    "directory:read",
    "intros:write",
    "intros:read",
    "resources:read",
)

#: Seconds before a token's expiry at which it is refetched rather than used.
_TOKEN_LEEWAY = 30

#: Answers worth asking again at once: the hub was briefly busy or failed on its side.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: A Retry-After longer than this is not waited out inside a call: the caller's own
#: backoff (the node's outbox) takes over rather than holding a sync for minutes.
RETRY_AFTER_CAP = 5.0


class _HubRetry(Retry):
    """urllib3's Retry, except that a long Retry-After ends the retries (see RETRY_AFTER_CAP)."""

    def increment(self, method: Any = None, url: Any = None, *args: Any, **kwargs: Any) -> Any:
        response = kwargs.get("response")
        if response is not None and response.headers.get("Retry-After"):
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is None or wait > RETRY_AFTER_CAP:
                raise MaxRetryError(None, str(url), ResponseError("Retry-After too long"))  # type: ignore[arg-type]
        return super().increment(method, url, *args, **kwargs)


def default_retry() -> Retry:
    """Two more tries for every call, writes included.

    Safe for writes because every POST carries an Idempotency-Key (a replay gets the
    stored answer) and every PUT replaces; a token request only asks again. The last
    answer is returned rather than raised, so it maps onto the exception tree as usual.
    """
    return _HubRetry(
        total=2,
        backoff_factor=0.25,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class HubError(Exception):
    """Base of every hub client failure."""


class HubUnavailable(HubError):
    """The hub could not be reached or failed on its side; retry later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HubRateLimited(HubUnavailable):
    """The hub answered 429 Too Many Requests."""


class HubAuthError(HubError):
    """The hub refused the credentials or the token, even after fetching a new one."""


class HubRejected(HubError):
    """The hub refused the request itself (4xx); sending it again will not help."""

    def __init__(self, message: str, *, status: int, body: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class CursorExpired(HubError):
    """A change-feed cursor is older than the hub's history (410)."""


class JSONText(str):
    """One JSON document, already encoded: sent as it is, not decoded and encoded again.

    The node's outbox stores each payload as written; reading it back as text and
    splicing it into the batch body keeps 10,000 payloads from being decoded, then
    encoded twice more (for the Idempotency-Key digest and for the request).
    """


def _encoded(item: Mapping[str, Any] | JSONText) -> str:
    if isinstance(item, JSONText):
        return item
    return json.dumps(item, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class _Body:
    """A request body already encoded (see JSONText)."""

    data: bytes


@dataclass(frozen=True)
class ItemResult:
    """The hub's verdict on one item of a profile batch."""

    ref: str | None
    version: int | None
    status: str
    errors: Any = None


@dataclass(frozen=True)
class SnapshotResult:
    kept: int
    tombstoned: int


@dataclass(frozen=True)
class Changes:
    """One page of a change feed."""

    items: list[dict[str, Any]]
    next: int
    more: bool
    etag: str | None = None


@dataclass(frozen=True)
class NotModified:
    """The feed has nothing newer than the ETag sent (304)."""

    etag: str | None = None


@dataclass
class _Counter:
    requests: int = 0
    by_path: dict[str, int] = field(default_factory=dict)


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Read a Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_hub_url(url: str) -> str:
    """Return the hub's base URL without a trailing slash; refuse plain http off loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The hub URL must be an http(s) URL, not {url!r}.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            "The hub URL must use https (plain http is only allowed for localhost/127.0.0.1)."
        )
    if parts.query or parts.fragment:
        raise ValueError("The hub URL must not have a query or fragment.")
    return url.rstrip("/")


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def _message(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "error_description", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return str(body)[:200]


_SNAPSHOT_RESULT = SnapshotResultSchema()
#: A change feed's page: the items stay as sent, each loaded by its own schema by the node.
_FEED_PAGE = FeedPageSchema()


class HubClient:
    """Talk to one hub as one community; safe to share between threads.

    The node pushes profile batches from several threads through one client: the token
    is fetched under a lock, so a token that expires mid-push is fetched once, not once
    per thread. Calls are retried within the run (``retry``, urllib3's ``Retry`` set on
    the session's HTTP adapters; pass ``Retry(0)`` to turn it off).
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 10,
        scopes: Iterable[str] = ALL_SCOPES,
        token: Mapping[str, Any] | None = None,
        retry: Retry | None = None,
    ) -> None:
        self.base_url = check_hub_url(base_url)
        self.timeout = timeout
        self.scopes = tuple(scopes)
        self.granted_scopes: tuple[str, ...] = ()
        self.counter = _Counter()
        self._token_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._http = session or requests.Session()
        retries = retry if retry is not None else default_retry()
        for adapter in self._http.adapters.values():
            # The injected session's own adapters (tests mount theirs): retry on them.
            if isinstance(adapter, HTTPAdapter):
                adapter.max_retries = retries
        self._oauth = OAuth2Session(
            client_id,
            client_secret,
            token_endpoint_auth_method="client_secret_basic",
            scope=" ".join(self.scopes),
        )
        # Route token requests through the same transport (tests mount adapters on it).
        for prefix, adapter in self._http.adapters.items():
            self._oauth.mount(prefix, adapter)
        self._oauth.register_compliance_hook("access_token_response", self._check_token_response)
        if token:
            # A token kept from an earlier run (cron starts a process every few minutes):
            # reusing it until it expires saves a request per sync.
            self._oauth.token = dict(token)
            self.granted_scopes = tuple(str(token.get("scope", "")).split())

    @property
    def token(self) -> dict[str, Any] | None:
        """The current access token with its expiry, for the caller to keep, or None."""
        token = self._oauth.token
        return dict(token) if token else None

    # Tokens ---------------------------------------------------------------------------

    def holds_token(self) -> bool:
        """Whether the kept access token is still good: a request sent now fetches none."""
        token = self._oauth.token
        return bool(token) and not token.is_expired(leeway=_TOKEN_LEEWAY)

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth/token"

    def _check_token_response(self, response: requests.Response) -> requests.Response:
        self._count("/oauth/token")
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            raise HubRateLimited(
                "The hub's token endpoint is rate limiting.", retry_after=retry_after
            )
        if status >= 500 or status == 408:
            raise HubUnavailable(
                f"The hub's token endpoint answered {status}.", retry_after=retry_after
            )
        if status >= 400:
            raise HubAuthError(
                f"The hub refused the client credentials ({status}: {_message(_body(response))})."
            )
        return response

    def _access_token(self, *, refused: str | None = None) -> str:
        """The access token to send; fetched when missing, expiring, or ``refused``.

        Under the lock: the first thread to find the token stale fetches one, and the
        others waiting on the lock then use it. ``refused`` is the token a 401 answered;
        once another thread has replaced it, the replacement is used, not refetched.
        """
        with self._token_lock:
            return self._current_token(refused)

    def _current_token(self, refused: str | None) -> str:
        token = self._oauth.token
        stale = refused is not None and bool(token) and token.get("access_token") == refused
        if stale or not self.holds_token():
            try:
                token = self._oauth.fetch_token(
                    self.token_url, grant_type="client_credentials", timeout=self.timeout
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                raise HubUnavailable(f"Cannot reach the hub: {type(exc).__name__}.") from exc
            except requests.HTTPError as exc:
                raise HubUnavailable(f"The hub's token endpoint failed: {exc}.") from exc
            except AuthlibBaseError as exc:
                raise HubAuthError(f"The hub refused the client credentials: {exc}.") from exc
            except ValueError as exc:
                raise HubUnavailable(f"The hub's token endpoint answered oddly: {exc}") from exc
            self.granted_scopes = tuple(str(token.get("scope", "")).split())
        return str(token["access_token"])

    # Transport ------------------------------------------------------------------------

    def _count(self, path: str) -> None:
        with self._count_lock:
            self.counter.requests += 1
            self.counter.by_path[path] = self.counter.by_path.get(path, 0) + 1

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        access_token: str,
    ) -> requests.Response:
        all_headers = {
            **node_info.request_headers(),
            "Accept": "application/json",
            "Authorization": f"Bearer {access_token}",
            **(headers or {}),
        }
        request_id = current_request_id()
        if request_id is not None:
            # The node's request or sync id: the hub logs its side under the same one.
            all_headers[REQUEST_ID_HEADER] = request_id
        data: bytes | None = None
        if isinstance(body, _Body):
            data = body.data
            all_headers["Content-Type"] = "application/json"
        elif body is not None:
            # Sorted keys and no spaces: a retried body is byte-identical (idempotency).
            data = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
            all_headers["Content-Type"] = "application/json"
        self._count(path)
        try:
            return self._http.request(
                method,
                f"{self.base_url}{path}",
                data=data,
                headers=all_headers,
                params=params,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise HubUnavailable(f"Cannot reach the hub: {type(exc).__name__}.") from exc
        except requests.RequestException as exc:
            raise HubUnavailable(f"Request to the hub failed: {type(exc).__name__}.") from exc

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        ok: Sequence[int] = (200,),
    ) -> requests.Response:
        sent = self._access_token()
        response = self._send(
            method, path, body=body, headers=headers, params=params, access_token=sent
        )
        if response.status_code == 401:
            # The token may have been revoked or outlived its clock: fetch one more, once.
            renewed = self._access_token(refused=sent)
            response = self._send(
                method, path, body=body, headers=headers, params=params, access_token=renewed
            )
        status = response.status_code
        if status in ok:
            return response
        body_out = _body(response)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in (401, 403):
            raise HubAuthError(f"The hub refused {method} {path} ({status}: {_message(body_out)}).")
        if status == 429:
            raise HubRateLimited("The hub is rate limiting this node.", retry_after=retry_after)
        if status >= 500 or status == 408:
            raise HubUnavailable(
                f"The hub answered {status} to {method} {path}.", retry_after=retry_after
            )
        if status == 410:
            raise CursorExpired(f"The hub no longer has the history {path} asked for.")
        if 300 <= status < 400:
            raise HubUnavailable(f"The hub redirected {method} {path} ({status}).")
        raise HubRejected(
            f"The hub rejected {method} {path} ({status}: {_message(body_out)}).",
            status=status,
            body=body_out,
        )

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise HubUnavailable("The hub answered with something other than JSON.") from exc

    def _load(
        self, response: requests.Response, load: Callable[[Any], Any], what: str
    ) -> dict[str, Any]:
        """Load an answer through its wire schema's ``load``; a malformed one is the hub's
        failure."""
        try:
            loaded: dict[str, Any] = load(self._json(response))
        except ValidationError as exc:
            raise HubUnavailable(f"The hub's {what} answer is malformed: {exc.messages}") from exc
        return loaded

    # The API --------------------------------------------------------------------------

    def whoami(self) -> dict[str, Any]:
        """Return who the hub thinks this client is: community, name, status, scopes."""
        data = self._json(self._request("GET", "/api/v1/whoami"))
        if not isinstance(data, dict):
            raise HubUnavailable("The hub's whoami answer is not an object.")
        return data

    def push_profiles(
        self, items: Sequence[Mapping[str, Any] | JSONText], idempotency_key: str
    ) -> list[ItemResult]:
        """POST a batch of profiles and tombstones; return the per-item results in order.

        An item may be a mapping or its JSON already encoded (:class:`JSONText`).
        """
        encoded = ",".join(_encoded(item) for item in items)
        response = self._request(
            "POST",
            "/api/v1/profiles/batch",
            body=_Body(f'{{"items":[{encoded}]}}'.encode()),
            headers={"Idempotency-Key": idempotency_key},
        )
        data = self._load(response, load_batch_result, "batch")
        results = [ItemResult(**result) for result in data["results"]]
        if len(results) != len(items):
            raise HubUnavailable("The hub's batch answer does not have one result per item.")
        return results

    def put_snapshot(self, refs: Sequence[str], version: int) -> SnapshotResult:
        """PUT the full list of refs this node lists now."""
        response = self._request(
            "PUT", "/api/v1/profiles/snapshot", body={"refs": list(refs), "version": version}
        )
        return SnapshotResult(**self._load(response, _SNAPSHOT_RESULT.load, "snapshot"))

    def put_outcomes(self, period: str, cells: Sequence[Mapping[str, Any]]) -> None:
        """Replace this community's aggregate cells for one period (``YYYY-Qn``)."""
        self._request("PUT", f"/api/v1/outcomes/{period}", body={"cells": list(cells)})

    def put_demand(self, signals: Sequence[Mapping[str, Any]]) -> None:
        """Replace this community's demand signals (``[{major_group, signal}]``)."""
        self._request("PUT", "/api/v1/demand", body={"signals": list(signals)})

    def resource_changes(self, since: int, etag: str | None = None) -> Changes | NotModified:
        """Read the shared-resources change feed after ``since``; 304 gives NotModified."""
        headers = {"If-None-Match": etag} if etag else None
        response = self._request(
            "GET",
            "/api/v1/resources/changes",
            params={"since": since},
            headers=headers,
            ok=(200, 304),
        )
        new_etag = response.headers.get("ETag")
        if response.status_code == 304:
            return NotModified(etag=new_etag or etag)
        page = self._load(response, _FEED_PAGE.load, "change feed")
        return Changes(items=page["items"], next=page["next"], more=page["more"], etag=new_etag)

    def resource_file(self, resource_id: int) -> bytes:
        """Read the bytes of a shared resource's file (the feed gives its name and digest)."""
        return self._request("GET", f"/api/v1/resources/{int(resource_id)}/file").content

    # Cross-city introductions --------------------------------------------------------

    def _object(self, response: requests.Response, what: str) -> dict[str, Any]:
        data = self._json(response)
        if not isinstance(data, dict):
            raise HubUnavailable(f"The hub's {what} answer is not an object.")
        return data

    def search_directory(
        self, seeker: Mapping[str, Any], filters: Mapping[str, Any] | None = None, k: int = 10
    ) -> dict[str, Any]:
        """Rank listed profiles of other communities for an anonymized seeker.

        ``seeker``: ``target_occupation``, ``experience_band``, ``languages`` ({code: level}),
        ``skills`` (ids). ``filters``: ``occupation``, ``related``, ``skill``, ``language``,
        ``remote_ok``, ``community``, ``include_own``. Returns ``{"items", "candidates"}``.
        """
        params: dict[str, Any] = {"target_occupation": seeker["target_occupation"], "k": k}
        if seeker.get("experience_band"):
            params["experience_band"] = seeker["experience_band"]
        languages = seeker.get("languages") or {}
        params["seeker_language"] = [
            f"{code}:{level}" if level else code for code, level in sorted(languages.items())
        ]
        params["seeker_skill"] = sorted(seeker.get("skills") or ())
        for key, value in (filters or {}).items():
            if value is None:
                continue
            params[key] = ("true" if value else "false") if isinstance(value, bool) else value
        response = self._request("GET", "/api/v1/directory/search", params=params)
        data = self._object(response, "directory search")
        if not isinstance(data.get("items"), list):
            raise HubUnavailable("The hub's directory search answer is malformed.")
        return data

    def request_intro(
        self,
        profile_id: int,
        pitch: Mapping[str, Any],
        consent_ref: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Ask for an introduction to a listed connector; return the introduction."""
        body = {"profile_id": profile_id, "pitch": dict(pitch), "consent_ref": consent_ref}
        response = self._request(
            "POST",
            "/api/v1/introductions",
            body=body,
            headers={"Idempotency-Key": idempotency_key},
            ok=(201,),
        )
        return self._object(response, "introduction")

    def intro_inbox(self, since: int) -> Changes:
        """Read this community's introductions (both directions) changed after ``since``."""
        response = self._request("GET", "/api/v1/introductions/inbox", params={"since": since})
        page = self._load(response, _FEED_PAGE.load, "introductions feed")
        return Changes(items=page["items"], next=page["next"], more=page["more"])

    def get_intro(self, intro_id: int) -> dict[str, Any]:
        """Read one introduction this community is a side of."""
        return self._object(
            self._request("GET", f"/api/v1/introductions/{intro_id}"), "introduction"
        )

    def decide_intro(self, intro_id: int, decision: str, idempotency_key: str) -> dict[str, Any]:
        """Record the connector's answer: ``accept`` or ``decline`` (the connector's node)."""
        if decision not in ("accept", "decline"):
            raise ValueError("decision must be 'accept' or 'decline'")
        response = self._request(
            "POST",
            f"/api/v1/introductions/{intro_id}/{decision}",
            headers={"Idempotency-Key": idempotency_key},
        )
        return self._object(response, "introduction")

    def withdraw_intro(self, intro_id: int, idempotency_key: str) -> dict[str, Any]:
        """Withdraw a request this community made (e.g. the connectee withdrew consent)."""
        response = self._request(
            "POST",
            f"/api/v1/introductions/{intro_id}/withdraw",
            headers={"Idempotency-Key": idempotency_key},
        )
        return self._object(response, "introduction")

    def post_contact_card(self, intro_id: int, sealed: str, idempotency_key: str) -> dict[str, Any]:
        """Send this side's contact card, already sealed to the other node's public key."""
        response = self._request(
            "POST",
            f"/api/v1/introductions/{intro_id}/cards",
            body={"sealed": sealed},
            headers={"Idempotency-Key": idempotency_key},
            ok=(201,),
        )
        return self._object(response, "introduction")

    def erase_intro(
        self, intro_id: int, idempotency_key: str, reason: str = "erasure"
    ) -> dict[str, Any]:
        """Ask the hub to delete an introduction's pitch, consent ref and both cards.

        Either side may ask; ``reason`` is ``erasure`` or ``consent_withdrawn``. Asking
        again is harmless: the answer shows ``erased_at`` as first recorded.
        """
        response = self._request(
            "POST",
            f"/api/v1/introductions/{intro_id}/erase",
            body={"reason": reason},
            headers={"Idempotency-Key": idempotency_key},
        )
        return self._object(response, "introduction")

    def register_public_key(self, public_key: str) -> None:
        """Register this node's public key; other nodes seal contact cards to it."""
        self._request("PUT", "/api/v1/communities/me/public-key", body={"public_key": public_key})

    def close(self) -> None:
        self._oauth.close()
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
