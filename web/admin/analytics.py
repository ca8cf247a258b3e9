"""/admin/analytics (``ANALYTICS_READ``, billing and owner): the MRR overview of a date range in
month or week buckets with plan, currency and country filters (a GET form, no JavaScript
needed), its charts and tables, a CSV of each table (``?format=csv&table=mrr|movements``), and
/admin/analytics/movements: the ledger rows behind a figure. Read from the read model only
(domain/analytics/dashboard.py); bad filters re-render the form with the messages (400)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Response, Template
from markupsafe import Markup

from domain.adapters.formatting import in_digits
from domain.adapters.i18n import gettext_for
from domain.analytics.dashboard import (
    AnalyticsFilters,
    Overview,
    analytics_movements,
    analytics_overview,
    default_filters,
    parse_filters,
    parse_kind,
)
from domain.analytics.ledger import LedgerMovement
from domain.analytics.metrics import Bucket, Period
from domain.analytics.movements import MovementKind
from domain.shared.clock import Clock
from domain.shared.display import Display
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money, round_minor
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.analytics_cache import AnalyticsPageCache, render_body
from web.admin.analytics_charts import (
    SERIES,
    bucket_label,
    mrr_chart,
    series,
    waterfall_chart,
)
from web.admin.analytics_labels import number_text
from web.admin.pages import admin_context
from web.display import current_display, tr
from web.forms import Field, FormSpec
from web.settings import Settings
from web.templating import render

READ = {"permission": Permission.ANALYTICS_READ}
QUERY = FormSpec(
    Field("from", 10), Field("to", 10), Field("bucket", 5), Field("plan", 64),
    Field("currency", 3), Field("country", 2), Field("kind", 12), Field("format", 3),
    Field("table", 9),
)  # fmt: skip
TABLES = ("mrr", "movements")


@dataclass(frozen=True, slots=True)
class Card:
    key: str
    label: str
    value: Money | Fraction | int | None
    kind: str  # money, percent, count
    change: Money | int | None = None
    href: str | None = None
    hint: str = ""
    good_when_up: bool = True


def _money(minor: int, currency: Currency) -> Money:
    return Money(minor, currency)


def _money_of(value: Fraction | None, currency: Currency) -> Money | None:
    return None if value is None else Money(round_minor(value), currency)


def movements_href(filters: AnalyticsFilters, kind: str | None = None, period: Period | None = None
                   ) -> str:  # fmt: skip
    """The movements page of ``filters`` (the bucket left out), of ``period`` instead of the
    whole range and of one ``kind`` when given: the link behind each figure (hundreds a page)."""
    start, end = (period.start, period.end) if period is not None else (filters.start, filters.end)
    href = f"/admin/analytics/movements?from={start.isoformat()}&to={end.isoformat()}"
    rest = _slice_query(filters)
    if rest:
        href += "&" + rest
    if kind:
        href += "&" + urlencode({"kind": kind})
    return href


@lru_cache(maxsize=256)
def _slice_query(filters: AnalyticsFilters) -> str:
    """The slice's filters as a query string, encoded once per filter set."""
    query = filters.query()
    for name in ("from", "to", "bucket"):
        query.pop(name, None)
    return urlencode(query)


