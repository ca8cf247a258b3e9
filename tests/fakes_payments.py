"""In-memory fakes of the payment ports (cards, attempts, dunning, refunds, gateway webhooks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.payments.dunning import DunningCase, DunningPolicy, DunningStatus
from domain.payments.model import (
    PaymentAttempt,
    PaymentMethod,
    Refund,
    WebhookOutcome,
    WebhookRecord,
)
from domain.shared.errors import Conflict


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
