"""How the OpenAPI document describes the API's authentication: a personal bearer token.

Every /api/v1 route needs one (``require_api_caller``), so every operation names the
scheme; Swagger UI then shows its Authorize button and sends the token with "Try it out".
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec, BasePlugin

#: The scheme's name in ``components.securitySchemes``.
BEARER_AUTH = "bearerAuth"


class BearerAuthPlugin(BasePlugin):
    """Declare the bearer scheme and require it on every operation."""

    def init_spec(self, spec: APISpec) -> None:
        spec.components.security_scheme(
            BEARER_AUTH,
            {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token (cnn_…): create one on the node's "
                "API tokens page or with `connector-node tokens create`.",
            },
        )

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            operation.setdefault("security", [{BEARER_AUTH: []}])
