"""National staff's directory pages: search the connectors, and where coverage is lacking.

The search reads the API's filters with the API's schema (``DirectoryArgsSchema``) and
lists through ``hub.directory.search.browse``, which answers as ``list_directory`` (the
function behind ``GET /api/v1/directory``) from the worker's in-memory directory, over the
whole network (a staff member has no community of their own). Profiles are anonymized
already; the page shows their community, occupation, languages, skills and availability.
The coverage page draws ``hub.directory.coverage`` as charts, each beside a table of the
same numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from marshmallow import RAISE, ValidationError
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from hub.communities.services import list_communities
from hub.directory.coverage import WAITING_QUARTERS, Coverage, coverage
from hub.directory.schemas import DirectoryArgsSchema
from hub.directory.search import browse
from hub.extensions import login_manager
from hub.web import labels
from hub.web.labels import SLOTS, word
from shared import names
from shared.matching.profiles import LANGUAGE_NAMES, language_name
from shared.names import canonical_language
from shared.protocol import AVAILABILITY_SLOTS
from shared.taxonomy import Level, Occupation, default_taxonomy
from shared.taxonomy.skills import skill_label
from shared.web.forms import StaffForm

bp = Blueprint("staff_directory", __name__, url_prefix="/directory")

#: Profiles per page of the search.
PER_PAGE = 25
#: The filters the form passes on to the schema as they are.
_PASSED = ("language", "community", "remote_ok", "cross_city_ok", "accepting", "page")
_ANY = SelectChoice("", _l("Any"))
_YES_NO = [_ANY, SelectChoice("true", _l("Yes")), SelectChoice("false", _l("No"))]


@bp.before_request
def _require_login() -> Response | None:
    """Every page here is for logged-in national staff (they only read)."""
    if current_user.is_authenticated:
        return None
    unauthorized: Response = login_manager.unauthorized()
    return unauthorized


@functools.cache
def _groups() -> list[Occupation]:
    return default_taxonomy().major_groups()


@functools.cache
def occupation_titles() -> tuple[str, ...]:
    """Every detailed occupation's title, for the occupation box's suggestions."""
    return tuple(
        sorted({o.title for o in default_taxonomy() if o.level is Level.DETAILED}, key=str.lower)
    )


@functools.cache
def occupation_datalist() -> Markup:
    """The suggestions' ``<datalist>``, written once per process (800-odd options)."""
    options = "".join(f'<option value="{escape(title)}">' for title in occupation_titles())
    return Markup(f'<datalist id="occupation-titles">{options}</datalist>')


class DirectoryForm(StaffForm):
    """The search's filters (a GET form; the schema checks the values)."""

    class Meta:
        csrf = False  # it only reads

    occupation = StringField(
        _l("Occupation"), description=_l("A title, e.g. Registered Nurses, or a SOC code.")
    )
    related = SelectField(
        _l("Related occupations"),
        choices=[
            SelectChoice("", _l("This occupation only")),
            SelectChoice(Level.BROAD.value, _l("Same broad occupation")),
            SelectChoice(Level.MINOR.value, _l("Same minor group")),
            SelectChoice(Level.MAJOR.value, _l("Same occupation group")),
        ],
    )
    group = SelectField(_l("Occupation group"))
    language = SelectField(
        _l("Speaks"),
        # A link from before ISO 639-3 (?language=ar) still filters on Arabic.
        filters=[lambda code: (canonical_language(code) or code) if code else code],
        choices=[
            _ANY,
            *(
                SelectChoice(code, name)
                for code, name in sorted(LANGUAGE_NAMES.items(), key=lambda i: i[1])
            ),
        ],
    )
    community = SelectField(_l("Community"))
    accepting = SelectField(_l("Accepting introductions"), choices=_YES_NO)
    cross_city_ok = SelectField(_l("Open to other cities"), choices=_YES_NO)
    remote_ok = SelectField(_l("Meets remotely"), choices=_YES_NO)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            if isinstance(field, SelectField) and field.data is None:
                field.data = ""  # a filter left out of the URL: "Any"
        if not labels.reader_locale().startswith("en"):
            named = ((code, _language(code)) for code in LANGUAGE_NAMES)
            self.language.choices = [
                _ANY,
                *(SelectChoice(code, name) for code, name in sorted(named, key=_by_name)),
            ]
        self.group.choices = [_ANY, *(SelectChoice(g.major, g.title) for g in _groups())]
        self.community.choices = [
            _ANY,
            *(SelectChoice(c.slug, c.name) for c in list_communities()),
        ]


def _language(code: str) -> str:
    """A language's name: the directory's own English one, or CLDR's in the reader's language."""
    locale = labels.reader_locale()
    return language_name(code) if locale.startswith("en") else names.language_name(code, locale)


def _by_name(option: tuple[str, str]) -> str:
    return names.sort_key(option[1])


def _occupation_code(text: str) -> str | None:
    """The SOC code a title or code stands for (an exact title first, then the best match)."""
    taxonomy = default_taxonomy()
    titled = taxonomy.titled(text)
    if titled is not None:
        return titled.code
    if taxonomy.is_valid(text):
        return taxonomy.get(text).code
    found = taxonomy.search(text, limit=1)
    return found[0].code if found else None


