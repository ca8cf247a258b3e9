"""The unit-of-work port: one transaction around a use case, with the repositories it may touch."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from domain.accounts.ports import AccountRepository
from domain.billing.ports import CreditNoteRepository, InvoiceRepository
from domain.catalog.ports import PlanChangeRuleRepository, PlanRepository
from domain.checkout.ports import CheckoutRepository
from domain.customers.ports import CustomerRepository
from domain.documents.ports import CreditNoteDocumentRepository, InvoiceDocumentRepository
from domain.jobs.ports import JobQueue
from domain.notifications.ports import EmailRepository
from domain.payments.ports import (
    DunningRepository,
    PaymentAttemptRepository,
    PaymentMethodRepository,
    RefundRepository,
    WebhookEventRepository,
)
from domain.subscriptions.ports import (
    CancellationFeedbackRepository,
    CouponRepository,
    SubscriptionRepository,
    TaxRateRepository,
    UsageRepository,
)
from domain.testclocks.ports import TestClockRepository


@runtime_checkable
class UnitOfWork(Protocol):
    """``async with uow:`` opens a transaction; ``commit()`` makes it durable, leaving rolls back.

    Jobs enqueued through ``uow.jobs`` are written inside the same transaction, so a job exists
    exactly when the business change it follows was committed (a transactional outbox).
    """

    # read-only members: an implementation may hold any subtype (a mutable protocol attribute
    # would have to match its type exactly, which no implementation does)
    @property
    def plans(self) -> PlanRepository: ...

    @property
    def plan_change_rules(self) -> PlanChangeRuleRepository: ...

    @property
    def invoices(self) -> InvoiceRepository: ...

    @property
    def credit_notes(self) -> CreditNoteRepository: ...

    @property
    def documents(self) -> InvoiceDocumentRepository: ...

    @property
    def credit_note_documents(self) -> CreditNoteDocumentRepository: ...

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def usage(self) -> UsageRepository: ...

    @property
    def coupons(self) -> CouponRepository: ...

    @property
    def tax_rates(self) -> TaxRateRepository: ...

    @property
    def cancellation_feedback(self) -> CancellationFeedbackRepository: ...

    @property
    def payment_methods(self) -> PaymentMethodRepository: ...

    @property
    def payment_attempts(self) -> PaymentAttemptRepository: ...

    @property
    def dunning(self) -> DunningRepository: ...

    @property
    def refunds(self) -> RefundRepository: ...

    @property
    def webhook_events(self) -> WebhookEventRepository: ...

    @property
    def test_clocks(self) -> TestClockRepository: ...

    @property
    def emails(self) -> EmailRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def checkouts(self) -> CheckoutRepository: ...

    @property
    def jobs(self) -> JobQueue: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