def cards(overview: Overview, display: Display | None = None) -> list[Card]:
    """The headline cards; labels and hints in the display's language (English without one;
    the metric abbreviations MRR, ARR, ARPU, GRR, NRR, LTV are kept as Persian admin panels
    write them)."""
    language = display.language if display is not None else "en"

    def _(message: str, **variables: str) -> str:  # extracted as _() by pybabel
        return gettext_for(language, message, **variables)

    def n(value: object) -> str:
        return in_digits(str(value), display)

    amount = number_text(display) if display is not None else str

    cur = overview.reporting
    f = overview.filters
    h = overview.series.headline
    all_href = movements_href(f)
    arpu_end, arpu_start = (
        _money_of(h.arpu, cur),
        _money_of(
            Fraction(h.opening.mrr, h.opening.customers) if h.opening.customers else None, cur
        ),
    )
    arpu_change = (arpu_end - arpu_start if arpu_end is not None and arpu_start is not None
                   else None)  # fmt: skip
    m = overview.series.monthly
    lost = _money(h.lost, cur)
    return [
        Card("mrr", "MRR", _money(h.mrr, cur), "money", _money(h.mrr - h.opening.mrr, cur),
             all_href, _("Monthly recurring revenue at the end of the range")),
        Card("arr", "ARR", _money(h.arr, cur), "money",
             _money(12 * (h.mrr - h.opening.mrr), cur), all_href, n("12 × MRR")),
        Card("net_new", _("Net new MRR"), _money(h.net_new, cur), "money", None, all_href,
             _("New + expansion + reactivation − contraction − churn")),
        Card("subscribers", _("Subscribers"), h.closing.subscribers, "count",
             h.closing.subscribers - h.opening.subscribers, all_href,
             _("Subscriptions with MRR above zero")),
        Card("customers", _("Customers"), h.closing.customers, "count",
             h.closing.customers - h.opening.customers, all_href,
             _("Customers with MRR above zero")),
        Card("arpu", "ARPU", arpu_end, "money", arpu_change, all_href, _("MRR ÷ customers")),
        Card("logo_churn", _("Logo churn"), m.logo_churn, "percent", None,
             movements_href(f, "churn"),
             _("Monthly average · %(n)s customers churned", n=n(h.churned_customers)),
             good_when_up=False),
        Card("revenue_churn", _("Revenue churn"), m.revenue_churn, "percent", None,
             movements_href(f, "churn"),
             _("Monthly average · %(amount)s lost to churn and contraction",
               amount=f"{amount(lost.to_decimal_string())} {cur.code}"), good_when_up=False),
        Card("grr", "GRR", m.grr, "percent", None, movements_href(f, "contraction"),
             _("Gross revenue retention, monthly average: (start − churn − contraction) ÷ "
               "start")),
        Card("nrr", "NRR", m.nrr, "percent", None, movements_href(f, "expansion"),
             _("Net revenue retention, monthly average: adds expansion and reactivation")),
        Card("ltv", "LTV", _money_of(overview.series.ltv, cur), "money", None, None,
             _("ARPU ÷ monthly revenue churn") if overview.series.ltv is not None
             else _("ARPU ÷ monthly revenue churn: no churn in the range")),
    ]  # fmt: skip


def percent_text(value: Fraction | None, places: int = 2) -> str:
    if value is None:
        return ""
    # value x 100 in units of 10**-places, rounded once (round_minor's half-up)
    rounded = round_minor(value * 100 * 10**places)
    sign = "-" if rounded < 0 else ""
    whole, part = divmod(abs(rounded), 10**places)
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"


def mrr_rows(overview: Overview) -> list[dict[str, str]]:
    """The MRR table (and its CSV): exact amounts with the currency's decimals."""
    cur = overview.reporting
    out = []
    for p in overview.series.periods:
        arpu = _money_of(p.arpu, cur)
        out.append({
            "bucket": bucket_label(p.start, overview.filters.bucket),
            "start": p.start.isoformat(), "end": p.end.isoformat(),
            "mrr": _money(p.mrr, cur).to_decimal_string(),
            "arr": _money(p.arr, cur).to_decimal_string(),
            "subscribers": str(p.closing.subscribers), "customers": str(p.closing.customers),
            "arpu": arpu.to_decimal_string() if arpu else "",
            "logo_churn_pct": percent_text(p.logo_churn),
            "revenue_churn_pct": percent_text(p.revenue_churn),
            "grr_pct": percent_text(p.grr), "nrr_pct": percent_text(p.nrr),
        })  # fmt: skip
    return out


def movement_rows(overview: Overview) -> list[dict[str, str]]:
    cur = overview.reporting
    out = []
    for p in overview.series.periods:
        row = {"bucket": bucket_label(p.start, overview.filters.bucket),
               "start": p.start.isoformat(), "end": p.end.isoformat()}  # fmt: skip
        for kind, _ in SERIES:
            row[kind] = _money(getattr(p, kind), cur).to_decimal_string()
        row["net_new"] = _money(p.net_new, cur).to_decimal_string()
        row["new_customers"] = str(p.new_customers)
        row["churned_customers"] = str(p.churned_customers)
        row["reactivated_customers"] = str(p.reactivated_customers)
        out.append(row)
    return out


def _csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    fields = list(rows[0]) if rows else ["bucket"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _csv(text: str, name: str, filters: AnalyticsFilters, reporting: Currency) -> Response[str]:
    filename = f"analytics-{name}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response(
        text, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "X-Reporting-Currency": reporting.code},
    )  # fmt: skip


def _typed(request: Request[Any, Any, Any]) -> tuple[dict[str, str], dict[str, str]]:
    form = QUERY.parse(request.query_params)
    typed = {k: form.get(k) for k in ("from", "to", "bucket", "plan", "currency", "country")}
    return typed, dict(form.errors)


def _filters(typed: Mapping[str, str], errors: dict[str, str], today: Any) -> AnalyticsFilters:
    if errors:
        raise ValidationFailed(errors)
    return parse_filters(typed, today)


