"""In-memory fakes of the ports, for service tests without a database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Self

from domain.catalog.change_policy import PlanChangeRule
from domain.catalog.model import Plan, PlanDetails, PlanKind
from domain.checkout.model import CheckoutSession, CheckoutState
from domain.customers.model import BalanceTransaction, Customer
from domain.jobs.model import JsonValue
from domain.notifications.model import (
    EmailKind,
    OutboxEmail,
    OutgoingMessage,
    RenderedEmail,
)
from domain.outbound.events import OutboundEvent
from domain.shared.errors import Conflict
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.subscriptions.model import (
    CancellationFeedback,
    Due,
    Subscription,
    UsageRecord,
    UsageTotal,
)
from domain.testclocks.model import ClockInvoice, TestClock
from tests.fake_directory import InMemoryCustomerDirectory, InMemoryNoteRepository
from tests.fake_operations import (
    InMemoryFeedbackLog,
    InMemoryJobAdmin,
    InMemoryOutboxSearch,
    InMemoryWebhookLog,
)
from tests.fake_promotions import InMemoryCouponRepository, InMemoryPromotionCodeRepository
from tests.fakes_accounts import (
    InMemoryAccountRepository,
    InMemoryAuditRepository,
    InMemoryStaffRepository,
)
from tests.fakes_analytics import (
    InMemoryAnalyticsReadModel,
    InMemoryCohortStore,
    InMemoryExchangeRateRepository,
    InMemoryMrrLedger,
    InMemorySubscriberMetricsReads,
    InMemorySubscriberMonths,
    InMemorySubscriptionHistory,
    InMemorySummaryOptIns,
)
from tests.fakes_apikeys import (
    InMemoryApiKeyRepository,
    InMemoryApiReads,
    InMemoryIdempotencyRepository,
)
from tests.fakes_billing import (
    InMemoryCreditNoteDocumentRepository,
    InMemoryCreditNoteRepository,
    InMemoryInvoiceDocumentRepository,
    InMemoryInvoiceRepository,
)
from tests.fakes_entitlements import InMemoryEntitlements, InMemoryFeatures
from tests.fakes_integrations import (
    InMemoryAccountingReader,
    InMemoryCustomerRefs,
    InMemoryImportRepository,
)
from tests.fakes_payments import (
    InMemoryDunningRepository,
    InMemoryPaymentAttemptRepository,
    InMemoryPaymentMethodRepository,
    InMemoryRefundRepository,
    InMemoryWebhookEventRepository,
)
from tests.fakes_price_migrations import InMemoryPriceMigrationRepository
from tests.fakes_taxes import InMemoryTaxRateRepository
from tests.fakes_webhooks import (
    InMemoryWebhookAttempts,
    InMemoryWebhookDeliveries,
    InMemoryWebhookEndpoints,
)


class InMemoryPlanRepository:
    """Plan versions by id, with the database's rules: one row per (code, version), one current
    version per code."""

    def __init__(self) -> None:
        self.plans: dict[str, Plan] = {}

    async def list_public(self, *, kind: PlanKind = PlanKind.BASE) -> list[Plan]:
        return sorted(
            (p for p in self.plans.values() if p.is_public and p.is_current and p.kind is kind),
            key=lambda p: (p.sort_order, p.code),
        )

    async def get(self, plan_id: PlanId) -> Plan | None:
        return self.plans.get(plan_id)

    async def get_by_code(self, code: str) -> Plan | None:
        return next((p for p in self.plans.values() if p.code == code and p.is_current), None)

    async def versions(self, code: str) -> list[Plan]:
        return sorted((p for p in self.plans.values() if p.code == code), key=lambda p: p.version)

    async def add(self, plan: Plan) -> None:
        clash = any(
            p.code == plan.code
            and (p.version == plan.version or (p.is_current and plan.is_current))
            for p in self.plans.values()
        )
        if plan.id in self.plans or clash:
            raise Conflict(
                f"plan {plan.code!r} version {plan.version} exists",
                code="catalog.concurrent_version",
            )
        self.plans[plan.id] = plan

    async def retire(self, plan_id: PlanId, at: datetime) -> None:
        self.plans[plan_id] = replace(self.plans[plan_id], retired_at=at)

    async def hold_code(self, code: str) -> None:
        return None  # one coroutine at a time touches the in-memory catalog

    async def count(self) -> int:
        return len(self.plans)

    async def all_versions(self) -> list[Plan]:
        return sorted(self.plans.values(), key=lambda p: (p.sort_order, p.code, p.version))

    async def update_details(self, code: str, details: PlanDetails) -> None:
        for plan in [p for p in self.plans.values() if p.code == code]:
            self.plans[plan.id] = plan.with_details(details)


class InMemoryPlanChangeRuleRepository:
    def __init__(self) -> None:
        self.rules: dict[tuple[str, str], PlanChangeRule] = {}

    async def get(self, from_code: str, to_code: str) -> PlanChangeRule | None:
        return self.rules.get((from_code, to_code))

    async def put(self, rule: PlanChangeRule) -> None:
        self.rules[(rule.from_code, rule.to_code)] = rule

    async def remove(self, from_code: str, to_code: str) -> bool:
        return self.rules.pop((from_code, to_code), None) is not None

    async def list_all(self) -> list[PlanChangeRule]:
        return [self.rules[k] for k in sorted(self.rules)]


class InMemoryJobQueue:
    def __init__(self) -> None:
        self.pending: list[tuple[str, dict[str, JsonValue], str | None, datetime | None]] = []
        self.committed: list[tuple[str, dict[str, JsonValue], str | None, datetime | None]] = []

    def enqueue(
        self,
        name: str,
        /,
        *,
        unique_key: str | None = None,
        run_at: datetime | None = None,
        **kwargs: JsonValue,
    ) -> None:
        self.pending.append((name, kwargs, unique_key, run_at))


class InMemoryCustomerRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Customer] = {}

    async def add(self, customer: Customer) -> None:
        self.rows[customer.id] = customer

    async def get(self, customer_id: CustomerId, *, lock: bool = False) -> Customer | None:
        return self.rows.get(customer_id)

    async def get_many(
        self, customer_ids: Sequence[CustomerId], *, lock: bool = False
    ) -> list[Customer]:
        return [self.rows[i] for i in sorted(set(customer_ids)) if i in self.rows]

    async def get_by_email(self, email: str) -> Customer | None:
        return next((c for c in self.rows.values() if c.email == email.lower()), None)

    async def save(self, customer: Customer) -> None:
        self.rows[customer.id] = customer

    async def page(self, *, after: str | None, limit: int) -> list[Customer]:
        ids = sorted(i for i in self.rows if after is None or i > after)
        return [self.rows[i] for i in ids[:limit]]


class InMemoryBalanceTransactionRepository:
    def __init__(self) -> None:
        self.rows: list[BalanceTransaction] = []

    async def add(self, entry: BalanceTransaction) -> None:
        self.rows.append(entry)

    async def for_customer(
        self, customer_id: CustomerId, *, limit: int
    ) -> list[BalanceTransaction]:
        mine = [e for e in self.rows if e.customer_id == customer_id]
        return sorted(mine, key=lambda e: e.created_at, reverse=True)[:limit]


class InMemorySubscriptionRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Subscription] = {}

    async def add(self, sub: Subscription) -> None:
        self.rows[sub.id] = sub

    async def get(
        self, subscription_id: SubscriptionId, *, lock: bool = False
    ) -> Subscription | None:
        return self.rows.get(subscription_id)

    async def get_many(
        self, subscription_ids: Sequence[SubscriptionId], *, lock: bool = False
    ) -> list[Subscription]:
        return [self.rows[i] for i in sorted(set(subscription_ids)) if i in self.rows]

    async def save(self, sub: Subscription) -> None:
        stored = self.rows.get(sub.id)
        if stored is None or stored.version != sub.version - 1:
            raise Conflict("changed meanwhile", code="subscription.concurrent_update")
        self.rows[sub.id] = sub

    async def save_many(self, subs: Sequence[Subscription]) -> None:
        for sub in subs:
            await self.save(sub)

    async def for_customer(self, customer_id: CustomerId) -> list[Subscription]:
        return [s for s in self.rows.values() if s.customer_id == customer_id]

    async def on_plans(self, plan_ids: list[PlanId]) -> list[Subscription]:
        return [s for s in self.rows.values() if s.plan_id in plan_ids and s.next_action_at]

    async def customers_on_plans(self, plan_ids: list[PlanId]) -> list[CustomerId]:
        found = {
            s.customer_id
            for s in self.rows.values()
            if s.plan_id in plan_ids or any(a in plan_ids for a, _ in s.addons)
        }
        return sorted(found)

    async def count_by_plan(self, statuses: frozenset[str]) -> dict[PlanId, int]:
        counts: dict[PlanId, int] = {}
        for sub in self.rows.values():
            if sub.status.value in statuses:
                for plan_id in {sub.plan_id, *(a for a, _ in sub.addons)}:
                    counts[plan_id] = counts.get(plan_id, 0) + 1
        return counts

    async def due(
        self,
        now: datetime,
        *,
        limit: int,
        test_clock_id: str | None = None,
        after: Due | None = None,
    ) -> list[Due]:
        due = sorted(
            (
                Due(s.id, s.next_action_at)
                for s in self.rows.values()
                if s.next_action_at and s.next_action_at <= now and s.test_clock_id == test_clock_id
            ),
            key=lambda d: (d.at, d.id),
        )
        return [d for d in due if after is None or (d.at, d.id) > (after.at, after.id)][:limit]


class InMemoryUsageRepository:
    def __init__(self) -> None:
        self.rows: list[UsageRecord] = []

    def _seen(self, record: UsageRecord) -> bool:
        return record.idempotency_key is not None and any(
            r.subscription_id == record.subscription_id
            and r.idempotency_key == record.idempotency_key
            for r in self.rows
        )

    async def add(self, record: UsageRecord) -> bool:
        if self._seen(record):
            return False
        self.rows.append(record)
        return True

    async def add_many(self, records: Sequence[UsageRecord]) -> set[tuple[SubscriptionId, str]]:
        stored = set()
        for record in records:
            assert record.idempotency_key is not None
            if not self._seen(record):
                self.rows.append(record)
                stored.add((record.subscription_id, record.idempotency_key))
        return stored

    async def since(self, subscription_id: SubscriptionId, start: datetime) -> list[UsageRecord]:
        return [r for r in self.rows if r.subscription_id == subscription_id and r.at >= start]

    async def with_events_since(
        self, subscription_ids: Sequence[SubscriptionId], start: datetime
    ) -> set[SubscriptionId]:
        return {r.subscription_id for r in self.rows
                if r.subscription_id in subscription_ids and r.at >= start}  # fmt: skip

    async def totals(
        self, subscription_id: SubscriptionId, start: datetime, before: datetime
    ) -> list[UsageTotal]:
        groups: dict[tuple[str, str | None], list[UsageRecord]] = {}
        for r in sorted(self.rows, key=lambda r: r.at):
            if r.subscription_id == subscription_id and start <= r.at < before:
                groups.setdefault((r.meter, r.key), []).append(r)
        return [
            UsageTotal(meter, key, len(rows), sum((r.value for r in rows), Decimal(0)),
                       max(r.value for r in rows), rows[-1].at, rows[-1].value)
            for (meter, key), rows in groups.items()
        ]  # fmt: skip


class InMemoryTestClockRepository:
    __test__ = False

    def __init__(self, customers: InMemoryCustomerRepository | None = None) -> None:
        self.rows: dict[str, TestClock] = {}
        self._customers = customers

    async def add(self, clock: TestClock) -> None:
        self.rows[clock.id] = clock

    async def get(self, clock_id: str, *, lock: bool = False) -> TestClock | None:
        return self.rows.get(clock_id)

    async def all(self) -> list[TestClock]:
        return list(self.rows.values())

    async def move(self, clock_id: str, to: datetime) -> None:
        current = self.rows[clock_id]
        self.rows[clock_id] = replace(current, frozen_at=max(current.frozen_at, to))

    async def open_invoices(self, clock_id: str) -> list[str]:
        return []  # the in-memory unit of work keeps no link from invoices to clocks

    def _on(self, clock_id: str) -> list[Customer]:
        rows = self._customers.rows.values() if self._customers else []
        mine = [c for c in rows if c.test_clock_id == clock_id]
        return sorted(mine, key=lambda c: (c.name, c.id))

    async def customer_counts(self) -> dict[str, int]:
        return {k: n for k in self.rows if (n := len(self._on(k)))}

    async def customer_ids(self, clock_id: str, *, limit: int) -> list[CustomerId]:
        return [c.id for c in self._on(clock_id)][:limit]

    async def invoices(self, clock_id: str, *, limit: int) -> list[ClockInvoice]:
        return []  # see open_invoices: the clock pages' invoices are tested on the database


class InMemoryEmailRepository:
    """The outbox with the database's rule: ``dedupe_key`` is unique."""

    def __init__(self) -> None:
        self.emails: dict[str, OutboxEmail] = {}

    async def add(self, email: OutboxEmail) -> bool:
        if any(e.dedupe_key == email.dedupe_key for e in self.emails.values()):
            return False
        self.emails[email.id] = email
        return True

    async def add_many(self, emails: Sequence[OutboxEmail]) -> set[str]:
        return {e.id for e in emails if await self.add(e)}

    async def existing_dedupe_keys(self, dedupe_keys: Sequence[str]) -> set[str]:
        return {e.dedupe_key for e in self.emails.values()} & set(dedupe_keys)

    async def get(self, email_id: str) -> OutboxEmail | None:
        return self.emails.get(email_id)

    async def get_by_dedupe_key(self, dedupe_key: str) -> OutboxEmail | None:
        return next((e for e in self.emails.values() if e.dedupe_key == dedupe_key), None)

    async def save(self, email: OutboxEmail) -> None:
        stored = self.emails[email.id]
        self.emails[email.id] = replace(
            stored,
            status=email.status,
            attempts=email.attempts,
            last_error=email.last_error,
            sent_at=email.sent_at,
        )


