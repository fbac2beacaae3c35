"""Small genuine CV files (and impostors) for the tests, made in memory."""

from __future__ import annotations

import io
import zipfile

#: A fixed time for the ZIP entries: the same call always gives the same bytes.
_WHEN = (2026, 1, 1, 0, 0, 0)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx() -> bytes:
    """A minimal Word document: a ZIP with its content types and its document part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", _WHEN), "<Types/>")
        archive.writestr(zipfile.ZipInfo("word/document.xml", _WHEN), "<w:document/>")
    return buffer.getvalue()


def odt() -> bytes:
    """A minimal OpenDocument text: a ZIP whose ``mimetype`` part names its kind."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype", _WHEN), "application/vnd.oasis.opendocument.text"
        )
        archive.writestr(zipfile.ZipInfo("content.xml", _WHEN), "<office:document-content/>")
    return buffer.getvalue()


#: An executable renamed to look like a CV.
FAKE_PDF = b"MZ\x90\x00" + b"\x00" * 200
