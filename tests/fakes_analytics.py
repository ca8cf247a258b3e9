"""The in-memory exchange rates, subscription history and MRR ledger (kept out of
tests/fakes.py, which is long enough)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from domain.analytics.aggregate import DayAggregate, Dims
from domain.analytics.cohort_filters import CohortFilters, CohortRefresh
from domain.analytics.cohorts import ANY, CohortCell
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import LedgerMovement
from domain.analytics.metrics import Bucket, Totals
from domain.analytics.read_model import LedgerQuery, RefreshState
from domain.analytics_reports.ports import (
    ClosedDunningCase,
    FilterChoices,
    ReasonMonth,
    RefundRow,
    SubscriberFilters,
)
from domain.analytics_reports.subscriber_read_model import SubscriberMonth, SubscriberRefresh
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.history import SubscriptionVersion


class InMemoryExchangeRateRepository:
    def __init__(self) -> None:
        self.rates: list[ExchangeRate] = []
        self.currencies: set[str] = set()  # set by a test: the plan prices' currencies

    async def all(self) -> list[ExchangeRate]:
        return list(self.rates)

    async def add(self, rate: ExchangeRate) -> None:
        self.rates.append(rate)

    async def price_currencies(self) -> list[str]:
        return sorted(self.currencies)


class InMemorySubscriptionHistory:
    def __init__(self) -> None:
        self.versions: list[SubscriptionVersion] = []

    async def add(self, version: SubscriptionVersion) -> None:
        self.versions.append(replace(version, id=len(self.versions) + 1))

    async def add_many(self, versions: Sequence[SubscriptionVersion]) -> None:
        for version in versions:
            await self.add(version)

    async def customers(self, *, after: str | None, limit: int) -> list[str]:
        ids = sorted({v.subscription.customer_id for v in self.versions})
        return [i for i in ids if after is None or i > after][:limit]

    async def for_customers(self, customer_ids: list[str]) -> list[SubscriptionVersion]:
        return [v for v in self.versions if v.subscription.customer_id in customer_ids]

    async def for_subscription(self, subscription_id: str) -> list[SubscriptionVersion]:
        return [v for v in self.versions if v.subscription.id == subscription_id]


class InMemoryMrrLedger:
    def __init__(self) -> None:
        self.rows: list[LedgerMovement] = []

    async def for_customer(self, customer_id: str) -> list[LedgerMovement]:
        return [r for r in self.rows if r.customer_id == customer_id]

    async def for_customers(self, customer_ids: list[str]) -> list[LedgerMovement]:
        return [r for r in self.rows if r.customer_id in customer_ids]

    async def for_subscription(self, subscription_id: str) -> list[LedgerMovement]:
        return [r for r in self.rows if r.subscription_id == subscription_id]

    async def append(self, rows: list[LedgerMovement]) -> None:
        for row in rows:
            self.rows.append(replace(row, id=len(self.rows) + 1))

    async def all(self) -> list[LedgerMovement]:
        return list(self.rows)

    async def clear(self) -> None:
        self.rows.clear()

    async def set_reporting(self, reporting: str, amounts: dict[int, int | None]) -> None:
        self.rows = [
            replace(r, reporting_currency=reporting if amounts[r.id] is not None else None,
                    reporting_amount_minor=amounts[r.id]) if r.id in amounts else r
            for r in self.rows
        ]  # fmt: skip

    async def between(self, query: LedgerQuery) -> list[LedgerMovement]:
        def keep(r: LedgerMovement) -> bool:
            kind = r.kind if query.by_subscription_kind else r.customer_kind
            return (query.start <= r.at < query.end
                    and (query.kind is None or kind is query.kind)
                    and query.plan_code in (None, r.plan_code)
                    and query.currency in (None, r.currency)
                    and query.country in (None, r.country))  # fmt: skip

        return sorted(filter(keep, self.rows), key=lambda r: (r.at, r.id or 0))[: query.limit]


class InMemoryAnalyticsReadModel:
    def __init__(self) -> None:
        self.rows: list[DayAggregate] = []
        self.refreshed: RefreshState | None = None

    async def replace(self, days: list[DayAggregate], state: RefreshState) -> None:
        self.rows, self.refreshed = list(days), state

    async def state(self) -> RefreshState | None:
        return self.refreshed

    def _of(self, key: Dims) -> list[DayAggregate]:
        return [d for d in self.rows if (d.plan_code, d.currency, d.country) == key]

    async def totals_before(self, key: Dims, day: date) -> Totals:
        rows = [d for d in self._of(key) if d.day < day]
        return Totals(sum(d.net for d in rows), sum(d.customers for d in rows),
                      sum(d.subscribers for d in rows))  # fmt: skip

    async def days(self, key: Dims, start: date, end: date) -> list[DayAggregate]:
        return [d for d in self._of(key) if start <= d.day <= end]

    async def bucket_sums(
        self, key: Dims, start: date, end: date, size: Bucket
    ) -> list[DayAggregate]:
        return await self.days(key, start, end)


class InMemoryCohortStore:
    def __init__(self) -> None:
        self.stored: list[CohortCell] = []
        self.last: CohortRefresh | None = None

    async def replace(self, cells: list[CohortCell], refresh: CohortRefresh) -> None:
        self.stored, self.last = list(cells), refresh

    async def refresh(self) -> CohortRefresh | None:
        return self.last

    async def cells(self, filters: CohortFilters) -> list[CohortCell]:
        return [
            c for c in self.stored
            if c.plan_code == (filters.plan_code or ANY)
            and c.currency == (filters.currency or ANY)
            and c.country == (filters.country or ANY)
            and (filters.start is None or c.cohort >= filters.start)
            and (filters.end is None or c.cohort <= filters.end)
        ]  # fmt: skip


def _matches(
    f: SubscriberFilters, plan_code: str | None, currency: str | None, country: str | None
) -> bool:
    return (f.plan_code in (None, plan_code) and f.currency in (None, currency)
            and f.country in (None, country))  # fmt: skip


class InMemorySubscriberMetricsReads:
    """Set the lists a test needs (the rows' ``plan_code``/``country`` for the filters; plan ids
    to codes in ``plans``); the reads filter them by time and filters as the database does."""

    def __init__(self) -> None:
        self.versions: list[SubscriptionVersion] = []
        self.cases: list[ClosedDunningCase] = []
        self.refund_rows: list[RefundRow] = []
        self.reason_rows: list[ReasonMonth] = []
        self.plans: dict[str, str] = {}

    async def trial_versions(
        self, *, since: datetime, filters: SubscriberFilters
    ) -> list[SubscriptionVersion]:
        recent = {v.subscription.id for v in self.versions if v.at >= since}
        recent &= {v.subscription.id for v in self.versions
                   if filters.currency in (None, v.subscription.currency)
                   and filters.country in (None, v.country)}  # fmt: skip
        return [v for v in self.versions if v.subscription.id in recent]

    async def closed_dunning_cases(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[ClosedDunningCase]:
        return [c for c in self.cases if since <= c.closed_at < until
                and _matches(filters, c.plan_code, c.currency, c.country)]  # fmt: skip

    async def refunds(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[RefundRow]:
        return [r for r in self.refund_rows if since <= r.at < until
                and _matches(filters, r.plan_code, r.currency, r.country)]  # fmt: skip

    async def reasons(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[ReasonMonth]:
        return [r for r in self.reason_rows if since.date() <= r.month < until.date()
                and _matches(filters, r.plan_code, r.currency, r.country)]  # fmt: skip

    async def plan_codes(self) -> dict[str, str]:
        return dict(self.plans)

    async def trialed_subscriptions(self) -> list[str]:
        return sorted({v.subscription.id for v in self.versions
                       if v.subscription.status is SubscriptionStatus.TRIALING})  # fmt: skip

    async def versions_of(self, subscription_ids: list[str]) -> list[SubscriptionVersion]:
        return [v for v in self.versions if v.subscription.id in subscription_ids]

    async def all_closed_dunning_cases(self) -> list[ClosedDunningCase]:
        return list(self.cases)

    async def all_refunds(self) -> list[RefundRow]:
        return list(self.refund_rows)

    async def all_reasons(self) -> list[ReasonMonth]:
        return list(self.reason_rows)

    async def choices(self) -> FilterChoices:
        return FilterChoices(
            sorted(set(self.plans.values())),
            sorted({v.subscription.currency for v in self.versions}),
            sorted({v.country for v in self.versions if v.country}),
        )


class InMemorySubscriberMonths:
    def __init__(self) -> None:
        self.stored: list[SubscriberMonth] = []
        self.last: SubscriberRefresh | None = None

    async def replace(self, months: list[SubscriberMonth], refresh: SubscriberRefresh) -> None:
        self.stored, self.last = list(months), refresh

    async def refresh(self) -> SubscriberRefresh | None:
        return self.last

    async def months(self, segment: str, start: date, end: date) -> list[SubscriberMonth]:
        return [m for m in self.stored if m.segment == segment and start <= m.month <= end]


class InMemorySummaryOptIns:
    def __init__(self) -> None:
        self.on: dict[str, datetime] = {}

    async def is_on(self, staff_id: str) -> bool:
        return staff_id in self.on

    async def set(self, staff_id: str, *, on: bool, at: datetime) -> None:
        if on:
            self.on[staff_id] = at
        else:
            self.on.pop(staff_id, None)

    async def staff_ids(self) -> list[str]:
        return sorted(self.on)
