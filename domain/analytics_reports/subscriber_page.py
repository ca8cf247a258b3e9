"""The subscriber metrics page's use case (``ANALYTICS_READ``): a range of UTC months and the
optional plan, currency and country filters typed as text, checked (the cohort page's checks);
the month rows of the filters' segment read from the read model (``subscriber_read_model.py``,
refreshed by the job ``analytics.refresh_subscribers``; no scan of the sources) with their
totals, amounts in the reporting currency (each at its own day's rate), and the CSV rows.

``direct_months`` computes the same rows straight from the sources (the filtered reads of
``uow.subscriber_metrics``): the definition the read model must equal (tests compare them), and
the bench's "before"; no request calls it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from domain.analytics.cohort_filters import check_dims, parse_month
from domain.analytics.cohorts import add_months, format_tenths, months_between
from domain.analytics.exchange_rates import ExchangeRates, NoExchangeRate
from domain.analytics_reports.ports import (
    AnalyticsReportsUnit,
    FilterChoices,
    SubscriberFilters,
)
from domain.analytics_reports.subscriber_metrics import (
    MonthMetrics,
    monthly_metrics,
    totals,
    trial_ends,
)
from domain.analytics_reports.subscriber_read_model import (
    SubscriberRefresh,
    segment_of,
)
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money, Rounding
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.model import CancellationReason

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
BAD_RANGE = "analytics.bad_range"


@dataclass(frozen=True, slots=True)
class MonthRange:
    start: date  # first days
    end: date
    filters: SubscriberFilters = field(default_factory=SubscriberFilters)

    @property
    def months(self) -> list[date]:
        return [add_months(self.start, i) for i in range(months_between(self.start, self.end) + 1)]

    def query(self) -> dict[str, str]:
        return {"from": self.start.strftime("%Y-%m"), "to": self.end.strftime("%Y-%m"),
                **self.filters.query()}  # fmt: skip


def check_range(
    start_text: str, end_text: str, *, today: date, plan: str = "", currency: str = "",
    country: str = "",
) -> MonthRange:  # fmt: skip
    """The months and filters asked for (either month may be empty: the last
    ``DEFAULT_MONTHS`` up to this month fill it; an empty filter is any), or
    ``ValidationFailed`` naming each problem."""
    (plan_code, currency_code, country_code), errors = check_dims(plan, currency, country)
    start, end = parse_month(start_text.strip()), parse_month(end_text.strip())
    if start_text.strip() and start is None:
        errors["from"] = "Enter a month like 2026-04."
    if end_text.strip() and end is None:
        errors["to"] = "Enter a month like 2026-04."
    current = date(today.year, today.month, 1)
    if end is not None and end > current:
        errors["to"] = "Choose this month or an earlier one."
    if start is not None and end is not None and start > end and "to" not in errors:
        errors["to"] = "The last month comes on or after the first."
    if errors:
        raise ValidationFailed(errors, code=BAD_RANGE)
    end = end or current
    start = start or add_months(end, -(DEFAULT_MONTHS - 1))
    if months_between(start, end) >= MAX_MONTHS:
        raise ValidationFailed({"from": f"Choose at most {MAX_MONTHS} months."}, code=BAD_RANGE)
    filters = SubscriberFilters(plan_code or None, currency_code or None, country_code or None)
    return MonthRange(start, end, filters)


def default_range(today: date) -> MonthRange:
    return check_range("", "", today=today)


MAX_MISSING_LISTED = 5


def missing_text(missing: set[tuple[str, date]]) -> str:
    """The currencies and days without a rate, named: the first five ("EUR on 2026-01-03, ..."),
    then "and more"."""
    text = ", ".join(f"{c} on {d.isoformat()}" for c, d in sorted(missing)[:MAX_MISSING_LISTED])
    return text + (" and more" if len(missing) > MAX_MISSING_LISTED else "")


@dataclass(frozen=True, slots=True)
class SubscriberMetricsPage:
    range: MonthRange
    refresh: SubscriberRefresh | None  # None: never computed yet (the rows are then empty)
    rows: list[MonthMetrics]
    total: MonthMetrics
    reporting_currency: str
    missing_rates: str  # "EUR on 2026-01-03, ..." (amounts shown as unknown)
    choices: FilterChoices  # what the filters offer

    @property
    def reasons(self) -> list[CancellationReason]:
        return list(CancellationReason)

    @property
    def busiest(self) -> int:
        """Cancellations in the busiest month (the reasons chart's top)."""
        return max((r.cancellations for r in self.rows), default=0)


async def subscriber_metrics_page(
    actor: SignedInStaff, chosen: MonthRange, *, uow: AnalyticsReportsUnit, reporting: Currency
) -> SubscriberMetricsPage:
    """The months of ``chosen`` for its filters, as of the last refresh: one stored row per
    month with an event (the others are zero)."""
    require(actor, Permission.ANALYTICS_READ)
    async with uow:
        refresh = await uow.subscriber_months.refresh()
        stored = (await uow.subscriber_months.months(segment_of(chosen.filters), chosen.start,
                                                     chosen.end)
                  if refresh is not None else [])  # fmt: skip
    by_month = {s.month: s for s in stored}
    missing: set[tuple[str, date]] = set()
    rows = []
    for month in chosen.months:
        found = by_month.get(month)
        rows.append(found.metrics if found is not None else MonthMetrics(month))
        missing |= found.missing if found is not None else set()
    choices = refresh.choices if refresh is not None else FilterChoices([], [], [])
    # amounts are in the currency the refresh converted into (a changed setting applies from
    # the next refresh)
    shown_in = refresh.reporting_currency if refresh is not None else reporting.code
    return SubscriberMetricsPage(chosen, refresh, rows, totals(rows), shown_in,
                                 missing_text(missing), choices)  # fmt: skip


async def direct_months(
    chosen: MonthRange, *, uow: AnalyticsReportsUnit, reporting: Currency, rounding: Rounding
) -> tuple[list[MonthMetrics], str]:
    """The months of ``chosen`` computed from the sources now (a scan of the trials' histories:
    seconds at scale), and the missing rates' text; what the read model must give."""
    since = datetime(chosen.start.year, chosen.start.month, 1, tzinfo=UTC)
    after = add_months(chosen.end, 1)
    until = datetime(after.year, after.month, 1, tzinfo=UTC)
    only = chosen.filters
    async with uow:
        reads = uow.subscriber_metrics
        versions = await reads.trial_versions(since=since, filters=only)
        plan_codes = await reads.plan_codes() if only.plan_code else {}
        cases = await reads.closed_dunning_cases(since=since, until=until, filters=only)
        refunds = await reads.refunds(since=since, until=until, filters=only)
        reasons = await reads.reasons(since=since, until=until, filters=only)
        rates = ExchangeRates(reporting, await uow.exchange_rates.all())
    missing: set[tuple[str, date]] = set()

    def to_reporting(minor: int, currency: str, day: date) -> int | None:
        try:
            return rates.convert(Money.of_minor(minor, currency), day, rounding).minor
        except NoExchangeRate:
            missing.add((currency, day))
            return None

    trials = trial_ends(versions, only, plan_codes)
    rows = monthly_metrics(chosen.months, trials=trials, cases=cases,
                           refunds=refunds, reasons=reasons, to_reporting=to_reporting)  # fmt: skip
    return rows, missing_text(missing)


def _minor(value: int | None) -> str:
    return "" if value is None else str(value)


def _pct(tenths: int | None) -> str:
    return "" if tenths is None else format_tenths(tenths).rstrip("%")


CSV_SECTIONS = ("trials", "dunning", "refunds", "reasons")


def subscriber_csv_rows(page: SubscriberMetricsPage, section: str) -> list[list[str]]:
    """One section's table as CSV rows (a header, a row per month); amounts in minor units of
    the reporting currency."""
    cur = page.reporting_currency
    if section == "trials":
        return [["month", "trials_ended", "converted", "not_converted", "conversion_pct"]] + [
            [r.month.strftime("%Y-%m"), str(r.trials_ended), str(r.trials_converted),
             str(r.trials_lost), _pct(r.conversion_tenths)] for r in page.rows
        ]  # fmt: skip
    if section == "dunning":
        return [["month", "cases_closed", "recovered", "lost", "recovery_pct",
                 f"recovered_minor_{cur}"]] + [
            [r.month.strftime("%Y-%m"), str(r.dunning_closed), str(r.dunning_recovered),
             str(r.dunning_lost), _pct(r.recovery_tenths), _minor(r.recovered_minor)]
            for r in page.rows
        ]  # fmt: skip
    if section == "refunds":
        return [["month", "refunds", f"refunded_minor_{cur}"]] + [
            [r.month.strftime("%Y-%m"), str(r.refunds), _minor(r.refunded_minor)]
            for r in page.rows
        ]  # fmt: skip
    if section == "reasons":
        return [["month", *[reason.value for reason in CancellationReason], "total"]] + [
            [r.month.strftime("%Y-%m"), *[str(r.reasons.get(x, 0)) for x in CancellationReason],
             str(r.cancellations)] for r in page.rows
        ]  # fmt: skip
    raise ValidationFailed({"section": f"One of {', '.join(CSV_SECTIONS)}."}, code=BAD_RANGE)
