"""Factory pieces: bounded ids in URLs, and trusting exactly the configured proxies."""

from __future__ import annotations

import pytest
from flask import Flask, request

from shared.web.app import trust_proxies, use_bounded_ids
from shared.web.database import MAX_ID


def test_ids_beyond_the_integer_column_do_not_match() -> None:
    app = Flask(__name__)
    use_bounded_ids(app)
    app.add_url_rule("/things/<int:thing_id>", "thing", lambda thing_id: str(thing_id))
    client = app.test_client()
    assert client.get(f"/things/{MAX_ID}").text == str(MAX_ID)
    assert client.get(f"/things/{MAX_ID + 1}").status_code == 404


@pytest.mark.parametrize(("proxies", "scheme"), [(0, "http"), (1, "https")])
def test_forwarded_headers_count_only_behind_trusted_proxies(proxies: int, scheme: str) -> None:
    app = Flask(__name__)
    app.config["TRUSTED_PROXIES"] = proxies
    trust_proxies(app)
    app.add_url_rule("/", "scheme", lambda: request.scheme)
    assert app.test_client().get("/", headers={"X-Forwarded-Proto": "https"}).text == scheme
