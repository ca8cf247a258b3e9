"""What the subscriber metrics read (``uow.subscriber_metrics``: the sources, each a plain read
of one table, over a time range and filters or whole for the refresh), proven on SQLite and
PostgreSQL; their read model (``uow.subscriber_months``: stored per segment and month, replaced
by the refresh); and the monthly summary's opt-ins (``uow.analytics_summary``) with the unit its
job and settings use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from domain.analytics.ports import ExchangeRatesUnit, MrrLedgerRepository
from domain.notifications.ports import NotificationsUnit
from domain.staff.ports import StaffUnit
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import CancellationReason

if TYPE_CHECKING:
    from domain.analytics_reports.subscriber_read_model import SubscriberMonth, SubscriberRefresh


@dataclass(frozen=True, slots=True)
class SubscriberFilters:
    """What every section is narrowed to (None: any): a plan code, a currency, a country."""

    plan_code: str | None = None
    currency: str | None = None
    country: str | None = None

    def query(self) -> dict[str, str]:
        values = {"plan": self.plan_code, "currency": self.currency, "country": self.country}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the filters offer, each sorted: the plans' codes, the subscriptions' currencies and
    the customers' countries."""

    plans: list[str]
    currencies: list[str]
    countries: list[str]


# The rows' plan code and country (``plan_code``, ``country``) are what the in-memory reads
# filter on; the database filters in SQL and leaves them None.


@dataclass(frozen=True, slots=True)
class ClosedDunningCase:
    closed_at: datetime
    recovered: bool  # paid (by a retry, the customer or offline); else exhausted or settled
    amount_minor: int  # the invoice's amount due
    currency: str
    plan_code: str | None = None  # the invoice's subscription's (None: a one-off invoice)
    country: str | None = None  # the customer's


@dataclass(frozen=True, slots=True)
class RefundRow:
    at: datetime  # when the gateway confirmed it
    amount_minor: int
    currency: str
    plan_code: str | None = None  # the refunded invoice's subscription's
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ReasonMonth:
    month: date  # first day (UTC)
    reason: CancellationReason
    count: int
    plan_code: str | None = None  # the cancelled subscription's
    currency: str | None = None
    country: str | None = None


class SubscriberMetricsReads(Protocol):
    async def trial_versions(
        self, *, since: datetime, filters: SubscriberFilters
    ) -> list[SubscriptionVersion]:
        """Every stored version of every subscription that was ever ``trialing`` and changed at
        or after ``since`` (a trial that ended since then did), in the order they were
        written; narrowed to subscriptions in ``filters.currency`` and with a trialing version
        in ``filters.country`` (the trial's plan and country are checked on the versions,
        ``trial_ends``)."""
        ...

    async def closed_dunning_cases(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[ClosedDunningCase]:
        """Dunning cases closed in ``[since, until)``, test-clock cases left out; their
        invoice's currency, its subscription's plan (a plan leaves one-off invoices out) and the
        customer's country as ``filters`` ask."""
        ...

    async def refunds(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[RefundRow]:
        """Succeeded refunds finished in ``[since, until)``: the refund's currency, its
        invoice's subscription's plan and its customer's country (the invoice's customer when
        the refund names none) as asked."""
        ...

    async def reasons(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[ReasonMonth]:
        """Cancellation feedback counted per UTC month and reason: the subscription's plan and
        currency and the customer's country as asked."""
        ...

    async def plan_codes(self) -> dict[str, str]:
        """Every plan's id to its code."""
        ...

    async def choices(self) -> FilterChoices: ...

    # the whole history, for the refresh: rows carry their plan code, currency and country

    async def trialed_subscriptions(self) -> list[str]:
        """The ids of every subscription with a ``trialing`` version, sorted."""
        ...

    async def versions_of(self, subscription_ids: list[str]) -> list[SubscriptionVersion]:
        """Every stored version of these subscriptions, in the order they were written."""
        ...

    async def all_closed_dunning_cases(self) -> list[ClosedDunningCase]:
        """Every closed dunning case but test clocks', with the plan (None: a one-off invoice)
        and the customer's country as ``closed_dunning_cases`` filters on them."""
        ...

    async def all_refunds(self) -> list[RefundRow]:
        """Every succeeded refund with a finish, with its plan and country as ``refunds``
        filters on them."""
        ...

    async def all_reasons(self) -> list[ReasonMonth]:
        """The cancellation feedback counted per month, reason, plan, currency and country."""
        ...


class SubscriberMonthsStore(Protocol):
    """``uow.subscriber_months``: the read model, replaced whole by the refresh."""

    async def replace(self, months: list[SubscriberMonth], refresh: SubscriberRefresh) -> None: ...

    async def refresh(self) -> SubscriberRefresh | None:
        """The last refresh (None: never run)."""
        ...

    async def months(self, segment: str, start: date, end: date) -> list[SubscriberMonth]:
        """The segment's rows from month ``start`` to month ``end`` (first days, inclusive)."""
        ...


class AnalyticsReportsUnit(ExchangeRatesUnit, Protocol):
    @property
    def subscriber_metrics(self) -> SubscriberMetricsReads: ...

    @property
    def subscriber_months(self) -> SubscriberMonthsStore: ...


class SummaryOptIns(Protocol):
    """``uow.analytics_summary``: who asked for the monthly summary e-mail."""

    async def is_on(self, staff_id: str) -> bool: ...

    async def set(self, staff_id: str, *, on: bool, at: datetime) -> None: ...

    async def staff_ids(self) -> list[str]: ...


class SummaryUnit(AnalyticsReportsUnit, NotificationsUnit, StaffUnit, Protocol):
    @property
    def mrr_ledger(self) -> MrrLedgerRepository: ...

    @property
    def analytics_summary(self) -> SummaryOptIns: ...