class InMemoryCancellationFeedbackRepository:
    def __init__(self) -> None:
        self.items: list[CancellationFeedback] = []

    async def add(self, feedback: CancellationFeedback) -> None:
        self.items.append(feedback)

    async def for_subscription(self, subscription_id: SubscriptionId) -> list[CancellationFeedback]:
        return [f for f in self.items if f.subscription_id == subscription_id]


class InMemoryCheckoutRepository:
    def __init__(self) -> None:
        self.rows: dict[str, CheckoutSession] = {}

    async def get(self, token: str) -> CheckoutSession | None:
        return self.rows.get(token)

    async def add_if_absent(self, session: CheckoutSession) -> bool:
        if session.token in self.rows:
            return False
        self.rows[session.token] = session
        return True

    async def transition(
        self,
        token: str,
        from_states: Sequence[CheckoutState],
        to_state: CheckoutState,
        at: datetime,
        *,
        updated_before: datetime | None = None,
    ) -> bool:
        row = self.rows.get(token)
        if row is None or row.state not in from_states:
            return False
        if updated_before is not None and not row.updated_at < updated_before:
            return False
        self.rows[token] = replace(row, state=to_state, updated_at=at)
        return True

    async def save(self, session: CheckoutSession) -> None:
        self.rows[session.token] = session


