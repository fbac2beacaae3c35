"""Session login rules of the staff pages, the same on the hub and on every node."""

from __future__ import annotations


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
