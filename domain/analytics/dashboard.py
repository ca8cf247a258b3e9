"""The analytics dashboard's use cases (``ANALYTICS_READ``, billing and owner): the overview of a
date range in month or week buckets for one slice (plan, currency, country filters), read from
the read model only, and the ledger rows behind a figure.

Filters arrive as typed text; ``parse_filters`` checks them all at once (``ValidationFailed``
with a message per field, never a 5xx).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.analytics.aggregate import ALL, Dims
from domain.analytics.ledger import LedgerMovement
from domain.analytics.metrics import Bucket, Series, series
from domain.analytics.movements import MovementKind
from domain.analytics.ports import AnalyticsUnit
from domain.analytics.read_model import Dimensions, LedgerQuery, RefreshState
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require

BAD_FILTER = "analytics.bad_filter"
EARLIEST = date(2000, 1, 1)
MAX_MONTHS = 120
MAX_WEEKS = 156
MOVEMENTS_LIMIT = 500
_PLAN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


@dataclass(frozen=True, slots=True)
class AnalyticsFilters:
    start: date
    end: date
    bucket: Bucket = Bucket.MONTH
    plan: str | None = None
    currency: str | None = None
    country: str | None = None

    @property
    def key(self) -> Dims:
        return (self.plan or ALL, self.currency or ALL, self.country or ALL)

    @property
    def by_plan(self) -> bool:
        return self.plan is not None

    def query(self) -> dict[str, str]:
        """The filters as the form's fields (for links and the CSV)."""
        out = {"from": self.start.isoformat(), "to": self.end.isoformat(),
               "bucket": self.bucket.value}  # fmt: skip
        for name, value in (("plan", self.plan), ("currency", self.currency),
                            ("country", self.country)):  # fmt: skip
            if value:
                out[name] = value
        return out


def default_filters(today: date) -> AnalyticsFilters:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    month = today.year * 12 + today.month - 1 - 11
    return AnalyticsFilters(date(month // 12, month % 12 + 1, 1), today)


def _date(text: str, name: str, errors: dict[str, str]) -> date | None:
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        errors[name] = "Use a date as YYYY-MM-DD."
    elif day < EARLIEST:
        errors[name] = f"Use a date from {EARLIEST.isoformat()}."
    return day


def parse_filters(typed: Mapping[str, str], today: date) -> AnalyticsFilters:
    """The filters from the form's text (blank fields take their default), or every problem."""
    default = default_filters(today)
    errors: dict[str, str] = {}
    start = _date(typed.get("from") or default.start.isoformat(), "from", errors)
    end = _date(typed.get("to") or default.end.isoformat(), "to", errors)
    if end is not None and "to" not in errors and end > today + timedelta(days=366):
        errors["to"] = "Use a date at most a year ahead."
    bucket_text = typed.get("bucket") or Bucket.MONTH.value
    bucket = Bucket(bucket_text) if bucket_text in {b.value for b in Bucket} else None
    if bucket is None:
        errors["bucket"] = "Choose months or weeks."
    plan = (typed.get("plan") or "").strip() or None
    if plan is not None and not _PLAN.match(plan):
        errors["plan"] = "Choose a plan from the list."
    currency = (typed.get("currency") or "").strip().upper() or None
    if currency is not None:
        try:
            currency = Currency.of(currency).code
        except ValidationFailed:
            errors["currency"] = "Use a three-letter ISO 4217 currency code."
    country = (typed.get("country") or "").strip().upper() or None
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = "Use a two-letter country code (ISO 3166)."
    if start is not None and end is not None and not errors.keys() & {"from", "to"}:
        if start > end:
            errors["to"] = "The end comes on or after the start."
        elif (
            bucket is Bucket.MONTH
            and (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS
        ):
            errors["from"] = f"Choose at most {MAX_MONTHS // 12} years in months."
        elif bucket is Bucket.WEEK and (end - start).days >= MAX_WEEKS * 7:
            errors["from"] = f"Choose at most {MAX_WEEKS} weeks in weeks (or use months)."
    if errors or start is None or end is None or bucket is None:
        raise ValidationFailed(errors, code=BAD_FILTER)
    return AnalyticsFilters(start, end, bucket, plan, currency, country)


@dataclass(frozen=True, slots=True)
class Overview:
    filters: AnalyticsFilters
    reporting: Currency
    state: RefreshState | None  # None: never refreshed yet
    dimensions: Dimensions
    series: Series

    @property
    def other_reporting(self) -> bool:
        """The read model was refreshed into another reporting currency than the configured
        one (the next refresh converts anew)."""
        return self.state is not None and self.state.reporting_currency != self.reporting.code


async def analytics_overview(
    actor: SignedInStaff, filters: AnalyticsFilters, *, uow: AnalyticsUnit, reporting: Currency
) -> Overview:
    require(actor, Permission.ANALYTICS_READ)
    async with uow:
        model = uow.analytics_read_model
        state = await model.state()
        opening = await model.totals_before(filters.key, filters.start)
        days = await model.bucket_sums(filters.key, filters.start, filters.end, filters.bucket)
        months = days if filters.bucket is Bucket.MONTH else await model.bucket_sums(
            filters.key, filters.start, filters.end, Bucket.MONTH)  # fmt: skip
    figures = series(filters.start, filters.end, filters.bucket, opening, days, months)
    dimensions = state.dimensions if state is not None else Dimensions([], [], [])
    return Overview(filters, reporting, state, dimensions, figures)


@dataclass(frozen=True, slots=True)
class MovementsView:
    filters: AnalyticsFilters
    kind: MovementKind | None
    rows: list[LedgerMovement]
    limit: int
    state: RefreshState | None

    @property
    def truncated(self) -> bool:
        return len(self.rows) >= self.limit


def parse_kind(text: str | None) -> MovementKind | None:
    if not text:
        return None
    try:
        return MovementKind(text)
    except ValueError:
        raise ValidationFailed({"kind": "Choose a kind of movement."}, code=BAD_FILTER) from None


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


async def analytics_movements(
    actor: SignedInStaff, filters: AnalyticsFilters, kind: MovementKind | None, *,
    uow: AnalyticsUnit, limit: int = MOVEMENTS_LIMIT,
) -> MovementsView:  # fmt: skip
    """The ledger rows from ``filters.start`` to ``filters.end`` (whole UTC days) of one kind
    (the customer-level kind; the subscription's own kind under a plan filter)."""
    require(actor, Permission.ANALYTICS_READ)
    query = LedgerQuery(
        start=_instant(filters.start), end=_instant(filters.end + timedelta(days=1)), kind=kind,
        by_subscription_kind=filters.by_plan, plan_code=filters.plan,
        currency=filters.currency, country=filters.country, limit=limit,
    )  # fmt: skip
    async with uow:
        rows = await uow.mrr_ledger.between(query)
        state = await uow.analytics_read_model.state()
    return MovementsView(filters, kind, rows, limit, state)
