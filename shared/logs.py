"""JSON log lines that carry a request id, so one sync can be followed across node and hub.

The id lives in a context variable: a web request sets it from a valid incoming
``X-Request-ID`` header (or makes one), a sync run makes one, and the hub client sends it
on every call, so the hub's lines for that sync carry the node's id. No Flask here; the
services install :func:`configure_json_logging` and the request hooks from
``shared.web.observe``.

A log line never holds a personal value: messages name records by id, and the formatter
writes only the record's message, level, logger, time, request id and the ``extra``
fields a caller passed on purpose.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from typing import Any

#: The header that carries the id, on answers as well as on the hub client's calls.
REQUEST_ID_HEADER = "X-Request-ID"

#: What an incoming id may look like: a UUID, or any short token of safe characters. Anything
#: else (too long, spaces, quotes, newlines) is replaced, so a caller can neither forge a
#: log line nor smuggle a personal value into every line of its request.
_VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

#: The attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def new_request_id() -> str:
    """Return a fresh id (a random UUID's 32 hex digits)."""
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> bool:
    """Whether ``value`` may be taken over as a request id."""
    return value is not None and _VALID_ID.fullmatch(value) is not None


def current_request_id() -> str | None:
    """The id of the request or run being handled, if any."""
    return _current.get()


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    """Make ``value`` (if valid, else a new id) the current id; return the reset token."""
    return _current.set(value if valid_request_id(value) else new_request_id())


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _current.reset(token)


@contextlib.contextmanager
def request_id_scope(value: str | None = None) -> Iterator[str]:
    """Run the body under ``value``, else under the current id, else under a new one."""
    token = set_request_id(value or current_request_id())
    try:
        yield _current.get() or ""
    finally:
        _current.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


#: Marks the handler :func:`configure_json_logging` installed, so a second call (a second
#: app in one process, as in tests) does not add another.
_HANDLER_NAME = "connector-network-json"


def configure_json_logging(level: int = logging.INFO) -> logging.Handler:
    """Send the root logger's records to stderr as JSON lines; idempotent."""
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME:
            return handler
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return handler
