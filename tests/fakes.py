"""In-memory fakes of the ports, for service tests without a database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Self

from domain.accounts.model import Account, AuthSession, EmailToken, LinkedIdentity
from domain.audit.model import AuditEntry, AuditFilter
from domain.billing.issued import InvoiceSummary, IssuedCreditNote, IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.catalog.change_policy import PlanChangeRule
from domain.catalog.model import Plan, PlanDetails, PlanKind
from domain.checkout.model import CheckoutSession, CheckoutState
from domain.customers.model import BalanceTransaction, Customer
from domain.documents.model import StoredCreditNotePdf, StoredInvoicePdf
from domain.jobs.model import JsonValue
from domain.notifications.model import (
    EmailKind,
    OutboxEmail,
    OutgoingMessage,
    RenderedEmail,
)
from domain.outbound.events import OutboundEvent
from domain.payments.dunning import DunningCase, DunningPolicy, DunningStatus
from domain.payments.model import (
    PaymentAttempt,
    PaymentMethod,
    Refund,
    WebhookOutcome,
    WebhookRecord,
)
from domain.shared.errors import Conflict
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.staff.model import StaffMember, StaffSession, StaffToken
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
from tests.fakes_entitlements import InMemoryEntitlements, InMemoryFeatures
from tests.fakes_integrations import (
    InMemoryAccountingReader,
    InMemoryCustomerRefs,
    InMemoryImportRepository,
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


class InMemoryInvoiceRepository:
    def __init__(self) -> None:
        self.series: dict[str, int] = {}
        self.invoices: dict[str, IssuedInvoice] = {}
        self.locked: list[str] = []  # ids loaded with get_for_update, in order

    async def next_number(self, prefix: str) -> int:
        number = self.series.get(prefix, 1)
        self.series[prefix] = number + 1
        return number

    async def reserve_numbers(self, prefix: str, count: int) -> int:
        first = self.series.get(prefix, 1)
        self.series[prefix] = first + count
        return first

    async def set_numbers(self, numbers: dict[str, str]) -> None:
        for invoice_id, number in numbers.items():
            stored = self.invoices[invoice_id]
            self.invoices[invoice_id] = replace(
                stored, invoice=replace(stored.invoice, number=number)
            )

    async def add(self, issued: IssuedInvoice) -> None:
        if issued.cycle_key and any(
            i.cycle_key == issued.cycle_key for i in self.invoices.values()
        ):
            raise Conflict("duplicate cycle", code="billing.duplicate_cycle")
        self.invoices[issued.id] = issued

    async def add_many(self, invoices: Sequence[IssuedInvoice]) -> None:
        for issued in invoices:
            await self.add(issued)

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        return self.invoices.get(invoice_id)

    async def get_many(self, invoice_ids: Sequence[str]) -> list[IssuedInvoice]:
        return [self.invoices[i] for i in invoice_ids if i in self.invoices]

    async def existing_cycle_keys(self, keys: Sequence[str]) -> set[str]:
        return {i.cycle_key for i in self.invoices.values() if i.cycle_key in keys}

    async def get_for_update(self, invoice_id: str) -> IssuedInvoice | None:
        self.locked.append(invoice_id)
        return self.invoices.get(invoice_id)

    async def get_many_for_update(self, invoice_ids: Sequence[str]) -> list[IssuedInvoice]:
        found = sorted(i for i in set(invoice_ids) if i in self.invoices)
        self.locked.extend(found)
        return [self.invoices[i] for i in found]

    async def mark_paid_many(self, invoice_ids: Sequence[str], at: datetime) -> None:
        for invoice_id in invoice_ids:
            await self.update_state(self.invoices[invoice_id].mark_paid(at))

    async def update_state(self, issued: IssuedInvoice) -> None:
        stored = self.invoices[issued.id]
        assert stored.invoice.lines == issued.invoice.lines, "amounts and lines never change"
        assert stored.invoice.total == issued.invoice.total
        assert (stored.memo, stored.po_number, stored.due_at) == (
            issued.memo, issued.po_number, issued.due_at,
        ), "what an issued invoice prints never changes"  # fmt: skip
        self.invoices[issued.id] = issued

    async def get_cycle_invoice(
        self, subscription_id: str, period_start: datetime
    ) -> IssuedInvoice | None:
        key = f"{subscription_id}:{period_start.isoformat()}"
        return next((i for i in self.invoices.values() if i.cycle_key == key), None)

    async def history(self, customer_id: str, *, limit: int, offset: int) -> list[InvoiceSummary]:
        rows = sorted(
            (
                i
                for i in self.invoices.values()
                if i.customer_id == customer_id and i.status is not InvoiceStatus.DRAFT
            ),
            key=lambda i: (i.invoice.issued_at, i.id),
            reverse=True,
        )[offset : offset + limit]
        return [
            InvoiceSummary(
                id=i.id,
                number=i.invoice.number,
                issued_at=i.invoice.issued_at,
                status=i.status,
                currency=i.invoice.currency,
                total=i.invoice.total,
                amount_due=i.invoice.amount_due,
            )
            for i in rows
        ]

    async def count_finalized(self, customer_id: str) -> int:
        return sum(
            1
            for i in self.invoices.values()
            if i.customer_id == customer_id and i.status is not InvoiceStatus.DRAFT
        )


@dataclass
class InMemoryCreditNoteRepository:
    notes: dict[str, IssuedCreditNote] = field(default_factory=dict)

    async def add(self, note: IssuedCreditNote) -> None:
        if any(n.number == note.number for n in self.notes.values()):
            raise Conflict(f"credit note number {note.number} exists")
        self.notes[note.id] = note

    async def get(self, credit_note_id: str) -> IssuedCreditNote | None:
        return self.notes.get(credit_note_id)

    async def list_for_invoice(self, invoice_id: str) -> list[IssuedCreditNote]:
        return [n for n in self.notes.values() if n.invoice_id == invoice_id]

    async def list_for_customer(self, customer_id: str) -> list[IssuedCreditNote]:
        notes = [n for n in self.notes.values() if n.customer_id == customer_id]
        return sorted(notes, key=lambda n: (n.note.issued_at, n.number), reverse=True)

    async def total_for_invoice(self, invoice_id: str) -> int:
        return sum(n.note.total for n in self.notes.values() if n.invoice_id == invoice_id)


@dataclass
class InMemoryInvoiceDocumentRepository:
    rows: dict[str, StoredInvoicePdf] = field(default_factory=dict)
    saves: int = 0

    async def get(self, invoice_id: str) -> StoredInvoicePdf | None:
        return self.rows.get(invoice_id)

    async def save(self, document: StoredInvoicePdf) -> None:
        self.rows[document.invoice_id] = document
        self.saves += 1


@dataclass
class InMemoryCreditNoteDocumentRepository:
    rows: dict[str, StoredCreditNotePdf] = field(default_factory=dict)

    async def get(self, credit_note_id: str) -> StoredCreditNotePdf | None:
        return self.rows.get(credit_note_id)

    async def save(self, document: StoredCreditNotePdf) -> None:
        self.rows[document.credit_note_id] = document


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


class InMemoryPaymentMethodRepository:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[PaymentMethod, str, datetime | None]] = {}

    async def add(self, method: PaymentMethod, *, gateway_customer: str) -> None:
        self.rows[method.id] = (method, gateway_customer, None)

    async def get(self, method_id: str) -> PaymentMethod | None:
        row = self.rows.get(method_id)
        return row[0] if row and row[2] is None else None

    async def for_customer(self, customer_id: str) -> list[PaymentMethod]:
        live = [m for m, _, gone in self.rows.values() if m.customer_id == customer_id and not gone]
        return sorted(live, key=lambda m: (not m.is_default, m.created_at))

    async def get_many(self, method_ids: Sequence[str]) -> dict[str, PaymentMethod]:
        return {i: m for i in method_ids if (m := await self.get(i)) is not None}

    async def defaults_for(self, customer_ids: Sequence[str]) -> dict[str, PaymentMethod]:
        found: dict[str, PaymentMethod] = {}
        for customer_id in customer_ids:
            default = next((m for m in await self.for_customer(customer_id) if m.is_default), None)
            if default is not None:
                found[customer_id] = default
        return found

    async def gateway_customers(self, customer_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        return {
            (m.customer_id, m.gateway): g
            for m, g, _ in self.rows.values()
            if m.customer_id in customer_ids
        }

    async def gateway_customer(self, customer_id: str, gateway: str) -> str | None:
        return next(
            (
                g
                for m, g, _ in self.rows.values()
                if m.customer_id == customer_id and m.gateway == gateway
            ),
            None,
        )

    async def set_default(self, customer_id: str, method_id: str) -> None:
        for key, (m, g, gone) in self.rows.items():
            if m.customer_id == customer_id:
                self.rows[key] = (replace(m, is_default=key == method_id), g, gone)

    async def remove(self, method_id: str, *, at: datetime) -> None:
        m, g, _ = self.rows[method_id]
        self.rows[method_id] = (replace(m, is_default=False), g, at)

    async def expiring(self, month_start: datetime, month_end: datetime) -> list[PaymentMethod]:
        return [
            m
            for m, _, gone in self.rows.values()
            if not gone
            and m.is_default
            and (m.exp_year, m.exp_month) == (month_start.year, month_start.month)
        ]


class InMemoryPaymentAttemptRepository:
    def __init__(self) -> None:
        self.rows: dict[str, PaymentAttempt] = {}

    async def add(self, attempt: PaymentAttempt) -> None:
        if any(a.idempotency_key == attempt.idempotency_key for a in self.rows.values()):
            raise Conflict("duplicate attempt", code="payments.duplicate_attempt")
        self.rows[attempt.id] = attempt

    async def add_many(self, attempts: Sequence[PaymentAttempt]) -> None:
        keys = [a.idempotency_key for a in attempts]
        if len(set(keys)) < len(keys) or any(a.idempotency_key in keys for a in self.rows.values()):
            raise Conflict("duplicate attempt", code="payments.duplicate_attempt")
        self.rows.update((a.id, a) for a in attempts)

    async def save(self, attempt: PaymentAttempt) -> None:
        self.rows[attempt.id] = attempt

    async def save_many(self, attempts: Sequence[PaymentAttempt]) -> None:
        self.rows.update((a.id, a) for a in attempts)

    async def for_invoice(self, invoice_id: str) -> list[PaymentAttempt]:
        return sorted(
            (a for a in self.rows.values() if a.invoice_id == invoice_id), key=lambda a: a.number
        )

    async def for_invoices(self, invoice_ids: Sequence[str]) -> dict[str, list[PaymentAttempt]]:
        return {i: await self.for_invoice(i) for i in invoice_ids}

    async def by_payment_ref(self, payment_ref: str) -> PaymentAttempt | None:
        return next((a for a in self.rows.values() if a.payment_ref == payment_ref), None)


class InMemoryDunningRepository:
    def __init__(self) -> None:
        self.cases: dict[str, DunningCase] = {}
        self.stored_policy = DunningPolicy()

    async def get(self, invoice_id: str) -> DunningCase | None:
        return self.cases.get(invoice_id)

    async def for_invoices(self, invoice_ids: Sequence[str]) -> dict[str, DunningCase]:
        return {i: self.cases[i] for i in invoice_ids if i in self.cases}

    async def save(self, case: DunningCase) -> None:
        self.cases[case.invoice_id] = case

    async def due(
        self, now: datetime, *, limit: int, test_clock_id: str | None = None
    ) -> list[DunningCase]:
        due = [
            c
            for c in self.cases.values()
            if c.status is DunningStatus.OPEN
            and c.next_attempt_at
            and c.next_attempt_at <= now
            and c.test_clock_id == test_clock_id
        ]
        return sorted(due, key=lambda c: c.next_attempt_at or now)[:limit]

    async def open_for_customer(self, customer_id: str) -> list[DunningCase]:
        return [
            c
            for c in self.cases.values()
            if c.customer_id == customer_id and c.status is DunningStatus.OPEN
        ]

    async def open_by_failures(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for c in self.cases.values():
            if c.status is DunningStatus.OPEN:
                counts[c.failures] = counts.get(c.failures, 0) + 1
        return counts

    async def policy(self) -> DunningPolicy:
        return self.stored_policy

    async def save_policy(self, policy: DunningPolicy) -> None:
        self.stored_policy = policy


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


class InMemoryRefundRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Refund] = {}

    async def add(self, refund: Refund) -> bool:
        if any(r.credit_note_id == refund.credit_note_id for r in self.rows.values()):
            return False
        self.rows[refund.id] = refund
        return True

    async def for_credit_note(self, credit_note_id: str) -> Refund | None:
        return next((r for r in self.rows.values() if r.credit_note_id == credit_note_id), None)

    async def save(self, refund: Refund) -> None:
        self.rows[refund.id] = refund

    async def for_invoice(self, invoice_id: str) -> list[Refund]:
        return [r for r in self.rows.values() if r.invoice_id == invoice_id]


class InMemoryWebhookEventRepository:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], WebhookRecord] = {}

    async def add(self, record: WebhookRecord) -> bool:
        key = (record.gateway, record.event_id)
        if key in self.rows:
            return False
        self.rows[key] = record
        return True

    async def get(self, gateway: str, event_id: str) -> WebhookRecord | None:
        return self.rows.get((gateway, event_id))

    async def held(self, *, limit: int = 100) -> list[WebhookRecord]:
        held = [r for r in self.rows.values() if r.outcome is WebhookOutcome.HELD]
        return sorted(held, key=lambda r: r.received_at, reverse=True)[:limit]


class InMemoryAttemptLog:
    """The attempt log (``AttemptLog``) both in-memory repositories are."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, datetime, bool]] = []

    async def record_attempt(self, key: str, at: datetime, *, succeeded: bool) -> None:
        self.attempts.append((key, at, succeeded))

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        oks = [at for k, at, ok in self.attempts if k == key and ok and at > since]
        start = max([since, *oks])
        return [at for k, at, ok in self.attempts if k == key and not ok and at > start]


