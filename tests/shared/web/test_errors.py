"""The JSON error shape: every domain or HTTP error, any marshmallow error tree."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_smorest import abort as smorest_abort
from marshmallow import Schema, ValidationError, fields, validates_schema

from shared.web.errors import Conflict, InvalidInput, NotFound, register_errorhandlers


class _Skill(Schema):
    id = fields.String(required=True)
    years = fields.Integer()

    @validates_schema(pass_collection=True, skip_on_field_errors=False)
    def _one_at_most(self, data: Any, many: bool, **kwargs: Any) -> None:
        if many and len(data) > 1:
            raise ValidationError("At most one skill.")


class _Profile(Schema):
    ref = fields.String(required=True)
    skills = fields.Nested(_Skill, many=True, required=True)


def _tree() -> dict[str, Any]:
    """A real marshmallow error tree: list indexes (int) beside field names (str)."""
    with pytest.raises(ValidationError) as caught:
        _Profile().load({"skills": [{"id": "a"}, {"years": "many"}]})
    tree: dict[str, Any] = caught.value.normalized_messages()
    assert set(tree["skills"]) == {1, "_schema"}  # keys a sorted JSON dump cannot order
    return tree


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    register_errorhandlers(app, json_paths=("/api/",))

    @app.get("/api/invalid")
    def invalid() -> str:
        raise InvalidInput(_tree())

    @app.get("/api/unprocessable")
    def unprocessable() -> str:
        smorest_abort(422, messages={"json": _tree()})  # as a failed @blp.arguments does

    @app.get("/api/conflict")
    def conflict() -> str:
        raise Conflict("Already accepted.", allowed=["withdraw"], headers={"Retry-After": "5"})

    @app.get("/api/missing")
    def missing() -> str:
        raise NotFound("No such introduction.")

    return app


EXPECTED_TREE = {
    "ref": ["Missing data for required field."],
    "skills": {
        "1": {"id": ["Missing data for required field."], "years": ["Not a valid integer."]},
        "_schema": ["At most one skill."],
    },
}


def test_a_domain_error_with_a_mixed_error_tree_is_json(app: Flask) -> None:
    response = app.test_client().get("/api/invalid")
    assert response.status_code == 422
    assert response.get_json() == {
        "code": 422,
        "status": "Unprocessable Entity",
        "message": "Invalid input.",
        "errors": EXPECTED_TREE,
    }


def test_a_webargs_error_with_a_mixed_error_tree_is_json(app: Flask) -> None:
    response = app.test_client().get("/api/unprocessable")
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "Invalid input: see errors for each field."
    assert body["errors"] == {"json": EXPECTED_TREE}


def test_extras_and_headers_join_the_answer(app: Flask) -> None:
    response = app.test_client().get("/api/conflict")
    assert response.status_code == 409
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == {
        "code": 409,
        "status": "Conflict",
        "message": "Already accepted.",
        "allowed": ["withdraw"],
    }


def test_json_paths_answer_json_whatever_the_client_accepts(app: Flask) -> None:
    response = app.test_client().get("/api/missing", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.get_json()["message"] == "No such introduction."
    unknown = app.test_client().get("/api/nowhere", headers={"Accept": "text/html"})
    assert unknown.status_code == 404
    assert unknown.get_json()["status"] == "Not Found"