def _search_args(form: DirectoryForm) -> tuple[dict[str, Any] | None, str | None]:
    """Read the filters with the API's schema; None (and the form's errors) if bad.

    Also return the occupation searched for when the page chose it from a title.
    """
    if not form.validate():  # a choice no list offers: the form's own words
        return None, None
    raw: dict[str, Any] = {
        name: request.args[name] for name in _PASSED if request.args.get(name, "") != ""
    }
    raw["per_page"] = PER_PAGE
    errors: dict[str, list[str]] = {}
    text = (request.args.get("occupation") or "").strip()
    group = request.args.get("group") or ""
    chosen = None
    if text:
        code = _occupation_code(text)
        if code is None:
            errors["occupation"] = [gettext("No occupation matches “%(text)s”.", text=text)]
        else:
            raw["occupation"] = code
            chosen = default_taxonomy().get(code).title
        if request.args.get("related"):
            raw["related"] = request.args["related"]
        if group:
            errors["group"] = [gettext("Choose an occupation or a group, not both.")]
    elif group:
        # A group is its major code, with every occupation sharing its prefix.
        raw["occupation"] = f"{group}-0000"
        raw["related"] = Level.MAJOR.value
    elif request.args.get("related"):
        errors["related"] = [gettext("Give an occupation to relate to.")]
    try:
        args: dict[str, Any] = DirectoryArgsSchema().load(raw, unknown=RAISE)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, Mapping) else {}
        for name, problems in messages.items():
            errors.setdefault("group" if group and name == "occupation" else name, []).extend(
                problems
            )
    if errors:
        form.add_errors(errors)
        return None, chosen
    return args, chosen


def _slot(slot: str) -> str:
    if slot in SLOTS:
        return word(SLOTS, slot)
    return slot.replace("_", " ").capitalize()


def _page_url(page: int) -> str:
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v != ""}
    return url_for("staff_directory.search", **args, page=page)


@bp.get("")
def search() -> tuple[str, int]:
    """Search the anonymized connector profiles of every community."""
    form = DirectoryForm(request.args)
    args, chosen = _search_args(form)
    names = {c.slug: c.name for c in list_communities()}
    result = browse(args) if args is not None else None
    pager = {}
    if result is not None:
        if result["page"] > 1:
            pager["prev_url"] = _page_url(result["page"] - 1)
        if result["page"] < result["pages"]:
            pager["next_url"] = _page_url(result["page"] + 1)
    return render_template(
        "directory/search.html",
        form=form,
        result=result,
        chosen=chosen,
        names=names,
        datalist=occupation_datalist(),
        language_name=_language,
        skill_label=skill_label,
        slot_label=_slot,
        slots=AVAILABILITY_SLOTS,
        **pager,
    ), (200 if result is not None else 422)


def _demand_axis() -> dict[str, Any]:
    """A second value axis for demand signals (0–1), drawn along the top of a bar chart."""
    return {
        "x": {"beginAtZero": True, "title": {"display": True, "text": gettext("People")}},
        "demand": {
            "position": "top",
            "min": 0,
            "max": 1,
            "grid": {"drawOnChartArea": False},
            "title": {"display": True, "text": gettext("Demand signal (0 to 1)")},
        },
    }


def _bars(labels: list[str], datasets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "bar",
        "indexAxis": "y",  # long group names read best down the side, on a phone too
        "labels": labels,
        # Each dataset names its axis: the page's JSON sorts the keys, and Chart.js would
        # put a dataset that names none on the first of them ("demand").
        "datasets": [{"xAxisID": "x", **dataset} for dataset in datasets],
        "scales": _demand_axis(),
    }


def _charts(found: Coverage, community: str | None) -> dict[str, Any]:
    """The numbers each chart draws, taken from the rows its table shows."""
    groups = found.groups
    charts: dict[str, Any] = {
        "groups": _bars(
            [g.title for g in groups],
            [
                {"label": gettext("Listed connectors"), "data": [g.connectors for g in groups]},
                {"label": gettext("Waiting connectees"), "data": [g.waiting for g in groups]},
                {
                    "label": gettext("Mean local demand"),
                    "data": [g.demand for g in groups],
                    "xAxisID": "demand",
                },
            ],
        )
    }
    if community is not None:
        cells = found.of_community(community)
        charts["community"] = _bars(
            [c.title for c in cells],
            [
                {"label": gettext("Listed connectors"), "data": [c.connectors for c in cells]},
                {"label": gettext("Waiting connectees"), "data": [c.waiting for c in cells]},
                {
                    "label": gettext("Local demand"),
                    "data": [c.demand for c in cells],
                    "xAxisID": "demand",
                },
            ],
        )
    return charts


@bp.get("/coverage")
def coverage_page() -> tuple[str, int]:
    """Show where connectors are missing: by group, by community, against local demand."""
    found = coverage()
    # The first community's figures until another is chosen: the page always has a chart.
    community = request.args.get("community") or next(iter(found.communities), None)
    status = 200
    error = None
    if community is not None and community not in found.communities:
        error = gettext("Not a valid choice.")
        community = None
        status = 422
    return render_template(
        "directory/coverage.html",
        coverage=found,
        community=community,
        community_error=error,
        cells=found.of_community(community) if community else [],
        charts=_charts(found, community),
        quarters=WAITING_QUARTERS,
    ), status