class InMemoryAccountRepository(InMemoryAttemptLog):
    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Account] = {}
        self.identities: list[LinkedIdentity] = []
        self.sessions: dict[str, AuthSession] = {}
        self.tokens: dict[str, EmailToken] = {}

    async def add(self, account: Account) -> None:
        if any(a.email == account.email for a in self.rows.values()):
            raise ValueError("duplicate e-mail")
        self.rows[account.id] = account

    async def get(self, account_id: str, *, lock: bool = False) -> Account | None:
        return self.rows.get(account_id)

    async def get_by_email(self, email: str) -> Account | None:
        return next((a for a in self.rows.values() if a.email == email), None)

    async def get_by_customer(self, customer_id: str) -> Account | None:
        return next((a for a in self.rows.values() if a.customer_id == customer_id), None)

    async def update(self, account: Account) -> None:
        self.rows[account.id] = account

    async def add_identity(self, identity: LinkedIdentity) -> None:
        self.identities.append(identity)

    async def find_identity(self, issuer: str, subject: str) -> LinkedIdentity | None:
        return next(
            (i for i in self.identities if (i.issuer, i.subject) == (issuer, subject)), None
        )

    async def identities_of(self, account_id: str) -> list[LinkedIdentity]:
        return [i for i in self.identities if i.account_id == account_id]

    async def add_session(self, session: AuthSession) -> None:
        self.sessions[session.id] = session

    async def get_session(self, session_id: str) -> AuthSession | None:
        return self.sessions.get(session_id)

    async def touch_session(self, session_id: str, at: datetime) -> None:
        self.sessions[session_id] = replace(self.sessions[session_id], last_seen_at=at)

    async def revoke_session(self, session_id: str, at: datetime) -> None:
        s = self.sessions.get(session_id)
        if s is not None and s.revoked_at is None:
            self.sessions[session_id] = replace(s, revoked_at=at)

    async def revoke_sessions_of(
        self, account_id: str, at: datetime, *, keep: str | None = None
    ) -> int:
        ended = 0
        for s in list(self.sessions.values()):
            if s.account_id == account_id and s.id != keep and s.is_live(at):
                self.sessions[s.id] = replace(s, revoked_at=at)
                ended += 1
        return ended

    async def live_sessions_of(self, account_id: str, now: datetime) -> list[AuthSession]:
        return [s for s in self.sessions.values() if s.account_id == account_id and s.is_live(now)]

    async def add_token(self, token: EmailToken) -> None:
        self.tokens[token.id] = token

    async def get_token(self, token_id: str, *, lock: bool = False) -> EmailToken | None:
        return self.tokens.get(token_id)

    async def use_token(self, token_id: str, at: datetime) -> bool:
        t = self.tokens.get(token_id)
        if t is None or t.used_at is not None:
            return False
        self.tokens[token_id] = replace(t, used_at=at)
        return True


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


