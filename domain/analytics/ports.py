"""What the analytics use cases need from storage: the exchange rates (and the audit log, in
the same transaction, for adding one), the MRR movement ledger and the materialised cohort
cells."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from domain.analytics.aggregate import DayAggregate, Dims
from domain.analytics.cohort_filters import CohortFilters, CohortRefresh
from domain.analytics.cohorts import CohortCell
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import LedgerMovement
from domain.analytics.metrics import Bucket, Totals
from domain.analytics.read_model import LedgerQuery, RefreshState
from domain.audit.ports import AuditUnit
from domain.jobs.ports import JobQueue
from domain.shared.transaction import Transaction


class ExchangeRateRepository(Protocol):
    async def all(self) -> list[ExchangeRate]:
        """Every entry ever made, into any reporting currency (the caller filters)."""
        ...

    async def add(self, rate: ExchangeRate) -> None:
        """Append an entry; entries are never changed or removed."""
        ...

    async def price_currencies(self) -> list[str]:
        """The currencies of every plan price (any plan version, archived included), sorted."""
        ...


class ExchangeRatesUnit(AuditUnit, Protocol):
    @property
    def exchange_rates(self) -> ExchangeRateRepository: ...

    @property
    def jobs(self) -> JobQueue:
        """To enqueue the analytics refresh when a rate is added."""
        ...


class MrrLedgerRepository(Protocol):
    """The MRR movement ledger (``domain/analytics/ledger.py``): appended to in the transaction
    of each change, read in ledger order (``id``)."""

    async def for_customer(self, customer_id: str) -> list[LedgerMovement]: ...

    async def for_customers(self, customer_ids: list[str]) -> list[LedgerMovement]:
        """These customers' rows in ledger order."""
        ...

    async def append(self, rows: list[LedgerMovement]) -> None: ...

    async def all(self) -> list[LedgerMovement]:
        """Every row in ledger order (tests and small businesses; pages read aggregates)."""
        ...

    async def clear(self) -> None:
        """Remove every row (the rebuild, in its own transaction, before appending anew)."""
        ...

    async def set_reporting(self, reporting: str, amounts: dict[int, int | None]) -> None:
        """Store each row's amount in ``reporting`` (None: no rate on its day)."""
        ...

    async def between(self, query: LedgerQuery) -> list[LedgerMovement]:
        """The rows from ``query.start`` (inclusive) to ``query.end`` (exclusive) that match its
        filters, by instant then ledger order, at most ``query.limit``."""
        ...


class AnalyticsReadModelRepository(Protocol):
    """The daily aggregates (``aggregate.DayAggregate``) and the state of their refresh."""

    async def replace(self, days: list[DayAggregate], state: RefreshState) -> None: ...

    async def state(self) -> RefreshState | None: ...

    async def totals_before(self, key: Dims, day: date) -> Totals:
        """Where the slice stands at the end of the day before ``day``."""
        ...

    async def days(self, key: Dims, start: date, end: date) -> list[DayAggregate]:
        """The slice's rows from ``start`` to ``end`` (inclusive)."""
        ...

    async def bucket_sums(
        self, key: Dims, start: date, end: date, size: Bucket
    ) -> list[DayAggregate]:
        """The slice's rows from ``start`` to ``end`` summed per calendar month or ISO week
        (each dated on its first day in the range); day rows are a correct answer too (the
        metrics bucket them), only slower."""
        ...


class AnalyticsUnit(Transaction, Protocol):
    @property
    def mrr_ledger(self) -> MrrLedgerRepository: ...

    @property
    def exchange_rates(self) -> ExchangeRateRepository: ...

    @property
    def analytics_read_model(self) -> AnalyticsReadModelRepository: ...


class CohortStore(Protocol):
    """``uow.cohorts``: the cohort cells the refresh job materialises (replaced whole) and the
    refresh's own record (with the choices the filters offer)."""

    async def replace(self, cells: list[CohortCell], refresh: CohortRefresh) -> None: ...

    async def refresh(self) -> CohortRefresh | None:
        """The last refresh (None before the first)."""
        ...

    async def cells(self, filters: CohortFilters) -> list[CohortCell]:
        """The cells of the filters' segment (their plan, currency and country, ``ANY`` for
        each not chosen) in their cohort range: one per cohort and age."""
        ...


class CohortsUnit(ExchangeRatesUnit, Protocol):
    @property
    def mrr_ledger(self) -> MrrLedgerRepository: ...

    @property
    def cohorts(self) -> CohortStore: ...
