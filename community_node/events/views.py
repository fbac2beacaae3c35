"""Public pages of an event: what and when, its calendar file, and registration.

People in the program register through the link in their invitation (signed for them);
newcomers and volunteers sign up through the sign-up forms, which register them too.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from community_node.errors import Conflict
from community_node.events import services
from community_node.events.models import Attendance

bp = Blueprint("event_pages", __name__, url_prefix="/join/events")

KEY = "string(maxlength=32)"


@bp.get(f"/<{KEY}:key>")
def page(key: str) -> str:
    event = services.event_by_key(key)
    return render_template("signup/event.html", event=event, open=services.can_register(event))


@bp.get(f"/<{KEY}:key>/event.ics")
def calendar(key: str) -> Response:
    event = services.event_by_key(key)
    return Response(
        services.calendar_file(event),
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="event.ics"'},
    )


@bp.route(f"/<{KEY}:key>/register", methods=["GET", "POST"])
def register(key: str) -> tuple[str, int]:
    """One invited person's registration, from the link in their invitation."""
    event = services.event_by_key(key)
    token = request.values.get("t")
    attendee = services.attendee_for(event, token)
    if attendee is None:
        message = _("This registration link is not valid. Please use the link in your invitation.")
        return render_template("signup/event_register.html", event=event, error=message), 404
    if request.method == "POST" and attendee.status == Attendance.INVITED:
        try:
            services.rsvp(event, attendee)
        except Conflict as exc:
            return render_template(
                "signup/event_register.html", event=event, error=exc.message, token=token
            ), 409
    return render_template(
        "signup/event_register.html", event=event, attendee=attendee, token=token
    ), 200


@bp.app_template_filter("format_event_time")
def format_event_time(moment: object) -> str:
    """An event's time in the reader's language, in the node's time zone."""
    return str(format_datetime(moment, "full"))
