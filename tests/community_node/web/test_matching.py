"""The matching pages: who waits, a connectee's suggestions, proposing, batch proposals."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.extensions import db
from community_node.matches.models import Match, MatchStatus
from community_node.matching import services as matching
from community_node.matching.models import BatchStatus, MatchProposalBatch, RowStatus
from community_node.participants.models import (
    ConnectorLanguage,
    ConsentPurpose,
    LanguageLevel,
    ProfileStatus,
)
from community_node.sync.models import HubConnection
from community_node.web import matching as pages
from shared.hubclient import HubError
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    ConsentFactory,
    MatchFactory,
)
from tests.community_node.introductions.fakehub import FakeIntrosHub
from tests.community_node.web.conftest import PASSWORD, login


def approved(**kw: Any) -> Any:
    return ConnecteeFactory(status=ProfileStatus.APPROVED, **kw)


def arabic() -> list[ConnectorLanguage]:
    return [ConnectorLanguage(language="ara", level=LanguageLevel.NATIVE)]


def match_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Match.id))) or 0


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"STAFF_JOBS_DIR": str(tmp_path / "jobs")}


def build_proposals(client: FlaskClient) -> str:
    """Start building proposals, poll the progress as htmx does; return the batch's page."""
    # The factories change a record after their commit (its search text); the requests share
    # this test's session, so commit it, or the job's connection waits for its lock.
    db.session.commit()
    started = client.post("/matching/proposals")
    assert started.status_code == 303
    job_url = started.headers["Location"]
    assert re.fullmatch(r"/matching/proposals/jobs/[\w-]{32}", job_url), job_url
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        fragment = client.get(f"{job_url}/progress")
        assert fragment.status_code == 200
        if "HX-Redirect" in fragment.headers:
            assert "review them" in fragment.text
            # Without JavaScript, the job page itself leads to the proposals.
            done = client.get(job_url)
            assert done.status_code == 303
            assert done.headers["Location"] == fragment.headers["HX-Redirect"]
            return str(fragment.headers["HX-Redirect"])
        assert 'hx-trigger="every 1s"' in fragment.text and "<progress" in fragment.text
        time.sleep(0.05)
    raise AssertionError("the proposals were not built")


def test_another_user_cannot_watch_the_job(app: Flask, staff_client: FlaskClient) -> None:
    approved()
    db.session.commit()
    started = staff_client.post("/matching/proposals")
    job_url = started.headers["Location"]
    other = app.test_client()
    create_user("other@example.org", "Olga Other", Role.COORDINATOR, PASSWORD, actor="test")
    assert login(other, "other@example.org").status_code == 303
    assert other.get(job_url).status_code == 404
    assert other.get(f"{job_url}/progress").status_code == 404
    assert staff_client.get("/matching/proposals/jobs/../../etc").status_code == 404
    build_deadline = time.monotonic() + 30
    while staff_client.get(job_url).status_code != 303 and time.monotonic() < build_deadline:
        time.sleep(0.05)


def waiting_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)">', html)]


# Who waits ------------------------------------------------------------------------------


def test_waiting_connectees_link_to_their_suggestions(staff_client: FlaskClient) -> None:
    first, second = approved(), approved()
    busy = approved()
    MatchFactory(connectee=busy, connector=ConnectorFactory())
    ConnecteeFactory()  # submitted: not eligible yet
    response = staff_client.get("/matching")
    assert response.status_code == 200
    html = response.text
    assert waiting_ids(html) == [first.id, second.id]
    assert f'href="/matching/{first.id}">{first.full_name}</a>' in html
    assert "Registered Nurses" in html and "Arabic" in html and "0 days" in html
    assert 'id="count-waiting">2<' in html
    assert 'id="propose-all"' in html
    # The Today page links each waiting connectee here, and that link works.
    today = staff_client.get("/").text
    assert f'href="/matching/{first.id}"' in today
    assert staff_client.get(f"/matching/{first.id}").status_code == 200


