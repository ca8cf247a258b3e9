"""The sandbox gateway: a payment provider played in-process, for development and tests.

It behaves like a real gateway where it matters to billing:
- Card numbers stop at ``tokenize_card``; it keeps only the test behaviour of the card, the brand,
  last four, expiry and a fingerprint (in its own ``sandbox_*`` tables, as a provider would).
- Its ledger is durable and shared by every app process (the database), so a payment method
  outlives a restart and an idempotency key charges once whichever process retries it.
- Test cards follow the industry convention (Stripe's numbers):

  ================  ==========================================================
  4242424242424242  succeeds
  4000000000000002  declined (generic_decline)
  4000000000009995  declined (insufficient_funds)
  4000000000000069  declined (expired_card) - a hard decline
  4000000000000127  declined (incorrect_cvc)
  4000002500003155  requires customer action (3-D Secure); confirm succeeds after it
  4000000000000119  processing error (retryable)
  4000000000000341  attaches fine, every charge is declined (card_declined)
  4000000000000259  succeeds, and the sandbox times out first (raises TransientError once)
  ================  ==========================================================

  Any other valid-looking number (Luhn) succeeds; an invalid one is refused at tokenisation.
- ``failure_rate`` (0..1) turns that share of otherwise successful charges into processing
  errors, chosen by a seeded random generator, for reliability tests.
- Its secrets are per installation, never in the code: ``webhook_secret`` signs and checks its
  webhooks (Stripe's scheme, with ``webhook_tolerance_s`` on the injected clock) and
  ``fingerprint_key`` keys the card fingerprints (HMAC-SHA256 of the number: without the key,
  which is not in the database, a stored fingerprint cannot be turned back into the number).
  Either defaults to a random value for this instance; the app derives both from its secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from domain.adapters.db.tables import SandboxCardTable, SandboxCustomerTable, SandboxPaymentTable
from domain.adapters.db.transactions import write_transaction
from domain.adapters.payments import webhook_signing
from domain.payments.model import (
    CardDetails,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    GatewayPayment,
    RefundResult,
    WebhookEvent,
    WebhookKind,
)
from domain.shared.clock import Clock, SystemClock
from domain.shared.errors import NotFound, PaymentDeclined, TransientError, ValidationFailed
from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class _Behaviour:
    charge: ChargeStatus
    code: str | None = None
    message: str = ""


_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "card_declined": "Your card was declined.",
}

TEST_CARDS: dict[str, str] = {
    "4242424242424242": "success",
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
    "4000002500003155": "requires_action",
    "4000000000000119": "processing_error",
    "4000000000000341": "card_declined",
    "4000000000000259": "timeout_once",
}


def _behaviour(name: str) -> _Behaviour:
    if name in ("success", "timeout_once"):
        return _Behaviour(ChargeStatus.SUCCEEDED)
    if name == "requires_action":
        return _Behaviour(ChargeStatus.REQUIRES_ACTION, "authentication_required")
    if name == "processing_error":
        return _Behaviour(ChargeStatus.ERROR, "processing_error", _MESSAGES["processing_error"])
    return _Behaviour(ChargeStatus.DECLINED, name, _MESSAGES.get(name, "Your card was declined."))


def _luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    odd = digits[-1::-2]
    even = [sum(divmod(2 * d, 10)) for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "unknown"


class SandboxGateway:
    """``PaymentGateway`` in-process. ``engine`` is the app's database (its own tables);
    ``action_base_url`` prefixes the customer-action links it hands out."""

    name = "sandbox"

    def __init__(
        self,
        engine: Engine,
        *,
        webhook_secret: str | None = None,
        fingerprint_key: str | None = None,
        webhook_tolerance_s: int = webhook_signing.DEFAULT_TOLERANCE_S,
        clock: Clock | None = None,
        action_base_url: str = "/pay/confirm",
        failure_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        if not 0 <= failure_rate <= 1:
            raise ValueError("failure_rate is between 0 and 1")
        self._engine = engine
        self._secret = webhook_secret or secrets.token_hex(32)
        self._fingerprint_key = (fingerprint_key or secrets.token_hex(32)).encode()
        self._tolerance_s = webhook_tolerance_s
        self._clock = clock or SystemClock()
        self._action_base_url = action_base_url
        self.failure_rate = failure_rate
        self._random = random.Random(seed)
        self._timed_out: set[str] = set()

    # The sandbox runs its statements in its own transaction, like a remote call; callers must
    # not hold one of theirs (charging never happens inside a unit of work).
    async def _run(self, *queries: Any) -> list[Any]:
        async with write_transaction(self._engine):
            return [await q for q in queries]

    async def tokenize_card(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> str:
        digits = "".join(ch for ch in number if ch.isdigit())
        errors: dict[str, str] = {}
        if not 12 <= len(digits) <= 19 or not _luhn_ok(digits):
            errors["card_number"] = "Your card number is incorrect."
        if not 1 <= exp_month <= 12:
            errors["exp_month"] = "Your card's expiration month is invalid."
        if not 2000 <= exp_year <= 2100:
            errors["exp_year"] = "Your card's expiration year is invalid."
        if not cvc.isdigit() or not 3 <= len(cvc) <= 4:
            errors["cvc"] = "Your card's security code is invalid."
        if errors:
            raise ValidationFailed(errors, code="payments.invalid_card")
        token = f"tok_{secrets.token_hex(12)}"
        fingerprint = hmac.new(self._fingerprint_key, digits.encode(), hashlib.sha256).hexdigest()
        fingerprint = fingerprint[:32]  # 128 bits: collisions are out of reach, the key is not
        await self._run(
            SandboxCardTable.insert(
                SandboxCardTable(
                    ref=token,
                    behaviour=TEST_CARDS.get(digits, "success"),
                    brand=_brand(digits),
                    last4=digits[-4:],
                    exp_month=exp_month,
                    exp_year=exp_year,
                    fingerprint=fingerprint,
                )
            )
        )
        return token

    async def ensure_customer(self, *, customer_id: str, email: str, name: str) -> str:
        rows = await SandboxCustomerTable.select().where(
            SandboxCustomerTable.customer_id == customer_id
        )
        if rows:
            return str(rows[0]["ref"])
        ref = f"cus_{secrets.token_hex(8)}"
        await self._run(
            SandboxCustomerTable.insert(
                SandboxCustomerTable(ref=ref, customer_id=customer_id, email=email)
            ).on_conflict(target=SandboxCustomerTable.customer_id, action="DO NOTHING")
        )
        rows = await SandboxCustomerTable.select().where(
            SandboxCustomerTable.customer_id == customer_id
        )
        return str(rows[0]["ref"])

    async def attach(self, *, gateway_customer: str, token: str) -> CardDetails:
        card = await SandboxCardTable.select().where(SandboxCardTable.ref == token).first()
        if card is None or card["used"] or card["customer_ref"] is not None:
            raise PaymentDeclined(
                "This card could not be saved. Please enter it again.",
                code="payments.token_invalid",
            )
        if card["behaviour"] == "expired_card":
            raise PaymentDeclined(_MESSAGES["expired_card"], code="expired_card")
        method_ref = f"pm_{secrets.token_hex(12)}"
        await self._run(
            SandboxCardTable.update({SandboxCardTable.used: True}).where(
                SandboxCardTable.ref == token
            ),
            SandboxCardTable.insert(
                SandboxCardTable(
                    ref=method_ref,
                    customer_ref=gateway_customer,
                    behaviour=card["behaviour"],
                    brand=card["brand"],
                    last4=card["last4"],
                    exp_month=card["exp_month"],
                    exp_year=card["exp_year"],
                    fingerprint=card["fingerprint"],
                    used=True,
                )
            ),
        )
        return CardDetails(
            method_ref=method_ref,
            brand=card["brand"],
            last4=card["last4"],
            exp_month=int(card["exp_month"]),
            exp_year=int(card["exp_year"]),
            fingerprint=card["fingerprint"],
        )

    async def detach(self, *, gateway_customer: str, method_ref: str) -> None:
        await self._run(
            SandboxCardTable.update({SandboxCardTable.customer_ref: None}).where(
                (SandboxCardTable.ref == method_ref)
                & (SandboxCardTable.customer_ref == gateway_customer)
            )
        )

    async def set_behaviour(self, method_ref: str, card_number: str) -> None:
        """Test control: make an attached card behave like another test card from now on (a
        card that starts failing in month four, say)."""
        await self._run(
            SandboxCardTable.update(
                {SandboxCardTable.behaviour: TEST_CARDS.get(card_number, "success")}
            ).where(SandboxCardTable.ref == method_ref)
        )

    async def charge(
        self,
        *,
        gateway_customer: str,
        method_ref: str,
        amount: Money,
        idempotency_key: str,
        description: str,
    ) -> ChargeResult:
        [answer] = await self._charge(
            [ChargeRequest(gateway_customer, method_ref, amount, idempotency_key, description)]
        )
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def charge_many(
        self, requests: Sequence[ChargeRequest]
    ) -> list[ChargeResult | Exception]:
        """``charge`` for a batch (``BulkChargingGateway``): the keys seen before and the cards
        read in one query each, the new payments written in one transaction, each request
        answered as ``charge`` answers it alone (a timeout is its exception, in its place)."""
        return await self._charge(requests)

    async def _charge(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | Exception]:
        if not requests:
            return []
        keys = sorted({r.idempotency_key for r in requests})
        seen = await self._payments(keys)
        cards = {
            row["ref"]: row
            for row in await SandboxCardTable.select().where(
                SandboxCardTable.ref.is_in(sorted({r.method_ref for r in requests}))
            )
        }
        answers: list[ChargeResult | Exception | None] = []
        rows: list[SandboxPaymentTable] = []
        for request in requests:
            if request.idempotency_key in seen:
                answers.append(self._result(seen[request.idempotency_key]))
                continue
            answer = self._new_payment(request, cards.get(request.method_ref))
            if isinstance(answer, SandboxPaymentTable):
                rows.append(answer)
                answers.append(None)  # answered by the row stored under its key
            else:
                answers.append(answer)
        if not rows:
            return [a for a in answers if a is not None]
        await self._run(
            SandboxPaymentTable.insert(*rows).on_conflict(
                target=SandboxPaymentTable.idempotency_key, action="DO NOTHING"
            )
        )
        # the first writer's result if two raced on a key
        stored = await self._payments(sorted({r.idempotency_key for r in rows}))
        return [
            self._result(stored[r.idempotency_key]) if a is None else a
            for a, r in zip(answers, requests, strict=True)
        ]

    async def _payments(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        rows = await SandboxPaymentTable.select().where(
            SandboxPaymentTable.idempotency_key.is_in(keys)
        )
        return {row["idempotency_key"]: row for row in rows}

    def _new_payment(
        self, request: ChargeRequest, card: dict[str, Any] | None
    ) -> SandboxPaymentTable | ChargeResult | Exception:
        """A charge not seen before: the payment row to store, or the answer without one (a
        card that is gone, the timeout a ``timeout_once`` card gives once)."""
        if card is None or card["customer_ref"] != request.gateway_customer:
            return ChargeResult(
                ChargeStatus.DECLINED,
                None,
                "payment_method_missing",
                "Your saved card is no longer available. Please add a card.",
            )
        behaviour = _behaviour(card["behaviour"])
        if card["behaviour"] == "timeout_once" and request.method_ref not in self._timed_out:
            self._timed_out.add(request.method_ref)
            return TransientError("the sandbox gateway timed out", code="payments.gateway_timeout")
        status, code = behaviour.charge, behaviour.code
        if status is ChargeStatus.SUCCEEDED and self._random.random() < self.failure_rate:
            status, code = ChargeStatus.ERROR, "processing_error"
        return SandboxPaymentTable(
            ref=f"pi_{secrets.token_hex(12)}",
            idempotency_key=request.idempotency_key,
            kind="charge",
            method_ref=request.method_ref,
            amount_minor=request.amount.minor,
            currency=request.amount.currency.code,
            status=status.value,
            code=code,
        )

    def _result(self, row: dict[str, Any]) -> ChargeResult:
        status = ChargeStatus(row["status"])
        code = row["code"]
        action = (
            f"{self._action_base_url}/{row['ref']}"
            if status is ChargeStatus.REQUIRES_ACTION
            else None
        )
        message = "" if status is ChargeStatus.SUCCEEDED else _MESSAGES.get(code or "", "")
        if status is ChargeStatus.REQUIRES_ACTION:
            message = "Your bank asks you to confirm this payment."
        return ChargeResult(status, row["ref"], code, message, action)

    async def confirm(self, *, payment_ref: str) -> ChargeResult:
        """The customer completed the bank's check: a payment awaiting action succeeds."""
        row = (
            await SandboxPaymentTable.select().where(SandboxPaymentTable.ref == payment_ref).first()
        )
        if row is None:
            raise ValidationFailed({"payment": "no such payment"}, code="payments.not_found")
        if row["status"] == ChargeStatus.REQUIRES_ACTION.value:
            await self._run(
                SandboxPaymentTable.update(
                    {SandboxPaymentTable.status: ChargeStatus.SUCCEEDED.value}
                ).where(SandboxPaymentTable.ref == payment_ref)
            )
            row = {**row, "status": ChargeStatus.SUCCEEDED.value, "code": None}
        return self._result(row)

    async def retrieve(self, *, payment_ref: str) -> GatewayPayment:
        row = (
            await SandboxPaymentTable.select()
            .where(
                (SandboxPaymentTable.ref == payment_ref) & (SandboxPaymentTable.kind == "charge")
            )
            .first()
        )
        if row is None:
            raise NotFound("no such payment at the sandbox", code="payments.not_found")
        return GatewayPayment(
            payment_ref=payment_ref,
            status=ChargeStatus(row["status"]),
            amount_minor=int(row["amount_minor"]),
            currency=str(row["currency"]).upper(),
        )

    async def refund(
        self, *, payment_ref: str, amount: Money, idempotency_key: str
    ) -> RefundResult:
        seen = await SandboxPaymentTable.select().where(
            SandboxPaymentTable.idempotency_key == idempotency_key
        )
        if seen:
            return RefundResult(seen[0]["ref"], seen[0]["status"] == "succeeded", seen[0]["code"])
        payment = (
            await SandboxPaymentTable.select().where(SandboxPaymentTable.ref == payment_ref).first()
        )
        refunded = await SandboxPaymentTable.select(SandboxPaymentTable.amount_minor).where(
            (SandboxPaymentTable.payment_ref == payment_ref)
            & (SandboxPaymentTable.status == "succeeded")
        )
        already = sum(int(r["amount_minor"]) for r in refunded)
        ok = (
            payment is not None
            and payment["status"] == ChargeStatus.SUCCEEDED.value
            and amount.minor + already <= int(payment["amount_minor"])
        )
        ref = f"re_{secrets.token_hex(12)}"
        await self._run(
            SandboxPaymentTable.insert(
                SandboxPaymentTable(
                    ref=ref,
                    idempotency_key=idempotency_key,
                    kind="refund",
                    payment_ref=payment_ref,
                    amount_minor=amount.minor,
                    currency=amount.currency.code,
                    status="succeeded" if ok else "failed",
                    code=None if ok else "amount_too_large",
                )
            )
        )
        return RefundResult(
            ref, ok, None if ok else "amount_too_large", "" if ok else "The refund was refused."
        )

    def sign(self, payload: bytes, timestamp: int) -> str:
        """The ``X-Sandbox-Signature`` header for ``payload`` (tests play the provider)."""
        return webhook_signing.sign(payload, self._secret, timestamp)

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        data = webhook_signing.verify(
            payload, signature, self._secret, now=self._clock.now(), tolerance_s=self._tolerance_s
        )
        kinds = {
            "payment_intent.succeeded": WebhookKind.PAYMENT_SUCCEEDED,
            "payment_intent.payment_failed": WebhookKind.PAYMENT_FAILED,
        }
        raw_type = str(data["type"])
        ref = webhook_signing.event_object(data).get("id")
        return WebhookEvent(
            event_id=str(data["id"]),
            kind=kinds.get(raw_type, WebhookKind.OTHER),
            payment_ref=ref if isinstance(ref, str) and ref else None,
            raw_type=raw_type,
        )