class InMemoryOutboundEvents:
    """``uow.outbound_events``: events are kept only when the unit commits."""

    def __init__(self) -> None:
        self.pending: list[OutboundEvent] = []
        self.committed: list[OutboundEvent] = []
        self.dispatched: set[str] = set()

    async def add(self, event: OutboundEvent) -> bool:
        if event.key is not None and any(
            e.key == event.key for e in (*self.committed, *self.pending)
        ):
            return False
        self.pending.append(event)
        return True

    async def add_many(self, events: Sequence[OutboundEvent]) -> None:
        assert all(e.key is None for e in events), "an event with a key is added alone"
        self.pending.extend(events)

    def types(self) -> list[str]:
        return [e.type.value for e in self.committed]

    async def get(self, event_id: str) -> OutboundEvent | None:
        return next((e for e in self.committed if e.id == event_id), None)

    async def undispatched(self, event_ids: list[str] | None, *, limit: int) -> list[OutboundEvent]:
        rows = [e for e in self.committed if e.id not in self.dispatched]
        if event_ids is not None:
            rows = [e for e in rows if e.id in event_ids]
        return rows[:limit]

    async def mark_dispatched(self, event_ids: list[str]) -> None:
        self.dispatched.update(event_ids)

    async def recent(self, *, limit: int) -> list[OutboundEvent]:
        return list(reversed(self.committed))[:limit]


