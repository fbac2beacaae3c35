"""Staff login and logout, the same on the hub and on every node.

One view for both services: 303 See Other after a login (the POST is never repeated by a
reload), 422 for a form that cannot be a login, and one message and status for every
failed one, so the answer never tells whether an account exists. Failed logins are
limited per account (the typed email, known or not) and per client address
(``RATELIMIT_LOGIN``), and each failure or throttled try leaves a security event.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from shared.web.forms import LoginForm
from shared.web.limits import Breach, Rule, rate_limited
from shared.web.security_log import account_ref, security_event
from shared.web.staff import StaffAccounts

#: The one answer to every failed login: it must not tell which accounts exist.
FAILED = "Email or password is wrong."
_FAILED_FLAG = "shared_web_login_failed"


def local_target(target: str, fallback: str) -> str:
    """Return ``target`` if it is a path on this site, else ``fallback``.

    Login pages follow ``next`` only within the site, so a link to one cannot send staff
    elsewhere once they log in. Browsers read a backslash as a slash and drop tabs and
    newlines (``/<tab>/host`` is ``//host``), so those are refused as well.
    """
    unsafe = "\\" in target or any(ord(c) < 32 for c in target)
    if not target.startswith("/") or target.startswith("//") or unsafe:
        return fallback
    return target


def _typed_account() -> str:
    """The account a login post is for, as a keyed hash (unknown emails count alike)."""
    return account_ref(request.form.get("email", ""))


def _failed(response: Response) -> bool:
    # Only a checked and refused password counts: a successful login or a form that
    # checked nothing (422) takes nothing from the allowance.
    return bool(g.get(_FAILED_FLAG, False))


def _account_field() -> dict[str, str | int | None]:
    return {"account": _typed_account()}


def _throttled(breach: Breach) -> ResponseReturnValue:
    """The login page again, saying how long to wait (the status and header say it too)."""
    form = LoginForm(formdata=None, email=request.form.get("email", ""))
    form.form_errors.append(f"Too many failed logins. Try again in {breach.wait}.")
    return render_template("login.html", form=form)


LOGIN_RULES = (
    Rule(
        "login_per_account",
        "RATELIMIT_LOGIN",
        key=_typed_account,
        counts=_failed,
        answer=_throttled,
        log_fields=_account_field,
    ),
    Rule(
        "login_per_address",
        "RATELIMIT_LOGIN",
        counts=_failed,
        answer=_throttled,
        log_fields=_account_field,
    ),
)


def add_login_views(blueprint: Blueprint, accounts: StaffAccounts[Any], *, home: str) -> None:
    """Add ``/login`` and ``/logout`` to a service's staff blueprint; ``home``: an endpoint."""

    @rate_limited(*LOGIN_RULES)
    def login() -> ResponseReturnValue:
        """Log a staff member in, then go where the login page was asked from."""
        form = LoginForm()
        if form.validate_on_submit():
            email = form.email.data or ""
            user = accounts.authenticate(email, form.password.data or "")
            if user is not None:
                login_user(user)
                target = local_target(request.args.get("next", ""), url_for(home))
                return redirect(target, code=303)
            setattr(g, _FAILED_FLAG, True)
            _log_failure(accounts, email)
            flash(FAILED, "error")
        elif form.errors:  # a field left empty, or holding what no account could
            return render_template("login.html", form=form), 422
        return render_template("login.html", form=form)

    def logout() -> Response:
        """End the session (a POST with the CSRF token, so no link can log anyone out)."""
        logout_user()
        return redirect(url_for(f"{blueprint.name}.login"), code=303)

    blueprint.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
    blueprint.add_url_rule("/logout", view_func=logout, methods=["POST"])


def _log_failure(accounts: StaffAccounts[Any], email: str) -> None:
    """Leave a ``login_failed`` event: the account's id if it exists, else its keyed ref."""
    user = accounts.find(email)
    if user is None:
        reason, staff_id = "unknown_account", None
    elif not user.active:
        reason, staff_id = "inactive_account", user.id
    else:
        reason, staff_id = "wrong_password", user.id
    security_event("login_failed", reason, account=account_ref(email), staff_id=staff_id)
