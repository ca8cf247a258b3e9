"""The unit-of-work port: one transaction around a use case, with the repositories it may touch."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from domain.billing.ports import CreditNoteRepository, InvoiceRepository
from domain.catalog.ports import PlanChangeRuleRepository, PlanRepository
from domain.jobs.ports import JobQueue
from domain.subscriptions.ports import (
    CouponRepository,
    CustomerRepository,
    SubscriptionRepository,
    TaxRateRepository,
    UsageRepository,
)


@runtime_checkable
class UnitOfWork(Protocol):
    """``async with uow:`` opens a transaction; ``commit()`` makes it durable, leaving rolls back.

    Jobs enqueued through ``uow.jobs`` are written inside the same transaction, so a job exists
    exactly when the business change it follows was committed (a transactional outbox).
    """

    plans: PlanRepository
    plan_change_rules: PlanChangeRuleRepository
    invoices: InvoiceRepository
    credit_notes: CreditNoteRepository
    customers: CustomerRepository
    subscriptions: SubscriptionRepository
    usage: UsageRepository
    coupons: CouponRepository
    tax_rates: TaxRateRepository
    jobs: JobQueue

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
