"""Public pages without login: what the program is, the two sign-up forms, thank you."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from community_node.errors import NotFound
from community_node.events import services as events
from community_node.participants import services as participants
from community_node.recruitment import services as recruitment
from community_node.signup import choices, services
from community_node.signup.schemas import (
    HONEYPOT,
    LANGUAGE_ROWS,
    ConnecteeSignUpSchema,
    ConnectorSignUpSchema,
    form_errors,
)
from shared.text import N_
from shared.web.limits import Rule, rate_limited

bp = Blueprint("signup", __name__, url_prefix="/join")


@dataclass(frozen=True)
class SignUpForm:
    """What differs between the two forms, so one view serves both."""

    kind: participants.PersonKind[Any]
    schema: type[ConnecteeSignUpSchema] | type[ConnectorSignUpSchema]
    template: str
    #: Values a fresh form starts with, as the browser would post them.
    initial: Mapping[str, str] = field(default_factory=dict)


FORMS: dict[str, SignUpForm] = {
    "connectee": SignUpForm(
        participants.CONNECTEES, ConnecteeSignUpSchema, "signup/connectee.html"
    ),
    "connector": SignUpForm(
        participants.CONNECTORS,
        ConnectorSignUpSchema,
        "signup/connector.html",
        initial={"capacity": "1", "capacity_period": "quarter"},
    ),
}


@bp.get("")
def join() -> str:
    return render_template("signup/join.html")


@bp.route("/<any(connectee, connector):kind>", methods=["GET", "POST"])
@rate_limited(Rule("signup_per_address", "RATELIMIT_SIGNUP"))  # posts only: reading is free
def apply(kind: str) -> tuple[str, int] | Response:
    form = FORMS[kind]
    source = _source(kind)
    if request.method == "GET":
        return _render(kind, MultiDict(form.initial), source=source), 200
    if request.form.get(HONEYPOT):
        return _thank()  # a bot: it learns nothing, and nothing is stored
    try:
        application = form.schema().load(request.form)
    except ValidationError as error:
        return _render(kind, request.form, form_errors(error.messages_dict), source=source), 422
    services.sign_up(
        form.kind,
        application,
        source=source,
        policy_version=current_app.config["CONSENT_POLICY_VERSION"],
        language=str(get_locale() or "") or None,
    )
    # A known email ends here too: the answer never tells whether someone is registered.
    return _thank()


#: Shown when the form's CSRF token is missing or stale (a form left open for hours, a
#: browser that refuses cookies): the applicant keeps what they typed and can send again.
EXPIRED = N_(
    "This form was open for a long time, or your browser did not keep our cookie, so it "
    "could not be sent. Your answers are still here: please check them and send again."
)


@bp.errorhandler(CSRFError)
def expired(error: CSRFError) -> tuple[str, int]:
    kind = (request.view_args or {}).get("kind")
    if kind not in FORMS:
        return render_template(
            "error.html", status=400, name=error.name, message=gettext(EXPIRED)
        ), 400
    return _render(kind, request.form, {"form": [EXPIRED]}), 400


@bp.get("/thanks")
def thanks() -> str:
    return render_template("signup/thanks.html")


def _thank() -> Response:
    # 303: reloading the thank-you page must not post the form again.
    return redirect(url_for("signup.thanks"), code=303)


def _source(kind: str) -> services.Source:
    """Where an invitation (connector form) or event link says this applicant came from."""
    token = request.values.get("invite") if kind == "connector" else None
    inviter = recruitment.inviter_of(token)
    event = None
    if inviter is None and (key := request.values.get("event", "")):
        try:
            event = events.event_by_key(key)
        except NotFound:
            event = None
    return services.Source(inviter=inviter, event=event, invite_token=token if inviter else None)


def _render(
    kind: str,
    values: MultiDict[str, str],
    errors: Mapping[str, list[str]] | None = None,
    *,
    source: services.Source | None = None,
) -> str:
    errors = errors or {}
    # The summary at the top lists the problems in the order the form asks its questions.
    in_form_order = {name: errors[name] for name in (*choices.LABELS, *errors) if name in errors}
    return render_template(
        FORMS[kind].template,
        kind=kind,
        values=values,
        errors=in_form_order,
        labels=choices.LABELS,
        choices=choices,
        language_rows=range(1, LANGUAGE_ROWS + 1),
        honeypot=HONEYPOT,
        partners=recruitment.partner_options(),
        invited_by=source.inviter.first_name if source and source.inviter else None,
        event=source.event if source else None,
        attribution=source.hidden_fields() if source else {},
    )
