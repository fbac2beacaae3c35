"""Connector capacity per month and quarter; ``connector-node tick`` with a fixed clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from community_node.errors import Conflict
from community_node.extensions import db
from community_node.matches import services
from community_node.matches.models import Match, MatchStatus, MatchTransition
from community_node.participants.models import CapacityPeriod, Connectee, ProfileStatus
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
)

S = MatchStatus
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def approved_connectee() -> int:
    return int(ConnecteeFactory(status=ProfileStatus.APPROVED).id)


@pytest.mark.parametrize(
    ("period", "now", "start", "end"),
    [
        (CapacityPeriod.MONTH, at(2026, 2, 14, 12), at(2026, 2, 1), at(2026, 3, 1)),
        (CapacityPeriod.MONTH, at(2026, 12, 31, 23), at(2026, 12, 1), at(2027, 1, 1)),
        (CapacityPeriod.QUARTER, at(2026, 2, 14), at(2026, 1, 1), at(2026, 4, 1)),
        (CapacityPeriod.QUARTER, at(2026, 6, 30), at(2026, 4, 1), at(2026, 7, 1)),
        (CapacityPeriod.QUARTER, at(2026, 11, 1), at(2026, 10, 1), at(2027, 1, 1)),
    ],
)
def test_period_bounds(
    period: CapacityPeriod, now: dt.datetime, start: dt.datetime, end: dt.datetime
) -> None:
    assert services.period_bounds(period, now) == (start, end)


def test_monthly_capacity_counts_this_month_only(app: Any) -> None:
    connector = ConnectorFactory(capacity=2, capacity_period=CapacityPeriod.MONTH)
    now = at(2026, 5, 20, 9)
    MatchFactory(connector=connector, proposed_at=at(2026, 4, 30, 23), status=S.MET)
    MatchFactory(connector=connector, proposed_at=at(2026, 5, 2), status=S.DECLINED)
    MatchFactory(connector=connector, proposed_at=at(2026, 5, 3), status=S.EXPIRED)
    MatchFactory(connector=connector, proposed_at=at(2026, 5, 4), status=S.CANCELLED)
    MatchFactory(connector=connector, proposed_at=at(2026, 5, 5), status=S.NO_SHOW)
    use = services.capacity_of(connector.id, now=now)
    assert (use.capacity, use.used, use.left) == (2, 1, 1)
    services.create_match(
        {"connectee_id": approved_connectee(), "connector_id": connector.id}, actor="t", now=now
    )
    with pytest.raises(Conflict, match="capacity of 2 connectee\\(s\\) per month"):
        services.create_match(
            {"connectee_id": approved_connectee(), "connector_id": connector.id},
            actor="t",
            now=now,
        )
    # A new month frees the capacity again.
    services.create_match(
        {"connectee_id": approved_connectee(), "connector_id": connector.id},
        actor="t",
        now=at(2026, 6, 1),
    )


def test_quarterly_capacity_spans_the_quarters_months(app: Any) -> None:
    connector = ConnectorFactory(capacity=2, capacity_period=CapacityPeriod.QUARTER)
    MatchFactory(connector=connector, proposed_at=at(2026, 3, 31), status=S.CLOSED)
    MatchFactory(connector=connector, proposed_at=at(2026, 4, 3), status=S.REFERRED)
    MatchFactory(connector=connector, proposed_at=at(2026, 5, 9), status=S.PROPOSED)
    use = services.capacity_of(connector.id, now=at(2026, 6, 15))
    assert (use.used, use.left, use.period_start) == (2, 0, at(2026, 4, 1))
    with pytest.raises(Conflict, match="per quarter"):
        services.create_match(
            {"connectee_id": approved_connectee(), "connector_id": connector.id},
            actor="t",
            now=at(2026, 6, 15),
        )
    assert services.capacity_of(connector.id, now=at(2026, 7, 1)).left == 2


def test_capacity_endpoint_and_409(api: Any) -> None:
    connector = ConnectorFactory(capacity=1, capacity_period=CapacityPeriod.MONTH)
    body = api.get(f"/api/v1/matches/capacity/{connector.id}").json
    assert (body["capacity"], body["period"], body["used"], body["left"]) == (1, "month", 0, 1)
    pair = {"connectee_id": approved_connectee(), "connector_id": connector.id}
    assert api.post("/api/v1/matches", json=pair).status_code == 201
    body = api.get(f"/api/v1/matches/capacity/{connector.id}").json
    assert (body["used"], body["left"]) == (1, 0)
    full = api.post(
        "/api/v1/matches", json={"connectee_id": approved_connectee(), "connector_id": connector.id}
    )
    assert full.status_code == 409
    assert "capacity of 1" in full.json["message"]
    assert api.get("/api/v1/matches/capacity/999").status_code == 404


def test_zero_capacity_takes_no_matches(api: Any) -> None:
    connector = ConnectorFactory(capacity=0)
    response = api.post(
        "/api/v1/matches", json={"connectee_id": approved_connectee(), "connector_id": connector.id}
    )
    assert response.status_code == 409


# tick ---------------------------------------------------------------------------------


def test_tick_expires_overdue_proposals_once(app: Any, runner: Any) -> None:
    start = at(2026, 3, 1, 9)
    proposed = services.create_match(
        {"connectee_id": approved_connectee(), "connector_id": ConnectorFactory().id},
        actor="t",
        now=start,
    )
    introduced = services.create_match(
        {"connectee_id": approved_connectee(), "connector_id": ConnectorFactory().id},
        actor="t",
        now=start,
    )
    # Introduced later, so its N days restart then.
    services.transition(introduced.id, S.INTRODUCED, actor="t", now=at(2026, 3, 10))
    met = MatchFactory(status=S.MET, expires_at=at(2026, 3, 2))
    proposed_id, introduced_id = proposed.id, introduced.id

    early = runner.invoke(args=["tick", "--now", "2026-03-14T12:00"])
    assert early.exit_code == 0, early.output
    assert "No proposals to expire." in early.output

    result = runner.invoke(args=["tick", "--now", "2026-03-15T09:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert f"Expired 1 match(es): {proposed_id}." in result.output
    db.session.expire_all()
    assert db.session.get(Match, proposed_id).status == S.EXPIRED  # type: ignore[union-attr]
    assert db.session.get(Match, introduced_id).status == S.INTRODUCED  # type: ignore[union-attr]
    assert db.session.get(Match, met.id).status == S.MET  # type: ignore[union-attr]
    last = db.session.scalars(
        select(MatchTransition)
        .where(MatchTransition.match_id == proposed_id)
        .order_by(MatchTransition.id.desc())
    ).first()
    assert last is not None
    assert (last.by, last.to_status, last.at) == ("system:tick", S.EXPIRED, at(2026, 3, 15, 9))
    assert last.note == "No answer within 14 days."

    later = runner.invoke(args=["tick", "--now", "2026-03-25"])
    assert f"Expired 1 match(es): {introduced_id}." in later.output
    again = runner.invoke(args=["tick", "--now", "2026-03-25"])
    assert again.exit_code == 0
    assert "No proposals to expire." in again.output
    transitions = db.session.scalar(select(func.count(MatchTransition.id)))
    assert transitions == 2 + 1 + 2  # two creations, one introduction, two expiries


def test_tick_rejects_a_bad_time(runner: Any) -> None:
    result = runner.invoke(args=["tick", "--now", "next tuesday"])
    assert result.exit_code != 0
    assert "ISO" in result.output


def test_tick_lists_follow_ups_due(app: Any, runner: Any) -> None:
    six = MatchFactory(status=S.CLOSED, first_met_on=dt.date(2025, 7, 31))
    FollowUpOutcomeFactory(connectee_id=six.connectee_id, milestone_months=3)
    # Two matches: the earliest first meeting sets the clock.
    fresh = MatchFactory(status=S.MET, first_met_on=dt.date(2025, 11, 30))
    MatchFactory(connectee_id=fresh.connectee_id, status=S.MET, first_met_on=dt.date(2026, 1, 5))
    recent = MatchFactory(status=S.MET, first_met_on=dt.date(2026, 1, 15))  # not 3 months yet
    MatchFactory(status=S.PROPOSED)  # never met
    gone = MatchFactory(status=S.CLOSED, first_met_on=dt.date(2025, 1, 1))
    erased = db.session.get(Connectee, gone.connectee_id)
    assert erased is not None
    erased.status = ProfileStatus.DEACTIVATED
    db.session.commit()

    result = runner.invoke(args=["tick", "--now", "2026-02-28T08:00"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("connectee")]
    assert lines == [
        f"connectee {six.connectee_id}: 6-month follow-up due since 2026-01-31",
        f"connectee {fresh.connectee_id}: 3-month follow-up due since 2026-02-28",
    ]
    due = services.due_follow_ups(dt.date(2026, 8, 1))
    assert [(d.connectee_id, d.milestone_months) for d in due] == [
        (six.connectee_id, 6),
        (six.connectee_id, 12),
        (fresh.connectee_id, 3),
        (fresh.connectee_id, 6),
        (recent.connectee_id, 3),
        (recent.connectee_id, 6),
    ]


def test_tick_with_nothing_to_do(runner: Any) -> None:
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "No proposals to expire.",
        "No follow-ups due.",
        "No messages to send.",
    ]
