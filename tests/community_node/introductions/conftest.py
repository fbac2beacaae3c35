"""Fixtures of the node's introductions tests: a stand-in hub and a consenting connectee."""

from __future__ import annotations

from typing import Any

import pytest

from community_node.extensions import db
from community_node.participants.models import ConsentPurpose, ProfileStatus
from community_node.sync.models import HubConnection
from tests.community_node.factories import ConnecteeFactory, ConsentFactory
from tests.community_node.introductions.fakehub import FakeIntrosHub


@pytest.fixture
def hub(app: Any) -> FakeIntrosHub:
    fake = FakeIntrosHub()
    app.config["INTROS_CLIENT_FACTORY"] = lambda connection: fake
    db.session.add(
        HubConnection(
            url="http://127.0.0.1:1", client_id="x", client_secret="y", community="halifax"
        )
    )
    db.session.commit()
    return fake


@pytest.fixture
def consenting() -> Any:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED, phone="+1 902 555 0100")
    ConsentFactory(connectee_id=connectee.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    return connectee
