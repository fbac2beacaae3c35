"""Meeting invitations as iCalendar (RFC 5545) text, for the reminders' ``.ics`` attachment."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress, vText

from community_node.database import utcnow
from community_node.matches.models import Meeting


def meeting_uid(meeting: Meeting, community: str) -> str:
    """A stable UID: a moved meeting updates the same calendar entry instead of adding one."""
    slug = "".join(c for c in community.lower() if c.isalnum()) or "node"
    return f"meeting-{meeting.id}@{slug}.connector-network"


def meeting_invitation(
    meeting: Meeting,
    *,
    community: str,
    organizer: str,
    attendees: list[str],
    now: dt.datetime | None = None,
) -> str:
    """Return a VCALENDAR with one VEVENT (METHOD:REQUEST) for the meeting."""
    cal = Calendar()
    cal.add("prodid", "-//Connector Network//community node//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    event.add("uid", meeting_uid(meeting, community))
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", meeting.scheduled_for.astimezone(dt.UTC))
    event.add(
        "dtend",
        meeting.scheduled_for.astimezone(dt.UTC) + dt.timedelta(minutes=meeting.duration_minutes),
    )
    # SEQUENCE grows when the time moves, so calendars replace the old entry.
    event.add("sequence", int(meeting.scheduled_for.timestamp()) // 60)
    event.add("summary", vText(f"{community}: connector meeting"))
    event.add("status", "CONFIRMED")
    _, organizer_address = parseaddr(organizer)
    event.add("organizer", vCalAddress(f"mailto:{organizer_address or 'noreply@localhost'}"))
    for address in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["RSVP"] = vText("FALSE")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return str(cal.to_ical().decode())
