"""The reports page: funnel, outcomes, placement rate, time to match, referrals per connector.

Every number comes from ``reports.services``, the functions the API serves, dumped with
the API's schemas; the downloads are those same rows as CSV (the API's writer) or XLSX.
Each chart reads its numbers from a JSON data island beside the table that shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import login_required
from marshmallow import RAISE, Schema, ValidationError
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice

from community_node.reports import services
from community_node.reports.schemas import (
    PERIODS,
    ConnectorReferralRowSchema,
    EventRowSchema,
    FunnelRowSchema,
    InvitationRowSchema,
    OutcomeRowSchema,
    ReportArgsSchema,
    SourceRowSchema,
    TimeToMatchRowSchema,
)
from community_node.web.people_forms import OPTIONS
from shared.names import OUTCOME_CATEGORIES
from shared.web.csv import XLSX_MIMETYPE, csv_response, write_xlsx
from shared.web.forms import StaffForm

bp = Blueprint("reports_ui", __name__, url_prefix="/reports")


#: The periods a cohort can span, as the form offers them.
PERIOD_WORDS = {
    "month": _l("Month"),
    "quarter": _l("Quarter"),
    "year": _l("Year"),
    "all": _l("All time"),
}


#: The funnel's stages as its chart names them.
STAGE_WORDS = {
    "applied": _l("Applied"),
    "eligible": _l("Eligible"),
    "matched": _l("Matched"),
    "met": _l("Met"),
    "referred": _l("Referred"),
    "employed": _l("Employed"),
}


def category_text(category: str) -> str:
    """A follow-up situation in the reader's words ("employed_in_field" → "Employed in field")."""
    word = OUTCOME_CATEGORIES.get(category)  # the hub's reports name them the same
    return _(word) if word is not None else category.replace("_", " ").capitalize()


class ReportForm(StaffForm):
    """The period, dates and grouping of every report on the page (a GET form)."""

    class Meta:
        csrf = False  # it only reads

    period = SelectField(
        _l("Cohort period"),
        choices=[SelectChoice(p, PERIOD_WORDS.get(p, p.capitalize())) for p in PERIODS],
        default="quarter",
    )
    from_ = DateField(_l("From"), name="from")
    to = DateField(_lp("date range", "To"))
    group_by = SelectField(
        _l("Group"),
        choices=[
            SelectChoice("", _l("All occupations")),
            SelectChoice("major_group", _l("By occupation group")),
        ],
    )


@dataclass(frozen=True)
class Report:
    """One downloadable report: its rows, dumped with the API's schema."""

    title: str
    columns: Sequence[str]
    rows: Callable[[dict[str, Any]], list[dict[str, Any]]]


def _query(args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "period": args["period"],
        "start": args.get("from_"),
        "end": args.get("to"),
        "group_by": args.get("group_by"),
    }


def _dumped(schema: Schema, rows: Any) -> list[dict[str, Any]]:
    dumped: list[dict[str, Any]] = schema.dump(rows, many=True)
    return dumped


REPORTS: dict[str, Report] = {
    "funnel": Report(
        "Funnel",
        services.FUNNEL_COLUMNS,
        lambda a: _dumped(FunnelRowSchema(), services.funnel(**_query(a))),
    ),
    "outcomes": Report(
        "Outcomes",
        services.OUTCOME_COLUMNS,
        lambda a: _dumped(OutcomeRowSchema(), services.outcomes(**_query(a))),
    ),
    "time-to-match": Report(
        "Time to match",
        services.TIME_TO_MATCH_COLUMNS,
        lambda a: _dumped(TimeToMatchRowSchema(), services.time_to_match(**_query(a))),
    ),
    "referrals-per-connector": Report(
        "Referrals per connector",
        services.CONNECTOR_REFERRAL_COLUMNS,
        lambda a: _dumped(
            ConnectorReferralRowSchema(),
            services.referrals_per_connector(a.get("from_"), a.get("to")),
        ),
    ),
    "by-source": Report(
        "Recruitment by source",
        services.SOURCE_COLUMNS,
        lambda a: _dumped(SourceRowSchema(), services.by_source(a.get("from_"), a.get("to"))),
    ),
    "events": Report(
        "Events",
        services.EVENT_COLUMNS,
        lambda a: _dumped(EventRowSchema(), services.by_event(a.get("from_"), a.get("to"))),
    ),
    "invitations": Report(
        "Invitations",
        services.INVITATION_COLUMNS,
        lambda a: _dumped(InvitationRowSchema(), services.invitations()),
    ),
}

#: Reports over a date range only, without cohorts or grouping.
RANGE_ONLY = frozenset({"referrals-per-connector", "by-source", "events", "invitations"})


