"""The match lifecycle: which status may follow which (the single source of truth).

::

    proposed ─► introduced ─► meeting_scheduled ─► met ─► referrals_pending ─► referred ─► closed
       │            │               │               │              │
       └► declined, expired,        └► no_show,     └──────────────┴► cancelled
          cancelled                    cancelled
"""

from __future__ import annotations

from collections.abc import Mapping

from community_node.matches.models import MatchStatus

S = MatchStatus

TRANSITIONS: Mapping[MatchStatus, tuple[MatchStatus, ...]] = {
    S.PROPOSED: (S.INTRODUCED, S.DECLINED, S.EXPIRED, S.CANCELLED),
    S.INTRODUCED: (S.MEETING_SCHEDULED, S.DECLINED, S.EXPIRED, S.CANCELLED),
    S.MEETING_SCHEDULED: (S.MET, S.NO_SHOW, S.CANCELLED),
    S.MET: (S.REFERRALS_PENDING, S.CANCELLED),
    S.REFERRALS_PENDING: (S.REFERRED, S.CANCELLED),
    S.REFERRED: (S.CLOSED,),
    S.CLOSED: (),
    S.DECLINED: (),
    S.EXPIRED: (),
    S.NO_SHOW: (),
    S.CANCELLED: (),
}

#: Statuses a match never leaves.
TERMINAL = frozenset(status for status, nexts in TRANSITIONS.items() if not nexts)

#: Statuses still waiting for an answer from the connectee or connector; they can expire.
AWAITING_ANSWER = frozenset({S.PROPOSED, S.INTRODUCED})

#: Ended matches that never used a connector's time, so they do not use up capacity.
NOT_COUNTED_FOR_CAPACITY = frozenset({S.DECLINED, S.EXPIRED, S.CANCELLED})

#: Statuses in which the connector's referrals can be recorded.
REFERRAL_STATUSES = (S.MET, S.REFERRALS_PENDING, S.REFERRED)

#: Statuses in which a meeting can be (re)scheduled.
MEETING_STATUSES = (S.INTRODUCED, S.MEETING_SCHEDULED)

#: First-tier referrals a match needs before it counts as referred (the 3 × 3 cascade).
REFERRALS_NEEDED = 3


def allowed_next(status: MatchStatus) -> list[str]:
    """Return the statuses a match in ``status`` may move to, as their values."""
    return [s.value for s in TRANSITIONS[status]]


def is_open(status: MatchStatus) -> bool:
    return status not in TERMINAL