def test_the_waiting_list_is_paginated(
    staff_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PER_PAGE", 2)
    people = [approved() for _ in range(3)]
    html = staff_client.get("/matching").text
    assert waiting_ids(html) == [p.id for p in people[:2]] and 'rel="next"' in html
    html = staff_client.get("/matching?page=2").text
    assert waiting_ids(html) == [people[2].id] and 'rel="prev"' in html
    assert waiting_ids(staff_client.get("/matching?page=99").text) == [people[2].id]
    assert staff_client.get("/matching?page=abc").status_code == 200


# Suggestions ----------------------------------------------------------------------------


def test_suggestions_show_score_and_reasons(staff_client: FlaskClient) -> None:
    seeker = approved()
    nurse = ConnectorFactory(occupation="29-1141", languages=arabic())
    ConnectorFactory(occupation="29-1141", available=False)
    response = staff_client.get(f"/matching/{seeker.id}")
    assert response.status_code == 200
    html = response.text
    assert re.findall(r'data-connector="(\d+)"', html) == [str(nurse.id)]
    assert nurse.full_name in html and "Score 0." in html
    assert "same occupation" in html.lower() or "Registered Nurses" in html
    assert 'aria-label="Propose ' in html
    assert "other cities were not searched" in html
    assert staff_client.get(f"/matching/{seeker.id}?k=1").status_code == 200
    refused_k = staff_client.get(f"/matching/{seeker.id}?k=0", follow_redirects=True)
    assert refused_k.status_code == 200 and "showing 10" in refused_k.text


def test_a_connectee_without_consent_gets_a_clear_note(staff_client: FlaskClient) -> None:
    seeker = approved()
    ConnectorFactory(occupation="15-1252")  # weak: other cities would be searched
    html = staff_client.get(f"/matching/{seeker.id}").text
    assert "has not consented to cross-city introductions" in html


def test_no_hub_is_a_note_not_an_error(staff_client: FlaskClient) -> None:
    seeker = approved()
    ConsentFactory(connectee_id=seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    response = staff_client.get(f"/matching/{seeker.id}")
    assert response.status_code == 200
    assert "not connected to the hub" in response.text
    assert "No local connector fits now" in response.text


@pytest.fixture
def hub(app: Flask) -> FakeIntrosHub:
    fake = FakeIntrosHub(
        hits=[
            {
                "profile": {"id": 77, "community": "st-louis", "occupation": "29-1141",
                            "occupation_title": "Registered Nurses", "experience_band": "10-19",
                            "languages": [{"language": "ara", "level": "native"}]},
                "score": 0.81,
                "contributions": {"occupation": 0.35},
                "reasons": ["same occupation: Registered Nurses"],
            }
        ]
    )  # fmt: skip
    app.config["INTROS_CLIENT_FACTORY"] = lambda connection: fake
    db.session.add(HubConnection(url="http://127.0.0.1:1", client_id="x", client_secret="y",
                                 community="halifax"))  # fmt: skip
    db.session.commit()
    return fake


def test_cross_city_suggestions_sit_beside_local_ones(
    staff_client: FlaskClient, hub: FakeIntrosHub
) -> None:
    seeker = approved()
    local = ConnectorFactory(occupation="15-1252")
    ConsentFactory(connectee_id=seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    html = staff_client.get(f"/matching/{seeker.id}").text
    local_part, cross_part = html.split('id="cross-city"')
    assert local.full_name in local_part
    assert "A connector in St Louis" in cross_part and "Score 0.81" in cross_part
    assert "same occupation: Registered Nurses" in cross_part and "Arabic" in cross_part
    form = re.search(r'<form method="post" action="/introductions/request">(.*?)</form>',
                     cross_part, re.S)  # fmt: skip
    assert form is not None
    assert f'name="connectee_id" value="{seeker.id}"' in form[1]
    assert 'name="directory_profile_id" value="77"' in form[1]


def test_an_unreachable_hub_is_a_note(staff_client: FlaskClient, hub: FakeIntrosHub) -> None:
    hub.fail = HubError("timed out")
    seeker = approved()
    ConsentFactory(connectee_id=seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    response = staff_client.get(f"/matching/{seeker.id}")
    assert response.status_code == 200
    assert "The hub could not be reached" in response.text


@pytest.mark.parametrize("app_config", [{"MATCHING_WEIGHTS": {"occupation": -1}}])
def test_bad_weights_show_the_reason_not_a_500(staff_client: FlaskClient) -> None:
    seeker = approved()
    ConnectorFactory()
    response = staff_client.get(f"/matching/{seeker.id}")
    assert response.status_code == 503
    assert "MATCHING_WEIGHTS is invalid" in response.text
    refused = staff_client.post("/matching/proposals")
    assert refused.status_code == 503 and "MATCHING_WEIGHTS" in refused.text


def test_unknown_connectees_are_404(staff_client: FlaskClient) -> None:
    assert staff_client.get("/matching/999999").status_code == 404
    assert staff_client.get("/matching/99999999999").status_code == 404
    assert (
        staff_client.post("/matching/999999/propose", data={"connector_id": "1"}).status_code == 404
    )


# Proposing one connector ----------------------------------------------------------------


def test_propose_makes_a_match_and_opens_it(staff_client: FlaskClient) -> None:
    seeker = approved()
    nurse = ConnectorFactory()
    response = staff_client.post(
        f"/matching/{seeker.id}/propose", data={"connector_id": str(nurse.id), "score": "0.8"}
    )
    assert response.status_code == 303
    match = db.session.scalars(select(Match)).one()
    assert response.headers["Location"] == f"/matches/{match.id}"
    assert (match.connectee_id, match.connector_id) == (seeker.id, nurse.id)
    assert match.status is MatchStatus.PROPOSED and match.score == 0.8
    assert match.created_by.startswith("staff:")
    page = staff_client.get(response.headers["Location"]).text
    assert f"Proposed {nurse.full_name} to {seeker.full_name}." in page


def test_a_refused_proposal_says_why_with_its_status(staff_client: FlaskClient) -> None:
    seeker = approved()
    full = ConnectorFactory(capacity=1)
    MatchFactory(connector=full, connectee=approved())
    response = staff_client.post(f"/matching/{seeker.id}/propose", data={"connector_id": full.id})
    assert response.status_code == 409
    assert "used all of their capacity" in response.text and 'id="propose-problem"' in response.text
    assert match_count() == 1
    not_approved = ConnecteeFactory()
    response = staff_client.post(
        f"/matching/{not_approved.id}/propose", data={"connector_id": ConnectorFactory().id}
    )
    assert response.status_code == 409 and "only approved connectees" in response.text
    assert 'id="not-approved"' in response.text


def test_bad_proposal_input_is_422(staff_client: FlaskClient) -> None:
    seeker = approved()
    for data in ({"connector_id": "abc"}, {}, {"connector_id": "1", "score": "200"}):
        response = staff_client.post(f"/matching/{seeker.id}/propose", data=data)
        assert response.status_code == 422, data
        assert 'id="propose-problem"' in response.text
    unknown = staff_client.post(f"/matching/{seeker.id}/propose", data={"connector_id": "424242"})
    assert unknown.status_code == 422 and "No connector 424242" in unknown.text
    assert match_count() == 0


# Batch proposals ------------------------------------------------------------------------


def test_batch_proposals_are_reviewed_before_anything_is_made(staff_client: FlaskClient) -> None:
    seekers = [approved() for _ in range(3)]
    connector = ConnectorFactory(capacity=2)
    batch_url = build_proposals(staff_client)
    batch = db.session.scalars(select(MatchProposalBatch)).one()
    assert batch_url == f"/matching/proposals/{batch.id}"
    assert match_count() == 0  # nothing made before the review

    html = staff_client.get(batch_url).text
    assert "Proposals ready for review: a connector for 2 of 3" in html
    assert "Nothing has been sent yet" in html
    ticked = re.findall(r'name="rows" value="(\d+)" id="row-\d+" checked', html)
    proposed = [r for r in batch.rows if r.connector_id is not None]
    assert sorted(map(int, ticked)) == sorted(r.id for r in proposed) and len(proposed) == 2
    assert connector.full_name in html and "Nobody fits now" in html
    assert all(s.full_name in html for s in seekers)
    assert "Proposals waiting for review" in staff_client.get("/matching").text

    # The coordinator unticks one: only the other becomes a match.
    keep = proposed[0]
    done = staff_client.post(f"/matching/proposals/{batch.id}/accept", data={"rows": [keep.id]})
    assert done.status_code == 303
    db.session.expire_all()
    batch = db.session.get(MatchProposalBatch, batch.id)  # type: ignore[assignment]
    assert batch.status is BatchStatus.REVIEWED
    statuses = {r.id: r.status for r in batch.rows}
    assert statuses[keep.id] is RowStatus.ACCEPTED
    assert statuses[proposed[1].id] is RowStatus.SKIPPED
    assert match_count() == 1
    html = staff_client.get(done.headers["Location"]).text
    assert "Made 1 match." in html and "Match made" in html and "Skipped" in html
    assert 'name="rows"' not in html  # a reviewed batch cannot be confirmed again
    again = staff_client.post(f"/matching/proposals/{batch.id}/accept", data={"rows": [keep.id]})
    assert again.status_code == 409 and "already reviewed" in again.text
    assert match_count() == 1


def test_batch_accept_refuses_bad_rows(staff_client: FlaskClient) -> None:
    approved()
    ConnectorFactory()
    build_proposals(staff_client)
    batch = db.session.scalars(select(MatchProposalBatch)).one()
    url = f"/matching/proposals/{batch.id}/accept"
    response = staff_client.post(url, data={"rows": ["abc"]})
    assert response.status_code == 422 and 'id="batch-problem"' in response.text
    response = staff_client.post(url, data={"rows": ["424242"]})
    assert response.status_code == 422 and "Row 424242 is not in batch" in response.text
    assert match_count() == 0
    assert staff_client.get("/matching/proposals/424242").status_code == 404
    assert staff_client.post("/matching/proposals/424242/accept").status_code == 404


def test_nobody_waiting_makes_an_empty_batch(staff_client: FlaskClient) -> None:
    html = staff_client.get("/matching").text
    assert 'id="propose-all"' not in html and "Every eligible connectee" in html


# Viewers --------------------------------------------------------------------------------


def test_a_viewer_sees_the_pages_without_write_buttons(viewer_client: FlaskClient) -> None:
    seeker = approved()
    nurse = ConnectorFactory()
    batch = matching.propose(None, actor="test")
    html = viewer_client.get("/matching").text
    assert seeker.full_name in html and 'id="propose-all"' not in html
    html = viewer_client.get(f"/matching/{seeker.id}").text
    assert nurse.full_name in html and "/propose" not in html
    html = viewer_client.get(f"/matching/proposals/{batch.id}").text
    assert nurse.full_name in html and 'name="rows"' not in html and 'id="confirm"' not in html
    assert viewer_client.post("/matching/proposals").status_code == 403
    refused = viewer_client.post(f"/matching/{seeker.id}/propose", data={"connector_id": nurse.id})
    assert refused.status_code == 403
    rows = [r.id for r in batch.rows]
    accept = viewer_client.post(f"/matching/proposals/{batch.id}/accept", data={"rows": rows})
    assert accept.status_code == 403
    assert match_count() == 0


def test_pages_need_login(client: FlaskClient) -> None:
    for url in ("/matching", "/matching/1", "/matching/proposals/1"):
        assert client.get(url).status_code == 302, url
