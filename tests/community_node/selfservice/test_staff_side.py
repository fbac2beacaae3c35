"""Staff see the erasure requests participants made, until they erase."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from community_node.auth.models import StaffUser
from community_node.participants import services as participants
from community_node.selfservice import services
from tests.community_node.factories import ConnecteeFactory
from tests.community_node.web.conftest import login


def test_today_lists_erasure_requests_until_done(
    app: Flask, client: FlaskClient, coordinator: StaffUser
) -> None:
    assert login(client, coordinator.email).status_code == 303
    staff_client = client
    assert b'id="erasures"' not in staff_client.get("/").data
    connectee = ConnecteeFactory(first_name="Rania", last_name="Saleh")
    services.request_erasure("connectee", connectee.id)
    page = staff_client.get("/").data.decode()
    assert 'id="count-erasures">1<' in page
    assert f"/connectees/{connectee.id}" in page and "Rania Saleh" in page
    participants.erase_person(participants.CONNECTEES, connectee.id, actor="staff:1")
    assert b'id="erasures"' not in staff_client.get("/").data
