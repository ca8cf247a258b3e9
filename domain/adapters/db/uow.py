"""The unit of work over a Piccolo transaction.

``async with uow:`` opens a write transaction; repository queries join it through Piccolo's
ContextVar. ``commit()`` first writes the jobs enqueued through ``uow.jobs`` (so they are part of
the same transaction), then commits. Leaving the block without ``commit()`` rolls back. A use case
called from inside another one joins the outer transaction: its ``commit()`` only flushes its jobs,
and the outer use case decides.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from piccolo.engine.base import Engine

from domain.adapters.db.job_store import insert_jobs
from domain.adapters.db.repositories.accounts import PiccoloAccountRepository
from domain.adapters.db.repositories.analytics import PiccoloExchangeRateRepository
from domain.adapters.db.repositories.analytics_read_model import (
    PiccoloAnalyticsReadModelRepository,
)
from domain.adapters.db.repositories.analytics_reports import (
    PiccoloSubscriberMetricsReads,
    PiccoloSummaryOptIns,
)
from domain.adapters.db.repositories.api_reads import PiccoloApiReads
from domain.adapters.db.repositories.apikeys import (
    PiccoloApiKeyRepository,
    PiccoloIdempotencyRepository,
)
from domain.adapters.db.repositories.audit import PiccoloAuditRepository
from domain.adapters.db.repositories.billing import (
    PiccoloCreditNoteRepository,
    PiccoloInvoiceRepository,
)
from domain.adapters.db.repositories.catalog import (
    PiccoloPlanChangeRuleRepository,
    PiccoloPlanRepository,
)
from domain.adapters.db.repositories.checkout import PiccoloCheckoutRepository
from domain.adapters.db.repositories.cohorts import PiccoloCohortStore
from domain.adapters.db.repositories.customers import PiccoloBalanceTransactionRepository
from domain.adapters.db.repositories.documents import (
    PiccoloCreditNoteDocumentRepository,
    PiccoloInvoiceDocumentRepository,
)
from domain.adapters.db.repositories.entitlements import (
    PiccoloEntitlementRepository,
    PiccoloFeatureRepository,
)
from domain.adapters.db.repositories.history import (
    PiccoloMrrLedgerRepository,
    PiccoloSubscriptionHistoryRepository,
)
from domain.adapters.db.repositories.integrations import (
    PiccoloAccountingReader,
    PiccoloCustomerRefRepository,
    PiccoloImportRepository,
)
from domain.adapters.db.repositories.notes import PiccoloNoteRepository
from domain.adapters.db.repositories.notifications import PiccoloEmailRepository
from domain.adapters.db.repositories.operations import (
    PiccoloFeedbackLog,
    PiccoloJobAdminRepository,
    PiccoloOutboxSearch,
    PiccoloWebhookLog,
)
from domain.adapters.db.repositories.payments import (
    PiccoloDunningRepository,
    PiccoloPaymentAttemptRepository,
    PiccoloPaymentMethodRepository,
    PiccoloRefundRepository,
)
from domain.adapters.db.repositories.price_migrations import PiccoloPriceMigrationRepository
from domain.adapters.db.repositories.promotions import (
    PiccoloCouponRepository,
    PiccoloPromotionCodeRepository,
)
from domain.adapters.db.repositories.staff import PiccoloStaffRepository
from domain.adapters.db.repositories.subscriber_months import PiccoloSubscriberMonths
from domain.adapters.db.repositories.subscriptions import (
    PiccoloCancellationFeedbackRepository,
    PiccoloCustomerRepository,
    PiccoloSubscriptionRepository,
    PiccoloTaxRateRepository,
)
from domain.adapters.db.repositories.support import PiccoloCustomerDirectory
from domain.adapters.db.repositories.testclocks import PiccoloTestClockRepository
from domain.adapters.db.repositories.usage import PiccoloUsageRepository
from domain.adapters.db.repositories.webhooks import PiccoloWebhookEventRepository
from domain.adapters.db.repositories.webhooks_out import (
    PiccoloOutboundEvents,
    PiccoloWebhookAttempts,
    PiccoloWebhookDeliveries,
    PiccoloWebhookEndpoints,
)
from domain.adapters.db.transactions import is_postgres, read_transaction, write_transaction
from domain.jobs.model import JsonValue, NewJob
from domain.jobs.registry import JobRegistry
from domain.shared.clock import Clock
from domain.webhooks_out.delivery import DISPATCH_JOB

_NO_TRANSACTION: Any = object()  # a single-statement read unit's "transaction" on PostgreSQL

T = TypeVar("T")


class LazyRepository(Generic[T]):
    """A unit of work's repository, built the first time it is read and then kept on the unit
    (in its ``__dict__``, which a non-data descriptor yields to): a unit of work is made per
    request and most use cases touch a few of its ~55 repositories, so building them all up
    front was a measurable part of a small request (the API's entitlements read)."""

    __slots__ = ("_build", "_name")

    def __init__(self, build: Callable[[PiccoloUnitOfWork], T]) -> None:
        self._build = build
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, unit: None, owner: type | None = None) -> LazyRepository[T]: ...

    @overload
    def __get__(self, unit: PiccoloUnitOfWork, owner: type | None = None) -> T: ...

    def __get__(
        self, unit: PiccoloUnitOfWork | None, owner: type | None = None
    ) -> T | LazyRepository[T]:
        if unit is None:
            return self
        built = self._build(unit)
        unit.__dict__[self._name] = built
        return built


