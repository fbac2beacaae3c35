"""Staff pages: login, the national dashboard and communities (resources: ``resources``).

Every page needs a logged-in national staff member; changing a community's standing and
rotating its client secret need the admin role, publishing and unpublishing resources the
coordinator role. A rotated secret is shown once, on the answer to the rotation, and
stored nowhere in clear (the hub keeps its digest), as the CLI's rotation prints it once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.auth.models import Role
from hub.auth.services import accounts
from hub.communities.services import get_community, rotate_secret, set_status
from hub.extensions import login_manager
from hub.onboarding import services as onboarding
from hub.outcomes.models import ROLLUP_LEVELS
from hub.outcomes.schemas import RollupArgsSchema
from hub.outcomes.services import ROLLUP_COLUMNS, reported_periods, rollup
from hub.web import figures, labels, queries
from hub.web.access import can, role_required, staff_actor
from hub.web.forms import StatusForm
from shared.privacy.aggregates import HUB_ROUND_BASE, HUB_SUPPRESS_BELOW
from shared.web.login import add_login_views

bp = Blueprint("web", __name__)

#: Ids beyond PostgreSQL's INTEGER are no record; the route answers 404 instead of failing.
ID = "int(max=2147483647)"
#: Pages anyone may open; every other page of this blueprint needs a login.
PUBLIC_ENDPOINTS = frozenset({"web.login"})
#: The columns that name a roll-up row at each level (the rest are figures).
LEVEL_LABELS: dict[str, tuple[str, ...]] = {
    "community": ("community",),
    "major_group": ("major_group",),
    "community_major_group": ("community", "major_group"),
    "national": (),
}
_FIGURES = tuple(c for c in ROLLUP_COLUMNS if c not in ("period", "community", "major_group"))


@bp.before_request
def _require_login() -> Response | None:
    """Send anyone not logged in to the login page: one check for every page here."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.method != "GET":
        # A form posted after the session ended: its URL takes posts only, so coming
        # back to it after logging in would be a 405.
        return redirect(url_for("web.login"))
    unauthorized: Response = login_manager.unauthorized()
    return unauthorized


@bp.app_context_processor
def _roles() -> dict[str, Any]:
    # Every page (admin pages too) hides the forms a role cannot use; views refuse them anyway.
    # ``word(terms.X, value)`` names a stored value in the reader's language.
    return {"can": can, "Role": Role, "terms": labels, "word": labels.word}


# Login ------------------------------------------------------------------------------


# Shared with the nodes: one login (limited, logged) and logout for every service.
add_login_views(bp, accounts, home="web.dashboard")


# Dashboard --------------------------------------------------------------------------


def _rollup_args() -> dict[str, Any]:
    """Parse the roll-up's period and grouping; a bad value is reported and dropped."""
    raw = {k: v for k, v in request.args.items() if k in ("period", "by") and v != ""}
    schema = RollupArgsSchema()
    for field, messages in schema.validate(raw).items():
        flash(f"{field}: {' '.join(messages)}", "error")
        raw.pop(field)
    # The dashboard opens on the national totals; the public API's default is per community.
    args: dict[str, Any] = schema.load({"by": "national", **raw})
    return args


@bp.get("/")
def dashboard() -> str:
    """Show the network at a glance and the public roll-up for the chosen period."""
    args = _rollup_args()
    rows = queries.community_rows()
    rollup_rows = rollup(args["period"], args["by"])
    return render_template(
        "dashboard.html",
        communities=rows,
        by_status=queries.communities_by_status(rows),
        listed_profiles=sum(row.listed_profiles for row in rows),
        introductions=queries.introductions_by_state(),
        periods=reported_periods(),
        levels=ROLLUP_LEVELS,
        args=args,
        rollup=rollup_rows,
        labels=LEVEL_LABELS[args["by"]],
        figures=_FIGURES,
        # The public CSV and XLSX of the same figures (url_for leaves out a period of None).
        downloads=figures.download_links(args["period"], args["by"]),
        rollup_chart=figures.rollup_chart(rollup_rows),
        suppress_below=HUB_SUPPRESS_BELOW,
        round_to=HUB_ROUND_BASE,
    )


# Communities ------------------------------------------------------------------------


@bp.get("/communities")
def communities() -> str:
    """List every community with its standing and directory figures."""
    return render_template(
        "communities.html", communities=queries.community_rows(), refused_days=queries.REFUSED_DAYS
    )


def _render_community(
    slug: str, form: StatusForm | None = None, status: int = 200
) -> tuple[str, int]:
    detail = queries.community_detail(slug)
    if form is None:
        form = StatusForm.for_status(detail.row.status, formdata=None)
    # Communities that came through an application carry its checklist to "live".
    application = onboarding.application_for_community(get_community(slug).id)
    checklist = onboarding.checklist(application) if application is not None else []
    return render_template(
        "community.html",
        detail=detail,
        form=form,
        refused_days=queries.REFUSED_DAYS,
        application=application,
        checklist=checklist,
        live=bool(checklist) and onboarding.is_live(checklist),
    ), status


@bp.get("/communities/<slug>")
def community(slug: str) -> tuple[str, int]:
    """Show one community, its standing's history and (to admins) the status form."""
    return _render_community(slug)


@bp.post("/communities/<slug>/status")
@role_required(Role.ADMIN)
def community_status(slug: str) -> tuple[str, int] | Response:
    """Change a community's status with a reason; the service audits and commits."""
    current = get_community(slug)  # 404 before validating
    form = StatusForm.for_status(current.status)
    if not form.validate_on_submit():
        return _render_community(slug, form, 422)
    changed = set_status(
        slug, form.chosen(), actor=staff_actor(), reason=(form.reason.data or "").strip()
    )
    status = labels.word(labels.COMMUNITY_STATUS, changed.status)
    flash(gettext("%(name)s is now %(status)s.", name=changed.name, status=status), "success")
    return redirect(url_for("web.community", slug=slug), code=303)


@bp.get("/communities/<slug>/secret")
@role_required(Role.ADMIN)
def community_secret(slug: str) -> str:
    """Ask before rotating: the node stops syncing until it has the new secret."""
    return render_template("community_secret.html", community=get_community(slug), creds=None)


@bp.post("/communities/<slug>/secret")
@role_required(Role.ADMIN)
def rotate_community_secret(slug: str) -> Response:
    """Rotate the client secret through the CLI's service (audited); show the secret once.

    The answer is the only place the secret appears: no redirect (it would have to be kept
    somewhere to be shown after it), and never cached.
    """
    creds = rotate_secret(slug, actor=staff_actor())
    response = make_response(
        render_template("community_secret.html", community=creds.community, creds=creds)
    )
    response.headers["Cache-Control"] = "no-store"
    return response
