"""How the Stripe adapter reads answers localstripe never gives: issuer decline codes, processing
errors, off-session authentication, redirects, 5xx and rate limits (built as the SDK builds them)."""

from __future__ import annotations

import pytest
import stripe

from domain.adapters.payments.stripe_gateway import _declined, _failure, _intent_result
from domain.payments.model import ChargeStatus
from domain.shared.errors import Conflict, NotFound, TransientError

pytestmark = pytest.mark.unit


def card_error(code: str, message: str, **error: object) -> stripe.CardError:
    body = {"error": {"type": "card_error", "code": code, "message": message, **error}}
    return stripe.CardError(message, None, code, json_body=body, http_status=402)


def test_the_issuer_decline_code_wins_over_the_generic_code() -> None:
    exc = card_error(
        "card_declined",
        "Your card has insufficient funds.",
        decline_code="insufficient_funds",
        payment_intent={
            "id": "pi_1",
            "object": "payment_intent",
            "status": "requires_payment_method",
        },
    )

    result = _declined(exc)

    assert result.status is ChargeStatus.DECLINED
    assert (result.code, result.message, result.payment_ref) == (
        "insufficient_funds",
        "Your card has insufficient funds.",
        "pi_1",
    )
    assert not result.hard_decline


def test_an_expired_card_is_a_hard_decline() -> None:
    result = _declined(card_error("expired_card", "Your card has expired."))

    assert (result.status, result.code) == (ChargeStatus.DECLINED, "expired_card")
    assert result.hard_decline


def test_a_processing_error_is_a_retryable_error() -> None:
    result = _declined(card_error("processing_error", "An error occurred while processing."))

    assert (result.status, result.code) == (ChargeStatus.ERROR, "processing_error")


def test_off_session_authentication_required_asks_for_the_customer() -> None:
    exc = card_error(
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
        decline_code="authentication_required",
        payment_intent={"id": "pi_2", "object": "payment_intent"},
    )

    result = _declined(exc)

    assert (result.status, result.payment_ref) == (ChargeStatus.REQUIRES_ACTION, "pi_2")


def test_requires_action_carries_the_redirect_url() -> None:
    intent = {
        "id": "pi_3",
        "status": "requires_action",
        "next_action": {
            "type": "redirect_to_url",
            "redirect_to_url": {"url": "https://hooks.stripe.com/3d_secure/x", "return_url": "r"},
        },
    }

    result = _intent_result(intent)

    assert result.status is ChargeStatus.REQUIRES_ACTION
    assert result.action_url == "https://hooks.stripe.com/3d_secure/x"


def test_a_failed_intent_reads_its_last_payment_error() -> None:
    intent = {
        "id": "pi_4",
        "status": "requires_payment_method",
        "last_payment_error": {
            "code": "card_declined",
            "decline_code": "lost_card",
            "message": "Your card was declined.",
        },
    }

    result = _intent_result(intent)

    assert (result.status, result.code, result.payment_ref) == (
        ChargeStatus.DECLINED,
        "lost_card",
        "pi_4",
    )
    assert result.hard_decline


def test_a_processing_intent_is_asked_again_later() -> None:
    with pytest.raises(TransientError):
        _intent_result({"id": "pi_5", "status": "processing"})


@pytest.mark.parametrize(
    "exc",
    [
        stripe.APIError("Internal error", http_status=500),
        stripe.APIError("Bad gateway", http_status=502),
        stripe.RateLimitError("Too many requests", http_status=429),
        stripe.APIConnectionError("Connection refused"),
        stripe.InvalidRequestError(
            "Concurrent use of the key", None, "lock_timeout", http_status=409
        ),
    ],
)
def test_temporary_failures_become_transient_errors(exc: stripe.StripeError) -> None:
    assert isinstance(_failure(exc), TransientError)


def test_refusals_that_retrying_cannot_fix_are_domain_errors() -> None:
    reused = _failure(stripe.IdempotencyError("Keys for idempotent requests...", http_status=400))
    missing = _failure(
        stripe.InvalidRequestError(
            "No such payment_intent", "id", "resource_missing", http_status=404
        )
    )
    refused = _failure(stripe.AuthenticationError("Invalid API Key", http_status=401))

    assert isinstance(reused, Conflict)
    assert isinstance(missing, NotFound)
    assert not isinstance(refused, TransientError)
    assert refused.code == "payments.stripe_401"
