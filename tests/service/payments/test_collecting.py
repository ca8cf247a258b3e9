"""Collecting an invoice: the charge is recorded before and after the gateway call, a retry reuses
the attempt's idempotency key, and the outcome moves the invoice and its subscription."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.billing.model import InvoiceStatus
from domain.payments.model import AttemptStatus, ChargeStatus
from domain.payments.service import (
    ACTION_WINDOW,
    PaymentErrorCode,
    collect_invoice,
    confirm_payment,
    pay_invoice_now,
    show_payment,
)
from domain.shared.errors import InvalidTransition, NotFound, TransientError
from domain.shared.money import Money
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.subscribing import subscribe
from tests.service.payments._shop import MAR1, Shop
from tests.support.gateway import ALWAYS_DECLINED, NEEDS_ACTION, Charge

pytestmark = pytest.mark.service

USD_36 = Money.of_minor(3600, "USD")


async def test_the_first_invoice_is_charged_once_and_the_subscription_becomes_active(
    shop: Shop,
) -> None:
    customer_id = await shop.customer()
    card = await shop.add_card(customer_id)
    outcome = await subscribe(
        customer_id, "team-monthly", quantity=3, await_payment=True, uow=shop.uow,
        clock=shop.clock, config=shop.config,
    )  # fmt: skip
    invoice = outcome.invoices[0]
    assert outcome.subscription.status is SubscriptionStatus.INCOMPLETE
    assert invoice.invoice.amount_due == 3600

    shop.clock.advance(minutes=5)
    result = await collect_invoice(invoice.id, **shop.kw)

    attempt = result.attempt
    assert attempt is not None
    assert (attempt.number, attempt.idempotency_key, attempt.status) == (
        1,
        f"{invoice.id}:1",
        AttemptStatus.SUCCEEDED,
    )
    assert Money.of_minor(attempt.amount_minor, attempt.currency) == USD_36
    assert attempt.payment_method_id == card.id
    assert attempt.created_at == MAR1 + timedelta(minutes=5)
    assert shop.gateway.charges == [
        Charge(shop.gateway.customers[customer_id], card.method_ref, USD_36, f"{invoice.id}:1")
    ]
    stored = await shop.invoice(invoice.id)
    assert (stored.status, stored.paid_at) == (InvoiceStatus.PAID, shop.clock.now())
    assert result.invoice == stored
    assert await shop.status(outcome.subscription.id) is SubscriptionStatus.ACTIVE
    assert shop.notices("receipt", invoice.id) == [f"receipt:{invoice.id}"]
    assert shop.jobs("documents.render_invoice_pdf") == [], "rendered on its first download"
    assert result.notices == ()


async def test_collecting_a_paid_invoice_again_charges_nothing(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    charges = list(shop.gateway.charges)
    commits = shop.uow.commits

    again = await collect_invoice(subscriber.first_invoice_id, **shop.kw)

    assert again.attempt is None
    assert again.invoice.status is InvoiceStatus.PAID
    assert shop.gateway.charges == charges
    assert len(await shop.uow.payment_attempts.for_invoice(subscriber.first_invoice_id)) == 1
    assert shop.uow.commits == commits, "nothing to collect writes nothing"


async def test_a_lost_answer_is_retried_with_the_same_key_and_charges_once(shop: Shop) -> None:
    customer_id = await shop.customer()
    await shop.add_card(customer_id)
    outcome = await subscribe(
        customer_id, "team-monthly", quantity=3, await_payment=True, uow=shop.uow,
        clock=shop.clock, config=shop.config,
    )  # fmt: skip
    invoice_id = outcome.invoices[0].id
    shop.gateway.time_out_after_next_charge = True

    with pytest.raises(TransientError):
        await collect_invoice(invoice_id, **shop.kw)
    (pending,) = await shop.uow.payment_attempts.for_invoice(invoice_id)
    assert (pending.status, pending.idempotency_key) == (AttemptStatus.PENDING, f"{invoice_id}:1")
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.OPEN

    shop.clock.advance(minutes=1)  # the job runs again
    result = await collect_invoice(invoice_id, **shop.kw)

    assert result.attempt is not None
    assert (result.attempt.id, result.attempt.status) == (pending.id, AttemptStatus.SUCCEEDED)
    assert len(await shop.uow.payment_attempts.for_invoice(invoice_id)) == 1
    assert [c.idempotency_key for c in shop.gateway.charges] == [f"{invoice_id}:1"]
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.PAID
    assert await shop.status(outcome.subscription.id) is SubscriptionStatus.ACTIVE


async def test_a_declined_first_payment_leaves_the_subscription_incomplete_without_dunning(
    shop: Shop,
) -> None:
    customer_id = await shop.customer()
    await shop.add_card(customer_id, ALWAYS_DECLINED)
    outcome = await subscribe(
        customer_id, "team-monthly", quantity=3, await_payment=True, uow=shop.uow,
        clock=shop.clock, config=shop.config,
    )  # fmt: skip
    invoice_id = outcome.invoices[0].id

    result = await collect_invoice(invoice_id, **shop.kw)

    assert result.attempt is not None
    assert (result.attempt.status, result.attempt.code, result.attempt.message) == (
        AttemptStatus.DECLINED,
        "card_declined",
        "Your card was declined.",
    )
    assert result.attempt.hard_decline is False
    assert result.notices == ()
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.OPEN
    assert await shop.status(outcome.subscription.id) is SubscriptionStatus.INCOMPLETE
    assert shop.uow.dunning.cases == {}
    assert shop.notices("payment_failed", invoice_id) == []
    assert shop.jobs("documents.render_invoice_pdf") == [], "rendered on its first download"


async def test_without_a_card_the_attempt_is_declined_without_calling_the_gateway(
    shop: Shop,
) -> None:
    customer_id = await shop.customer()
    outcome = await subscribe(
        customer_id, "team-monthly", quantity=3, await_payment=True, uow=shop.uow,
        clock=shop.clock, config=shop.config,
    )  # fmt: skip

    result = await collect_invoice(outcome.invoices[0].id, **shop.kw)

    assert result.attempt is not None
    assert (result.attempt.status, result.attempt.code, result.attempt.payment_method_id) == (
        AttemptStatus.DECLINED,
        "payment_method_missing",
        None,
    )
    assert result.attempt.message == "There is no card on file. Please add a card."
    assert shop.gateway.charges == []


async def test_a_payment_the_bank_questions_waits_then_settles_on_confirmation(
    shop: Shop,
) -> None:
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, NEEDS_ACTION)
    renewal = await shop.renewal(subscriber)

    result = await collect_invoice(renewal.id, **shop.kw)

    attempt = result.attempt
    assert attempt is not None and attempt.payment_ref is not None
    assert attempt.status is AttemptStatus.REQUIRES_ACTION
    assert (await shop.invoice(renewal.id)).status is InvoiceStatus.OPEN
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.ACTIVE
    (notice,) = [
        n for n in shop.jobs("notifications.notify") if n["kind"] == "payment_action_required"
    ]
    assert notice["key"] == f"payment_action_required:{renewal.id}:1"
    assert notice["extra"] == {"action_url": f"/pay/confirm/{attempt.payment_ref}"}
    assert shop.uow.dunning.cases == {}, "waiting for the customer is not a failure"

    view = await show_payment(attempt.payment_ref, uow=shop.uow, clock=shop.clock)
    assert (view.amount, view.status, view.invoice_status) == (
        USD_36,
        AttemptStatus.REQUIRES_ACTION,
        InvoiceStatus.OPEN,
    )
    assert (view.link_expires_at, view.link_expired) == (shop.clock.now() + ACTION_WINDOW, False)

    shop.clock.advance(hours=1)
    confirmed = await confirm_payment(attempt.payment_ref, **shop.kw)

    assert confirmed.attempt is not None
    assert confirmed.attempt.status is AttemptStatus.SUCCEEDED
    paid = await shop.invoice(renewal.id)
    assert (paid.status, paid.paid_at) == (InvoiceStatus.PAID, shop.clock.now())
    assert len(shop.gateway.charges) == 2, "the first invoice and this one, each once"
    assert shop.notices("receipt", renewal.id) == [f"receipt:{renewal.id}"]


async def test_the_confirmation_link_expires_after_the_action_window(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, NEEDS_ACTION)
    renewal = await shop.renewal(subscriber)
    attempt = (await collect_invoice(renewal.id, **shop.kw)).attempt
    assert attempt is not None and attempt.payment_ref is not None

    shop.clock.advance(hours=23)  # the window is 23 hours from the attempt
    with pytest.raises(InvalidTransition) as info:
        await confirm_payment(attempt.payment_ref, **shop.kw)
    assert info.value.code == "payments.action_link_expired"
    assert (await shop.invoice(renewal.id)).status is InvoiceStatus.OPEN
    view = await show_payment(attempt.payment_ref, uow=shop.uow, clock=shop.clock)
    assert view.link_expired is True

    with pytest.raises(NotFound):  # signed in, but as someone else
        await confirm_payment(attempt.payment_ref, as_customer="someone-else", **shop.kw)  # type: ignore[arg-type]
    signed_in = await confirm_payment(
        attempt.payment_ref, as_customer=subscriber.customer_id, **shop.kw
    )
    assert signed_in.invoice.status is InvoiceStatus.PAID


async def test_paying_now_refuses_another_customers_invoice_and_one_with_nothing_due(
    shop: Shop,
) -> None:
    subscriber = await shop.subscriber()
    stranger = await shop.customer()
    renewal = await shop.renewal(subscriber)

    with pytest.raises(NotFound) as not_theirs:
        await pay_invoice_now(renewal.id, customer_id=stranger, **shop.kw)
    assert not_theirs.value.code == "billing.invoice_not_found"
    with pytest.raises(InvalidTransition) as paid:
        await pay_invoice_now(
            subscriber.first_invoice_id, customer_id=subscriber.customer_id, **shop.kw
        )
    assert paid.value.code == PaymentErrorCode.NOT_PAYABLE
    assert len(shop.gateway.charges) == 1, "only the first invoice was ever charged"

    result = await pay_invoice_now(renewal.id, customer_id=subscriber.customer_id, **shop.kw)
    assert result.invoice.status is InvoiceStatus.PAID
    assert shop.gateway.charges[-1].amount == USD_36
    assert result.attempt is not None and result.attempt.payment_ref is not None
    assert shop.gateway.payments[result.attempt.payment_ref].status is ChargeStatus.SUCCEEDED
