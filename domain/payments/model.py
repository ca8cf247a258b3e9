"""What a payment gateway hands back: card details (never the number), charge and refund results.

A card number reaches only the gateway adapter's tokeniser; the billing code sees tokens and
``CardDetails`` (brand, last four, expiry, fingerprint), and that is all we store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.shared.money import Money


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = (
        "requires_action"  # the customer must confirm (3-D Secure); invoice stays open
    )
    DECLINED = "declined"  # the issuer said no (see ``hard`` for whether retrying can help)
    ERROR = "error"  # the gateway failed to process it (retryable)


# Decline codes after which retrying the same card cannot succeed (Stripe's list of hard declines,
# trimmed to the ones gateways commonly return): wait for a new payment method instead.
HARD_DECLINE_CODES = frozenset(
    {
        "expired_card",
        "incorrect_number",
        "invalid_number",
        "invalid_expiry_month",
        "invalid_expiry_year",
        "lost_card",
        "stolen_card",
        "pickup_card",
        "restricted_card",
        "revocation_of_authorization",
        "do_not_honor_permanently",
        "card_not_supported",
        "currency_not_supported",
        "fraudulent",
    }
)


@dataclass(frozen=True, slots=True)
class CardDetails:
    """A payment method as we may keep it: the gateway's reference, never the card number."""

    method_ref: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    """One off-session charge, as ``PaymentGateway.charge`` takes it."""

    gateway_customer: str
    method_ref: str
    amount: Money
    idempotency_key: str
    description: str


@dataclass(frozen=True, slots=True)
class ChargeResult:
    status: ChargeStatus
    payment_ref: str | None  # the gateway's payment (intent) id, when one was created
    code: str | None = None  # the gateway's decline or error code ("insufficient_funds")
    message: str = ""  # safe to show the customer ("Your card has insufficient funds.")
    action_url: str | None = None  # where the customer completes a required action

    @property
    def hard_decline(self) -> bool:
        return self.status is ChargeStatus.DECLINED and (self.code or "") in HARD_DECLINE_CODES


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_ref: str
    succeeded: bool
    code: str | None = None
    message: str = ""


class WebhookKind(StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    event_id: str  # the provider's id: webhooks are processed once per id
    kind: WebhookKind
    payment_ref: str | None
    raw_type: str


class WebhookOutcome(StrEnum):
    """What receiving a webhook did (kept per provider event id, so an event applies once)."""

    APPLIED = "applied"  # the payment's outcome was recorded (or was already on record)
    REPLAYED = "replayed"  # this event id was handled before: nothing changed
    IGNORED = "ignored"  # not about a payment of ours
    HELD = "held"  # the gateway's read-back disagrees with the event or the invoice: for staff


@dataclass(frozen=True, slots=True)
class GatewayPayment:
    """A payment as the gateway reports it when asked (read back before trusting a webhook)."""

    payment_ref: str
    status: ChargeStatus
    amount_minor: int
    currency: str  # ISO 4217, upper case


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """A provider event we acted on, or held for staff (``detail`` says why)."""

    gateway: str
    event_id: str
    event_type: str
    payment_ref: str | None
    outcome: WebhookOutcome
    received_at: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    """A customer's saved card: the gateway's reference and what may be shown, nothing more."""

    id: str
    customer_id: str
    gateway: str
    method_ref: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str
    is_default: bool
    created_at: datetime

    def expires_before(self, at: datetime) -> bool:
        """True when the card's last valid day is before ``at`` (cards expire after their month)."""
        return (self.exp_year, self.exp_month) < (at.year, at.month)


class AttemptStatus(StrEnum):
    PENDING = "pending"  # recorded before the gateway call; a retry reuses its idempotency key
    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"
    DECLINED = "declined"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class PaymentAttempt:
    id: str
    invoice_id: str
    customer_id: str
    payment_method_id: str | None
    number: int  # 1, 2, ... per invoice
    idempotency_key: str  # "<invoice id>:<number>": a retried job never charges twice
    amount_minor: int
    currency: str
    status: AttemptStatus
    created_at: datetime
    code: str | None = None
    message: str = ""
    payment_ref: str | None = None
    finished_at: datetime | None = None
    hard_decline: bool = False

    def finished(self, result: ChargeResult, at: datetime) -> PaymentAttempt:
        """The attempt with the gateway's answer recorded (a result without a payment
        reference keeps the one the attempt had)."""
        return replace(
            self,
            status=AttemptStatus(result.status.value),
            code=result.code,
            message=result.message,
            payment_ref=result.payment_ref or self.payment_ref,
            hard_decline=result.hard_decline,
            finished_at=at,
        )


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Refund:
    """Money going back through the gateway for a credit note's ``refunded`` part."""

    id: str  # also the gateway's idempotency key
    credit_note_id: str
    invoice_id: str
    customer_id: str | None
    payment_ref: str | None
    amount_minor: int
    currency: str
    status: RefundStatus
    created_at: datetime
    refund_ref: str | None = None
    code: str | None = None
    finished_at: datetime | None = None