class InMemoryStaffRepository(InMemoryAttemptLog):
    def __init__(self) -> None:
        super().__init__()
        self.members: dict[str, StaffMember] = {}
        self.sessions: dict[str, StaffSession] = {}
        self.tokens: dict[str, StaffToken] = {}

    async def add_token(self, token: StaffToken) -> None:
        self.tokens[token.id] = token

    async def get_token(self, token_id: str) -> StaffToken | None:
        return self.tokens.get(token_id)

    async def use_token(self, token_id: str, at: datetime) -> bool:
        token = self.tokens.get(token_id)
        if token is None or token.used_at is not None:
            return False
        self.tokens[token_id] = replace(token, used_at=at)
        return True

    async def add(self, member: StaffMember) -> None:
        if any(m.email == member.email for m in self.members.values()):
            raise Conflict("A staff member with this e-mail exists.", code="staff.exists")
        self.members[member.id] = member

    async def get(self, staff_id: str, *, lock: bool = False) -> StaffMember | None:
        return self.members.get(staff_id)

    async def get_by_email(self, email: str) -> StaffMember | None:
        return next((m for m in self.members.values() if m.email == email), None)

    async def update(self, member: StaffMember) -> None:
        self.members[member.id] = member

    async def all(self) -> list[StaffMember]:
        return list(self.members.values())

    async def add_session(self, session: StaffSession) -> None:
        self.sessions[session.id] = session

    async def get_session(self, session_id: str) -> StaffSession | None:
        return self.sessions.get(session_id)

    async def save_session(self, session: StaffSession) -> None:
        self.sessions[session.id] = session

    async def live_sessions(self, staff_id: str, at: datetime) -> int:
        return sum(1 for s in self.sessions.values() if s.staff_id == staff_id and s.is_live(at))

    async def end_sessions(self, staff_id: str, at: datetime) -> int:
        ended = [s for s in self.sessions.values() if s.staff_id == staff_id and s.is_live(at)]
        for s in ended:
            self.sessions[s.id] = replace(s, revoked_at=at)
        return len(ended)


class InMemoryAuditRepository:
    """Append-only, as the table: add and reads, nothing else."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def _matching(self, f: AuditFilter) -> list[AuditEntry]:
        return sorted(
            (
                e
                for e in self.entries
                if (f.staff_id is None or e.actor.staff_id == f.staff_id)
                and (f.customer_id is None or e.customer_id == f.customer_id)
                and (f.action is None or e.action == f.action)
                and (f.since is None or e.at >= f.since)
                and (f.until is None or e.at < f.until)
                and (f.object_type is None or e.object_type == f.object_type)
                and (f.object_id is None or e.object_id == f.object_id)
            ),
            key=lambda e: (e.at, e.id),
            reverse=True,
        )

    async def add(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    async def find(self, where: AuditFilter, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        return self._matching(where)[offset : offset + limit]

    async def count(self, where: AuditFilter) -> int:
        return len(self._matching(where))

    async def actions(self) -> list[str]:
        return sorted({e.action for e in self.entries})


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
