"""Small genuine CV files (and impostors) for the tests, made in memory."""

from __future__ import annotations

import io
import zipfile

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx() -> bytes:
    """A minimal Word document: a ZIP with its content types and its document part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt() -> bytes:
    """A minimal OpenDocument text: a ZIP whose ``mimetype`` part names its kind."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


#: An executable renamed to look like a CV.
FAKE_PDF = b"MZ\x90\x00" + b"\x00" * 200
