"""The federation fixtures (a community's API client), visible to the resources tests."""

from __future__ import annotations

from tests.hub.federation import conftest as federation

api_for = federation.api_for
halifax_api = federation.halifax_api
