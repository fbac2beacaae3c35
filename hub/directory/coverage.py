"""Where the network lacks connectors: per SOC major group, and per community and group.

Three sources, none of them about a person:

- supply: the directory's listed connector profiles (what ``directory_query`` lists:
  no tombstones, no suspended community), counted per community and major group;
- waiting connectees: the outcome aggregates each node syncs. A cohort's ``eligible``
  minus its ``matched`` are the eligible connectees not yet introduced to a connector;
  summed over each community's newest ``WAITING_QUARTERS`` quarters, the ones its node
  still refreshes. A node withholds counts under 5: such a cell is reported as withheld,
  never guessed;
- local demand: the demand signals (``hub.demand.services.table``, the public API's rows).

Suspended communities are left out throughout, as the directory and the demand table do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select

from hub import kept
from hub.communities.models import Community, CommunityStatus
from hub.demand.services import table as demand_table
from hub.extensions import db
from hub.outcomes.models import OutcomeCell
from hub.outcomes.services import cells_version
from hub.profiles.models import Profile
from shared.taxonomy import default_taxonomy

#: Quarters of outcome cells a node re-sends on every sync (older ones are not refreshed).
WAITING_QUARTERS = 4


@dataclass(frozen=True)
class GroupCoverage:
    """One SOC major group across the network."""

    major: str
    title: str
    #: Listed connector profiles in the group.
    connectors: int
    #: Of those, accepting introductions and open to cross-city or remote matches.
    open_connectors: int
    #: Communities with at least one listed connector in the group.
    communities_with_connectors: int
    #: Eligible connectees not yet matched, where the figures are published.
    waiting: int
    #: Communities whose figures for the group are withheld (fewer than 5) in some quarter.
    withheld_in: int
    #: Mean demand signal of the communities reporting one for the group (None: nobody).
    demand: float | None
    demand_reporting: int


@dataclass(frozen=True)
class CommunityGroup:
    """One community's supply, waiting connectees and demand in one major group."""

    community: str
    community_name: str
    major: str
    title: str
    connectors: int
    waiting: int
    #: Some quarter's eligible or matched count is withheld: ``waiting`` may be short.
    withheld: bool
    demand: float | None
    #: Listed connectors in the group in other communities, open to cross-city or remote.
    open_elsewhere: int

    @property
    def is_gap(self) -> bool:
        """Connectees (possibly) wait in this group, and no local connector is listed."""
        return self.connectors == 0 and (self.waiting > 0 or self.withheld)


@dataclass(frozen=True)
class Coverage:
    groups: list[GroupCoverage]
    #: Every (community, group) with connectors, waiting connectees or a demand signal.
    cells: list[CommunityGroup]
    communities: dict[str, str]  # slug -> name, of the communities covered

    @property
    def empty_groups(self) -> list[GroupCoverage]:
        """Occupation groups with no listed connector anywhere in the network."""
        return [g for g in self.groups if g.connectors == 0]

    @property
    def gaps(self) -> list[CommunityGroup]:
        """Community and group pairs whose waiting connectees have no local connector."""
        return [c for c in self.cells if c.is_gap]

    def of_community(self, slug: str) -> list[CommunityGroup]:
        return [c for c in self.cells if c.community == slug]


def _communities() -> dict[int, tuple[str, str, int]]:
    """Active and silenced communities: id -> (slug, name, profiles_version)."""
    stmt = (
        select(Community.id, Community.slug, Community.name, Community.profiles_version)
        .where(Community.status != CommunityStatus.SUSPENDED)
        .order_by(Community.slug)
    )
    return {id_: (slug, name, ver) for id_, slug, name, ver in db.session.execute(stmt)}


