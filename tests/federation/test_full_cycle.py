"""The whole federation cycle over real processes: a hub and two nodes on loopback.

Data goes in through each node's HTTP API, leaves through ``connector-node sync`` (a
subprocess, through a recording proxy in front of the hub), and is read back from the
hub's public and authenticated APIs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests

from tests.federation.harness import Registration, Service, node_token, register_community
from tests.federation.nodeapi import (
    NodeApi,
    connect,
    current_quarter,
    day_in_previous_quarter,
    directory,
    hub_refs,
    hub_token,
    node_listed_refs,
    node_ref,
    outbox_counts,
)
from tests.federation.proxy import RecordingProxy

#: Each node: 7 in one detailed occupation (published as is, k = 5), and 2 + 3 in rarer
#: codes of the same minor group, which only reach k together at the minor level.
SHAPES = {
    "halifax": [("29-1141", 12)] * 7 + [("29-1171", 12)] * 2 + [("29-1122", 14)] * 3,
    "st-louis": [("15-1252", 7)] * 7 + [("15-1251", 7)] * 2 + [("15-1211", 8)] * 3,
}
PUBLISHED = {
    "halifax": {("29-1141", "detailed", "10-19"): 7, ("29-1000", "minor", "10-19"): 5},
    "st-louis": {("15-1252", "detailed", "5-9"): 7, ("15-1200", "minor", "5-9"): 5},
}
DIRECTORY_FIELDS = {
    "id",
    "community",
    "occupation",
    "occupation_level",
    "occupation_title",
    "experience_band",
    "languages",
    "skills",
    "availability",
    "remote_ok",
    "cross_city_ok",
    "accepting",
    "updated_at",
}
CONNECTEES_PER_QUARTER = 10


def _cells(items: list[dict[str, Any]], community: str) -> Counter[tuple[str, str, str]]:
    return Counter(
        (i["occupation"], i["occupation_level"], i["experience_band"])
        for i in items
        if i["community"] == community
    )


def _rollup(hub: Service, period: str, by: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"{hub.url}/api/v1/rollup", params={"period": period, "by": by}, timeout=10
    )
    assert response.status_code == 200, response.text
    return list(response.json()["rows"])


def _sync(node: Service, *args: str) -> str:
    out = node.cli("sync", *args).stdout
    assert "Synced:" in out, out
    return out


def test_full_cycle(
    module_hub: Service,
    module_make_node: Callable[..., Service],
    make_proxy: Callable[[Service], RecordingProxy],
) -> None:
    hub = module_hub
    nodes = {slug: module_make_node(slug) for slug in SHAPES}
    creds: dict[str, Registration] = {}
    proxies: dict[str, RecordingProxy] = {}
    apis: dict[str, NodeApi] = {}
    connectors: dict[str, list[tuple[int, int]]] = {}
    this_quarter, last_quarter = current_quarter()
    today = dt.datetime.now(dt.UTC).date()

    for slug, node in nodes.items():
        creds[slug] = register_community(hub, slug, slug.title())
        proxies[slug] = make_proxy(hub)
        connect(node, proxies[slug].url, creds[slug])
        api = apis[slug] = NodeApi(node, node_token(node))
        connectors[slug] = [
            api.listed_connector(i, occupation, years, prefix=slug)
            for i, (occupation, years) in enumerate(SHAPES[slug])
        ]
        # Not listable: approved without consent, and consented but not eligible.
        unconsented = api.post(
            "/connectors",
            {
                "first_name": "No",
                "last_name": "Consent",
                "email": f"{slug}-noconsent@example.org",
                "occupation": SHAPES[slug][0][0],
                "years_in_field": 12,
            },
        )
        decision = api.post("/eligibility-decisions/evaluate", {"connector_id": unconsented["id"]})
        assert decision["outcome"] == "eligible"
        junior = api.post(
            "/connectors",
            {
                "first_name": "Too",
                "last_name": "Junior",
                "email": f"{slug}-junior@example.org",
                "occupation": SHAPES[slug][0][0],
                "years_in_field": 1,
            },
        )
        api.post(
            "/consents",
            {"connector_id": junior["id"], "purpose": "directory_listing", "policy_version": "1"},
        )
        for i in range(CONNECTEES_PER_QUARTER):
            api.connectee(i, today, prefix=f"{slug}-now")
            api.connectee(i, day_in_previous_quarter(), prefix=f"{slug}-before")

    hub.cli(
        "resources", "publish", "--kind", "guide", "--title", "Nursing licensure",
        "--summary", "Steps to a licence.", "--url", "https://example.org/nursing",
        "--tags", "nursing,licensing",
    )  # fmt: skip
    published = hub.cli(
        "resources", "publish", "--kind", "faq", "--title", "Mentoring FAQ",
        "--summary", "Common questions.", "--url", "https://example.org/faq",
    ).stdout  # fmt: skip

    for node in nodes.values():
        _sync(node)
        assert outbox_counts(node).get("pending", 0) == 0
        assert outbox_counts(node).get("dead", 0) == 0

    # The directory, as another community sees it: generalized, without refs.
    other = hub_token(hub, creds["st-louis"], "directory:read")
    items = directory(hub, other, include_own="true")
    assert Counter(i["community"] for i in items) == {"halifax": 12, "st-louis": 12}
    for slug in SHAPES:
        assert _cells(items, slug) == PUBLISHED[slug]
        assert hub_refs(hub, slug) == node_listed_refs(nodes[slug])
    assert all(set(i) == DIRECTORY_FIELDS for i in items)
    assert all(i["skills"] == [] and i["occupation_title"] for i in items)
    assert all(i["languages"] == [{"language": "eng", "level": "native"}] for i in items)
    # Without include_own a community does not see itself.
    assert {i["community"] for i in directory(hub, other)} == {"halifax"}

    # Outcome aggregates reached the public roll-up, per community and nationally.
    for period in (this_quarter, last_quarter):
        rows = {r["community"]: r for r in _rollup(hub, period, "community")}
        assert set(rows) == {"halifax", "st-louis"}, rows
        assert all(r["enrolled"] == CONNECTEES_PER_QUARTER for r in rows.values()), rows
        (national,) = _rollup(hub, period, "national")
        assert national["enrolled"] == 2 * CONNECTEES_PER_QUARTER
        groups = {
            (r["community"], r["major_group"])
            for r in _rollup(hub, period, "community_major_group")
        }
        assert {("halifax", "29"), ("st-louis", "29")} <= groups

    # Resources published on the hub reached both nodes.
    for api in apis.values():
        titles = {r["title"] for r in api.get("/resources")["items"]}
        assert titles == {"Nursing licensure", "Mentoring FAQ"}

    # A withdrawn consent and an erased connector become tombstones on the next sync.
    halifax, api = nodes["halifax"], apis["halifax"]
    (withdrawn_id, consent_id), (erased_id, _) = connectors["halifax"][:2]
    withdrawn_ref, erased_ref = node_ref(halifax, withdrawn_id), node_ref(halifax, erased_id)
    api.post(f"/consents/{consent_id}/withdraw", {}, expect=200)
    api.call("DELETE", f"/connectors/{erased_id}", expect=204)
    resource_id = published.split()[2]
    hub.cli("resources", "unpublish", resource_id)
    _sync(halifax)
    items = directory(hub, other, include_own="true")
    assert Counter(i["community"] for i in items) == {"halifax": 10, "st-louis": 12}
    assert _cells(items, "halifax") == {
        ("29-1141", "detailed", "10-19"): 5,
        ("29-1000", "minor", "10-19"): 5,
    }
    assert {withdrawn_ref, erased_ref} <= set(hub_refs(hub, "halifax", deleted=True))
    assert hub_refs(hub, "halifax") == node_listed_refs(halifax)
    assert withdrawn_ref not in hub_refs(hub, "halifax")
    assert {r["title"] for r in api.get("/resources")["items"]} == {"Nursing licensure"}

    # Nothing changed since: a sync is one 304 on the resource feed and one (empty) page of
    # the introductions feed, which nothing else would tell the node of; the access token
    # kept from the previous run is still valid, so no token request.
    proxy = proxies["halifax"]
    mark = proxy.mark()
    _sync(halifax)
    calls = proxy.since(mark)
    assert len(calls) <= 2, [(c.method, c.path, c.status) for c in calls]
    assert [(c.path.split("?")[0], c.status) for c in calls] == [
        ("/api/v1/resources/changes", 304),
        ("/api/v1/introductions/inbox", 200),
    ]
