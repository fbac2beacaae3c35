"""Fixtures for the outcomes roll-up: the federation's token-carrying community clients."""

from __future__ import annotations

from tests.hub.federation import conftest as federation

# The federation fixtures, made visible to this directory's tests.
api_for = federation.api_for
halifax_api = federation.halifax_api
stlouis = federation.stlouis
stlouis_api = federation.stlouis_api
