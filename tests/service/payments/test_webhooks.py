"""Payment webhooks: a verified event is applied once, and only as far as the gateway's own
read-back of the payment bears it out; anything else is held for staff and changes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.billing.model import InvoiceStatus
from domain.payments.dunning import DunningStatus
from domain.payments.model import (
    AttemptStatus,
    ChargeStatus,
    GatewayPayment,
    WebhookEvent,
    WebhookKind,
    WebhookOutcome,
    WebhookRecord,
)
from domain.payments.service import collect_invoice
from domain.payments.webhooks import held_webhooks, reconcile_webhook
from domain.shared.ids import SubscriptionId
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.subscribing import subscribe
from tests.service.payments._shop import MAR1, Shop
from tests.support.gateway import DECLINED, NEEDS_ACTION

pytestmark = pytest.mark.service

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


def succeeded(event_id: str, payment_ref: str) -> WebhookEvent:
    return WebhookEvent(event_id, WebhookKind.PAYMENT_SUCCEEDED, payment_ref, SUCCEEDED)


def failed(event_id: str, payment_ref: str) -> WebhookEvent:
    return WebhookEvent(event_id, WebhookKind.PAYMENT_FAILED, payment_ref, FAILED)


async def _awaiting_the_bank(shop: Shop) -> tuple[SubscriptionId, str, str]:
    """A new subscription (36.00) whose first payment waits for the bank's check: the
    subscription id, the invoice id and the payment's reference."""
    customer_id = await shop.customer()
    await shop.add_card(customer_id, NEEDS_ACTION)
    outcome = await subscribe(
        customer_id, "team-monthly", quantity=3, await_payment=True, uow=shop.uow,
        clock=shop.clock, config=shop.config,
    )  # fmt: skip
    invoice_id = outcome.invoices[0].id
    attempt = (await collect_invoice(invoice_id, **shop.kw)).attempt
    assert attempt is not None and attempt.payment_ref is not None
    assert attempt.status is AttemptStatus.REQUIRES_ACTION
    return outcome.subscription.id, invoice_id, attempt.payment_ref


async def test_a_verified_payment_is_applied_once_and_its_replay_changes_nothing(
    shop: Shop,
) -> None:
    sub_id, invoice_id, ref = await _awaiting_the_bank(shop)
    shop.gateway.settle(ref)  # the customer passed the check at the bank
    shop.clock.advance(minutes=3)

    outcome = await reconcile_webhook(succeeded("evt_1", ref), **shop.kw)

    assert outcome is WebhookOutcome.APPLIED
    invoice = await shop.invoice(invoice_id)
    assert (invoice.status, invoice.paid_at) == (InvoiceStatus.PAID, shop.clock.now())
    assert await shop.status(sub_id) is SubscriptionStatus.ACTIVE
    (attempt,) = await shop.uow.payment_attempts.for_invoice(invoice_id)
    assert (attempt.status, attempt.payment_ref) == (AttemptStatus.SUCCEEDED, ref)
    assert shop.uow.webhook_events.rows == {
        ("fake", "evt_1"): WebhookRecord(
            "fake", "evt_1", SUCCEEDED, ref, WebhookOutcome.APPLIED, shop.clock.now()
        )
    }
    assert shop.notices("receipt", invoice_id) == [f"receipt:{invoice_id}"]
    before = (
        dict(shop.uow.invoices.invoices),
        dict(shop.uow.payment_attempts.rows),
        dict(shop.uow.webhook_events.rows),
        list(shop.uow.jobs.committed),
        shop.uow.commits,
    )

    shop.clock.advance(hours=1)
    assert await reconcile_webhook(succeeded("evt_1", ref), **shop.kw) is WebhookOutcome.REPLAYED

    after = (
        dict(shop.uow.invoices.invoices),
        dict(shop.uow.payment_attempts.rows),
        dict(shop.uow.webhook_events.rows),
        list(shop.uow.jobs.committed),
        shop.uow.commits,
    )
    assert after == before


async def test_a_second_event_about_a_settled_payment_settles_nothing_again(shop: Shop) -> None:
    _, invoice_id, ref = await _awaiting_the_bank(shop)
    shop.gateway.settle(ref)
    await reconcile_webhook(succeeded("evt_1", ref), **shop.kw)
    paid_at = (await shop.invoice(invoice_id)).paid_at
    shop.clock.advance(hours=2)

    assert await reconcile_webhook(succeeded("evt_2", ref), **shop.kw) is WebhookOutcome.APPLIED

    assert (await shop.invoice(invoice_id)).paid_at == paid_at == MAR1
    assert shop.notices("receipt", invoice_id) == [f"receipt:{invoice_id}"]
    assert len(shop.gateway.charges) == 1
    assert set(shop.uow.webhook_events.rows) == {("fake", "evt_1"), ("fake", "evt_2")}