class InMemoryUnitOfWork:
    """Commits are recorded; leaving without commit discards the enqueued jobs (not the plans:
    tests that need rollback of aggregates use the real database)."""

    def __init__(self) -> None:
        self.plans = InMemoryPlanRepository()
        self.plan_change_rules = InMemoryPlanChangeRuleRepository()
        self.features = InMemoryFeatures()
        self.entitlements = InMemoryEntitlements()
        self.invoices = InMemoryInvoiceRepository()
        self.credit_notes = InMemoryCreditNoteRepository()
        self.documents = InMemoryInvoiceDocumentRepository()
        self.credit_note_documents = InMemoryCreditNoteDocumentRepository()
        self.customers = InMemoryCustomerRepository()
        self.balance_transactions = InMemoryBalanceTransactionRepository()
        self.subscriptions = InMemorySubscriptionRepository()
        self.usage = InMemoryUsageRepository()
        self.coupons = InMemoryCouponRepository()
        self.promotion_codes = InMemoryPromotionCodeRepository()
        self.tax_rates = InMemoryTaxRateRepository()
        self.cancellation_feedback = InMemoryCancellationFeedbackRepository()
        self.price_migrations = InMemoryPriceMigrationRepository()
        self.payment_methods = InMemoryPaymentMethodRepository()
        self.payment_attempts = InMemoryPaymentAttemptRepository()
        self.dunning = InMemoryDunningRepository()
        self.refunds = InMemoryRefundRepository()
        self.webhook_events = InMemoryWebhookEventRepository()
        self.test_clocks = InMemoryTestClockRepository(self.customers)
        self.emails = InMemoryEmailRepository()
        self.accounts = InMemoryAccountRepository()
        self.checkouts = InMemoryCheckoutRepository()
        self.directory = InMemoryCustomerDirectory(self)
        self.notes = InMemoryNoteRepository()
        self.staff = InMemoryStaffRepository()
        self.audit = InMemoryAuditRepository()
        self.job_admin = InMemoryJobAdmin()
        self.outbox = InMemoryOutboxSearch(self)
        self.webhook_log = InMemoryWebhookLog(self)
        self.feedback_log = InMemoryFeedbackLog(self)
        self.exchange_rates = InMemoryExchangeRateRepository()
        self.subscription_history = InMemorySubscriptionHistory()
        self.mrr_ledger = InMemoryMrrLedger()
        self.cohorts = InMemoryCohortStore()
        self.subscriber_metrics = InMemorySubscriberMetricsReads()
        self.subscriber_months = InMemorySubscriberMonths()
        self.analytics_summary = InMemorySummaryOptIns()
        self.analytics_read_model = InMemoryAnalyticsReadModel()
        self.api_keys = InMemoryApiKeyRepository()
        self.api_reads = InMemoryApiReads(self)
        self.idempotency = InMemoryIdempotencyRepository()
        self.imports = InMemoryImportRepository()
        self.customer_refs = InMemoryCustomerRefs(self)
        self.accounting = InMemoryAccountingReader()
        self.jobs = InMemoryJobQueue()
        self.outbound_events = InMemoryOutboundEvents()
        self.webhook_endpoints = InMemoryWebhookEndpoints()
        self.webhook_deliveries = InMemoryWebhookDeliveries()
        self.webhook_attempts = InMemoryWebhookAttempts()
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.jobs.pending.clear()
        self.outbound_events.pending.clear()

    async def commit(self) -> None:
        self.jobs.committed.extend(self.jobs.pending)
        self.jobs.pending.clear()
        self.outbound_events.committed.extend(self.outbound_events.pending)
        self.outbound_events.pending.clear()
        self.commits += 1

    async def rollback(self) -> None:
        self.jobs.pending.clear()
        self.outbound_events.pending.clear()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Drops the jobs and events enqueued in the block when it raises (aggregates are not
        rolled back here, as with the whole unit: see the class)."""
        jobs, events = len(self.jobs.pending), len(self.outbound_events.pending)
        try:
            yield
        except BaseException:
            del self.jobs.pending[jobs:]
            del self.outbound_events.pending[events:]
            raise


class FakeMailer:
    """Records what it sends; ``fail_with`` makes every send raise that error instead."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self.fail_with: BaseException | None = None

    async def send(self, message: OutgoingMessage) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)


class FakeEmailRenderer:
    """Renders ``<kind>: <sorted context>`` so tests see what the templates would receive."""

    def render(self, kind: EmailKind, context: Mapping[str, object]) -> RenderedEmail:
        facts = ", ".join(f"{k}={context[k]}" for k in sorted(context))
        return RenderedEmail(
            subject=f"{kind.value} for {context.get('customer_name', 'you')}",
            text=f"{kind.value}: {facts}\n",
            html=f"<p>{kind.value}: {facts}</p>\n",
        )
