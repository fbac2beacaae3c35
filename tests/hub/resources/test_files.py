"""Checking uploaded resource files by what they are, not by what their name says."""

from __future__ import annotations

import hashlib
import re

import pytest

from hub.resources.files import FileRefused, check_file, safe_name
from tests.hub.resources.samples import DOCX, PDF, PPTX, odf, ooxml


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("guide.pdf", PDF, "application/pdf"),
        ("Guide.PDF", PDF, "application/pdf"),
        (
            "checklist.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "webinar.pptx",
            PPTX,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (
            "budget.xlsx",
            ooxml("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "notes.odt",
            odf("application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
    ],
)
def test_genuine_files_are_accepted(name: str, data: bytes, media_type: str) -> None:
    checked = check_file(name, data)
    assert (checked.name, checked.media_type, checked.size) == (name, media_type, len(data))
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("script.exe", b"MZ", "Upload a PDF, Word (.docx)"),
        ("noextension", PDF, "is none of these"),
        ("empty.pdf", b"", "“empty.pdf” is empty."),
        ("page.pdf", b"<html><script>alert(1)</script>", "named like a PDF but is not one"),
        ("slides.pptx", DOCX, "named like a PowerPoint slides but is not one"),
        ("broken.docx", b"PK\x03\x04garbage", "named like a Word document but is not one"),
        ("text.odt", odf("application/vnd.oasis.opendocument.presentation"), "is not one"),
    ],
)
def test_files_that_are_not_what_they_say_are_refused(name: str, data: bytes, message: str) -> None:
    with pytest.raises(FileRefused, match=re.escape(message)):
        check_file(name, data)


def test_files_above_the_limit_are_refused_with_their_size() -> None:
    with pytest.raises(FileRefused) as refused:
        check_file("big.pdf", PDF + b"0" * 3 * 1024 * 1024, max_bytes=2 * 1024 * 1024)
    assert "“big.pdf” is 3.0 MB; a resource file can be at most 2.0 MB." in str(refused.value)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\ana\\Guide été.pdf", "Guide été.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ('a"b<c>\x00.pdf', "abc.pdf"),
        ("...", "resource"),
    ],
)
def test_names_are_kept_readable_but_safe(given: str, kept: str) -> None:
    assert safe_name(given) == kept
