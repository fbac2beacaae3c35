"""The trail of security events both services leave: ``<service>.security`` at WARNING.

Refused logins and tokens, throttled callers: what an attack looks like. Each record
carries ``security_event`` (a dict) for structured handlers; the message says the same as
``key=value`` text. Never a secret, a token or a personal value: an account is named by
its id, or by :func:`account_ref` (a keyed hash) when the caller typed the name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re

from flask import current_app, has_app_context, has_request_context, request

from shared.web.staff import normal_email

#: Values written as they are; anything else (spaces, quotes, newlines) is JSON-quoted, so
#: a value can never forge another field or another line.
_PLAIN = re.compile(r"[\w.:@/+-]+")


def security_logger() -> logging.Logger:
    """Return the current service's security log, e.g. ``hub.security``."""
    service = current_app.import_name.partition(".")[0] if has_app_context() else "shared"
    return logging.getLogger(f"{service}.security")


def security_event(event: str, reason: str, **fields: str | int | None) -> None:
    """Log a refused or suspicious call, with the caller's address (after trusted proxies).

    ``fields`` must hold nothing personal or secret: ids of registered records, refs made
    by :func:`account_ref`, names of limits.
    """
    record: dict[str, str | int | None] = {
        "event": event,
        "reason": reason,
        **fields,
        "remote_addr": request.remote_addr if has_request_context() else None,
    }
    text = " ".join(f"{key}={_text(value)}" for key, value in record.items() if value is not None)
    security_logger().warning("security %s", text, extra={"security_event": record})


def account_ref(email: str) -> str:
    """Name the account an email would be, without the email: a keyed hash's prefix.

    Keyed with the app's secret key, so the log (or a rate limiter's storage) cannot be
    turned back into addresses by hashing a list of them; the same typed address gives the
    same ref, so repeated attempts on one account can be followed.
    """
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"account:" + normal_email(email).encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def _text(value: str | int) -> str:
    text = str(value)
    return text if _PLAIN.fullmatch(text) else json.dumps(text)
