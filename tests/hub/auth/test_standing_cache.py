"""A worker may reuse a client's standing for STANDING_CACHE_SECONDS, and no longer."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from hub.communities.models import CommunityStatus
from hub.communities.services import Credentials, set_status
from tests.hub.conftest import bearer

WHOAMI = "/api/v1/whoami"


def test_by_default_every_call_reads_the_standing(
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    standing_reads: list[str],
) -> None:
    token = get_token(halifax)
    standing_reads.clear()
    for _ in range(3):
        assert hub_client.get(WHOAMI, headers=bearer(token)).status_code == 200
    assert len(standing_reads) == 3


# 1 s: the three calls below must fall within it even on a loaded CI machine.
@pytest.mark.parametrize("hub_app_config", [{"STANDING_CACHE_SECONDS": 1.0}])
def test_a_remembered_standing_saves_the_read_until_it_expires(
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    standing_reads: list[str],
) -> None:
    token = get_token(halifax)
    standing_reads.clear()
    # The standing is read during the first call: remembered from no earlier than
    # `started` and no later than `read_by`.
    started = time.monotonic()
    assert hub_client.get(WHOAMI, headers=bearer(token)).status_code == 200
    read_by = time.monotonic()
    for _ in range(2):
        assert hub_client.get(WHOAMI, headers=bearer(token)).status_code == 200
    assert len(standing_reads) == 1
    set_status("halifax", CommunityStatus.SUSPENDED, actor="test")
    if time.monotonic() - started < 0.95:  # still within the remembered time
        assert hub_client.get(WHOAMI, headers=bearer(token)).status_code == 200
    time.sleep(max(0.0, 1.05 - (time.monotonic() - read_by)))
    refused = hub_client.get(WHOAMI, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "invalid_token"
    assert len(standing_reads) == 2
