"""Staff pages: login, dashboard, and the lists of connectees and connectors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from community_node.auth.services import authenticate
from community_node.pagination import PageArgsSchema
from community_node.participants import services as participants
from community_node.participants.schemas import ConnecteeListArgsSchema, ConnectorListArgsSchema
from community_node.web.forms import LoginForm

bp = Blueprint("web", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            target = request.args.get("next", "")
            # Only follow local paths, so the login page cannot be used to redirect away.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("web.dashboard")
            return redirect(target)
        flash("Email or password is wrong.", "error")
    return render_template("login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    return redirect(url_for("web.login"))


@bp.get("/")
@login_required
def dashboard() -> str:
    from community_node.participants.models import ProfileStatus

    counts = {
        "connectees": participants.list_persons(
            participants.CONNECTEES, {"sort": "id", "page": 1, "per_page": 1}
        ).total,
        "connectors": participants.list_persons(
            participants.CONNECTORS, {"sort": "id", "page": 1, "per_page": 1}
        ).total,
        "submitted": participants.list_persons(
            participants.CONNECTEES,
            {"sort": "id", "page": 1, "per_page": 1, "status": ProfileStatus.SUBMITTED},
        ).total,
    }
    return render_template("dashboard.html", counts=counts)


def _list_args(schema: type[PageArgsSchema]) -> dict[str, Any]:
    """Parse list filters from the query string, dropping empty form fields."""
    raw = {k: v for k, v in request.args.items() if v != ""}
    errors = schema().validate(raw)
    for field, messages in errors.items():
        flash(f"{field}: {' '.join(messages)}", "error")
        raw.pop(field, None)
    loaded: dict[str, Any] = schema().load(raw)
    return loaded


@bp.get("/connectees")
@login_required
def connectees() -> str:
    args = _list_args(ConnecteeListArgsSchema)
    page = participants.list_persons(participants.CONNECTEES, args)
    return render_template("people.html", kind="connectees", page=page, args=request.args)


@bp.get("/connectors")
@login_required
def connectors() -> str:
    args = _list_args(ConnectorListArgsSchema)
    page = participants.list_persons(participants.CONNECTORS, args)
    return render_template("people.html", kind="connectors", page=page, args=request.args)
