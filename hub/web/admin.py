"""Admin pages of the hub: national staff accounts and roles, and the audit log.

The pages are the ones every node has too (``shared.web.admin``); here they run over
the hub's accounts and audit table, for the admin role only.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from hub.audit.services import audit_log
from hub.auth.models import Role
from hub.auth.services import accounts
from hub.web.access import can, current_staff, staff_actor
from hub.web.labels import ROLE_NEEDED
from shared.web.admin import AdminBinding, add_admin_views

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _require_admin() -> None:
    if not can(Role.ADMIN):
        abort(403, description=gettext(ROLE_NEEDED[Role.ADMIN.value]))


add_admin_views(
    bp,
    AdminBinding(
        accounts=accounts,
        audit=audit_log,
        require_admin=_require_admin,
        actor=staff_actor,
        current=current_staff,
    ),
)


@bp.get("")
@login_required
def index() -> Response:
    """The admin area opens on its first page, the staff accounts."""
    _require_admin()
    return redirect(url_for("admin.staff"))
