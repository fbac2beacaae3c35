"""A connectee's CV: upload, replace, read, download and remove, staff and the person alike.

A file is accepted by what it is, not by what its name says (``shared.files``): a PDF, a
Word (.docx) or an OpenDocument text (.odt), at most :data:`MAX_CV_BYTES`. The bytes stay
in the node database (``connectee_cvs``): nothing that leaves the node reads them, and
erasing the person deletes them in the same transaction (``participants.erase_person``).
The audit log names the action, the size and the type, never the file's name (it often
holds the person's).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import undefer

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.extensions import db
from community_node.participants.models import Connectee, ConnecteeCV
from community_node.participants.services import is_erased
from shared import files

__all__ = [
    "ACCEPTED",
    "MAX_CV_BYTES",
    "CVProblem",
    "CVRefused",
    "check_cv",
    "cv_file",
    "find_cv",
    "put_cv",
    "remove_cv",
]

#: The largest CV kept: a CV of a few pages with a photo is well under it.
MAX_CV_BYTES = 5 * 1024 * 1024
#: What a CV may be, by extension.
ACCEPTED: dict[str, files.Format] = {"pdf": files.PDF, "docx": files.DOCX, "odt": files.ODT}


class CVProblem(enum.StrEnum):
    """Why a file cannot be a CV; the participants' page says each in their language."""

    TYPE = "type"
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_GENUINE = "not_genuine"


_MESSAGES = {
    CVProblem.TYPE: "Upload the CV as a PDF, Word (.docx) or OpenDocument (.odt) file.",
    CVProblem.EMPTY: "The file is empty.",
    CVProblem.TOO_LARGE: f"A CV can be at most {MAX_CV_BYTES // (1024 * 1024)} MB.",
    CVProblem.NOT_GENUINE: "The file's content is not what its name says (PDF, DOCX or ODT).",
}


class CVRefused(InvalidInput):
    """The upload cannot be kept as a CV (422, the error under ``cv``)."""

    def __init__(self, problem: CVProblem) -> None:
        super().__init__({"cv": [_MESSAGES[problem]]}, _MESSAGES[problem])
        self.problem = problem


@dataclass(frozen=True)
class CheckedCV:
    name: str
    media_type: str
    sha256: str
    data: bytes


def check_cv(name: str, data: bytes) -> CheckedCV:
    """Accept ``data`` as a CV file named ``name``, or raise :class:`CVRefused`."""
    clean = files.safe_name(name, "cv")
    fmt = ACCEPTED.get(files.extension(clean))
    if fmt is None:
        raise CVRefused(CVProblem.TYPE)
    if not data:
        raise CVRefused(CVProblem.EMPTY)
    if len(data) > MAX_CV_BYTES:
        raise CVRefused(CVProblem.TOO_LARGE)
    if not files.is_genuine(data, fmt):
        raise CVRefused(CVProblem.NOT_GENUINE)
    return CheckedCV(clean, fmt.media_type, hashlib.sha256(data).hexdigest(), data)


def _connectee(connectee_id: int, *, lock: bool = False) -> Connectee:
    connectee = db.session.get(Connectee, connectee_id, with_for_update=lock)
    if connectee is None:
        raise NotFound(f"No connectee {connectee_id}.")
    return connectee


def find_cv(connectee_id: int) -> ConnecteeCV | None:
    """The connectee's CV as described, or None."""
    return db.session.get(ConnecteeCV, connectee_id)


def put_cv(connectee_id: int, name: str, data: bytes, *, actor: str) -> ConnecteeCV:
    """Keep ``data`` as the connectee's CV, replacing any earlier one; commit."""
    checked = check_cv(name, data)
    connectee = _connectee(connectee_id, lock=True)  # two uploads at once: one after the other
    if is_erased(connectee):
        raise Conflict(f"Connectee {connectee_id} was erased: nothing more is kept about them.")
    cv = db.session.get(ConnecteeCV, connectee_id)
    replaced = cv is not None
    if cv is None:
        cv = ConnecteeCV(connectee_id=connectee_id)
        db.session.add(cv)
    cv.file_name, cv.file_media_type = checked.name, checked.media_type
    cv.file_size, cv.file_sha256, cv.data = len(checked.data), checked.sha256, checked.data
    cv.uploaded_at = utcnow()
    # What the eligibility rules look at ("résumé on file").
    connectee.resume_on_file = True
    record(
        actor,
        "connectee.cv_replace" if replaced else "connectee.cv_upload",
        "connectee",
        connectee_id,
        {"size": cv.file_size, "media_type": cv.file_media_type},
    )
    db.session.commit()
    return cv


def cv_file(connectee_id: int, *, actor: str) -> tuple[ConnecteeCV, bytes]:
    """The CV and its bytes, for a download the audit log records; commit."""
    _connectee(connectee_id)
    cv = db.session.scalar(
        select(ConnecteeCV)
        .where(ConnecteeCV.connectee_id == connectee_id)
        .options(undefer(ConnecteeCV.data))
    )
    if cv is None:
        raise NotFound(f"Connectee {connectee_id} has no CV on file.")
    data = cv.data
    record(actor, "connectee.cv_download", "connectee", connectee_id, {"size": cv.file_size})
    db.session.commit()
    return cv, data


def remove_cv(connectee_id: int, *, actor: str) -> bool:
    """Delete the connectee's CV; False when there was none (nothing changes). Commit."""
    connectee = _connectee(connectee_id, lock=True)
    cv = db.session.get(ConnecteeCV, connectee_id)
    if cv is None:
        db.session.rollback()
        return False
    db.session.delete(cv)
    connectee.resume_on_file = False
    record(actor, "connectee.cv_remove", "connectee", connectee_id, {})
    db.session.commit()
    return True
