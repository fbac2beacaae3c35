"""/api/v1/events: events, invitations, registration, check-in and introductions made there."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from community_node.events import services
from community_node.events.models import Event, EventAttendee
from community_node.events.schemas import (
    AttendeeListArgsSchema,
    AttendeeSchema,
    EventListArgsSchema,
    EventPageSchema,
    EventSchema,
    IntroductionSchema,
    InviteSchema,
)
from community_node.matches.models import Match, Referral
from community_node.matches.schemas import MatchDetailSchema, ReferralSchema
from community_node.pagination import Page
from community_node.security import actor_label, require_api_caller

events_blp = Blueprint(
    "events",
    __name__,
    url_prefix="/events",
    description="Networking events and job fairs: invitations, check-in, introductions.",
)
require_api_caller(events_blp)


@events_blp.route("")
class Events(MethodView):
    @events_blp.arguments(EventListArgsSchema, location="query")
    @events_blp.response(200, EventPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List events, newest first."""
        return services.list_events(args)

    @events_blp.arguments(EventSchema)
    @events_blp.response(201, EventSchema)
    def post(self, data: dict[str, Any]) -> Event:
        """Create an event; its public page is /join/events/<public_key>."""
        return services.create_event(data, actor=actor_label())


@events_blp.route("/<int:event_id>")
class EventItem(MethodView):
    @events_blp.response(200, EventSchema)
    def get(self, event_id: int) -> Event:
        """Read one event."""
        return services.get_event(event_id)

    @events_blp.arguments(EventSchema(partial=True))
    @events_blp.response(200, EventSchema)
    def patch(self, data: dict[str, Any], event_id: int) -> Event:
        """Change some of an event's fields."""
        return services.update_event(event_id, data, actor=actor_label())


@events_blp.route("/<int:event_id>/event.ics")
class Calendar(MethodView):
    @events_blp.response(200, content_type="text/calendar")
    def get(self, event_id: int) -> Response:
        """The event as an iCalendar file."""
        body = services.calendar_file(services.get_event(event_id))
        return Response(body, mimetype="text/calendar")


@events_blp.route("/<int:event_id>/attendees")
class Attendees(MethodView):
    @events_blp.arguments(AttendeeListArgsSchema, location="query")
    @events_blp.response(200, AttendeeSchema(many=True))
    def get(self, args: dict[str, Any], event_id: int) -> list[EventAttendee]:
        """The event's list: invited, registered and checked-in people."""
        services.get_event(event_id)
        return [guest.attendee for guest in services.guests(event_id, args.get("q", ""))]


@events_blp.route("/<int:event_id>/invitations")
class Invitations(MethodView):
    @events_blp.arguments(InviteSchema)
    @events_blp.response(201, AttendeeSchema(many=True))
    def post(self, data: dict[str, Any], event_id: int) -> list[EventAttendee]:
        """Invite approved connectees and connectors; those already listed are skipped."""
        return services.invite(
            event_id, data["connectee_ids"], data["connector_ids"], actor=actor_label()
        )


@events_blp.route("/<int:event_id>/attendees/<int:attendee_id>/check-in")
class CheckIn(MethodView):
    @events_blp.response(200, AttendeeSchema)
    def post(self, event_id: int, attendee_id: int) -> EventAttendee:
        """Mark a person arrived (again is harmless)."""
        return services.check_in(event_id, attendee_id, actor=actor_label())


@events_blp.route("/<int:event_id>/introductions")
class Introductions(MethodView):
    @events_blp.arguments(IntroductionSchema)
    @events_blp.response(201, MatchDetailSchema)
    def post(self, data: dict[str, Any], event_id: int) -> Match:
        """Record two checked-in people introduced at the event: a match, already introduced."""
        return services.introduce(event_id, data, actor=actor_label())


@events_blp.route("/<int:event_id>/matches/<int:match_id>/referrals")
class Referrals(MethodView):
    @events_blp.arguments(ReferralSchema)
    @events_blp.response(201, ReferralSchema)
    def post(self, data: dict[str, Any], event_id: int, match_id: int) -> Referral:
        """Record an introduction a checked-in connector made at the event."""
        return services.add_referral(event_id, match_id, data, actor=actor_label())
