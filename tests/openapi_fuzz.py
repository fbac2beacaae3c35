"""schemathesis over a service's own OpenAPI spec, in process: any 5xx fails the test.

Each API operation is one pytest item (so xdist spreads them). Each runs schemathesis'
coverage phase (boundary values and values outside the schema, deterministic) and then
``FUZZ_EXAMPLES`` generated requests: 10 in ``make test``, derandomized so a run is
repeatable; ``make fuzz`` sets many more and draws fresh ones on every run.

Response-schema conformance is not checked: the services' error bodies carry fields the
spec's ``Error`` schema forbids (e.g. the hub's ``error``), so it fails today.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.schemas import OpenApiSchema

from shared.web.app import API_PREFIX

_EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "")

#: Hypothesis settings of every schemathesis test (fixtures serve all of an item's examples).
FUZZ_SETTINGS = settings(
    max_examples=int(_EXAMPLES or 10),
    derandomize=not _EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def published_schema(app: Flask) -> OpenApiSchema:
    """Load the OpenAPI spec ``app`` publishes (no database needed to serve it)."""
    response = app.test_client().get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200, response.status_code
    return schemathesis.openapi.from_dict(response.get_json())


def fuzz_operation(
    schema: OpenApiSchema, label: str, app: Flask, headers: Mapping[str, str]
) -> None:
    """Run generated requests for one operation (``"POST /api/v1/x"``) outside the plugin.

    For the operations a known issue item still breaks: they are excluded from the
    parametrized run and tested here (generated cases only, no coverage phase) under a
    strict xfail, since schemathesis' pytest plugin crashes on an unexpected pass of its
    own items.
    """
    method, path = label.split(" ", 1)
    operation = schema[path][method]

    # More examples than the parametrized run: the known failure must show every time.
    @settings(FUZZ_SETTINGS, max_examples=max(FUZZ_SETTINGS.max_examples, 100))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        call(case, app, headers)

    run()


def call(case: Any, app: Flask, headers: Mapping[str, str]) -> None:
    """Send ``case`` to ``app`` with ``headers`` and fail on any 5xx (or raised error)."""
    case.call_and_validate(app=app, headers=dict(headers), checks=[not_a_server_error])
