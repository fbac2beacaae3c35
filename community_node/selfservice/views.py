"""The participants' pages: ``/act/<token>`` (confirm, then act) and ``/me/<token>``.

A GET never changes anything: it shows what the button will do. Only a POST (with the
page's CSRF token) acts, so a mail system's link scanner that opens every link changes
nothing. A link that is tampered with, expired, revoked or meant for another page gets
a page that says so (400 or 410), never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from community_node.database import utcnow
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.extensions import db
from community_node.mail import links, messages
from community_node.mail.links import LinkError, LinkPurpose, VerifiedLink
from community_node.matches.models import Match, MatchStatus
from community_node.participants import cvs
from community_node.participants import services as participants
from community_node.participants.models import (
    Connectee,
    Connector,
    ConsentPurpose,
    ProfileStatus,
)
from community_node.selfservice import schemas, services
from community_node.selfservice.models import WageBand
from shared.web.errors import handle_http_exception
from shared.web.i18n import LANGUAGES

bp = Blueprint("selfservice", __name__)

Page = tuple[str, int] | Response

#: How each kind of broken link answers: its status and heading.
LINK_STATUS: Mapping[type[LinkError], int] = {
    links.LinkExpired: 410,
    links.LinkRevoked: 410,
    links.LinkInvalid: 400,
    links.LinkWrongPurpose: 400,
}


@bp.errorhandler(LinkError)
def broken_link(error: LinkError) -> tuple[str, int]:
    status = LINK_STATUS.get(type(error), 400)
    db.session.rollback()
    return render_template("selfservice/link_error.html", message=str(error), status=status), status


def _verify(token: str, allowed: frozenset[LinkPurpose]) -> VerifiedLink:
    if len(token) > 1000:  # no token we issue is this long: no need to decode it
        raise links.LinkInvalid(_("This link is not valid. Please use the newest message we sent."))
    return links.verify(token, allowed=allowed)


def _done(heading: str, message: str, *, already: bool, back: str | None = None) -> tuple[str, int]:
    return (
        render_template(
            "selfservice/done.html", heading=heading, message=message, already=already, back=back
        ),
        200,
    )


def _stale(message: str) -> tuple[str, int]:
    db.session.rollback()
    return render_template("selfservice/stale.html", message=message), 409


def _match(link: VerifiedLink) -> Match:
    match = db.session.get(Match, link.record_id)
    if match is None:
        abort(404)
    return match


def _pitch(match: Match) -> dict[str, Any]:
    connectee = db.session.get(Connectee, match.connectee_id)
    assert connectee is not None
    return messages.shared_pitch(connectee)


# The actions ------------------------------------------------------------------------------


def _accept(link: VerifiedLink) -> Page:
    match = _match(link)
    if request.method == "POST":
        links.mark_used(link)
        # The transition writes the introduction to both into the outbox and withdraws the
        # proposal's other answer links (matches.services), in the same commit.
        try:
            done = services.accept_match(match.id, match.connector_id)
        except services.NoLongerPossible:
            return _stale(_("This proposal is no longer open, so it cannot be accepted now."))
        db.session.commit()
        return _accepted(already=done.already)
    state = services.accepted(match)
    if state is None:
        return render_template("selfservice/accept.html", pitch=_pitch(match)), 200
    if state:
        return _accepted(already=True)
    return _stale(_("This proposal is no longer open, so it cannot be accepted now."))


def _accepted(*, already: bool) -> tuple[str, int]:
    return _done(
        _("Thank you for accepting"),
        _(
            "We have sent you and the newcomer each other's contact details by email. "
            "Please get in touch to arrange a short meeting."
        ),
        already=already,
    )


def _decline(link: VerifiedLink) -> Page:
    match = _match(link)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            data = schemas.DeclineSchema().load(request.form)
        except ValidationError as error:
            errors = schemas.form_errors(error)
        else:
            links.mark_used(link)
            try:
                done = services.decline_match(match.id, match.connector_id, data.get("reason"))
            except services.NoLongerPossible:
                return _stale(_("This proposal is no longer open, so there is nothing to decline."))
            db.session.commit()
            return _done(
                _("Thank you for letting us know"),
                _(
                    "We will not introduce you this time. "
                    "Staff will propose someone else to the newcomer."
                ),
                already=done.already,
            )
    if match.status is MatchStatus.DECLINED:
        return _done(
            _("Thank you for letting us know"),
            _("You have already declined this proposal."),
            already=True,
        )
    if match.status is not MatchStatus.PROPOSED:
        return _stale(_("This proposal is no longer open, so there is nothing to decline."))
    status = 422 if errors else 200
    return (
        render_template(
            "selfservice/decline.html",
            match=match,
            pitch=_pitch(match),
            errors=errors,
            values=request.form,
        ),
        status,
    )


def _snooze(link: VerifiedLink) -> Page:
    match = _match(link)
    default = (
        link.extra.get("after")
        or (utcnow().date() + dt.timedelta(days=messages.SNOOZE_DAYS)).isoformat()
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            data = schemas.NotNowSchema().load(request.form)
            links.mark_used(link)
            done = services.not_now(match.id, match.connector_id, data["until"])
        except ValidationError as error:
            errors = schemas.form_errors(error)
        except InvalidInput as error:
            db.session.rollback()
            errors = {k: [str(t) for t in v] for k, v in error.extra.get("errors", {}).items()}
        except services.NoLongerPossible:
            return _stale(_("This proposal is no longer open, so there is nothing to postpone."))
        else:
            db.session.commit()
            return _done(
                _("We will ask you later"),
                _(
                    "We will not propose anyone to you before %(day)s.",
                    day=format_date(data["until"], "long"),
                ),
                already=done.already,
            )
    if match.status is MatchStatus.DECLINED and request.method == "GET":
        return _done(
            _("We will ask you later"), _("You have already answered this proposal."), already=True
        )
    if match.status is not MatchStatus.PROPOSED:
        return _stale(_("This proposal is no longer open, so there is nothing to postpone."))
    return (
        render_template(
            "selfservice/snooze.html",
            match=match,
            pitch=_pitch(match),
            errors=errors,
            until=request.form.get("until", default),
            today=utcnow().date().isoformat(),
        ),
        422 if errors else 200,
    )


def _referrals(link: VerifiedLink) -> Page:
    match = _match(link)
    return referrals_page(match, url_for("selfservice.act", token=request.view_args["token"]), link)  # type: ignore[index]


def referrals_page(match: Match, action: str, link: VerifiedLink | None) -> Page:
    """The "my three introductions" form and its answer; also reached from /me."""
    needed = services.referrals_still_needed(match)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            rows = schemas.ReferralsForm(max(needed, 1)).load(request.form)
        except ValidationError as error:
            errors = schemas.form_errors(error)
        else:
            if link is not None:
                links.mark_used(link)
            try:
                done = services.record_referrals(match.id, match.connector_id, rows)
            except services.NoLongerPossible as error:
                return _stale(error.message)
            except InvalidInput as error:
                db.session.rollback()
                errors = {
                    "form": [
                        str(t) for texts in error.extra.get("errors", {}).values() for t in texts
                    ]
                }
            else:
                db.session.commit()
                return _done(
                    _("Thank you for your introductions"),
                    _("We have recorded them. The program's staff may ask later how they went."),
                    already=done.already,
                )
    if needed == 0:
        return _done(
            _("Thank you for your introductions"),
            _("Your three introductions are already recorded."),
            already=True,
        )
    return (
        render_template(
            "selfservice/referrals.html",
            match=match,
            pitch=_pitch(match),
            needed=needed,
            recorded=[r for r in match.referrals if r.tier == 1],
            errors=errors,
            values=request.form,
            action=action,
        ),
        422 if errors else 200,
    )


def _survey(link: VerifiedLink) -> Page:
    connectee = db.session.get(Connectee, link.record_id)
    months = int(link.extra.get("months", 0))
    if connectee is None or months not in (3, 6, 12):
        abort(404)
    answered = _done(
        _("Thank you"),
        _("Your answers help the program and the newcomers who come after you."),
        already=True,
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            answers = schemas.SurveySchema().load(request.form)
            links.mark_used(link)
            done = services.answer_survey(connectee.id, months, answers)
        except ValidationError as error:
            errors = schemas.form_errors(error)
        except InvalidInput as error:
            db.session.rollback()
            errors = {"form": [str(t) for v in error.extra.get("errors", {}).values() for t in v]}
        else:
            return _done(
                _("Thank you"),
                _("Your answers help the program and the newcomers who come after you."),
                already=done.already,
            )
    elif services.survey_answered(connectee.id, months):
        return answered
    return (
        render_template(
            "selfservice/survey.html",
            months=months,
            errors=errors,
            values=request.form,
            sectors=schemas.sector_choices(),
            wage_bands=WAGE_BANDS,
        ),
        422 if errors else 200,
    )


WAGE_BANDS: tuple[tuple[WageBand, Any], ...] = (
    (WageBand.UNDER_20, _l("Under $20 an hour")),
    (WageBand.FROM_20_TO_30, _l("$20 to $30 an hour")),
    (WageBand.FROM_30_TO_45, _l("$30 to $45 an hour")),
    (WageBand.OVER_45, _l("Over $45 an hour")),
    (WageBand.NOT_SAID, _l("I prefer not to say")),
)


ACTIONS: Mapping[LinkPurpose, Callable[[VerifiedLink], Page]] = {
    LinkPurpose.MATCH_ACCEPT: _accept,
    LinkPurpose.MATCH_DECLINE: _decline,
    LinkPurpose.MATCH_SNOOZE: _snooze,
    LinkPurpose.REFERRALS: _referrals,
    LinkPurpose.SURVEY: _survey,
}


@bp.route("/act/<token>", methods=["GET", "POST"])
def act(token: str) -> Page:
    """One action from a message: GET confirms what will happen, POST does it."""
    link = _verify(token, links.ACTION_PURPOSES)
    try:
        return ACTIONS[link.purpose](link)
    except NotFound:
        db.session.rollback()
        abort(404)


# Their own page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    kind: participants.PersonKind[Any]
    person: Connectee | Connector
    token: str


def _owner(token: str) -> Owner:
    link = _verify(token, links.PAGE_PURPOSES)
    kind: participants.PersonKind[Any]
    person: Connectee | Connector | None
    if link.purpose is LinkPurpose.CONNECTOR_PAGE:
        kind, person = participants.CONNECTORS, db.session.get(Connector, link.record_id)
    else:
        kind, person = participants.CONNECTEES, db.session.get(Connectee, link.record_id)
    if person is None or participants.is_erased(person):
        raise links.LinkRevoked(_("This page is no longer available: your data was erased."))
    return Owner(kind, person, token)


def _render_me(
    owner: Owner,
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    person = owner.person
    is_connector = isinstance(person, Connector)
    return (
        render_template(
            "selfservice/me.html",
            owner=owner,
            person=person,
            is_connector=is_connector,
            matches=services.connector_matches(person.id)
            if is_connector
            else services.connectee_matches(person.id),
            consents=services.own_consents(owner.kind.name, person.id),
            erasure_requested=services.open_erasure_request(owner.kind.name, person.id) is not None,
            cv=None if is_connector else cvs.find_cv(person.id),
            cv_max_mb=cvs.MAX_CV_BYTES // (1024 * 1024),
            errors=errors or {},
            values=request.form if values is None else values,
            languages=[LANGUAGES[code] for code in LANGUAGES],
            today=utcnow().date().isoformat(),
            status_text=STATUS_TEXT,
            consent_text=CONSENT_TEXT,
            match_state=MATCH_STATE,
            modes={"in_person": _("in person"), "video": _("by video"), "phone": _("by phone")},
        ),
        status,
    )


STATUS_TEXT: Mapping[ProfileStatus, Any] = {
    ProfileStatus.DRAFT: _l("Not sent yet"),
    ProfileStatus.SUBMITTED: _l("Received: staff will review it soon"),
    ProfileStatus.APPROVED: _l("Accepted into the program"),
    ProfileStatus.REJECTED: _l("Not accepted this time"),
    ProfileStatus.WAITLISTED: _l("On the waiting list"),
    ProfileStatus.DEACTIVATED: _l("No longer active"),
}


#: A match's state as its participant reads it.
MATCH_STATE: Mapping[MatchStatus, Any] = {
    MatchStatus.PROPOSED: _l("proposed, waiting for the connector's answer"),
    MatchStatus.INTRODUCED: _l("introduced: arrange your meeting"),
    MatchStatus.MEETING_SCHEDULED: _l("meeting scheduled"),
    MatchStatus.MET: _l("met"),
    MatchStatus.REFERRALS_PENDING: _l("met, introductions under way"),
    MatchStatus.REFERRED: _l("met, three introductions made"),
    MatchStatus.CLOSED: _l("closed"),
    MatchStatus.DECLINED: _l("declined"),
    MatchStatus.EXPIRED: _l("expired without an answer"),
    MatchStatus.NO_SHOW: _l("the meeting did not take place"),
    MatchStatus.CANCELLED: _l("cancelled"),
}

CONSENT_TEXT: Mapping[str, Any] = {
    ConsentPurpose.LOCAL_PROCESSING.value: _l("The program keeps and uses your details"),
    ConsentPurpose.DIRECTORY_LISTING.value: _l(
        "Your anonymous profile is listed in the national directory"
    ),
    ConsentPurpose.CROSS_CITY_INTRODUCTIONS.value: _l("Introductions in other cities"),
}


@bp.get("/me/<token>")
def me(token: str) -> tuple[str, int]:
    return _render_me(_owner(token))


def _back(owner: Owner, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("selfservice.me", token=owner.token), code=303)


@bp.post("/me/<token>/<any(pause, availability, contact, preferences, erasure):section>")
def me_update(token: str, section: str) -> Page:
    """One form of the own page; errors show beside its fields, on the same page."""
    owner = _owner(token)
    person = owner.person
    try:
        if section == "pause":
            if not isinstance(person, Connector):
                abort(404)
            until = schemas.PauseSchema().load(request.form)["until"]
            if until is not None and until <= utcnow().date():
                return _render_me(owner, {"until": [_("Choose a day after today.")]}, 422)
            services.pause_connector(person.id, until)
            return _back(
                owner,
                _("Paused: no new proposals before %(day)s.", day=until.isoformat())
                if until
                else _("You take new proposals again."),
            )
        if section == "availability":
            if not isinstance(person, Connector):
                abort(404)
            services.update_own(
                owner.kind, person.id, schemas.ConnectorOwnSchema().load(request.form)
            )
            return _back(owner, _("Your availability and capacity are saved."))
        if section == "contact":
            schema = (
                schemas.ConnectorContactSchema()
                if isinstance(person, Connector)
                else schemas.ContactSchema()
            )
            services.update_own(owner.kind, person.id, schema.load(request.form))
            return _back(owner, _("Your contact details are saved."))
        if section == "preferences":
            data = schemas.PreferencesSchema().load(request.form)
            services.update_own(owner.kind, person.id, data)
            return _back(owner, _("Your message preferences are saved."))
        done = services.request_erasure(owner.kind.name, person.id)
        return _back(
            owner,
            _("You had already asked; staff will erase your data soon.")
            if done.already
            else _("Staff will erase your data and tell you when it is done."),
        )
    except ValidationError as error:
        return _render_me(owner, schemas.form_errors(error), 422)
    except InvalidInput as error:
        db.session.rollback()
        return _render_me(
            owner, {k: [str(t) for t in v] for k, v in error.extra.get("errors", {}).items()}, 422
        )
    except Conflict as error:
        db.session.rollback()
        return _render_me(owner, {error.extra.get("field", "form"): [error.message]}, 409)


#: Why a file was refused as a CV, in the person's words and language.
CV_PROBLEMS: Mapping[cvs.CVProblem, Any] = {
    cvs.CVProblem.TYPE: _l("Choose a PDF, Word (.docx) or OpenDocument (.odt) file."),
    cvs.CVProblem.EMPTY: _l("This file is empty. Choose the file of your CV."),
    cvs.CVProblem.TOO_LARGE: _l(
        "This file is too large: a CV can be at most %(size)d MB.",
        size=cvs.MAX_CV_BYTES // (1024 * 1024),
    ),
    cvs.CVProblem.NOT_GENUINE: _l(
        "This file is not really a PDF, Word or OpenDocument file. "
        "Save your CV again in one of these formats and choose that file."
    ),
}


def _connectee_owner(token: str) -> Owner:
    owner = _owner(token)
    if not isinstance(owner.person, Connectee):
        abort(404)
    return owner


@bp.post("/me/<token>/cv")
def me_cv(token: str) -> Page:
    """Upload a CV, or replace the one on file (checked by the staff API's service)."""
    owner = _connectee_owner(token)
    upload = request.files.get("cv")
    if upload is None or not upload.filename:
        return _render_me(owner, {"cv": [_("Choose the file of your CV.")]}, 422)
    try:
        cvs.put_cv(
            owner.person.id,
            upload.filename,
            upload.read(),
            actor=services.actor_for(owner.kind.name, owner.person.id),
        )
    except cvs.CVRefused as error:
        db.session.rollback()
        status = 413 if error.problem is cvs.CVProblem.TOO_LARGE else 422
        return _render_me(owner, {"cv": [str(CV_PROBLEMS[error.problem])]}, status)
    return _back(owner, _("Your CV is saved. Staff will see the new file."))


@bp.post("/me/<token>/cv/remove")
def me_cv_remove(token: str) -> Page:
    """Remove the CV on file; a second click says there was none."""
    owner = _connectee_owner(token)
    removed = cvs.remove_cv(
        owner.person.id, actor=services.actor_for(owner.kind.name, owner.person.id)
    )
    return _back(owner, _("Your CV is removed.") if removed else _("There was no CV to remove."))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Page:
    """A file above the node's request limit: on the CV form, say so beside the field."""
    if request.endpoint == "selfservice.me_cv" and request.view_args:
        try:
            owner = _owner(request.view_args["token"])
        except LinkError as link_error:
            return broken_link(link_error)
        if isinstance(owner.person, Connectee):
            # The body is not read (it is too large), so the page shows no posted values.
            problem = str(CV_PROBLEMS[cvs.CVProblem.TOO_LARGE])
            return _render_me(owner, {"cv": [problem]}, 413, values={})
    return handle_http_exception(error)


@bp.post("/me/<token>/consents/<int(max=2147483647):consent_id>/withdraw")
def me_withdraw(token: str, consent_id: int) -> Page:
    owner = _owner(token)
    try:
        done = services.withdraw_own_consent(owner.kind.name, owner.person.id, consent_id)
    except NotFound:
        abort(404)
    return _back(
        owner,
        _("This consent was already withdrawn.")
        if done.already
        else _("Your consent is withdrawn."),
    )


@bp.route("/me/<token>/matches/<int(max=2147483647):match_id>/referrals", methods=["GET", "POST"])
def me_referrals(token: str, match_id: int) -> Page:
    owner = _owner(token)
    match = db.session.get(Match, match_id)
    if (
        not isinstance(owner.person, Connector)
        or match is None
        or match.connector_id != owner.person.id
    ):
        abort(404)
    return referrals_page(
        match, url_for("selfservice.me_referrals", token=token, match_id=match_id), None
    )


@bp.post("/me/<token>/matches/<int(max=2147483647):match_id>/<any(accept, decline):answer>")
def me_answer(token: str, match_id: int, answer: str) -> Page:
    """Accept or decline a proposal from the own page (the same services as the links)."""
    owner = _owner(token)
    if not isinstance(owner.person, Connector):
        abort(404)
    try:
        if answer == "accept":
            services.accept_match(match_id, owner.person.id)
            message = _("Accepted: we have sent you both each other's contact details.")
        else:
            services.decline_match(match_id, owner.person.id)
            message = _("Declined: staff will propose someone else to the newcomer.")
    except NotFound:
        abort(404)
    except services.NoLongerPossible:
        db.session.rollback()
        message = _("This proposal is no longer open.")
    db.session.commit()
    return _back(owner, message)
