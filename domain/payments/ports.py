"""The payment-gateway port. Adapters: ``sandbox`` (in-process, embedded default) and ``stripe``
(the official SDK). Adapters translate their errors at the boundary: a network failure or a
timeout raises ``TransientError`` (the job retries); a card problem is a ``ChargeResult``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from domain.documents.ports import DocumentsUnit
from domain.payments.dunning import DunningCase, DunningPolicy
from domain.payments.model import (
    CardDetails,
    ChargeRequest,
    ChargeResult,
    GatewayPayment,
    PaymentAttempt,
    PaymentMethod,
    Refund,
    RefundResult,
    WebhookEvent,
    WebhookRecord,
)
from domain.shared.money import Money
from domain.subscriptions.ports import SubscriptionsUnit


@runtime_checkable  # a named dependency: Litestar checks what it injects
class PaymentGateway(Protocol):
    @property
    def name(self) -> str: ...

    async def tokenize_card(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> str:
        """Turn card details into a single-use token. The sandbox does it in-process; with
        Stripe this is Stripe.js's job in the browser (the server-side call works in test mode
        only). The card number goes no further than this call."""
        ...

    async def ensure_customer(self, *, customer_id: str, email: str, name: str) -> str:
        """The gateway's customer reference for our customer (created on first use)."""
        ...

    async def attach(self, *, gateway_customer: str, token: str) -> CardDetails:
        """Attach a tokenised card to the customer for off-session use; raises
        ``PaymentDeclined`` when the card is refused at attach time (a bad number, say)."""
        ...

    async def detach(self, *, gateway_customer: str, method_ref: str) -> None: ...

    async def charge(
        self,
        *,
        gateway_customer: str,
        method_ref: str,
        amount: Money,
        idempotency_key: str,
        description: str,
    ) -> ChargeResult:
        """Charge off-session, confirming at once. The same ``idempotency_key`` never charges
        twice: a retry returns the first attempt's result."""
        ...

    async def confirm(self, *, payment_ref: str) -> ChargeResult:
        """The payment's state after the customer completed (or abandoned) a required action."""
        ...

    async def retrieve(self, *, payment_ref: str) -> GatewayPayment:
        """The payment as the gateway knows it now (status, amount, currency), changing nothing.
        ``NotFound`` when the gateway has no such payment."""
        ...

    async def refund(
        self, *, payment_ref: str, amount: Money, idempotency_key: str
    ) -> RefundResult: ...

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify the signature and its age: ``ValidationFailed`` when it is missing, does not
        match or is older than the gateway's tolerance; a signed body that is not an event
        raises ``DomainError`` (``payments.webhook_payload_invalid``)."""
        ...


class BulkChargingGateway(Protocol):
    """A gateway that takes a batch's charges in one call (the sandbox: one transaction for the
    batch's ledger rows). Each answer is what ``charge`` would give for that request, or the
    exception ``charge`` would raise (a ``TransientError``), in the order given. A real gateway
    (Stripe) has no such call: its charges are sent concurrently, each with its idempotency
    key (``batch_collection``)."""

    async def charge_many(
        self, requests: Sequence[ChargeRequest]
    ) -> list[ChargeResult | Exception]: ...


class PaymentMethodRepository(Protocol):
    async def add(self, method: PaymentMethod, *, gateway_customer: str) -> None: ...

    async def get(self, method_id: str) -> PaymentMethod | None: ...

    async def for_customer(self, customer_id: str) -> list[PaymentMethod]:
        """Saved (not removed) methods, the default first."""
        ...

    async def get_many(self, method_ids: Sequence[str]) -> dict[str, PaymentMethod]:
        """``get`` for several methods at once, by id (removed ones are left out)."""
        ...

    async def defaults_for(self, customer_ids: Sequence[str]) -> dict[str, PaymentMethod]:
        """Each customer's default method (the one ``for_customer`` lists first), by customer;
        a customer without one is left out."""
        ...

    async def gateway_customers(self, customer_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """``gateway_customer`` for several customers: by (customer, gateway)."""
        ...

    async def gateway_customer(self, customer_id: str, gateway: str) -> str | None: ...

    async def set_default(self, customer_id: str, method_id: str) -> None: ...

    async def remove(self, method_id: str, *, at: datetime) -> None: ...

    async def expiring(self, month_start: datetime, month_end: datetime) -> list[PaymentMethod]:
        """Default methods whose card expires in the calendar month [start, end)."""
        ...


class PaymentAttemptRepository(Protocol):
    async def add(self, attempt: PaymentAttempt) -> None:
        """``Conflict`` when the invoice already has an attempt with that number."""
        ...

    async def add_many(self, attempts: Sequence[PaymentAttempt]) -> None:
        """``add`` for several attempts in one statement (``Conflict``: none is stored)."""
        ...

    async def save(self, attempt: PaymentAttempt) -> None:
        """Store the attempt's outcome (status, code, message, payment reference, hard decline,
        finish instant); the rest of an attempt never changes."""
        ...

    async def save_many(self, attempts: Sequence[PaymentAttempt]) -> None:
        """``save`` for several attempts (one statement on PostgreSQL)."""
        ...

    async def for_invoice(self, invoice_id: str) -> list[PaymentAttempt]: ...

    async def for_invoices(self, invoice_ids: Sequence[str]) -> dict[str, list[PaymentAttempt]]:
        """``for_invoice`` for several invoices in one query: every id given is a key."""
        ...

    async def by_payment_ref(self, payment_ref: str) -> PaymentAttempt | None: ...


class DunningRepository(Protocol):
    async def get(self, invoice_id: str) -> DunningCase | None: ...

    async def for_invoices(self, invoice_ids: Sequence[str]) -> dict[str, DunningCase]:
        """The cases (open or closed) of those invoices that have one, by invoice."""
        ...

    async def save(self, case: DunningCase) -> None: ...

    async def due(
        self, now: datetime, *, limit: int, test_clock_id: str | None = None
    ) -> list[DunningCase]: ...

    async def open_for_customer(self, customer_id: str) -> list[DunningCase]: ...

    async def open_by_failures(self) -> dict[int, int]:
        """How many open cases there are by failures so far (``{1: 4, 2: 1}``)."""
        ...

    async def policy(self) -> DunningPolicy: ...

    async def save_policy(self, policy: DunningPolicy) -> None: ...


class RefundRepository(Protocol):
    async def add(self, refund: Refund) -> bool:
        """False (nothing stored) when the credit note already has its refund."""
        ...

    async def for_credit_note(self, credit_note_id: str) -> Refund | None: ...

    async def save(self, refund: Refund) -> None: ...

    async def for_invoice(self, invoice_id: str) -> list[Refund]: ...


class WebhookEventRepository(Protocol):
    async def add(self, record: WebhookRecord) -> bool:
        """False (nothing stored) when this gateway's event id is on record already."""
        ...

    async def get(self, gateway: str, event_id: str) -> WebhookRecord | None: ...

    async def held(self, *, limit: int = 100) -> list[WebhookRecord]:
        """Events held for staff, the newest first."""
        ...


class PaymentsUnit(SubscriptionsUnit, DocumentsUnit, Protocol):
    """Payments move invoices and subscriptions, so their unit extends the subscriptions'."""

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
