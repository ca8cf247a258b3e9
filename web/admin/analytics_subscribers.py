"""/admin/analytics/subscribers: subscriber metrics per month over a range (trial conversion,
dunning recovery, refunds, cancellation reasons), narrowed by the optional plan, currency and
country filters (the cohort page's fields), each with its table and
/admin/analytics/subscribers.csv?section=... taking the same filters (``ANALYTICS_READ``;
domain/analytics_reports/subscriber_page.py: read from the read model the hourly job
``analytics.refresh_subscribers`` writes; the page says as of when). The reasons chart's
geometry is web/admin/analytics_charts.py's. A bad range or filter re-renders the page with its
messages (422) and the last twelve months unfiltered; the CSV answers 422 with the messages."""

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
from domain.analytics_reports.subscriber_page import (
    CSV_SECTIONS,
    MonthRange,
    check_range,
    default_range,
    subscriber_csv_rows,
    subscriber_metrics_page,
)
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money
from domain.staff.model import SignedInStaff
from domain.unit_of_work import UnitOfWork
from web.admin.analytics_cache import AnalyticsPageCache, errors_as_text, render_body
from web.admin.analytics_charts import REASONS_PLOT_HEIGHT, REASONS_PLOT_WIDTH, reason_bars
from web.admin.analytics_cohorts import ANALYTICS
from web.admin.analytics_labels import month_label, percent_of_tenths
from web.admin.feedback import REASON_LABELS
from web.admin.pages import admin_context
from web.display import current_display
from web.forms import Field, FormSpec
from web.settings import Settings
from web.templating import render

# generous lengths for the codes: the domain's checks give the messages
FILTERS = FormSpec(
    Field("from", 20), Field("to", 20), Field("plan", 200), Field("currency", 20),
    Field("country", 20), Field("section", 20),
)  # fmt: skip


def _range(
    request: Request[Any, Any, Any], clock: Clock
) -> tuple[MonthRange, dict[str, str], dict[str, str], str]:
    form = FILTERS.parse(request.query_params)
    typed = {k: form.get(k) for k in ("from", "to", "plan", "currency", "country")}
    errors = dict(form.errors)
    today = clock.now().date()
    if not errors:
        try:
            chosen = check_range(typed["from"], typed["to"], today=today, plan=typed["plan"],
                                 currency=typed["currency"], country=typed["country"])  # fmt: skip
            return chosen, {}, typed, form.get("section")
        except ValidationFailed as exc:
            errors = exc.field_errors
    return default_range(today), errors, typed, form.get("section")


@get("/analytics/subscribers", name="admin.analytics.subscribers", opt=ANALYTICS)
async def show_subscribers(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
    analytics_pages: NamedDependency[AnalyticsPageCache],
) -> Template:
    """The page's body comes from the process's cache of the analytics pages while the read
    models' version is the one it was built at (web/admin/analytics_cache.py)."""
    chosen, errors, typed, _ = _range(request, clock)
    reporting = Currency.of(settings.reporting_currency)
    display = current_display(request)

    async def build() -> Markup:
        page = await subscriber_metrics_page(staff, chosen, uow=read_uow, reporting=reporting)
        bars, busiest = reason_bars(page.rows, rtl=display.direction == "rtl")
        shown = {"plan": "", "currency": "", "country": "", **chosen.query()}
        context = {
            "page": page, "errors": errors, "form": typed if errors else shown,
            "csv_query": urlencode(chosen.query()), "pct": percent_of_tenths(display),
            "money_of": Money.of_minor, "month_label": month_label(display),
            "rtl": display.direction == "rtl", "reason_labels": REASON_LABELS,
            "active_tab": "subscribers", "bars": bars, "busiest": busiest,
            "plot_width": REASONS_PLOT_WIDTH, "plot_height": REASONS_PLOT_HEIGHT,
            "countries": country_options_in(display.language, page.choices.countries),
        }  # fmt: skip
        return render_body(request, "admin/analytics/_subscribers_body.html", context)

    body = await analytics_pages.body_unless_errors(
        ("subscribers", chosen, reporting.code, display), build, reader=staff, errors=errors
    )
    return render(request, "admin/analytics/subscribers.html", None,
                  admin_context(staff, body=body, active_tab="subscribers"),
                  status_code=422 if errors else 200)  # fmt: skip


@get("/analytics/subscribers.csv", name="admin.analytics.subscribers.csv", opt=ANALYTICS)
async def export_subscribers(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
    analytics_pages: NamedDependency[AnalyticsPageCache],
) -> Response[str]:
    chosen, errors, _, section = _range(request, clock)
    if section not in CSV_SECTIONS:
        errors["section"] = f"Choose one of {', '.join(CSV_SECTIONS)}."
    if errors:
        return errors_as_text(errors)
    reporting = Currency.of(settings.reporting_currency)

    async def build() -> str:
        page = await subscriber_metrics_page(staff, chosen, uow=read_uow, reporting=reporting)
        out = io.StringIO()
        csv.writer(out).writerows(subscriber_csv_rows(page, section))
        return out.getvalue()

    text = await analytics_pages.body(
        ("subscribers.csv", section, chosen, reporting.code), build, reader=staff
    )
    name = f"subscribers-{section}-{chosen.start:%Y-%m}-{chosen.end:%Y-%m}.csv"
    return Response(
        text, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip
