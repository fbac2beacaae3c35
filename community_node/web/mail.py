"""The outbox page: how many messages wait, went out or died, and Retry for dead letters."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from community_node.auth.models import Role
from community_node.errors import DomainError
from community_node.mail import services
from community_node.security import actor_label, current_staff, require_role
from shared.web.forms import StaffForm

bp = Blueprint("mail", __name__, url_prefix="/mail")


class ActionForm(StaffForm):
    """A button that posts: only the CSRF token."""


def _render(status: int = 200) -> tuple[str, int]:
    user = current_staff()
    page = render_template(
        "mail/staff_outbox.html",
        counts=services.counts(),
        dead=services.dead_letters(),
        action=ActionForm(),
        can_write=user is not None and user.role.allows(Role.COORDINATOR),
    )
    return page, status


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    return _render()


@bp.post("/<int(max=2147483647):message_id>/retry")
@login_required
def retry(message_id: int) -> Response | tuple[str, int]:
    require_role(Role.COORDINATOR)
    if not ActionForm().validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    try:
        services.retry(message_id, actor=actor_label())
    except DomainError as exc:
        flash(exc.message, "error")
        return _render(exc.status)
    flash(_("Message %(id)s is queued again; the next send delivers it.", id=message_id), "success")
    return redirect(url_for("mail.index"), 303)
