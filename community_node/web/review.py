"""The sign-up review queue: accept or decline submitted connectees and connectors.

A decision here is the eligibility override the API records (``POST /eligibility/override``):
the same schema loads it, the same service moves the status and writes the reason and the
audit row. Accepting needs no reason of the coordinator (one is written for them);
declining does, and the schema refuses a blank one field by field.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import ValidationError
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf

from community_node.auth.models import Role
from community_node.eligibility import services as eligibility
from community_node.eligibility.models import Outcome
from community_node.eligibility.schemas import OverrideSchema
from community_node.errors import DomainError
from community_node.participants import services as participants
from community_node.participants.models import ProfileStatus
from community_node.security import actor_label, require_role
from shared.web.forms import StaffForm, no_nul

bp = Blueprint("review", __name__, url_prefix="/people/review")

#: The reason written for an acceptance when the coordinator gives none.
ACCEPTED = "Accepted at sign-up review."
PER_PAGE = 20
KINDS: dict[str, participants.PersonKind[Any]] = {
    "connectees": participants.CONNECTEES,
    "connectors": participants.CONNECTORS,
}
OUTCOMES = {"accept": Outcome.ELIGIBLE, "decline": Outcome.INELIGIBLE}


class ReviewForm(StaffForm):
    """One applicant's decision; each row's form has its own prefix, so ids stay unique."""

    # Set by the button pressed (Accept or Decline), not typed.
    decision = StringField(validators=[AnyOf(list(OUTCOMES))])
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required to decline; the applicant's record keeps it."),
        validators=[no_nul],
    )

    def override_data(self, kind: participants.PersonKind[Any], person_id: int) -> dict[str, Any]:
        """The body the API's override takes, built from what was posted."""
        decision = self.decision.data or ""
        reason = (self.reason.data or "").strip()
        if decision == "accept" and not reason:
            reason = ACCEPTED
        return {
            f"{kind.name}_id": person_id,
            "outcome": OUTCOMES[decision].value,
            "reason": reason,
        }


def _kind(kind_name: str) -> participants.PersonKind[Any]:
    if kind_name not in KINDS:
        raise HTTPNotFound()
    return KINDS[kind_name]


def _prefix(kind_name: str, person_id: int) -> str:
    return f"{kind_name}-{person_id}"


def _queue(kind_name: str, page_number: int) -> Any:
    args = {
        "status": ProfileStatus.SUBMITTED,
        "sort": "created_at",
        "page": page_number,
        "per_page": PER_PAGE,
    }
    return participants.list_persons(KINDS[kind_name], args)


def _render(
    kind_name: str,
    page_number: int,
    failed: tuple[int, ReviewForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = _queue(kind_name, page_number)
    forms = {p.id: ReviewForm(prefix=_prefix(kind_name, p.id), formdata=None) for p in page.items}
    if failed is not None:
        forms[failed[0]] = failed[1]
    totals = {name: _queue(name, 1).total for name in KINDS}
    return (
        render_template(
            "review/queue.html",
            kind=kind_name,
            page=page,
            forms=forms,
            totals=totals,
            prev_url=url_for("review.queue", kind=kind_name, page=page.page - 1)
            if page.page > 1
            else None,
            next_url=url_for("review.queue", kind=kind_name, page=page.page + 1)
            if page.page < page.pages
            else None,
        ),
        status,
    )


@bp.get("")
@login_required
def queue() -> tuple[str, int]:
    kind_name = request.args.get("kind", "connectees")
    _kind(kind_name)
    page_number = request.args.get("page", 1, type=int) or 1
    return _render(kind_name, max(1, page_number))


@bp.post("/<any(connectees, connectors):kind_name>/<int(max=2147483647):person_id>")
@login_required
def decide(kind_name: str, person_id: int) -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    kind = _kind(kind_name)
    person = participants.get_person(kind, person_id)  # 404 before validating
    page_number = request.args.get("page", 1, type=int) or 1
    form = ReviewForm(prefix=_prefix(kind_name, person_id))
    if not form.validate_on_submit():
        return _render(kind_name, page_number, (person_id, form), 422)
    try:
        data = OverrideSchema().load(form.override_data(kind, person_id))
        eligibility.override(kind, person_id, data["outcome"], data["reason"], actor=actor_label())
    except ValidationError as err:
        form.add_errors(err.messages)  # type: ignore[arg-type]
        return _render(kind_name, page_number, (person_id, form), 422)
    except DomainError as err:
        form.form_errors.append(err.message)
        return _render(kind_name, page_number, (person_id, form), err.status)
    if form.decision.data == "accept":
        flash(_("Accepted %(name)s.", name=person.full_name), "success")
    else:
        flash(_("Declined %(name)s.", name=person.full_name), "success")
    return redirect(url_for("review.queue", kind=kind_name, page=page_number), 303)
