"""Recognising an uploaded document by what it is, not by what its name says.

A PDF starts with ``%PDF-``; Office Open XML files (Word, PowerPoint, Excel) and
OpenDocument files are ZIP archives holding their own parts. Both services check uploads
this way: the hub its resource files, a node the connectees' CVs.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

__all__ = ["DOCX", "ODT", "PDF", "Format", "extension", "is_genuine", "safe_name"]


@dataclass(frozen=True)
class Format:
    label: str
    media_type: str
    #: For ZIP-based formats: a part the archive must hold (OOXML) or its ODF mimetype.
    zip_part: str | None = None
    odf_mimetype: str | None = None


PDF = Format("PDF", "application/pdf")
DOCX = Format(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    zip_part="word/document.xml",
)
ODT = Format(
    "OpenDocument text",
    "application/vnd.oasis.opendocument.text",
    odf_mimetype="application/vnd.oasis.opendocument.text",
)


def safe_name(name: str, fallback: str = "file") -> str:
    """The file's own name, kept readable but safe in a header and on any disk."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]", "", name).strip(" .")
    return name[-200:] or fallback


def extension(name: str) -> str:
    """The name's extension, lowercase, without the dot ("" when it has none)."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_genuine(data: bytes, fmt: Format) -> bool:
    """Tell whether ``data`` really is a file of ``fmt`` (by its content)."""
    if fmt.zip_part is None and fmt.odf_mimetype is None:
        return fmt.media_type == PDF.media_type and data.startswith(b"%PDF-")
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if fmt.zip_part is not None:
                return "[Content_Types].xml" in names and fmt.zip_part in names
            if fmt.odf_mimetype is not None and "mimetype" in names:
                with archive.open("mimetype") as part:
                    return part.read(200).decode("ascii", "replace").strip() == fmt.odf_mimetype
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return False