def source_label(row: Mapping[str, Any]) -> str:
    """Name a referral source in words, with the partner or event it names."""
    labels = dict(OPTIONS["referral_source"])
    if row["source"] == services.UNKNOWN:
        return str(_("Not recorded"))
    label = str(labels.get(row["source"], row["source"]))
    name = row.get("partner_name") or row.get("event_name")
    return f"{label}: {name}" if name else label


def _load_args() -> tuple[ReportForm, dict[str, Any] | None]:
    """Read the report arguments with the API's schema; None (and the form's errors) if bad."""
    form = ReportForm(request.args)
    raw = {key: value for key, value in request.args.items() if value != ""}
    try:
        return form, ReportArgsSchema().load(raw, unknown=RAISE)
    except ValidationError as err:
        messages = dict(err.messages) if isinstance(err.messages, Mapping) else {}
        form.add_errors({("from_" if k == "from" else k): v for k, v in messages.items()})
        return form, None


def _label(row: Mapping[str, Any], grouped: bool) -> str:
    period = str(_("All time")) if row["period"] == services.ALL else row["period"]
    return f"{period} · {row['major_group_title']}" if grouped else period


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _charts(data: Mapping[str, list[dict[str, Any]]], grouped: bool) -> dict[str, Any]:
    """The numbers each chart draws, taken from the rows its table shows."""
    funnel = data["funnel"]
    labels = [_label(row, grouped) for row in funnel]
    stages = ("applied", "eligible", "matched", "met", "referred", "employed")
    outcome_labels = [
        str(
            _(
                "%(cohort)s · %(months)s months · %(situation)s",
                cohort=_label(r, grouped),
                months=r["milestone_months"],
                situation=category_text(r["category"]),
            )
        )
        for r in data["outcomes"]
    ]
    return {
        "funnel": {
            "type": "bar",
            "labels": labels,
            "datasets": [
                {"label": str(STAGE_WORDS[stage]), "data": [row[stage] for row in funnel]}
                for stage in stages
            ],
        },
        "placement": {
            "type": "line",
            "labels": labels,
            "datasets": [
                {
                    "label": _("Placement rate (%)"),
                    "data": [_percent(row["placement_rate"]) for row in funnel],
                },
                {
                    "label": _("Employed in field (%)"),
                    "data": [_percent(row["employed_in_field_rate"]) for row in funnel],
                },
            ],
        },
        "outcomes": {
            "type": "bar",
            "labels": outcome_labels,
            "datasets": [
                {"label": _("Outcomes"), "data": [r["outcomes"] for r in data["outcomes"]]},
                {"label": _("Attributed"), "data": [r["attributed"] for r in data["outcomes"]]},
            ],
        },
        "time-to-match": {
            "type": "bar",
            "labels": [_label(r, grouped) for r in data["time-to-match"]],
            "datasets": [
                {
                    "label": _("Median days"),
                    "data": [r["median_days"] for r in data["time-to-match"]],
                },
                {"label": _("Mean days"), "data": [r["mean_days"] for r in data["time-to-match"]]},
            ],
        },
        "referrals-per-connector": {
            "type": "bar",
            "labels": [r["connector_name"] for r in data["referrals-per-connector"]],
            "datasets": [
                {
                    "label": _("Referrals"),
                    "data": [r["referrals"] for r in data["referrals-per-connector"]],
                },
                {
                    "label": _("Hired"),
                    "data": [r["hired"] for r in data["referrals-per-connector"]],
                },
            ],
        },
    }


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    form, args = _load_args()
    if args is None:
        return render_template("reports/index.html", form=form, data=None), 422
    data = {name: report.rows(args) for name, report in REPORTS.items()}
    grouped = args.get("group_by") is not None
    page = render_template(
        "reports/index.html",
        form=form,
        data=data,
        grouped=grouped,
        charts=_charts(data, grouped),
        percent=_percent,
        query={k: v for k, v in request.args.items() if v != ""},
        source_label=source_label,
        category_text=category_text,
        invited_summary=services.invited_connectors_summary(),
        chains=services.invitation_chains(),
    )
    return page, 200


@bp.get("/<name>.<any(csv, xlsx):fmt>")
@login_required
def download(name: str, fmt: str) -> Response:
    """One report as CSV (the API's writer and columns) or as an XLSX workbook."""
    if name not in REPORTS:
        abort(404)
    _form, args = _load_args()
    if args is None:
        abort(422, description=_("Fix the report's dates or period first."))
    report = REPORTS[name]
    rows = report.rows(args)
    parts = [name] if name in RANGE_ONLY else [name, args["period"]]
    if args.get("group_by") and name not in RANGE_ONLY:
        parts.append(args["group_by"])
    filename = "-".join(parts)
    if fmt == "csv":
        return csv_response(rows, report.columns, f"{filename}.csv")
    body = write_xlsx([(report.title, report.columns, rows)])
    return Response(
        body,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
    )
