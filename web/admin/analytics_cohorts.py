"""/admin/analytics/cohorts: the cohort retention heat map (logos or revenue, a GET toggle), its
filters (plan, currency, country, a range of cohort months) and /admin/analytics/cohorts.csv
(``ANALYTICS_READ``; domain/analytics/cohort_report.py). Bad filters re-render the page with
their messages (422) and the default table; the CSV answers 422 with the messages."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Response, Template
from markupsafe import Markup

from domain.adapters.country_names import country_options_in
from domain.analytics.cohort_filters import (
    CohortFilterInput,
    CohortFilters,
    check_filters,
    default_filters,
)
from domain.analytics.cohort_report import cohort_csv_rows, cohort_page
from domain.analytics.cohorts import HEAT_LEVELS, Measure, heat_level
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.analytics_cache import AnalyticsPageCache, errors_as_text, render_body
from web.admin.analytics_labels import (
    HEAT_LEGEND,
    heat_legend,
    month_label,
    percent_of_tenths,
)
from web.admin.pages import admin_context
from web.display import current_display
from web.forms import Field, FormSpec
from web.settings import Settings
from web.templating import render

ANALYTICS = {"permission": Permission.ANALYTICS_READ}
# generous lengths: the domain's checks give the messages (a too-long value is refused there)
FILTERS = FormSpec(
    Field("plan", 200), Field("currency", 20), Field("country", 20), Field("from", 20),
    Field("to", 20), Field("measure", 20),
)  # fmt: skip
assert len(HEAT_LEGEND) == HEAT_LEVELS


def _typed(request: Request[Any, Any, Any]) -> tuple[CohortFilterInput, dict[str, str]]:
    form = FILTERS.parse(request.query_params)
    typed = CohortFilterInput(
        plan=form.get("plan"), currency=form.get("currency"), country=form.get("country"),
        start=form.get("from"), end=form.get("to"), measure=form.get("measure"),
    )  # fmt: skip
    return typed, dict(form.errors)


def _filters(
    request: Request[Any, Any, Any], clock: Clock
) -> tuple[CohortFilters, dict[str, str], dict[str, str]]:
    """The checked filters (the defaults when any is refused), the messages, and the values
    as typed (to echo in the form)."""
    typed, errors = _typed(request)
    today = clock.now().date()
    echo = {"plan": typed.plan, "currency": typed.currency, "country": typed.country,
            "from": typed.start, "to": typed.end, "measure": typed.measure}  # fmt: skip
    if errors:
        return default_filters(today), errors, echo
    try:
        return check_filters(typed, today=today), {}, echo
    except ValidationFailed as exc:
        return default_filters(today), exc.field_errors, echo


@get("/analytics/cohorts", name="admin.analytics.cohorts", opt=ANALYTICS)
async def show_cohorts(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
    analytics_pages: NamedDependency[AnalyticsPageCache],
) -> Template:
    """The table's body comes from the process's cache of the analytics pages while the read
    models' version is the one it was built at (web/admin/analytics_cache.py)."""
    filters, errors, echo = _filters(request, clock)
    reporting = Currency.of(settings.reporting_currency)
    display = current_display(request)

    async def build() -> Markup:
        page = await cohort_page(staff, filters, uow=read_uow, reporting=reporting)
        shown = filters.query() if not errors else {}
        form = dict(echo) if errors else {
            "plan": filters.plan_code or "", "currency": filters.currency or "",
            "country": filters.country or "",
            "from": filters.start.strftime("%Y-%m") if filters.start else "",
            "to": filters.end.strftime("%Y-%m") if filters.end else "",
        }  # fmt: skip
        toggle = {m.value: urlencode({**shown, "measure": m.value}) for m in Measure}
        context = {
            "page": page, "errors": errors, "form": form, "toggle": toggle,
            "csv_query": urlencode(shown), "pct": percent_of_tenths(display),
            "heat_legend": heat_legend(display), "month_label": month_label(display),
            "countries": country_options_in(display.language, page.countries),
            "heat": heat_level, "money_of": Money.of_minor, "active_tab": "cohorts",
        }  # fmt: skip
        return render_body(request, "admin/analytics/_cohorts_body.html", context)

    body = await analytics_pages.body_unless_errors(
        ("cohorts", filters, reporting.code, display), build, reader=staff, errors=errors
    )
    return render(request, "admin/analytics/cohorts.html", None,
                  admin_context(staff, body=body, active_tab="cohorts"),
                  status_code=422 if errors else 200)  # fmt: skip


@get("/analytics/cohorts.csv", name="admin.analytics.cohorts.csv", opt=ANALYTICS)
async def export_cohorts(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
    analytics_pages: NamedDependency[AnalyticsPageCache],
) -> Response[str]:
    filters, errors, _ = _filters(request, clock)
    if errors:
        return errors_as_text(errors)
    reporting = Currency.of(settings.reporting_currency)

    async def build() -> str:
        page = await cohort_page(staff, filters, uow=read_uow, reporting=reporting)
        out = io.StringIO()
        csv.writer(out).writerows(cohort_csv_rows(page))
        return out.getvalue()

    text = await analytics_pages.body(("cohorts.csv", filters, reporting.code), build, reader=staff)
    return Response(
        text, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cohorts.csv"'},
    )  # fmt: skip