def _count_supply(ids: list[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """Community id -> major group -> (listed connectors, open ones)."""
    major = func.substr(Profile.occupation, 1, 2)
    open_ = case(
        (Profile.accepting.is_(True) & or_(Profile.cross_city_ok, Profile.remote_ok), 1),
        else_=0,
    )
    stmt = (
        select(Profile.community_id, major, func.count(), func.sum(open_))
        .where(
            Profile.community_id.in_(ids),
            Profile.deleted.is_(False),
            Profile.occupation.is_not(None),
        )
        .group_by(Profile.community_id, major)
    )
    counted: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for community_id, group, count, opened in db.session.execute(stmt):
        counted[community_id][group] = (count, int(opened or 0))
    return counted


def _supply(
    communities: dict[int, tuple[str, str, int]],
) -> dict[tuple[str, str], tuple[int, int]]:
    """(slug, major) -> (listed connectors, open ones), of the communities given (kept by
    each worker until a community's profiles change: ``hub.kept``)."""
    versions = [(cid, ver) for cid, (_slug, _name, ver) in communities.items()]
    none: dict[str, tuple[int, int]] = {}
    counted = kept.per_community("supply", versions, _count_supply, none)
    return {
        (communities[cid][0], group): figures
        for cid, groups in counted.items()
        for group, figures in groups.items()
    }


def _newest_periods(community_ids: Iterable[int]) -> set[tuple[int, str]]:
    """Each community's newest WAITING_QUARTERS periods with outcome cells."""
    stmt = (
        select(OutcomeCell.community_id, OutcomeCell.period)
        .where(OutcomeCell.community_id.in_(list(community_ids)))
        .distinct()
    )
    periods: dict[int, list[str]] = defaultdict(list)
    for community_id, period in db.session.execute(stmt):
        periods[community_id].append(period)
    return {
        (community_id, period)
        for community_id, listed in periods.items()
        for period in sorted(listed, reverse=True)[:WAITING_QUARTERS]
    }


def _waiting(
    communities: dict[int, tuple[str, str, int]],
) -> dict[tuple[str, str], tuple[int, bool]]:
    """(slug, major) -> (eligible minus matched where published, some figure withheld),
    kept by each worker until the outcome cells or the communities change."""
    key = tuple(sorted(communities.items()))
    return kept.kept(("waiting", key), cells_version(), lambda: _count_waiting(communities))


def _count_waiting(
    communities: dict[int, tuple[str, str, int]],
) -> dict[tuple[str, str], tuple[int, bool]]:
    recent = _newest_periods(communities)
    if not recent:
        return {}
    stmt = select(
        OutcomeCell.community_id,
        OutcomeCell.period,
        OutcomeCell.major_group,
        OutcomeCell.metric,
        OutcomeCell.value,
        OutcomeCell.suppressed,
    ).where(
        OutcomeCell.community_id.in_(list(communities)),
        OutcomeCell.period.in_(sorted({period for _cid, period in recent})),
        OutcomeCell.metric.in_(("eligible", "matched")),
    )
    majors = {group.major for group in default_taxonomy().major_groups()}
    cohorts: dict[tuple[int, str, str], dict[str, int | None]] = defaultdict(dict)
    for community_id, period, group, metric, value, suppressed in db.session.execute(stmt):
        if (community_id, period) in recent and group in majors:
            cohorts[(community_id, period, group)][metric] = None if suppressed else value
    waiting: dict[tuple[str, str], tuple[int, bool]] = {}
    for (community_id, _period, group), figures in cohorts.items():
        key = (communities[community_id][0], group)
        count, withheld = waiting.get(key, (0, False))
        eligible, matched = figures.get("eligible"), figures.get("matched")
        if eligible is None or matched is None:
            withheld = True
        else:
            count += max(eligible - matched, 0)
        waiting[key] = (count, withheld)
    return waiting


def coverage() -> Coverage:
    """Compute supply, waiting connectees and demand per group and per community."""
    communities = _communities()
    names = {slug: name for slug, name, _ver in communities.values()}
    supply = _supply(communities)
    waiting = _waiting(communities)
    demand = {
        (row["community"], row["major_group"]): float(row["signal"]) for row in demand_table()
    }
    groups = default_taxonomy().major_groups()
    titles = {group.major: group.title for group in groups}
    open_by_group: dict[str, int] = defaultdict(int)
    for (_slug, major), (_count, opened) in supply.items():
        open_by_group[major] += opened
    keys = sorted(
        {k for k in (*supply, *waiting, *demand) if k[0] in names and k[1] in titles},
        key=lambda k: (k[0], k[1]),
    )
    cells = []
    for slug, major in keys:
        connectors, opened = supply.get((slug, major), (0, 0))
        count, withheld = waiting.get((slug, major), (0, False))
        cells.append(
            CommunityGroup(
                community=slug,
                community_name=names[slug],
                major=major,
                title=titles[major],
                connectors=connectors,
                waiting=count,
                withheld=withheld,
                demand=demand.get((slug, major)),
                open_elsewhere=open_by_group[major] - opened,
            )
        )
    per_group: dict[str, list[CommunityGroup]] = defaultdict(list)
    for cell in cells:
        per_group[cell.major].append(cell)
    summary = []
    for group in groups:
        mine = per_group[group.major]
        signals = [c.demand for c in mine if c.demand is not None]
        summary.append(
            GroupCoverage(
                major=group.major,
                title=group.title,
                connectors=sum(c.connectors for c in mine),
                open_connectors=open_by_group[group.major],
                communities_with_connectors=sum(1 for c in mine if c.connectors),
                waiting=sum(c.waiting for c in mine),
                withheld_in=sum(1 for c in mine if c.withheld),
                demand=round(sum(signals) / len(signals), 2) if signals else None,
                demand_reporting=len(signals),
            )
        )
    return Coverage(groups=summary, cells=cells, communities=names)
