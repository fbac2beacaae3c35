"""Headers every answer of both services carries, so a browser confines what it renders.

The Content-Security-Policy runs no inline script: an injected ``<script>`` (or an
``onclick=``) does nothing, and every page loads its scripts from ``/vendor`` or
``/assets``. Styles may be inline: the templates' ``style=""`` attributes, htmx's
indicator ``<style>`` and Swagger UI's element styles need it, and a style cannot run
code. Nothing may frame a page (clickjacking), and forms post only to the service.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",  # a JSON or CSV answer never runs as a script
    "Referrer-Policy": "same-origin",  # page URLs (ids, filters) stay inside the service
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}


def add_security_headers(response: Response) -> Response:
    """Give ``response`` each security header it does not set for itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def install_security_headers(app: Flask) -> None:
    """Send the security headers with every answer of ``app``, errors included."""
    app.after_request(add_security_headers)
