"""Extensions, created unbound; ``create_app`` binds them to one app."""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from hub.database import Base


def schema_name(schema: Any) -> str:
    """Name OpenAPI components after the class; a partial (PATCH) variant gets its own."""
    cls = schema if isinstance(schema, type) else type(schema)
    name: str = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api(spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)})
