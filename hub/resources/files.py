"""Checking a file national staff upload as a resource: its size, its type, its name.

A file is accepted by what it is, not by what its name says: a PDF starts with
``%PDF-``; Word, PowerPoint and Excel files (Office Open XML) and OpenDocument files
are ZIP archives holding their own parts. A file whose contents and extension disagree
is refused, so nodes never hand a connector something other than what the link says.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from shared import files
from shared.files import DOCX, ODT, PDF, Format
from shared.protocol.resources import MAX_RESOURCE_FILE_BYTES

__all__ = ["ACCEPTED", "CheckedFile", "FileRefused", "check_file"]


#: What staff may upload, by extension.
ACCEPTED: dict[str, Format] = {
    "pdf": PDF,
    "docx": DOCX,
    "pptx": Format(
        "PowerPoint slides",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        zip_part="ppt/presentation.xml",
    ),
    "xlsx": Format(
        "Excel workbook",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        zip_part="xl/workbook.xml",
    ),
    "odt": ODT,
    "odp": Format(
        "OpenDocument slides",
        "application/vnd.oasis.opendocument.presentation",
        odf_mimetype="application/vnd.oasis.opendocument.presentation",
    ),
}
#: The accepted kinds, as a sentence for the form's help and its errors.
ACCEPTED_TEXT = "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), OpenDocument (.odt, .odp)"


class FileRefused(ValueError):
    """The upload cannot be a resource file; the message says why, for the form."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    media_type: str
    size: int
    sha256: str
    data: bytes


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def safe_name(name: str) -> str:
    """The file's own name, kept readable but safe in a header and on any disk."""
    return files.safe_name(name, "resource")


def check_file(name: str, data: bytes, max_bytes: int = MAX_RESOURCE_FILE_BYTES) -> CheckedFile:
    """Accept ``data`` as a resource file named ``name``, or raise :class:`FileRefused`."""
    clean = safe_name(name)
    extension = clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    fmt = ACCEPTED.get(extension)
    if fmt is None:
        raise FileRefused(f"Upload a {ACCEPTED_TEXT} file; “{clean}” is none of these.")
    if not data:
        raise FileRefused(f"“{clean}” is empty.")
    if len(data) > max_bytes:
        raise FileRefused(
            f"“{clean}” is {_megabytes(len(data))}; a resource file can be at most "
            f"{_megabytes(max_bytes)}. Share a link to a larger file instead."
        )
    if not files.is_genuine(data, fmt):
        raise FileRefused(
            f"“{clean}” is named like a {fmt.label} but is not one. Save it again as "
            f"{fmt.label} and upload that."
        )
    return CheckedFile(
        name=clean,
        media_type=fmt.media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
