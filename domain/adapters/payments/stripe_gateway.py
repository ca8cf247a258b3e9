"""The ``stripe`` payment gateway: the port on Stripe's official SDK (PaymentIntents, PaymentMethods,
Customers, Refunds, webhooks), translating Stripe's answers and errors at the boundary."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from typing import TypeAlias

import stripe
from stripe.params import PaymentIntentCreateParams, PaymentMethodCreateParamsCard

from domain.adapters.payments import webhook_signing
from domain.payments.model import (
    CardDetails,
    ChargeResult,
    ChargeStatus,
    GatewayPayment,
    RefundResult,
    WebhookEvent,
    WebhookKind,
)
from domain.shared.clock import Clock, SystemClock
from domain.shared.errors import (
    Conflict,
    DomainError,
    NotFound,
    PaymentDeclined,
    TransientError,
    ValidationFailed,
)
from domain.shared.money import Money

CUSTOMER_ID_KEY = "tessera_customer_id"  # our customer id in the Stripe customer's metadata

_WEBHOOK_KINDS = {
    "payment_intent.succeeded": WebhookKind.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": WebhookKind.PAYMENT_FAILED,
}

# Stripe's error codes that mean the gateway, not the card, failed: retrying may succeed.
_PROCESSING_CODES = frozenset({"processing_error"})
# An off-session charge that needs 3-D Secure fails with this code; the customer must come back.
_AUTHENTICATION_CODES = frozenset({"authentication_required"})

_Json: TypeAlias = Mapping[str, object]


class _NoRequestBodies(logging.Filter):
    """The SDK logs request bodies at DEBUG ("Post details"); a tokenised card's body holds its
    number, so the ``stripe`` logger never passes DEBUG records on, whatever the app's level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


_stripe_logger = logging.getLogger("stripe")
if not any(isinstance(f, _NoRequestBodies) for f in _stripe_logger.filters):
    _stripe_logger.addFilter(_NoRequestBodies())


