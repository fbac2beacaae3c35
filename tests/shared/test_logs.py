"""JSON log lines with the request id (shared.logs)."""

from __future__ import annotations

import json
import logging

from shared.logs import JsonFormatter, current_request_id, request_id_scope, valid_request_id


def _line(record: logging.LogRecord) -> dict[str, object]:
    return dict(json.loads(JsonFormatter().format(record)))


def test_a_line_holds_the_message_the_request_id_and_the_extras() -> None:
    record = logging.makeLogRecord(
        {"name": "hub.request", "levelno": 20, "levelname": "INFO", "msg": "%s %s",
         "args": ("GET", "/healthz"), "route": "/healthz", "status": 200}
    )  # fmt: skip
    with request_id_scope("abcdef0123456789"):
        line = _line(record)
    assert line["message"] == "GET /healthz"
    assert line["request_id"] == "abcdef0123456789"
    assert (line["route"], line["status"], line["level"]) == ("/healthz", 200, "INFO")
    assert _line(record)["request_id"] is None  # outside the scope


def test_scopes_nest_under_the_outer_id_and_restore_it() -> None:
    assert current_request_id() is None
    with request_id_scope() as outer:
        assert valid_request_id(outer)
        with request_id_scope() as inner:
            assert inner == outer  # a sync started from a web request keeps its id
        assert current_request_id() == outer
    assert current_request_id() is None


def test_an_invalid_id_is_replaced() -> None:
    with request_id_scope("a b\nforged") as request_id:
        assert request_id != "a b\nforged" and valid_request_id(request_id)
