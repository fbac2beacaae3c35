"""Signed links: one purpose each, expiring, revocable, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from flask import Flask
from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail import links
from community_node.mail.links import LinkPurpose
from community_node.mail.models import MailLink


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_urls_have_the_agreed_shapes(app: Flask) -> None:
    app.config["PUBLIC_URL"] = "https://node.example/"
    page = links.url_for_link(LinkPurpose.CONNECTOR_PAGE, 7)
    action = links.url_for_link(LinkPurpose.MATCH_ACCEPT, 9)
    assert page.startswith("https://node.example/me/")
    assert action.startswith("https://node.example/act/")
    db.session.commit()
    link = links.verify(token_of(action), allowed={LinkPurpose.MATCH_ACCEPT})
    assert (link.purpose, link.record_id, link.used_at) == (LinkPurpose.MATCH_ACCEPT, 9, None)


def test_only_a_hash_of_the_token_is_stored(app: Flask) -> None:
    token = token_of(links.url_for_link(LinkPurpose.SURVEY, 3, extra={"months": 6}))
    db.session.commit()
    [row] = db.session.scalars(select(MailLink)).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(vars(row))
    assert links.verify(token).extra == {"months": 6}


def test_a_link_for_one_purpose_is_refused_for_another(app: Flask) -> None:
    token = token_of(links.url_for_link(LinkPurpose.MATCH_DECLINE, 1))
    db.session.commit()
    with pytest.raises(links.LinkWrongPurpose):
        links.verify(token, allowed={LinkPurpose.MATCH_ACCEPT})
    # Relabelling the payload's purpose breaks the signature (each purpose has its salt).
    payload, _, rest = token.partition(".")
    import base64
    import json

    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["p"] = "match_accept"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    with pytest.raises(links.LinkInvalid):
        links.verify(f"{forged}.{rest}")


def test_tampered_unknown_and_garbage_tokens_are_invalid(app: Flask) -> None:
    token = token_of(links.url_for_link(LinkPurpose.REFERRALS, 4))
    db.session.rollback()  # signed, but never stored: not issued by this node
    with pytest.raises(links.LinkInvalid):
        links.verify(token)
    for bad in ("", "abc", "not.a.token", token[:-3] + "xyz"):
        with pytest.raises(links.LinkInvalid):
            links.verify(bad)


def test_links_expire(app: Flask) -> None:
    issued = utcnow() - dt.timedelta(days=links.MAX_AGE_DAYS[LinkPurpose.MATCH_ACCEPT] + 1)
    token = links.make_token(LinkPurpose.MATCH_ACCEPT, 5, now=issued)
    db.session.commit()
    # The stored expiry refuses it even though the signature's own clock is younger.
    with pytest.raises(links.LinkExpired, match="expired"):
        links.verify(token)


def test_revoked_links_are_refused_and_used_ones_say_so(app: Flask) -> None:
    accept = token_of(links.url_for_link(LinkPurpose.MATCH_ACCEPT, 8))
    decline = token_of(links.url_for_link(LinkPurpose.MATCH_DECLINE, 8))
    db.session.commit()
    link = links.verify(accept)
    links.mark_used(link)
    assert links.revoke(LinkPurpose.MATCH_DECLINE, 8) == 1
    db.session.commit()
    assert links.verify(accept).used_at is not None  # idempotent: still opens, "already done"
    with pytest.raises(links.LinkRevoked, match="withdrawn"):
        links.verify(decline)


def test_answering_a_proposal_withdraws_its_other_links(app: Flask) -> None:
    from community_node.mail.models import MailMessage
    from community_node.matches import services as matches
    from community_node.matches.models import MatchStatus
    from community_node.participants.models import ProfileStatus
    from tests.community_node.factories import ConnecteeFactory, ConnectorFactory

    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    connector = ConnectorFactory()
    match = matches.create_match(
        {"connectee_id": connectee.id, "connector_id": connector.id}, actor="staff:1"
    )
    [message] = db.session.scalars(select(MailMessage)).all()
    import re

    accept, decline, snooze = re.findall(r"/act/(\S+)", message.body_text)
    link = links.verify(accept)
    links.mark_used(link)
    matches.transition(match.id, MatchStatus.INTRODUCED, actor="connector link")
    assert links.verify(accept).used_at is not None  # a repeated click: "already done"
    for token in (decline, snooze):
        with pytest.raises(links.LinkRevoked):
            links.verify(token)
