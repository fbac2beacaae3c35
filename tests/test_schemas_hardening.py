"""Every schema of both services refuses NULs and bounds its ids: checked on the classes.

A schema that forgets either lets a request through to PostgreSQL, which answers it
with an error (a 500): a NUL in text, or an id beyond INTEGER in a comparison.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from marshmallow import Schema, class_registry, fields

import community_node
import hub
import shared
from shared.fields import Id
from shared.protocol.common import BaseSchema

PACKAGES = (hub, community_node, shared)


def _import_everything() -> None:
    for package in PACKAGES:
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" not in module.name:  # Alembic scripts run only under Alembic
                importlib.import_module(module.name)


def _our_schemas() -> list[type[Schema]]:
    _import_everything()
    found = {
        cls
        for classes in class_registry._registry.values()
        for cls in classes
        if cls.__module__.split(".")[0] in {p.__name__ for p in PACKAGES}
    }
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


SCHEMAS = _our_schemas()


def _is_id_name(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def _integers(field: fields.Field) -> list[fields.Field]:  # type: ignore[type-arg]
    """The integer fields ``field`` is or holds (a List of ids, a Dict of them)."""
    if isinstance(field, fields.Integer):
        return [field]
    if isinstance(field, fields.List):
        return _integers(field.inner)
    if isinstance(field, fields.Tuple):
        return [f for inner in field.tuple_fields for f in _integers(inner)]
    return []


def test_the_walk_sees_both_services_schemas() -> None:
    modules = {cls.__module__.split(".")[0] for cls in SCHEMAS}
    assert modules == {"hub", "community_node", "shared"}
    assert len(SCHEMAS) > 100


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_schema_derives_from_the_nul_refusing_base(schema: type[Schema]) -> None:
    assert issubclass(schema, BaseSchema)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_id_field_is_bounded(schema: type[Schema]) -> None:
    unbounded = [
        name
        for name, field in schema._declared_fields.items()
        if _is_id_name(field.data_key or name)
        for integer in _integers(field)
        if not isinstance(integer, Id)
    ]
    assert not unbounded, f"{schema.__name__}: use shared.fields.Id for {unbounded}"
