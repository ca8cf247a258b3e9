"""An in-memory ``PaymentGateway`` for the service tests (payments, checkout): the sandbox's test
cards without its database (the sandbox keeps its ledger there; these tests keep everything in
memory), and a record of what it was asked.

Test cards behave as the sandbox's do (Stripe's numbers): a number that fails the length or
Luhn check is refused at tokenisation (``ValidationFailed`` on ``card_number``, as the sandbox
does); any other valid number that is not one of the test cards below pays. The gateway keeps,
as a provider would, only the card's behaviour, brand, last four, expiry and a fingerprint, and
its own ledger of payments and refunds. A charge with an idempotency key seen before returns the
first result and charges nothing. Every call that moved money is in ``charges`` or ``refunds``.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field, replace

from domain.payments.model import (
    CardDetails,
    ChargeResult,
    ChargeStatus,
    GatewayPayment,
    RefundResult,
    WebhookEvent,
)
from domain.shared.errors import NotFound, PaymentDeclined, TransientError, ValidationFailed
from domain.shared.money import Money

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"  # generic_decline: soft, worth retrying
EXPIRED = "4000000000000069"  # expired_card: a hard decline (refused at attach time too)
NEEDS_ACTION = "4000002500003155"  # 3-D Secure: confirm succeeds after it
ALWAYS_DECLINED = "4000000000000341"  # attaches fine, every charge declined (card_declined)

_BEHAVIOUR = {
    SUCCEEDS: (ChargeStatus.SUCCEEDED, None, ""),
    DECLINED: (ChargeStatus.DECLINED, "generic_decline", "Your card was declined."),
    EXPIRED: (ChargeStatus.DECLINED, "expired_card", "Your card has expired."),
    NEEDS_ACTION: (
        ChargeStatus.REQUIRES_ACTION,
        "authentication_required",
        "Your bank asks you to confirm this payment.",
    ),
    ALWAYS_DECLINED: (ChargeStatus.DECLINED, "card_declined", "Your card was declined."),
}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


@dataclass(frozen=True, slots=True)
class Charge:
    """A charge the gateway made. ``result`` is what the charge call answered; it is left out of
    equality so a test can compare ``charges`` with the calls it expects."""

    gateway_customer: str
    method_ref: str
    amount: Money
    idempotency_key: str
    result: ChargeResult | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class SentRefund:
    payment_ref: str
    amount: Money
    idempotency_key: str


class FakeGateway:
    """``PaymentGateway`` in memory. ``time_out_after_next_charge`` (``_refund``): the next charge
    (refund) is made and then the call raises ``TransientError`` (the answer was lost on the way
    back)."""

    name = "fake"

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.tokens: dict[str, CardDetails] = {}
        self.behaviour: dict[str, str] = {}  # token or method ref -> test card number's behaviour
        self.customers: dict[str, str] = {}  # our customer id -> gateway customer
        self.attached: dict[str, str] = {}  # method ref -> gateway customer
        self.payments: dict[str, GatewayPayment] = {}
        self.results: dict[str, ChargeResult] = {}  # idempotency key -> first result
        self.charges: list[Charge] = []
        self.refunds: list[SentRefund] = []
        self.refund_results: dict[str, RefundResult] = {}
        self.detached: list[str] = []
        self.time_out_after_next_charge = False
        self.time_out_after_next_refund = False

    def _ref(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):04d}"

    @property
    def succeeded(self) -> list[Charge]:
        """The charges whose call answered ``SUCCEEDED`` (not those settled later)."""
        return [c for c in self.charges if c.result and c.result.status is ChargeStatus.SUCCEEDED]

    async def tokenize_card(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> str:
        digits = "".join(ch for ch in number if ch.isdigit())
        if not 12 <= len(digits) <= 19 or not _luhn_ok(digits):
            raise ValidationFailed({"card_number": "Your card number is incorrect."})
        token = self._ref("tok")
        fingerprint = hashlib.sha256(b"fake-key:" + digits.encode()).hexdigest()[:32]
        self.tokens[token] = CardDetails("", "visa", digits[-4:], exp_month, exp_year, fingerprint)
        self.behaviour[token] = digits if digits in _BEHAVIOUR else SUCCEEDS
        return token

    async def ensure_customer(self, *, customer_id: str, email: str, name: str) -> str:
        return self.customers.setdefault(customer_id, self._ref("cus"))

    async def attach(self, *, gateway_customer: str, token: str) -> CardDetails:
        card = self.tokens.pop(token)
        number = self.behaviour.pop(token)
        if number == EXPIRED:
            raise PaymentDeclined("Your card has expired.", code="expired_card")
        method_ref = self._ref("pm")
        self.behaviour[method_ref] = number
        self.attached[method_ref] = gateway_customer
        return replace(card, method_ref=method_ref)

    async def detach(self, *, gateway_customer: str, method_ref: str) -> None:
        if self.attached.get(method_ref) == gateway_customer:
            del self.attached[method_ref]
            self.detached.append(method_ref)

    def set_behaviour(self, method_ref: str, number: str) -> None:
        """Make an attached card behave like another test card from now on."""
        self.behaviour[method_ref] = number

    async def charge(
        self,
        *,
        gateway_customer: str,
        method_ref: str,
        amount: Money,
        idempotency_key: str,
        description: str,
    ) -> ChargeResult:
        if idempotency_key in self.results:
            return self.results[idempotency_key]
        if self.attached.get(method_ref) != gateway_customer:
            return ChargeResult(ChargeStatus.DECLINED, None, "payment_method_missing")
        status, code, message = _BEHAVIOUR[self.behaviour[method_ref]]
        ref = self._ref("pi")
        action = f"/pay/confirm/{ref}" if status is ChargeStatus.REQUIRES_ACTION else None
        result = ChargeResult(status, ref, code, message, action)
        self.results[idempotency_key] = result
        self.payments[ref] = GatewayPayment(ref, status, amount.minor, amount.currency.code)
        self.charges.append(Charge(gateway_customer, method_ref, amount, idempotency_key, result))
        if self.time_out_after_next_charge:
            self.time_out_after_next_charge = False
            raise TransientError("the fake gateway timed out", code="payments.gateway_timeout")
        return result

    def settle(self, payment_ref: str, status: ChargeStatus = ChargeStatus.SUCCEEDED) -> None:
        """The payment's state changes at the gateway (the customer confirmed it at the bank)."""
        self.payments[payment_ref] = replace(self.payments[payment_ref], status=status)

    async def confirm(self, *, payment_ref: str) -> ChargeResult:
        payment = self.payments[payment_ref]
        if payment.status is ChargeStatus.REQUIRES_ACTION:
            self.settle(payment_ref)
        status = self.payments[payment_ref].status
        return ChargeResult(status, payment_ref)

    async def retrieve(self, *, payment_ref: str) -> GatewayPayment:
        if payment_ref not in self.payments:
            raise NotFound("no such payment at the fake gateway", code="payments.not_found")
        return self.payments[payment_ref]

    async def refund(
        self, *, payment_ref: str, amount: Money, idempotency_key: str
    ) -> RefundResult:
        if idempotency_key in self.refund_results:
            return self.refund_results[idempotency_key]
        result = RefundResult(self._ref("re"), True)
        self.refund_results[idempotency_key] = result
        self.refunds.append(SentRefund(payment_ref, amount, idempotency_key))
        if self.time_out_after_next_refund:
            self.time_out_after_next_refund = False
            raise TransientError("the fake gateway timed out", code="payments.gateway_timeout")
        return result

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """The fake signs no webhooks, so no signature verifies (the tests hand
        ``reconcile_webhook`` verified events)."""
        raise ValidationFailed({"signature": "The fake gateway sends no webhooks."})
