"""``HubClient.erase_intro`` against a mocked hub: the call, its key, its errors."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from shared.hubclient import HubClient, HubRejected
from tests.shared.hubclient.test_client import HUB, add_token

ERASE = f"{HUB}/api/v1/introductions/12/erase"


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def client() -> HubClient:
    return HubClient(HUB, "client-1", "secret-1", timeout=3.5)


def test_erase_posts_the_reason_with_an_idempotency_key(mock: Any, client: HubClient) -> None:
    add_token(mock)
    answer = {"id": 12, "erased_at": "2026-12-03T08:00:00+00:00", "erased_by": "requester"}
    call = mock.post(
        ERASE,
        json=answer,
        match=[
            matchers.header_matcher({"Idempotency-Key": "erase-12"}),
            matchers.json_params_matcher({"reason": "consent_withdrawn"}),
        ],
    )
    assert client.erase_intro(12, "erase-12", reason="consent_withdrawn") == answer
    assert call.call_count == 1


def test_erase_defaults_to_erasure_and_maps_refusals(mock: Any, client: HubClient) -> None:
    add_token(mock)
    mock.post(
        ERASE,
        status=404,
        json={"message": "No introduction 12."},
        match=[matchers.json_params_matcher({"reason": "erasure"})],
    )
    with pytest.raises(HubRejected) as caught:
        client.erase_intro(12, "erase-12")
    assert caught.value.status == 404
