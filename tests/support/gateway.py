"""An in-memory ``PaymentGateway`` for service tests: the sandbox's test cards without its
database, and a record of what it was asked (tokens, attached cards, charges, detaches).

Test cards (the sandbox's numbers): ``4242424242424242`` pays, ``4000000000000002`` is declined,
``4000002500003155`` asks for the customer's check (``confirm`` then succeeds); any other number
that passes Luhn pays, one that does not is refused at tokenisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.payments.model import (
    CardDetails,
    ChargeResult,
    ChargeStatus,
    GatewayPayment,
    RefundResult,
    WebhookEvent,
)
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.money import Money

SUCCESS, DECLINE, ACTION = "4242424242424242", "4000000000000002", "4000002500003155"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


@dataclass
class Charge:
    gateway_customer: str
    method_ref: str
    amount: Money
    idempotency_key: str
    result: ChargeResult


@dataclass
class FakeGateway:
    name: str = "fake"
    tokens: dict[str, str] = field(default_factory=dict)  # token -> the card's behaviour
    attached: dict[str, str] = field(default_factory=dict)  # method_ref -> gateway customer
    detached: list[str] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    payments: dict[str, GatewayPayment] = field(default_factory=dict)
    _behaviour: dict[str, str] = field(default_factory=dict)  # method_ref -> behaviour

    async def tokenize_card(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> str:
        digits = "".join(ch for ch in number if ch.isdigit())
        if not 12 <= len(digits) <= 19 or not _luhn_ok(digits):
            raise ValidationFailed({"card_number": "Your card number is incorrect."})
        token = f"tok_{len(self.tokens) + 1}"
        self.tokens[token] = {DECLINE: "decline", ACTION: "action"}.get(digits, "success")
        return token

    async def ensure_customer(self, *, customer_id: str, email: str, name: str) -> str:
        return f"cus_{customer_id}"

    async def attach(self, *, gateway_customer: str, token: str) -> CardDetails:
        method_ref = f"pm_{token}"
        self.attached[method_ref] = gateway_customer
        self._behaviour[method_ref] = self.tokens[token]
        return CardDetails(method_ref, "visa", "4242", 12, 2034, f"fp_{token}")

    async def detach(self, *, gateway_customer: str, method_ref: str) -> None:
        self.detached.append(method_ref)
        self.attached.pop(method_ref, None)

    async def charge(
        self,
        *,
        gateway_customer: str,
        method_ref: str,
        amount: Money,
        idempotency_key: str,
        description: str,
    ) -> ChargeResult:
        for earlier in self.charges:
            if earlier.idempotency_key == idempotency_key:
                return earlier.result
        ref = f"pay_{len(self.charges) + 1}"
        behaviour = self._behaviour.get(method_ref, "decline")
        if behaviour == "success":
            result = ChargeResult(ChargeStatus.SUCCEEDED, ref)
        elif behaviour == "action":
            result = ChargeResult(ChargeStatus.REQUIRES_ACTION, ref, action_url=f"/pay/{ref}")
        else:
            result = ChargeResult(
                ChargeStatus.DECLINED, ref, "generic_decline", "Your card was declined."
            )
        self.charges.append(Charge(gateway_customer, method_ref, amount, idempotency_key, result))
        self.payments[ref] = GatewayPayment(ref, result.status, amount.minor, amount.currency.code)
        return result

    async def confirm(self, *, payment_ref: str) -> ChargeResult:
        payment = self.payments[payment_ref]
        self.payments[payment_ref] = GatewayPayment(
            payment_ref, ChargeStatus.SUCCEEDED, payment.amount_minor, payment.currency
        )
        return ChargeResult(ChargeStatus.SUCCEEDED, payment_ref)

    async def retrieve(self, *, payment_ref: str) -> GatewayPayment:
        if payment_ref not in self.payments:
            raise NotFound("No such payment.")
        return self.payments[payment_ref]

    async def refund(
        self, *, payment_ref: str, amount: Money, idempotency_key: str
    ) -> RefundResult:
        return RefundResult(f"re_{idempotency_key}", True)

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        raise ValidationFailed({"signature": "The fake gateway sends no webhooks."})

    @property
    def succeeded(self) -> list[Charge]:
        return [c for c in self.charges if c.result.status is ChargeStatus.SUCCEEDED]