def _body_context(request: Request[Any, Any, Any], overview: Overview, typed: Mapping[str, str],
                  errors: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    display = current_display(request)
    filters = overview.filters
    periods = overview.series.periods
    return {
        "overview": overview,
        "cards": cards(overview, display),
        "mrr_chart": mrr_chart(periods, filters.bucket, overview.reporting, display),
        "waterfall": waterfall_chart(periods, filters.bucket, overview.reporting, display),
        "mrr_rows": mrr_rows(overview),
        "movement_rows": movement_rows(overview),
        # the tables' first column in the page's language (the CSV keeps English labels)
        "bucket_labels": [bucket_label(p.start, filters.bucket, display=display) for p in periods],
        "num": number_text(display),
        "periods": periods,
        "series_kinds": series(display),
        "form": {**filters.query(), **{k: v for k, v in typed.items() if errors and v}},
        "errors": errors,
        "csv_query": urlencode(filters.query()),
        "movements_href": movements_href,
        "bucket_choices": [
            (b.value, tr(request, "Months") if b is Bucket.MONTH else tr(request, "Weeks"))
            for b in Bucket
        ],
        "tab": "overview",
    }


@get("/analytics", name="admin.analytics", opt=READ)
async def show_analytics(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
    analytics_pages: NamedDependency[AnalyticsPageCache],
) -> Template | Response[str]:
    """The overview's body (or CSV) comes from the process's cache of the analytics pages while
    the read models' version is the one it was built at (web/admin/analytics_cache.py)."""
    reporting = Currency.of(settings.reporting_currency)
    today = clock.now().date()
    typed, errors = _typed(request)
    status = 200
    try:
        filters = _filters(typed, errors, today)
    except ValidationFailed as exc:
        errors, status, filters = exc.field_errors, 400, default_filters(today)
    form = QUERY.parse(request.query_params)
    if status == 200 and form.get("format") == "csv":
        table = form.get("table") or "mrr"
        if table not in TABLES:
            return Response("Unknown table: choose mrr or movements.\n", status_code=400,
                            media_type="text/plain; charset=utf-8")  # fmt: skip

        async def build_csv() -> str:
            overview = await analytics_overview(staff, filters, uow=read_uow, reporting=reporting)
            return _csv_text(mrr_rows(overview) if table == "mrr" else movement_rows(overview))

        key = ("overview.csv", table, filters, reporting.code)
        return _csv(
            await analytics_pages.body(key, build_csv, reader=staff), table, filters, reporting
        )

    async def build() -> Markup:
        overview = await analytics_overview(staff, filters, uow=read_uow, reporting=reporting)
        return render_body(request, "admin/analytics/_overview_body.html",
                           _body_context(request, overview, typed, errors))  # fmt: skip

    if status == 200:
        key = ("overview", filters, reporting.code, current_display(request))
        body = await analytics_pages.body(key, build, reader=staff)
    else:  # the messages and the text as typed: never kept
        body = await build()
    context = admin_context(staff, body=body, tab="overview")
    return render(request, "admin/analytics/overview.html", None, context, status_code=status)


TONES = {"new": "success", "expansion": "info", "reactivation": "accent",
         "contraction": "warning", "churn": "danger"}  # fmt: skip


def _display(row: LedgerMovement, by_plan: bool, reporting: Currency) -> dict[str, Any]:
    currency = Currency.of(row.currency)
    kind = (row.kind if by_plan else row.customer_kind).value
    shown = row.reporting_amount_minor if row.reporting_currency == reporting.code else None
    return {
        "row": row, "kind": kind, "tone": TONES[kind],
        "amount": Money(row.amount_minor, currency), "mrr": Money(row.mrr_minor, currency),
        "reporting": None if shown is None else Money(shown, reporting),
    }  # fmt: skip


@get("/analytics/movements", name="admin.analytics.movements", opt=READ)
async def show_analytics_movements(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
) -> Template:
    today = clock.now().date()
    typed, errors = _typed(request)
    form = QUERY.parse(request.query_params)
    status = 200
    try:
        filters = _filters(typed, errors, today)
        kind = parse_kind(form.get("kind"))
    except ValidationFailed as exc:
        errors, status = exc.field_errors, 400
        filters, kind = default_filters(today), None
    view = await analytics_movements(staff, filters, kind, uow=read_uow)
    reporting = Currency.of(settings.reporting_currency)
    context = admin_context(
        staff, view=view, errors=errors, kinds=[k.value for k in MovementKind],
        rows=[_display(r, filters.by_plan, reporting) for r in view.rows], reporting=reporting,
        back="/admin/analytics?" + urlencode(filters.query()), tab="overview",
        kind_label=dict(series(current_display(request))),
    )  # fmt: skip
    return render(request, "admin/analytics/movements.html", None, context, status_code=status)
