"""How both services name their OpenAPI schema components."""

from __future__ import annotations

from typing import Any


def schema_name(schema: Any) -> str:
    """Name a component after its class; a partial (PATCH) variant gets its own name."""
    cls = schema if isinstance(schema, type) else type(schema)
    name: str = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name