async def test_two_deliveries_racing_apply_the_event_once(shop: Shop) -> None:
    sub_id, invoice_id, ref = await _awaiting_the_bank(shop)
    shop.gateway.settle(ref)
    read_back = shop.gateway.retrieve
    second: list[WebhookOutcome] = []

    async def retrieve_while_the_other_delivery_runs(*, payment_ref: str) -> GatewayPayment:
        if not second:  # the first delivery asks the gateway; the second one runs meanwhile
            second.append(WebhookOutcome.IGNORED)
            second[0] = await reconcile_webhook(succeeded("evt_1", ref), **shop.kw)
        return await read_back(payment_ref=payment_ref)

    shop.gateway.retrieve = retrieve_while_the_other_delivery_runs  # type: ignore[method-assign]

    first = await reconcile_webhook(succeeded("evt_1", ref), **shop.kw)

    assert (second[0], first) == (WebhookOutcome.APPLIED, WebhookOutcome.REPLAYED)
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.PAID
    assert await shop.status(sub_id) is SubscriptionStatus.ACTIVE
    assert shop.notices("receipt", invoice_id) == [f"receipt:{invoice_id}"]
    assert list(shop.uow.webhook_events.rows) == [("fake", "evt_1")]


@pytest.mark.parametrize(
    ("at_the_gateway", "detail"),
    [
        (
            {"amount_minor": 360},
            "the gateway's amount 360 is not the 3600 we asked for",
        ),
        (
            {"currency": "EUR"},
            "the gateway's currency EUR is not the invoice's USD",
        ),
        (
            {"status": ChargeStatus.REQUIRES_ACTION},
            f"the event says {SUCCEEDED} but the gateway says requires_action",
        ),
        (None, "the gateway has no payment {ref}"),
    ],
)
async def test_an_event_the_gateway_does_not_bear_out_is_held_and_changes_nothing(
    shop: Shop, at_the_gateway: dict[str, object] | None, detail: str
) -> None:
    sub_id, invoice_id, ref = await _awaiting_the_bank(shop)
    if at_the_gateway is None:
        del shop.gateway.payments[ref]
    else:
        settled = replace(shop.gateway.payments[ref], status=ChargeStatus.SUCCEEDED)
        shop.gateway.payments[ref] = replace(settled, **at_the_gateway)  # type: ignore[arg-type]
    invoices = dict(shop.uow.invoices.invoices)
    attempts = dict(shop.uow.payment_attempts.rows)
    shop.clock.advance(minutes=1)

    outcome = await reconcile_webhook(succeeded("evt_forged", ref), **shop.kw)

    assert outcome is WebhookOutcome.HELD
    held = WebhookRecord(
        "fake", "evt_forged", SUCCEEDED, ref, WebhookOutcome.HELD, shop.clock.now()
    )
    assert await held_webhooks(uow=shop.uow) == [replace(held, detail=detail.format(ref=ref))]
    assert shop.uow.invoices.invoices == invoices
    assert shop.uow.payment_attempts.rows == attempts
    assert await shop.status(sub_id) is SubscriptionStatus.INCOMPLETE
    assert shop.notices("receipt", invoice_id) == []
    assert await reconcile_webhook(succeeded("evt_forged", ref), **shop.kw) is (
        WebhookOutcome.REPLAYED
    )


async def test_an_event_about_no_payment_of_ours_is_ignored_and_not_recorded(
    shop: Shop,
) -> None:
    _, invoice_id, ref = await _awaiting_the_bank(shop)
    shop.gateway.settle(ref)

    unknown = await reconcile_webhook(succeeded("evt_1", "pi_elsewhere"), **shop.kw)
    other = await reconcile_webhook(
        WebhookEvent("evt_2", WebhookKind.OTHER, ref, "customer.updated"), **shop.kw
    )

    assert (unknown, other) == (WebhookOutcome.IGNORED, WebhookOutcome.IGNORED)
    assert shop.uow.webhook_events.rows == {}
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.OPEN


async def test_an_abandoned_bank_check_fails_the_renewal_into_dunning(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, NEEDS_ACTION)
    renewal = await shop.renewal(subscriber)
    attempt = (await collect_invoice(renewal.id, **shop.kw)).attempt
    assert attempt is not None and attempt.payment_ref is not None
    shop.gateway.settle(attempt.payment_ref, ChargeStatus.DECLINED)

    outcome = await reconcile_webhook(failed("evt_1", attempt.payment_ref), **shop.kw)

    assert outcome is WebhookOutcome.APPLIED
    (recorded,) = await shop.uow.payment_attempts.for_invoice(renewal.id)
    assert (recorded.status, recorded.code) == (AttemptStatus.DECLINED, "payment_failed")
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.PAST_DUE
    case = shop.uow.dunning.cases[renewal.id]
    assert (case.status, case.failures) == (DunningStatus.OPEN, 1)
    assert (await shop.invoice(renewal.id)).status is InvoiceStatus.OPEN


async def test_a_failure_already_on_record_does_not_advance_dunning(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, DECLINED)
    renewal = await shop.renewal(subscriber)
    attempt = (await collect_invoice(renewal.id, **shop.kw)).attempt
    assert attempt is not None and attempt.payment_ref is not None
    case = shop.uow.dunning.cases[renewal.id]

    outcome = await reconcile_webhook(failed("evt_1", attempt.payment_ref), **shop.kw)

    assert outcome is WebhookOutcome.APPLIED
    assert shop.uow.dunning.cases[renewal.id] == case
    assert case.failures == 1
    assert shop.notices("payment_failed", renewal.id) == [f"payment_failed:{renewal.id}:1"]
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.PAST_DUE
