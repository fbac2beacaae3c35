"""Reports by referral source, by event and of invitation chains, on known data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from community_node.events.models import Attendance, EventAttendee
from community_node.extensions import db
from community_node.matches.models import MatchStatus
from community_node.outcomes.models import OutcomeCategory
from community_node.participants.models import Connector, ProfileStatus, ReferralSource
from community_node.reports import services
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    EventFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
    PartnerFactory,
    ReferralFactory,
)

R = ReferralSource


def _row(rows: list[services.SourceRow], source: str, **ids: Any) -> services.SourceRow:
    (row,) = [
        r
        for r in rows
        if r.source == source
        and r.partner_id == ids.get("partner_id")
        and r.event_id == ids.get("event_id")
    ]
    return row


def test_by_source_counts_recruitment_and_outcomes_per_partner_and_event(app: Any) -> None:
    agency = PartnerFactory(name="Bayside Settlement Services")
    college = PartnerFactory(name="Harbour College")
    fair = EventFactory(name="Spring job fair")
    intake = dt.date(2026, 3, 2)
    # Two from the agency: one met a connector and works in the field, one only applied.
    worker = ConnecteeFactory(
        referral_source=R.PARTNER,
        referral_partner_id=agency.id,
        intake_date=intake,
        status=ProfileStatus.APPROVED,
    )
    ConnecteeFactory(referral_source=R.PARTNER, referral_partner_id=agency.id, intake_date=intake)
    # One from the college: met, still searching.
    searcher = ConnecteeFactory(
        referral_source=R.PARTNER,
        referral_partner_id=college.id,
        intake_date=intake,
        status=ProfileStatus.APPROVED,
    )
    # One from the fair, one from social media, one with no source.
    ConnecteeFactory(referral_source=R.EVENT, referral_event_id=fair.id, intake_date=intake)
    ConnecteeFactory(referral_source=R.SOCIAL_MEDIA, intake_date=intake)
    ConnecteeFactory(intake_date=intake)
    for connectee in (worker, searcher):
        MatchFactory(connectee=connectee, status=MatchStatus.MET, first_met_on=dt.date(2026, 4, 1))
    FollowUpOutcomeFactory(connectee=worker, category=OutcomeCategory.EMPLOYED_IN_FIELD)
    FollowUpOutcomeFactory(connectee=searcher, category=OutcomeCategory.STILL_SEARCHING)
    # Connectors: two from word of mouth (one approved), one from the fair (submitted).
    ConnectorFactory(referral_source=R.WORD_OF_MOUTH)
    ConnectorFactory(referral_source=R.WORD_OF_MOUTH, status=ProfileStatus.SUBMITTED)
    ConnectorFactory(
        referral_source=R.EVENT, referral_event_id=fair.id, status=ProfileStatus.SUBMITTED
    )

    rows = services.by_source()

    from_agency = _row(rows, "partner", partner_id=agency.id)
    assert from_agency.partner_name == "Bayside Settlement Services"
    assert (from_agency.connectees, from_agency.eligible, from_agency.met) == (2, 1, 1)
    assert (from_agency.employed, from_agency.employed_in_field) == (1, 1)
    assert from_agency.placement_rate == 1.0
    from_college = _row(rows, "partner", partner_id=college.id)
    assert (from_college.connectees, from_college.met, from_college.employed) == (1, 1, 0)
    assert from_college.placement_rate == 0.0
    from_fair = _row(rows, "event", event_id=fair.id)
    assert from_fair.event_name == "Spring job fair"
    assert (from_fair.connectees, from_fair.connectors, from_fair.active_connectors) == (1, 1, 0)
    word = _row(rows, "word_of_mouth")
    assert (word.connectees, word.connectors, word.active_connectors) == (0, 2, 1)
    # The connectors the matches made (met, so introduced) have no source: "unknown".
    unknown = _row(rows, "unknown")
    assert (unknown.connectees, unknown.connectors, unknown.connectors_matched) == (1, 2, 2)
    assert _row(rows, "social_media").connectees == 1
    # Partners first (enum order), then events, then word of mouth, unknown last.
    assert [r.source for r in rows].index("unknown") == len(rows) - 1


def test_by_source_respects_the_intake_range(app: Any) -> None:
    ConnecteeFactory(referral_source=R.SOCIAL_MEDIA, intake_date=dt.date(2026, 1, 5))
    ConnecteeFactory(referral_source=R.SOCIAL_MEDIA, intake_date=dt.date(2026, 6, 5))
    rows = services.by_source(start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30))
    assert _row(rows, "social_media").connectees == 1


def _attend(event: Any, status: Attendance, **person: Any) -> None:
    db.session.add(EventAttendee(event_id=event.id, status=status, **person))
    db.session.commit()


def test_by_event_counts_attendance_signups_introductions_and_jobs(app: Any) -> None:
    fair = EventFactory(name="Autumn fair", starts_at=dt.datetime(2026, 9, 10, 15, tzinfo=dt.UTC))
    evening = EventFactory(
        name="Engineers' evening", starts_at=dt.datetime(2026, 10, 1, 22, tzinfo=dt.UTC)
    )
    came, stayed_home, registered = ConnecteeFactory(), ConnecteeFactory(), ConnecteeFactory()
    connector, other = ConnectorFactory(), ConnectorFactory()
    _attend(fair, Attendance.CHECKED_IN, connectee_id=came.id)
    _attend(fair, Attendance.INVITED, connectee_id=stayed_home.id)
    _attend(fair, Attendance.REGISTERED, connectee_id=registered.id)
    _attend(fair, Attendance.CHECKED_IN, connector_id=connector.id)
    _attend(evening, Attendance.CHECKED_IN, connector_id=other.id)
    # Two sign-ups came through the fair's page.
    ConnecteeFactory(referral_source=R.EVENT, referral_event_id=fair.id)
    ConnectorFactory(referral_source=R.EVENT, referral_event_id=fair.id)
    # At the fair: one match, which went on to meet and refer once (at the evening).
    match = MatchFactory(
        connectee=came,
        connector=connector,
        status=MatchStatus.MET,
        first_met_on=dt.date(2026, 9, 20),
        event_id=fair.id,
    )
    ReferralFactory(match=match, event_id=evening.id)
    # Employed after the fair (counts), and an older employed outcome of another (does not).
    FollowUpOutcomeFactory(connectee=came, recorded_on=dt.date(2026, 12, 1))
    FollowUpOutcomeFactory(connectee=registered, recorded_on=dt.date(2026, 8, 1))

    rows = services.by_event()

    assert [r.event_name for r in rows] == ["Autumn fair", "Engineers' evening"]
    fair_row, evening_row = rows
    assert (fair_row.invited, fair_row.registered, fair_row.checked_in) == (4, 3, 2)
    assert (fair_row.connectees_checked_in, fair_row.connectors_checked_in) == (1, 1)
    assert (fair_row.signups, fair_row.matches, fair_row.matches_met) == (2, 1, 1)
    assert (fair_row.referrals, fair_row.employed) == (0, 1)
    assert (evening_row.checked_in, evening_row.referrals, evening_row.matches) == (1, 1, 0)
    assert services.by_event(start=dt.date(2026, 10, 1))[0].event_name == "Engineers' evening"


def test_invitation_chains_and_active_invitees(app: Any) -> None:
    root = ConnectorFactory(first_name="Amal", last_name="Root")
    first = ConnectorFactory(invited_by_id=root.id, referral_source=R.CONNECTOR_INVITATION)
    second = ConnectorFactory(
        invited_by_id=root.id,
        referral_source=R.CONNECTOR_INVITATION,
        status=ProfileStatus.SUBMITTED,
    )
    grandchild = ConnectorFactory(invited_by_id=first.id)
    ConnectorFactory()  # invited nobody and was not invited
    ConnecteeFactory(invited_by_id=second.id)

    rows = {r.connector_id: r for r in services.invitations()}

    assert set(rows) == {root.id, first.id, second.id}
    assert (rows[root.id].invited_connectors, rows[root.id].invited_active) == (2, 1)
    assert (rows[root.id].chain_size, rows[root.id].chain_depth) == (3, 2)
    assert rows[root.id].connector_name == "Amal Root"
    assert (rows[first.id].chain_size, rows[second.id].invited_connectees) == (1, 1)
    assert services.invited_connectors_summary() == {
        "invited": 3,
        "active": 2,
        "chains": 1,
        "longest_chain": 2,
    }
    (tree,) = services.invitation_chains()
    assert tree.connector_id == root.id
    assert [c.connector_id for c in tree.children] == [first.id, second.id]
    assert tree.children[0].children[0].connector_id == grandchild.id


def test_an_invitation_cycle_made_by_editing_does_not_loop(app: Any) -> None:
    a = ConnectorFactory()
    b = ConnectorFactory(invited_by_id=a.id)
    db.session.get(Connector, a.id).invited_by_id = b.id  # type: ignore[union-attr]
    db.session.commit()
    rows = {r.connector_id: r for r in services.invitations()}
    assert rows[a.id].chain_size == 1
    assert services.invited_connectors_summary()["invited"] == 2