def _plain(build: Callable[[], T]) -> LazyRepository[T]:
    """A repository that needs nothing from its unit of work."""
    return LazyRepository(lambda _: build())


class TransactionalJobQueue:
    """Collects enqueued jobs; the unit of work inserts them just before it commits."""

    def __init__(self, registry: JobRegistry, clock: Clock) -> None:
        self._registry = registry
        self._clock = clock
        self.pending: list[NewJob] = []

    def enqueue(
        self,
        name: str,
        /,
        *,
        unique_key: str | None = None,
        run_at: datetime | None = None,
        **kwargs: JsonValue,
    ) -> None:
        definition = self._registry.get(name)
        self.pending.append(
            definition.new(kwargs, now=self._clock.now(), run_at=run_at, unique_key=unique_key)
        )


class PiccoloUnitOfWork:
    """``read_only``: a read transaction (deferred on SQLite). ``statement`` (with ``read_only``):
    for a use case that reads with one statement, e.g. the API key check: on PostgreSQL no
    transaction is opened, so the statement runs alone on a pooled connection (autocommit: no
    ``BEGIN`` and ``ROLLBACK`` round trips around it); on SQLite the same deferred read
    transaction as ``read_only``. Never give it a use case that writes (nothing would roll it
    back), relies on ``SET LOCAL`` or row locks, or needs its statements on one connection."""

    _engine: Engine
    _registry: JobRegistry
    _postgres: bool

    # the repositories, each built on first use (``LazyRepository``): most use cases touch a few of them
    plans = LazyRepository(lambda u: PiccoloPlanRepository(lock_rows=u._postgres))
    plan_change_rules = _plain(PiccoloPlanChangeRuleRepository)
    features = _plain(PiccoloFeatureRepository)
    entitlements = _plain(PiccoloEntitlementRepository)
    invoices = LazyRepository(lambda u: PiccoloInvoiceRepository(lock_rows=u._postgres))
    credit_notes = _plain(PiccoloCreditNoteRepository)
    documents = _plain(PiccoloInvoiceDocumentRepository)
    credit_note_documents = _plain(PiccoloCreditNoteDocumentRepository)
    customers = _plain(PiccoloCustomerRepository)
    balance_transactions = _plain(PiccoloBalanceTransactionRepository)
    subscriptions = _plain(PiccoloSubscriptionRepository)
    usage = _plain(PiccoloUsageRepository)
    coupons = _plain(PiccoloCouponRepository)
    promotion_codes = _plain(PiccoloPromotionCodeRepository)
    tax_rates = _plain(PiccoloTaxRateRepository)
    cancellation_feedback = _plain(PiccoloCancellationFeedbackRepository)
    price_migrations = _plain(PiccoloPriceMigrationRepository)
    payment_methods = _plain(PiccoloPaymentMethodRepository)
    payment_attempts = LazyRepository(
        lambda u: PiccoloPaymentAttemptRepository(postgres=u._postgres)
    )
    dunning = _plain(PiccoloDunningRepository)
    refunds = _plain(PiccoloRefundRepository)
    webhook_events = _plain(PiccoloWebhookEventRepository)
    test_clocks = _plain(PiccoloTestClockRepository)
    emails = _plain(PiccoloEmailRepository)
    accounts = _plain(PiccoloAccountRepository)
    checkouts = _plain(PiccoloCheckoutRepository)
    directory = LazyRepository(lambda u: PiccoloCustomerDirectory(postgres=u._postgres))
    notes = _plain(PiccoloNoteRepository)
    staff = _plain(PiccoloStaffRepository)
    audit = _plain(PiccoloAuditRepository)
    job_admin = LazyRepository(lambda u: PiccoloJobAdminRepository(lock_rows=u._postgres))
    outbox = _plain(PiccoloOutboxSearch)
    webhook_log = _plain(PiccoloWebhookLog)
    feedback_log = _plain(PiccoloFeedbackLog)
    exchange_rates = _plain(PiccoloExchangeRateRepository)
    subscription_history = _plain(PiccoloSubscriptionHistoryRepository)
    mrr_ledger = _plain(PiccoloMrrLedgerRepository)
    cohorts = LazyRepository(lambda u: PiccoloCohortStore(postgres=u._postgres))
    subscriber_metrics = _plain(PiccoloSubscriberMetricsReads)
    subscriber_months = LazyRepository(lambda u: PiccoloSubscriberMonths(postgres=u._postgres))
    analytics_summary = _plain(PiccoloSummaryOptIns)
    outbound_events = LazyRepository(
        lambda u: PiccoloOutboundEvents(fan_out=DISPATCH_JOB in u._registry)
    )
    webhook_endpoints = _plain(PiccoloWebhookEndpoints)
    webhook_deliveries = _plain(PiccoloWebhookDeliveries)
    webhook_attempts = _plain(PiccoloWebhookAttempts)
    analytics_read_model = _plain(PiccoloAnalyticsReadModelRepository)
    api_keys = _plain(PiccoloApiKeyRepository)
    api_reads = LazyRepository(lambda u: PiccoloApiReads(u._engine))
    idempotency = _plain(PiccoloIdempotencyRepository)
    imports = _plain(PiccoloImportRepository)
    customer_refs = _plain(PiccoloCustomerRefRepository)
    accounting = _plain(PiccoloAccountingReader)

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        registry: JobRegistry,
        read_only: bool = False,
        statement: bool = False,
    ) -> None:
        if statement and not read_only:
            raise ValueError("a single-statement unit of work only reads")
        self._read_only = read_only
        self._postgres = is_postgres(engine)
        self._autocommit = statement and self._postgres
        self._engine = engine
        self._clock = clock
        self._registry = registry
        self._txn: Any = None
        self._nested = False
        self.jobs = TransactionalJobQueue(registry, clock)

    async def __aenter__(self) -> Self:
        if self._txn is not None:
            raise RuntimeError("a unit of work is entered once; create a new one per use case")
        if self._autocommit:
            self._txn = _NO_TRANSACTION
            return self
        self._txn = (
            read_transaction(self._engine) if self._read_only else write_transaction(self._engine)
        )
        self._nested = self._txn._parent is not None
        await self._txn.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        txn = self._txn
        if txn is not _NO_TRANSACTION:
            if not self._nested and exc is None and not (txn._committed or txn._rolled_back):
                await txn.rollback()  # leaving without commit() discards the work
            await txn.__aexit__(exc_type, exc, tb)
        self.jobs.pending.clear()
        events = self._built_events()
        if events is not None:
            events.forget()

    def _built_events(self) -> PiccoloOutboundEvents | None:
        """The outbound events repository if this unit has built it (none built: none added)."""
        events: PiccoloOutboundEvents | None = self.__dict__.get("outbound_events")
        return events

    async def commit(self) -> None:
        events = self._built_events()
        if events is not None:
            if events.added and DISPATCH_JOB in self._registry:
                # the events this transaction recorded are fanned out once it commits
                self.jobs.enqueue(DISPATCH_JOB, event_ids=list(events.added))
            events.added.clear()
        if self._read_only and self.jobs.pending:
            raise RuntimeError("a read-only unit of work cannot enqueue jobs")
        if self._txn is _NO_TRANSACTION:
            return  # read only: nothing to write or end
        await insert_jobs(self.jobs.pending, now=self._clock.now())
        self.jobs.pending.clear()
        if not self._nested:
            await self._txn.commit()

    def _forget_reads(self) -> None:
        """What the repositories keep for the rest of the transaction (plan versions, tax rates,
        the series made sure of) may be undone by a rollback: read it again. A repository not
        built yet has read nothing."""
        for name in ("plans", "tax_rates", "invoices"):
            built = self.__dict__.get(name)
            if built is not None:
                built.forget_reads()

    async def rollback(self) -> None:
        self._forget_reads()
        self.jobs.pending.clear()
        events = self._built_events()
        if events is not None:
            events.added.clear()
        if not self._nested and self._txn is not _NO_TRANSACTION:
            await self._txn.rollback()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A ``SAVEPOINT`` in the open transaction (the outermost one when nested): an exception
        rolls back to it, drops the jobs and events enqueued since, and propagates."""
        if self._txn is None or self._txn is _NO_TRANSACTION:
            raise RuntimeError("a savepoint needs an open transaction")
        txn = self._txn
        while getattr(txn, "_parent", None) is not None:
            txn = txn._parent
        jobs, events = len(self.jobs.pending), len(self.outbound_events.added)
        point = await txn.savepoint()
        try:
            yield
        except BaseException:
            await point.rollback_to()
            del self.jobs.pending[jobs:]
            del self.outbound_events.added[events:]
            self._forget_reads()
            raise
        await point.release()
