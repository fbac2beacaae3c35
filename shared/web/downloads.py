"""Answering a stored file as a download, the same way on the hub and on the nodes."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

from flask import Response

__all__ = ["StoredFile", "attachment", "content_disposition", "file_download"]


def content_disposition(name: str) -> str:
    """An attachment header naming the file: ASCII-safe, with the UTF-8 name beside it."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def attachment(data: bytes, *, name: str, media_type: str, digest: str | None = None) -> Response:
    """The file as a download named as uploaded; its digest, when known, is the ETag.

    Browsers must not guess another type (``nosniff``): a file is served as what it was
    checked to be on upload, never as a page.
    """
    response = Response(data, mimetype=media_type)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if digest:
        response.headers["ETag"] = f'"{digest}"'
    return response


class StoredFile(Protocol):
    """A record describing a file it holds (a hub resource, or a node's copy of one)."""

    @property
    def file_name(self) -> str | None: ...

    @property
    def file_media_type(self) -> str | None: ...

    @property
    def file_sha256(self) -> str | None: ...


def file_download(record: StoredFile, data: bytes) -> Response:
    """The record's file as a download, named, typed and tagged as the record describes it."""
    return attachment(
        data,
        name=record.file_name or "download",
        media_type=record.file_media_type or "application/octet-stream",
        digest=record.file_sha256,
    )
