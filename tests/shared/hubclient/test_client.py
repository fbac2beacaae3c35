"""The hub client against a mocked hub (``responses``): tokens, calls, every error class."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from shared.hubclient import (
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
    NotModified,
    parse_retry_after,
)
from shared.logs import REQUEST_ID_HEADER, request_id_scope

HUB = "https://hub.example.org"
TOKEN_URL = f"{HUB}/oauth/token"
REF = "0123456789abcdef0123456789abcdef"


def token_body(access: str = "tok-1", expires_in: int = 900) -> dict[str, Any]:
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": " ".join(ALL_SCOPES),
    }


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def client() -> HubClient:
    return HubClient(HUB, "client-1", "secret-1", timeout=3.5)


def add_token(mock: Any, access: str = "tok-1", expires_in: int = 900) -> Any:
    return mock.post(TOKEN_URL, json=token_body(access, expires_in))


def test_token_is_fetched_lazily_with_basic_auth_and_every_scope(
    mock: Any, client: HubClient
) -> None:
    token = add_token(mock)
    who = mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    assert token.call_count == 0  # nothing happens until the first call
    assert client.whoami() == {"community": "halifax"}
    request = mock.calls[0].request
    expected = base64.b64encode(b"client-1:secret-1").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    body = dict(item.split("=", 1) for item in request.body.split("&"))
    assert body["grant_type"] == "client_credentials"
    assert set(requests.utils.unquote(body["scope"]).replace("+", " ").split()) == set(ALL_SCOPES)
    assert "client_secret" not in body  # client_secret_basic, never in the body
    assert who.calls[0].request.headers["Authorization"] == "Bearer tok-1"
    assert client.granted_scopes == ALL_SCOPES


def test_a_valid_token_is_reused(mock: Any, client: HubClient) -> None:
    token = add_token(mock)
    mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    client.whoami()
    client.whoami()
    assert token.call_count == 1


def test_an_expired_token_is_refetched(mock: Any, client: HubClient) -> None:
    token = mock.post(TOKEN_URL, json=token_body("old", expires_in=10))  # inside the leeway
    mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    client.whoami()
    client.whoami()
    assert token.call_count == 2


def test_holds_token_says_whether_a_request_would_fetch_one(mock: Any) -> None:
    add_token(mock, expires_in=10)  # inside the leeway: fetched again each time
    mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    fresh = HubClient(HUB, "client-1", "secret-1")
    assert not fresh.holds_token()
    fresh.whoami()
    assert not fresh.holds_token()
    kept = HubClient(HUB, "client-1", "secret-1", token=fresh.token)
    assert not kept.holds_token()
    add_token(mock, "tok-2", expires_in=900)
    kept.whoami()
    assert kept.holds_token()
    fetches = sum(1 for call in mock.calls if call.request.url == TOKEN_URL)
    again = HubClient(HUB, "client-1", "secret-1", token=kept.token)
    assert again.holds_token()
    again.whoami()
    # The kept token was used, none fetched.
    assert sum(1 for call in mock.calls if call.request.url == TOKEN_URL) == fetches == 2


def test_a_401_refetches_the_token_once_and_retries(mock: Any, client: HubClient) -> None:
    mock.post(TOKEN_URL, json=token_body("old"))
    mock.post(TOKEN_URL, json=token_body("new"))
    mock.get(
        f"{HUB}/api/v1/whoami",
        status=401,
        match=[matchers.header_matcher({"Authorization": "Bearer old"})],
    )
    mock.get(
        f"{HUB}/api/v1/whoami",
        json={"community": "halifax"},
        match=[matchers.header_matcher({"Authorization": "Bearer new"})],
    )
    assert client.whoami() == {"community": "halifax"}
    assert [c.request.url for c in mock.calls] == [
        TOKEN_URL,
        f"{HUB}/api/v1/whoami",
        TOKEN_URL,
        f"{HUB}/api/v1/whoami",
    ]


def test_a_second_401_is_an_auth_error(mock: Any, client: HubClient) -> None:
    add_token(mock)
    who = mock.get(f"{HUB}/api/v1/whoami", status=401, json={"error": "invalid_token"})
    with pytest.raises(HubAuthError):
        client.whoami()
    assert who.call_count == 2


def test_403_is_an_auth_error_without_retry(mock: Any, client: HubClient) -> None:
    add_token(mock)
    who = mock.get(f"{HUB}/api/v1/whoami", status=403, json={"message": "community_silenced"})
    with pytest.raises(HubAuthError, match="community_silenced"):
        client.whoami()
    assert who.call_count == 1


def test_refused_credentials_are_an_auth_error(mock: Any, client: HubClient) -> None:
    mock.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(HubAuthError, match="invalid_client"):
        client.whoami()


def test_token_endpoint_down_is_unavailable(mock: Any, client: HubClient) -> None:
    mock.post(TOKEN_URL, status=503, headers={"Retry-After": "7"})
    with pytest.raises(HubUnavailable) as info:
        client.whoami()
    assert info.value.retry_after == 7


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_and_408_are_unavailable(mock: Any, client: HubClient, status: int) -> None:
    add_token(mock)
    mock.get(f"{HUB}/api/v1/whoami", status=status, headers={"Retry-After": "12"})
    with pytest.raises(HubUnavailable) as info:
        client.whoami()
    assert not isinstance(info.value, HubRateLimited)
    assert info.value.retry_after == 12


def test_429_is_rate_limited_with_retry_after(mock: Any, client: HubClient) -> None:
    add_token(mock)
    mock.get(f"{HUB}/api/v1/whoami", status=429, headers={"Retry-After": "30"})
    with pytest.raises(HubRateLimited) as info:
        client.whoami()
    assert isinstance(info.value, HubUnavailable)
    assert info.value.retry_after == 30


def test_other_4xx_is_rejected_with_status_and_body(mock: Any, client: HubClient) -> None:
    add_token(mock)
    body = {"code": 422, "message": "Invalid input.", "errors": {"items": ["Too many."]}}
    mock.post(f"{HUB}/api/v1/profiles/batch", status=422, json=body)
    with pytest.raises(HubRejected) as info:
        client.push_profiles([{"ref": REF, "version": 1, "deleted": True}], "1-1")
    assert info.value.status == 422
    assert info.value.body == body


def test_connection_errors_and_timeouts_are_unavailable(mock: Any, client: HubClient) -> None:
    add_token(mock)
    mock.get(f"{HUB}/api/v1/whoami", body=requests.ConnectionError("refused"))
    with pytest.raises(HubUnavailable):
        client.whoami()
    mock.replace(responses.GET, f"{HUB}/api/v1/whoami", body=requests.ReadTimeout("slow"))
    with pytest.raises(HubUnavailable):
        client.whoami()


def test_a_token_fetch_timeout_is_unavailable(mock: Any, client: HubClient) -> None:
    mock.post(TOKEN_URL, body=requests.ConnectTimeout("slow"))
    with pytest.raises(HubUnavailable):
        client.whoami()


def test_every_request_carries_the_timeout(mock: Any, client: HubClient) -> None:
    add_token(mock)
    mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    client.whoami()
    assert [call.request.req_kwargs["timeout"] for call in mock.calls] == [3.5, 3.5]


def test_push_profiles_sends_the_key_and_returns_results(mock: Any, client: HubClient) -> None:
    add_token(mock)
    items = [{"ref": REF, "version": 3, "deleted": True}]
    route = mock.post(
        f"{HUB}/api/v1/profiles/batch",
        json={"results": [{"ref": REF, "version": 3, "status": "deleted"}]},
        match=[matchers.header_matcher({"Idempotency-Key": "3-3-abc"})],
    )
    assert client.push_profiles(items, "3-3-abc") == [ItemResult(REF, 3, "deleted")]
    assert json.loads(route.calls[0].request.body) == {"items": items}


def test_the_same_batch_is_the_same_bytes(mock: Any, client: HubClient) -> None:
    add_token(mock)
    route = mock.post(
        f"{HUB}/api/v1/profiles/batch",
        json={"results": [{"ref": REF, "version": 3, "status": "stale"}]},
    )
    client.push_profiles([{"version": 3, "ref": REF, "deleted": True}], "k")
    client.push_profiles([{"deleted": True, "ref": REF, "version": 3}], "k")
    assert route.calls[0].request.body == route.calls[1].request.body


def test_a_result_count_mismatch_is_not_trusted(mock: Any, client: HubClient) -> None:
    add_token(mock)
    mock.post(f"{HUB}/api/v1/profiles/batch", json={"results": []})
    with pytest.raises(HubUnavailable):
        client.push_profiles([{"ref": REF, "version": 1, "deleted": True}], "k")


def test_rejected_items_may_lack_ref_and_version(mock: Any, client: HubClient) -> None:
    add_token(mock)
    mock.post(
        f"{HUB}/api/v1/profiles/batch",
        json={"results": [{"ref": None, "version": None, "status": "rejected", "errors": {}}]},
    )
    [result] = client.push_profiles([{"bad": 1}], "k")
    assert result.status == "rejected"
    assert result.ref is None


def test_snapshot_and_outcomes_are_puts(mock: Any, client: HubClient) -> None:
    add_token(mock)
    snap = mock.put(f"{HUB}/api/v1/profiles/snapshot", json={"kept": 1, "tombstoned": 2})
    outcomes = mock.put(f"{HUB}/api/v1/outcomes/2026-Q1", json={"cells": []})
    result = client.put_snapshot([REF], 9)
    assert (result.kept, result.tombstoned) == (1, 2)
    assert json.loads(snap.calls[0].request.body) == {"refs": [REF], "version": 9}
    cells = [{"major_group": "all", "metric": "met", "value": None, "suppressed": True}]
    client.put_outcomes("2026-Q1", cells)
    assert json.loads(outcomes.calls[0].request.body) == {"cells": cells}


def test_resource_changes_pages_304_and_410(mock: Any, client: HubClient) -> None:
    add_token(mock)
    url = f"{HUB}/api/v1/resources/changes"
    mock.get(
        url,
        json={"items": [{"id": 1, "seq": 4, "deleted": True}], "next": 4, "more": False},
        headers={"ETag": '"4"'},
        match=[matchers.query_param_matcher({"since": "0"})],
    )
    page = client.resource_changes(0)
    assert isinstance(page, Changes)
    assert (page.next, page.more, page.etag) == (4, False, '"4"')

    mock.get(
        url,
        status=304,
        match=[
            matchers.query_param_matcher({"since": "4"}),
            matchers.header_matcher({"If-None-Match": '"4"'}),
        ],
    )
    assert client.resource_changes(4, '"4"') == NotModified(etag='"4"')

    mock.get(url, status=410, match=[matchers.query_param_matcher({"since": "1"})])
    with pytest.raises(CursorExpired):
        client.resource_changes(1)


def test_non_json_success_is_unavailable(mock: Any, client: HubClient) -> None:
    add_token(mock)
    mock.get(f"{HUB}/api/v1/whoami", body="<html>proxy</html>")
    with pytest.raises(HubUnavailable):
        client.whoami()


def test_every_error_is_a_hub_error() -> None:
    for cls in (HubUnavailable, HubRateLimited, HubAuthError, HubRejected, CursorExpired):
        assert issubclass(cls, HubError)


@pytest.mark.parametrize(
    "url",
    ["http://hub.example.org", "ftp://hub.example.org", "hub.example.org", "https://h/?q=1"],
)
def test_plain_http_off_loopback_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        HubClient(url, "id", "secret")


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://localhost:8000/", HUB])
def test_loopback_http_and_https_are_accepted(url: str) -> None:
    assert HubClient(url, "id", "secret").base_url == url.rstrip("/")


def test_loopback_http_gets_a_token_without_insecure_transport(mock: Any) -> None:
    base = "http://127.0.0.1:5999"
    mock.post(f"{base}/oauth/token", json=token_body())
    mock.get(f"{base}/api/v1/whoami", json={"community": "halifax"})
    assert HubClient(base, "id", "secret").whoami() == {"community": "halifax"}


def test_parse_retry_after() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:30 GMT", now=now) == 90
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0


def test_an_injected_session_carries_every_request(mock: Any) -> None:
    session = requests.Session()
    session.headers["X-Test"] = "yes"
    mock.post(TOKEN_URL, json=token_body())
    who = mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    HubClient(HUB, "id", "secret", session=session).whoami()
    assert who.calls[0].request.headers["X-Test"] == "yes"


def test_a_kept_token_is_used_until_it_expires(mock: Any) -> None:
    token_route = add_token(mock, "tok-new")
    mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    kept = {**token_body("tok-kept"), "expires_at": time.time() + 600}
    client = HubClient(HUB, "client-1", "secret-1", token=kept)
    client.whoami()
    assert token_route.call_count == 0
    assert mock.calls[-1].request.headers["Authorization"] == "Bearer tok-kept"

    stale = {**token_body("tok-old"), "expires_at": time.time() - 1}
    client = HubClient(HUB, "client-1", "secret-1", token=stale)
    client.whoami()
    assert token_route.call_count == 1
    assert client.token is not None and client.token["access_token"] == "tok-new"


# Threads and retries ---------------------------------------------------------------


def test_threads_fetch_an_expired_token_once(mock: Any) -> None:
    """A kept token that has expired: threads pushing at once ask for one token, not one each."""
    expired = {**token_body("old"), "expires_at": int(time.time()) - 60}
    client = HubClient(HUB, "client-1", "secret-1", timeout=3.5, token=expired)

    def slow_token(request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(0.2)  # long enough for every thread to find the token stale
        return 200, {}, json.dumps(token_body("new"))

    token_route = mock.add_callback(responses.POST, TOKEN_URL, callback=slow_token)
    whoami = mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def call() -> None:
        start.wait()
        try:
            client.whoami()
        except BaseException as exc:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert token_route.call_count == 1
    assert whoami.call_count == 6
    sent = {
        call.request.headers["Authorization"] for call in mock.calls if "whoami" in call.request.url
    }
    assert sent == {"Bearer new"}
    assert client.counter.by_path == {"/oauth/token": 1, "/api/v1/whoami": 6}


def test_a_refused_token_is_renewed_once_across_threads(mock: Any, client: HubClient) -> None:
    """A token revoked mid-push: the first 401 renews it; the others use the new one."""
    mock.post(TOKEN_URL, json=token_body("tok-1"))
    assert client._access_token() == "tok-1"
    mock.replace(responses.POST, TOKEN_URL, json=token_body("tok-2"))
    # The first thread whose call was refused renews the token ...
    assert client._access_token(refused="tok-1") == "tok-2"
    # ... another refused with the same old token takes the renewed one: no third fetch.
    assert client._access_token(refused="tok-1") == "tok-2"
    assert len([c for c in mock.calls if c.request.url == TOKEN_URL]) == 2


def test_a_brief_failure_is_retried_within_the_call_with_the_same_key(
    mock: Any, client: HubClient
) -> None:
    add_token(mock)
    url = f"{HUB}/api/v1/profiles/batch"
    mock.post(url, status=503)
    mock.post(url, status=502)
    mock.post(url, json={"results": [{"ref": REF, "version": 1, "status": "deleted"}]})
    results = client.push_profiles([{"ref": REF, "version": 1, "deleted": True}], "1-1")
    assert [r.status for r in results] == ["deleted"]
    batch_calls = [c for c in mock.calls if c.request.url == url]
    assert len(batch_calls) == 3
    assert {c.request.headers["Idempotency-Key"] for c in batch_calls} == {"1-1"}
    assert {c.request.req_kwargs["timeout"] for c in mock.calls} == {3.5}


def test_a_short_retry_after_is_waited_a_long_one_left_to_the_caller(
    mock: Any, client: HubClient
) -> None:
    add_token(mock)
    url = f"{HUB}/api/v1/whoami"
    mock.get(url, status=429, headers={"Retry-After": "0"})
    mock.get(url, json={"community": "halifax"})
    assert client.whoami() == {"community": "halifax"}
    mock.replace(responses.GET, url, status=429, headers={"Retry-After": "120"})
    before = len(mock.calls)
    with pytest.raises(HubRateLimited) as info:
        client.whoami()
    assert info.value.retry_after == 120
    assert len(mock.calls) == before + 1  # not retried: the outbox's backoff takes over


def test_retries_end_and_the_last_answer_is_raised(mock: Any, client: HubClient) -> None:
    add_token(mock)
    url = f"{HUB}/api/v1/whoami"
    route = mock.get(url, status=500)
    with pytest.raises(HubUnavailable, match="500"):
        client.whoami()
    assert route.call_count == 3  # the call and two retries


def test_a_malformed_answer_is_unavailable_not_a_crash(mock: Any, client: HubClient) -> None:
    add_token(mock)
    mock.get(f"{HUB}/api/v1/introductions/inbox", json={"items": [], "next": "7", "more": False})
    with pytest.raises(HubUnavailable, match="malformed"):
        client.intro_inbox(0)


def test_calls_carry_the_current_request_id(mock: Any, client: HubClient) -> None:
    add_token(mock)
    who = mock.get(f"{HUB}/api/v1/whoami", json={"community": "halifax"})
    client.whoami()  # outside any request or sync: no id to pass on
    with request_id_scope("sync-0123456789") as request_id:
        client.whoami()
    assert REQUEST_ID_HEADER not in who.calls[0].request.headers
    assert who.calls[1].request.headers[REQUEST_ID_HEADER] == request_id == "sync-0123456789"
