"""Checks on text from outside that both services make before it reaches a database."""

from __future__ import annotations

from typing import Any

NUL = "\x00"


def contains_nul(value: Any) -> bool:
    """Tell whether a string, or any key or value of nested dicts and lists, holds a NUL.

    PostgreSQL stores no text (nor jsonb string) holding a NUL character: such input must
    be refused as bad input, or the insert fails as a server error.
    """
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


def N_(text: str) -> str:  # noqa: N802  (gettext's conventional name for the marker)
    """Mark ``text`` for the message catalogs without translating it here: the page that
    shows it translates it in the reader's language (``make translations`` extracts it)."""
    return text