class StripeGateway:
    """``PaymentGateway`` on a private ``stripe.StripeClient`` (no module globals), so gateways
    with different keys or API bases coexist. Calls use the SDK's async methods (httpx).

    ``api_base`` points the SDK elsewhere (localstripe in tests); ``webhook_secret`` is the
    endpoint's signing secret (``whsec_...``) that ``parse_webhook`` needs, and signatures older
    (or newer) than ``webhook_tolerance_s`` on ``clock`` are refused. The SDK retries
    connection failures and 5xx answers ``max_network_retries`` times with the same idempotency
    key; what still fails becomes ``TransientError``.
    """

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        webhook_secret: str | None = None,
        webhook_tolerance_s: int = webhook_signing.DEFAULT_TOLERANCE_S,
        clock: Clock | None = None,
        max_network_retries: int = 2,
        timeout_s: float = 30.0,
    ) -> None:
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self._tolerance_s = webhook_tolerance_s
        self._clock = clock or SystemClock()
        self._http = stripe.HTTPXClient(timeout=timeout_s)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=self._http,
        )

    @property
    def name(self) -> str:
        return "stripe"

    async def aclose(self) -> None:
        """Close the HTTP connection pool (at application shutdown)."""
        await self._http.close_async()  # type: ignore[no-untyped-call]

    # -- payment methods -----------------------------------------------------------------------
    async def tokenize_card(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> str:
        """Create a card PaymentMethod from raw card details and return its id.

        **Test mode only**: in production the browser tokenises with Stripe.js and raw card
        numbers never reach our server (Stripe refuses raw numbers without special approval).
        The number goes in the request body and nowhere else: it is not logged (the ``stripe``
        logger drops DEBUG records, and this call refuses to run while the SDK prints debug
        output to the console), and an error carries Stripe's message, never the card.
        """
        if stripe.log == "debug" or os.environ.get("STRIPE_LOG") == "debug":
            raise RuntimeError("refusing to send card details while Stripe debug logging is on")
        card: PaymentMethodCreateParamsCard = {
            "number": number,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "cvc": cvc,
        }
        try:
            method = await self._client.v1.payment_methods.create_async(
                {"type": "card", "card": card}
            )
        except stripe.CardError as exc:
            code, message = _card_error(exc)
            raise PaymentDeclined(message, code=code) from None  # the request held the number
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 400:
                raise _failure(exc) from None
            raise ValidationFailed(
                {"card": exc.user_message or "the card details were refused"},
                code=exc.code or "payments.invalid_card",
            ) from None
        except stripe.StripeError as exc:
            raise _failure(exc) from None
        return method.id

    async def ensure_customer(self, *, customer_id: str, email: str, name: str) -> str:
        """The Stripe customer for our ``customer_id``: one found by e-mail whose metadata names
        our id, or a new one carrying it. Stripe's search API is eventually consistent (and
        localstripe has none), so the lookup lists by e-mail; the caller stores the returned
        reference and passes it from then on instead of calling this again."""
        try:
            found = await self._client.v1.customers.list_async({"email": email, "limit": 100})
            for customer in found.data:
                if _mapping(customer.to_dict().get("metadata")).get(CUSTOMER_ID_KEY) == customer_id:
                    return customer.id
            created = await self._client.v1.customers.create_async(
                {"email": email, "name": name, "metadata": {CUSTOMER_ID_KEY: customer_id}}
            )
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        return created.id

    async def attach(self, *, gateway_customer: str, token: str) -> CardDetails:
        """Attach the PaymentMethod ``token`` to the customer; a refused card raises
        ``PaymentDeclined`` with Stripe's decline code and customer-safe message."""
        try:
            method = await self._client.v1.payment_methods.attach_async(
                token, {"customer": gateway_customer}
            )
        except stripe.CardError as exc:
            code, message = _card_error(exc)
            raise PaymentDeclined(message, code=code) from exc
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        return _card_details(method.id, method.to_dict().get("card"))

    async def detach(self, *, gateway_customer: str, method_ref: str) -> None:
        try:
            await self._client.v1.payment_methods.detach_async(method_ref)
        except stripe.StripeError as exc:
            raise _failure(exc) from exc

    # -- payments ------------------------------------------------------------------------------
    async def charge(
        self,
        *,
        gateway_customer: str,
        method_ref: str,
        amount: Money,
        idempotency_key: str,
        description: str,
    ) -> ChargeResult:
        """A PaymentIntent confirmed at once, off-session, sent with ``idempotency_key`` (Stripe
        replays the first answer to the same key for 24 hours; keep retries within that).

        Declines come back as ``DECLINED`` with the decline code, ``processing_error`` as
        ``ERROR``, a 3-D Secure demand as ``REQUIRES_ACTION``; network failures, rate limits and
        Stripe's 5xx raise ``TransientError``. A payment Stripe is still processing also raises
        ``TransientError``: retrying with the same key asks again rather than charging again.
        """
        if amount.minor <= 0:
            raise ValidationFailed({"amount": "a charge must be positive"})
        params: PaymentIntentCreateParams = {
            # Stripe's amounts are in the currency's smallest unit, like Money.minor
            "amount": amount.minor,
            "currency": amount.currency.code.lower(),
            "customer": gateway_customer,
            "payment_method": method_ref,
            "confirm": True,
            "off_session": True,
            "description": description,
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe.CardError as exc:
            return _declined(exc)
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        return _intent_result(intent.to_dict())

    async def confirm(self, *, payment_ref: str) -> ChargeResult:
        """The PaymentIntent's current state, mapped as ``charge`` maps it."""
        try:
            intent = await self._client.v1.payment_intents.retrieve_async(payment_ref)
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        return _intent_result(intent.to_dict())

    async def retrieve(self, *, payment_ref: str) -> GatewayPayment:
        """The PaymentIntent as Stripe has it now: status (mapped as ``charge`` maps it, a
        payment still ``processing`` raising ``TransientError``), amount and currency."""
        try:
            intent = await self._client.v1.payment_intents.retrieve_async(payment_ref)
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        data = intent.to_dict()
        amount = data.get("amount")
        currency = _text(data, "currency")
        if not isinstance(amount, int) or currency is None:
            raise DomainError("Stripe returned a payment without an amount", code="payments.bad")
        return GatewayPayment(
            payment_ref=payment_ref,
            status=_intent_result(data).status,
            amount_minor=amount,
            currency=currency.upper(),
        )

    async def refund(
        self, *, payment_ref: str, amount: Money, idempotency_key: str
    ) -> RefundResult:
        """Refund ``amount`` of the PaymentIntent's charge (all or part), idempotently. Stripe
        refusing the refund (already refunded, more than was charged) is an unsuccessful result;
        a pending refund counts as succeeded (card refunds settle later and rarely fail)."""
        if amount.minor <= 0:
            raise ValidationFailed({"amount": "a refund must be positive"})
        try:
            refund = await self._client.v1.refunds.create_async(
                {"payment_intent": payment_ref, "amount": amount.minor},
                {"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 400:  # 404: no such payment; 409: a concurrent retry
                raise _failure(exc) from exc
            return RefundResult(
                refund_ref="",
                succeeded=False,
                code=exc.code or "refund_refused",
                message=exc.user_message or "",
            )
        except stripe.StripeError as exc:
            raise _failure(exc) from exc
        data = refund.to_dict()
        status = _text(data, "status") or ""
        if status in ("succeeded", "pending"):
            return RefundResult(
                refund_ref=refund.id, succeeded=True, code=None if status == "succeeded" else status
            )
        return RefundResult(
            refund_ref=refund.id,
            succeeded=False,
            code=_text(data, "failure_reason") or status or None,
            message="The refund could not be completed.",
        )

    # -- webhooks ------------------------------------------------------------------------------
    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify the ``Stripe-Signature`` header against the endpoint secret (the HMAC by the
        SDK, the age against the injected clock with ``webhook_tolerance_s``) and read the
        event. Whether the payment really settled is for the caller to read back."""
        data = webhook_signing.verify(
            payload,
            signature,
            self._webhook_secret,
            now=self._clock.now(),
            tolerance_s=self._tolerance_s,
        )
        obj = webhook_signing.event_object(data)
        raw_type = str(data["type"])
        if obj.get("object") == "payment_intent":
            payment_ref = _text(obj, "id")
        else:
            payment_ref = _text(obj, "payment_intent")
        return WebhookEvent(
            event_id=str(data["id"]),
            kind=_WEBHOOK_KINDS.get(raw_type, WebhookKind.OTHER),
            payment_ref=payment_ref,
            raw_type=raw_type,
        )


# -- translation -------------------------------------------------------------------------------
def _mapping(value: object) -> _Json:
    return value if isinstance(value, Mapping) else {}


def _text(data: _Json, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _card_details(method_ref: str, card_value: object) -> CardDetails:
    """Brand, last four, expiry and fingerprint. Stripe always sends a fingerprint for cards; if
    one is missing, a stable stand-in is derived from brand, last four and expiry (two cards
    sharing all four would then look alike, which only matters for duplicate-card checks)."""
    card = _mapping(card_value)
    brand = _text(card, "brand") or "unknown"
    last4 = _text(card, "last4") or ""
    exp_month = card.get("exp_month")
    exp_year = card.get("exp_year")
    if not isinstance(exp_month, int) or not isinstance(exp_year, int):
        raise DomainError("Stripe returned a card without an expiry", code="payments.bad_card")
    fingerprint = _text(card, "fingerprint")
    if fingerprint is None:
        seed = f"{brand}:{last4}:{exp_month:02d}/{exp_year}".encode()
        fingerprint = "derived-" + hashlib.sha256(seed).hexdigest()[:16]
    return CardDetails(
        method_ref=method_ref,
        brand=brand,
        last4=last4,
        exp_month=exp_month,
        exp_year=exp_year,
        fingerprint=fingerprint,
    )


def _card_error(exc: stripe.CardError) -> tuple[str, str]:
    """Stripe's decline code (finer: ``insufficient_funds``) or else its error code
    (``card_declined``), and its message, which Stripe writes to be shown to the customer."""
    error = exc.error
    code = (error.decline_code if error else None) or exc.code or "card_declined"
    return code, exc.user_message or "Your card was declined."


def _declined(exc: stripe.CardError) -> ChargeResult:
    code, message = _card_error(exc)
    # Stripe puts the PaymentIntent it created in the error; localstripe does not
    intent = exc.error.payment_intent if exc.error else None
    payment_ref = intent.id if intent is not None else None
    if code in _AUTHENTICATION_CODES or exc.code in _AUTHENTICATION_CODES:
        return ChargeResult(ChargeStatus.REQUIRES_ACTION, payment_ref, code=code, message=message)
    if code in _PROCESSING_CODES or exc.code in _PROCESSING_CODES:
        return ChargeResult(ChargeStatus.ERROR, payment_ref, code=code, message=message)
    return ChargeResult(ChargeStatus.DECLINED, payment_ref, code=code, message=message)


def _intent_result(intent: _Json) -> ChargeResult:
    payment_ref = _text(intent, "id")
    status = _text(intent, "status")
    if status in ("succeeded", "requires_capture"):
        return ChargeResult(ChargeStatus.SUCCEEDED, payment_ref)
    if status in ("requires_action", "requires_confirmation"):
        next_action = _mapping(intent.get("next_action"))
        url = _text(_mapping(next_action.get("redirect_to_url")), "url")
        return ChargeResult(
            ChargeStatus.REQUIRES_ACTION,
            payment_ref,
            code="authentication_required",
            message="Your bank asks you to confirm this payment.",
            action_url=url,
        )
    if status == "processing":
        raise TransientError("the payment is still processing", code="payments.processing")
    error = _mapping(intent.get("last_payment_error"))
    code = _text(error, "decline_code") or _text(error, "code")
    message = _text(error, "message") or ""
    if code in _PROCESSING_CODES:
        return ChargeResult(ChargeStatus.ERROR, payment_ref, code=code, message=message)
    if status == "canceled":
        return ChargeResult(
            ChargeStatus.DECLINED,
            payment_ref,
            code=code or "payment_intent_canceled",
            message=message or "The payment was canceled.",
        )
    # requires_payment_method: the last attempt failed (declined, or authentication failed)
    return ChargeResult(
        ChargeStatus.DECLINED,
        payment_ref,
        code=code or "card_declined",
        message=message or "Your card was declined.",
    )


def _failure(exc: stripe.StripeError) -> DomainError:
    """Errors that are not card declines: temporary ones become ``TransientError`` (jobs retry);
    the rest are requests Stripe will keep refusing, so retrying cannot help."""
    status = exc.http_status
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError):
        return TransientError(f"Stripe is unreachable: {exc.user_message or 'no response'}")
    if status is None or status >= 500 or status == 409:  # 409: a concurrent request on the key
        return TransientError(f"Stripe failed ({status}): {exc.user_message or 'no message'}")
    if isinstance(exc, stripe.IdempotencyError):
        return Conflict(
            "the idempotency key was already used with other parameters",
            code="payments.idempotency_conflict",
        )
    if status == 404:
        return NotFound(exc.user_message or "not found at Stripe", code="payments.not_found")
    return DomainError(
        f"Stripe refused the request ({status}): {exc.user_message or ''}".rstrip(": "),
        code=f"payments.stripe_{exc.code or status}",
    )
