"""What the analytics use cases need from storage: the exchange rates (and the audit log, in
the same transaction, for adding one), the MRR movement ledger and the materialised cohort
cells."""

from __future__ import annotations

from typing import Protocol

from domain.analytics.cohort_filters import CohortFilters, CohortRefresh
from domain.analytics.cohorts import CohortCell
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import LedgerMovement
from domain.audit.ports import AuditUnit


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
