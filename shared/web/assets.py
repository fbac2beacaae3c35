"""Asset URLs that carry their content's version, so a browser never keeps an old file.

nginx serves ``/vendor/``, ``/assets/`` and the static folders straight from the installed
package and lets browsers keep them for a year (deploy/nginx/). That is only safe because
every URL a page builds with ``url_for`` ends in ``?v=<hash of the file's bytes>``: an
upgrade that changes a file changes its URL, and an unchanged file keeps its URL (and
the browser's copy). The hash is read once per file per process; an upgrade restarts
the workers.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from shared.web.system import ASSETS, VENDOR_ASSETS

#: The query argument that carries the version (nginx's cache rule looks for it).
VERSION_ARG = "v"
#: Hex digits of the SHA-256 kept: enough that two versions of a file never collide.
VERSION_LENGTH = 12


@lru_cache(maxsize=1024)
def file_version(path: Path) -> str | None:
    """Return a short hash of the file's bytes, or None when there is no such file."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return hashlib.sha256(data).hexdigest()[:VERSION_LENGTH]


def _folder(app: Flask, endpoint: str) -> str | Path | None:
    """The folder an asset endpoint serves from, or None for any other endpoint."""
    if endpoint == "system.vendor":
        return VENDOR_ASSETS
    if endpoint == "system.assets":
        return ASSETS
    if endpoint == "static":
        return app.static_folder
    blueprint, _, name = endpoint.rpartition(".")
    if name == "static" and blueprint in app.blueprints:
        return app.blueprints[blueprint].static_folder
    return None


def add_version(endpoint: str, values: dict[str, Any]) -> None:
    """``url_defaults`` hook: give an asset URL the version of the file it names."""
    filename = values.get("filename")
    if not isinstance(filename, str) or VERSION_ARG in values:
        return
    folder = _folder(current_app, endpoint)
    if folder is None:
        return
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    if not path.is_relative_to(root):  # a name that climbs out is never an asset of ours
        return
    version = file_version(path)
    if version is not None:
        values[VERSION_ARG] = version


def version_asset_urls(app: Flask) -> None:
    """Make every ``url_for`` of a static file, vendored or own asset carry its version."""
    app.url_defaults(add_version)
