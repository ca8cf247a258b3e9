"""What the subscriber metrics read (``uow.subscriber_metrics``), each a plain read of one
table over a time range, proven on SQLite and PostgreSQL; and the monthly summary's opt-ins
(``uow.analytics_summary``) with the unit its job and settings use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from domain.analytics.ports import ExchangeRatesUnit, MrrLedgerRepository
from domain.notifications.ports import NotificationsUnit
from domain.staff.ports import StaffUnit
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import CancellationReason


@dataclass(frozen=True, slots=True)
class ClosedDunningCase:
    closed_at: datetime
    recovered: bool  # paid (by a retry, the customer or offline); else exhausted or settled
    amount_minor: int  # the invoice's amount due
    currency: str


@dataclass(frozen=True, slots=True)
class RefundRow:
    at: datetime  # when the gateway confirmed it
    amount_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class ReasonMonth:
    month: date  # first day (UTC)
    reason: CancellationReason
    count: int


class SubscriberMetricsReads(Protocol):
    async def trial_versions(self, *, since: datetime) -> list[SubscriptionVersion]:
        """Every stored version of every subscription that was ever ``trialing`` and changed at
        or after ``since`` (a trial that ended since then did), in the order they were
        written."""
        ...

    async def closed_dunning_cases(
        self, *, since: datetime, until: datetime
    ) -> list[ClosedDunningCase]:
        """Dunning cases closed in ``[since, until)``, test-clock cases left out."""
        ...

    async def refunds(self, *, since: datetime, until: datetime) -> list[RefundRow]:
        """Succeeded refunds finished in ``[since, until)``."""
        ...

    async def reasons(self, *, since: datetime, until: datetime) -> list[ReasonMonth]:
        """Cancellation feedback counted per UTC month and reason."""
        ...


class AnalyticsReportsUnit(ExchangeRatesUnit, Protocol):
    @property
    def subscriber_metrics(self) -> SubscriberMetricsReads: ...


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
