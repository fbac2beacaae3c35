"""Rate limits both services share, through Flask-Limiter: one limiter per app.

A view says what limits it, next to its route::

    @bp.post("/token")
    @rate_limited(Rule("token", "RATELIMIT_TOKEN", answer=oauth_style))
    def issue_token(): ...

:func:`init_limits`, run once the blueprints are registered, gives the app its own
``Limiter`` (its own storage: apps never share counts, not even two in one process) and
applies each view's rules. Every rule reads its limit from a setting (e.g.
``RATELIMIT_LOGIN = "5 per minute; 20 per hour"``), counts by a key (the client's
address by default: behind nginx, ``TRUSTED_PROXIES`` makes it the real one) and, once
exceeded, answers 429 with ``Retry-After`` and leaves a ``rate_limited`` security event.

Counts live in memory in development and tests and in Redis in production
(``<PREFIX>_RATELIMIT_STORAGE_URI``, see ``shared.web.settings``). Should Redis stop
answering, counting goes on in each process's memory until it is back, so a login is
never a 500 and never unlimited.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, make_response, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit

from shared.web.errors import answer
from shared.web.security_log import security_event

#: Where an app's limiter lives in ``app.extensions``.
EXTENSION = "shared.web.limiter"
_RULES = "rate_limit_rules"

F = TypeVar("F", bound=Callable[..., Any])


def client_address() -> str:
    """The caller's address, as the trusted proxies (``TRUSTED_PROXIES``) report it."""
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Breach:
    """A limit a request went past: which rule, and how long until the next try counts."""

    rule: Rule
    retry_after: int  # whole seconds, at least 1

    @property
    def wait(self) -> str:
        """The wait as people say it: "1 minute", "12 minutes", "40 seconds"."""
        if self.retry_after < 60:
            return f"{self.retry_after} second{'s' if self.retry_after != 1 else ''}"
        minutes = math.ceil(self.retry_after / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"


def too_many_requests(breach: Breach) -> ResponseReturnValue:
    """The shared answer: the error page for a browser, the JSON error shape for a machine."""
    return answer(429, f"Too many requests. Try again in {breach.wait}.")


@dataclass(frozen=True)
class Rule:
    """One limit on a view: its setting, what it counts by, what counts, how it answers."""

    #: Names the counter (with the endpoint) and the security event's reason.
    name: str
    #: The setting holding the limits, e.g. "RATELIMIT_LOGIN" = "5 per minute; 20 per hour".
    setting: str
    #: What is counted: the client's address unless said otherwise.
    key: Callable[[], str] = client_address
    #: The methods counted (a GET of a form page is free).
    methods: tuple[str, ...] = ("POST",)
    #: Which answers count, e.g. only failed logins; None: every request counts.
    counts: Callable[[Response], bool] | None = None
    #: The 429 answer (``Retry-After`` is added to it).
    answer: Callable[[Breach], ResponseReturnValue] = too_many_requests
    #: More ``security_event`` fields for this request (never a personal value).
    log_fields: Callable[[], dict[str, str | int | None]] | None = None


def rate_limited(*rules: Rule) -> Callable[[F], F]:
    """Declare the rules limiting a view; :func:`init_limits` applies them per app."""

    def mark(view: F) -> F:
        setattr(view, _RULES, (*getattr(view, _RULES, ()), *rules))
        return view

    return mark


def init_limits(app: Flask) -> Limiter:
    """Give ``app`` its limiter and apply every registered view's rules (after blueprints)."""
    config = app.config
    limiter = Limiter(
        client_address,
        storage_uri=config["RATELIMIT_STORAGE_URI"],
        # Exact: "5 per minute" is never 10 across a window's edge, and a refused try
        # takes nothing (a flood keeps nobody out longer than the limit says).
        strategy="moving-window",
        key_prefix=config["RATELIMIT_KEY_PREFIX"] or app.import_name.partition(".")[0],
        # Redis down: count in this process's memory until it answers again, never a 500.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,  # Retry-After on a 429 is ours; X-RateLimit-* would be noise
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _answer_breach)
    for endpoint, view in list(app.view_functions.items()):
        wrapped: Callable[..., Any] = view
        for rule in getattr(view, _RULES, ()):
            wrapped = limiter.limit(
                _setting(rule.setting),
                key_func=rule.key,
                scope=rule.name,
                methods=list(rule.methods),
                deduct_when=rule.counts,
                on_breach=_on_breach(rule),
            )(wrapped)
        app.view_functions[endpoint] = wrapped
    return limiter


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def _on_breach(rule: Rule) -> Callable[[RequestLimit], Response]:
    def respond(limit: RequestLimit) -> Response:
        # When the oldest counted try leaves the window: then one more is allowed.
        breach = Breach(rule, max(1, math.ceil(limit.window[0] - time.time())))
        extra = rule.log_fields() if rule.log_fields is not None else {}
        security_event(
            "rate_limited", rule.name, endpoint=request.endpoint, limit=str(limit.limit), **extra
        )
        response = make_response(rule.answer(breach))
        response.status_code = 429
        response.headers["Retry-After"] = str(breach.retry_after)
        return response

    return respond


def _answer_breach(error: RateLimitExceeded) -> ResponseReturnValue:
    """Answer with the rule's own response; the shared one if its callback failed."""
    if error.response is not None:
        return error.response
    response = make_response(too_many_requests(Breach(Rule("unknown", ""), 60)))
    response.headers["Retry-After"] = "60"
    return response
