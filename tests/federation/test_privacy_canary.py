"""The privacy canary: personal data put into a node never reaches the hub.

Every personal and free-text field the node keeps is filled with a unique, searchable
string (names, emails, phones, employers, job titles, notes, free-text skills, referral
contacts, outcome notes, consent and override texts, CV files and their names). The node
syncs to the hub through a recording proxy, fully and incrementally; then every byte that
crossed the wire in either direction, and everything the hub stored (the raw SQLite
files, or every row of every PostgreSQL table, and its log), is searched for those
strings in plain, JSON-escaped and URL-encoded forms, case-insensitively.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

from sqlalchemy import text

from tests.federation.harness import Service, register_community
from tests.federation.nodeapi import (
    NodeApi,
    connect,
    current_quarter,
    database,
    directory,
    hub_token,
    outbox_counts,
)
from tests.federation.proxy import RecordingProxy

SLUG = "halifax"
LISTED = 6  # one detailed occupation cell of at least k = 5: listed as is
#: Fragments every canary string contains one of; none occurs in the hub by chance.
FRAGMENTS = (
    "zyxwquor",
    "qwubblesn",
    "canarycorp",
    "canarytitle",
    "canarynote",
    "canaryskill",
    "canaryfield",
    "canarypolicy",
    "canaryoverride",
    "canarymatch",
    "canarytransition",
    "canarysector",
    "canaryoutcome",
    "canarycv",
    "canary-zq",
    "555 0100 9",
    "55501009",
)


def _phone(i: int) -> str:
    return f"+1 555 0100 9{i:03d}"


def _forms(value: str) -> set[bytes]:
    """The byte forms a string could take on the wire or on disk, lower-cased."""
    forms = {
        value,
        json.dumps(value)[1:-1],  # ASCII-escaped JSON (\u00f8)
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value),
        quote(value, safe=""),
        quote_plus(value),
    }
    out = {form.lower().encode() for form in forms}
    out |= {form.lower().encode("utf-16-le") for form in (value,)}
    return out


def _needles(values: Iterable[str]) -> set[bytes]:
    needles: set[bytes] = set()
    for value in [*values, *FRAGMENTS]:
        needles |= _forms(value)
    return needles


def _leaks(haystack: bytes, needles: set[bytes]) -> list[str]:
    lowered = haystack.lower()
    return sorted(n.decode("utf-8", "replace") for n in needles if n in lowered)


def _hub_storage(hub: Service) -> bytes:
    """Everything the hub keeps: its database (raw files or every row) and its log."""
    parts = [p.read_bytes() for p in Path(hub.workdir).rglob("*") if p.is_file()]
    if not hub.env["DATABASE_URL"].startswith("sqlite"):
        with database(hub) as conn:
            tables = conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                )
            ).scalars()
            for table in list(tables):
                rows = conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t'))
                parts.append(f"{table}\n".encode())
                parts += [str(row).encode() for (row,) in rows]
    return b"\n".join(parts)


def _fill_node(api: NodeApi, today: dt.date) -> list[str]:
    """Put canary personal data in every free-text and personal field; return the strings."""
    canaries: list[str] = []

    def canary(value: str) -> str:
        canaries.append(value)
        return value

    connectors = []
    for i in range(LISTED + 1):
        connector = api.post(
            "/connectors",
            {
                "first_name": canary(f"Zyxwquor{i}"),
                "last_name": canary("Qwubblesnørt" if i % 2 else "Qwubblesnort"),
                "email": canary(f"canary-zq-connector{i}@example.org"),
                "phone": canary(_phone(i)),
                "employer": canary(f"Canarycorp Hospital {i}"),
                "job_title": canary(f"Canarytitle Charge Nurse {i}"),
                "notes": canary(f"canarynote about Zyxwquor{i}: met at the gala, loves chess"),
                "skills": [canary(f"canaryskill-wound-care-{i}"), canary("canaryskill triage")],
                "occupation": "29-1141",
                "years_in_field": 12,
                "languages": [{"language": "eng", "level": "native"}],
                "availability": ["weekends"],
                "remote_ok": True,
            },
        )
        connectors.append(connector["id"])
        api.post(
            "/consents",
            {
                "connector_id": connector["id"],
                "purpose": "directory_listing",
                "policy_version": canary(f"canarypolicy-{i}"),
            },
        )
        api.post("/eligibility-decisions/evaluate", {"connector_id": connector["id"]})
    # One connector withdraws; another is edited (its notes and a published flag).
    consents = api.get("/consents", connector_id=connectors[-1])["items"]
    api.post(f"/consents/{consents[0]['id']}/withdraw", {}, expect=200)
    api.call(
        "PATCH",
        f"/connectors/{connectors[0]}",
        json={"notes": canary("canarynote updated: moving to Canarycorp West"), "available": False},
    )

    connectees = []
    for i in range(6):
        connectee = api.post(
            "/connectees",
            {
                "first_name": canary(f"Zyxwquorette{i}"),
                "last_name": canary(f"Qwubblesnout{i}"),
                "email": canary(f"canary-zq-connectee{i}@example.org"),
                "phone": canary(_phone(100 + i)),
                "notes": canary(f"canarynote connectee {i}: two children, lives on Elm Street"),
                "skills": [canary(f"canaryskill-icu-{i}")],
                "education_field": canary(f"Canaryfield Nursing Sciences {i}"),
                "education_level": "bachelor",
                "country_of_origin": "SY",
                "work_authorization": "permanent_resident",
                "intends_to_stay": True,
                "resume_on_file": True,
                "target_occupation": "29-1141",
                "years_experience": 8,
                "intake_date": (today - dt.timedelta(days=120)).isoformat(),
                "languages": [
                    {"language": "eng", "level": "B2"},
                    {"language": "ara", "level": "native"},
                ],
            },
        )
        connectees.append(connectee["id"])
        # The CV, its name and its bytes, stays on the node too.
        cv = b"%PDF-1.7\n" + canary(f"canarycv text of Zyxwquorette{i}").encode() + b"\n%%EOF\n"
        api.call(
            "PUT",
            f"/connectees/{connectee['id']}/cv",
            files={"file": (canary(f"Canarycv Qwubblesnout{i}.pdf"), cv, "application/pdf")},
        )
        decision = api.post("/eligibility-decisions/evaluate", {"connectee_id": connectee["id"]})
        assert decision["outcome"] == "eligible", decision
    api.post(
        "/eligibility-decisions/override",
        {
            "connectee_id": connectees[-1],
            "outcome": "ineligible",
            "reason": canary("canaryoverride: Zyxwquorette told us in confidence"),
        },
    )

    # Met long enough ago for the 3-month follow-up to be due.
    scheduled = (dt.datetime.now(dt.UTC) - dt.timedelta(days=100)).isoformat()
    for i in range(5):
        match = api.post(
            "/matches",
            {
                "connectee_id": connectees[i],
                "connector_id": connectors[1 + i],
                "note": canary(f"canarymatch: Zyxwquor{1 + i} knows the ward manager"),
            },
        )
        path = f"/matches/{match['id']}"
        api.post(
            f"{path}/transitions",
            {"to": "introduced", "note": canary(f"canarytransition {i} by phone")},
        )
        meeting = api.post(f"{path}/meetings", {"scheduled_for": scheduled, "mode": "video"})
        api.call("PATCH", f"{path}/meetings/{meeting['id']}", json={"held": True})
        for tier in range(3):
            api.post(
                f"{path}/referrals",
                {
                    "contact_name": canary(f"Zyxwquor Referralcontact {i}-{tier}"),
                    "organisation": canary(f"Canarycorp Clinic {i}-{tier}"),
                    "sector": canary(f"canarysector health {i}"),
                },
            )
        api.post(
            "/outcomes",
            {
                "connectee_id": connectees[i],
                "milestone_months": 3,
                "category": "employed_in_field",
                "occupation": "29-1141",
                "notes": canary(f"canaryoutcome: hired by Canarycorp Hospital {i}, ward 7"),
                "match_id": match["id"],
            },
        )
    return canaries


def test_no_personal_data_reaches_the_hub(
    module_hub: Service,
    module_make_node: Callable[..., Service],
    make_proxy: Callable[[Service], RecordingProxy],
) -> None:
    hub = module_hub
    node = module_make_node(SLUG)
    creds = register_community(hub, SLUG, "Halifax")
    proxy = make_proxy(hub)
    connect(node, proxy.url, creds)
    staff_email = "canary-zq-staff@example.org"
    node.cli(
        "users", "create", "--email", staff_email, "--name", "Zyxwquor Stafferton",
        "--role", "coordinator", "--password", "correct horse battery",
    )  # fmt: skip
    token = node.cli("tokens", "create", "--email", staff_email).stdout.strip().splitlines()[-1]
    api = NodeApi(node, token)
    today = dt.datetime.now(dt.UTC).date()
    canaries = [staff_email, "Zyxwquor Stafferton", *_fill_node(api, today)]

    assert "Synced:" in node.cli("sync", "--full").stdout
    api.call("PATCH", "/connectors/2", json={"remote_ok": False, "notes": "canarynote again"})
    assert "Synced:" in node.cli("sync").stdout
    assert "Synced:" in node.cli("sync", "--full").stdout
    counts = outbox_counts(node)
    assert counts.get("pending", 0) == 0 and counts.get("dead", 0) == 0, counts

    # Not vacuous: profiles, a snapshot and outcome cells did cross, and the hub has them.
    paths = {(e.method, e.path.split("?")[0], e.status) for e in proxy.since(0)}
    intake_quarter, _ = current_quarter(today - dt.timedelta(days=120))
    assert ("POST", "/api/v1/profiles/batch", 200) in paths
    assert ("PUT", "/api/v1/profiles/snapshot", 200) in paths
    assert ("PUT", f"/api/v1/outcomes/{intake_quarter}", 200) in paths
    listed = directory(hub, hub_token(hub, creds, "directory:read"), include_own="true")
    assert len(listed) == LISTED
    sent_items = [
        item
        for e in proxy.requests_to("POST", "/api/v1/profiles/batch")
        for item in e.request_json()["items"]
    ]
    # A connector listed as soon as approved and unlisted later leaves a tombstone: the ref
    # and a version, nothing else.
    tombstones = [item for item in sent_items if item.get("deleted")]
    assert all(set(t) == {"ref", "version", "deleted"} for t in tombstones)
    sent_profiles = [item for item in sent_items if not item.get("deleted")]
    assert sent_profiles and all(p["skills"] == [] for p in sent_profiles)

    needles = _needles(canaries)
    # The search itself works: the node holds every canary, and a leak would be found.
    node_side = api.session.get(f"{api.base}/connectors?per_page=100", timeout=10).content
    assert _leaks(node_side, needles)
    on_wire = _leaks(proxy.all_bytes(), needles)
    assert on_wire == [], f"personal data crossed the wire: {on_wire}"
    stored = _leaks(_hub_storage(hub), needles)
    assert stored == [], f"the hub stored personal data: {stored}"
