"""Extensions, created unbound; ``create_app`` binds them to one app."""

from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from hub.database import Base
from shared.apispec import schema_name
from shared.web.app import Api

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api(spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)})
login_manager = LoginManager()
csrf = CSRFProtect()
