"""Dunning: a failed renewal payment puts the subscription past due and schedules retries from
the first failure (default days 1, 3, 5 and 7); the last retry's failure takes the policy's final
action. A hard decline stops charging the card until the customer adds a new one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.billing.model import InvoiceStatus
from domain.payments.dunning import (
    DunningPolicy,
    DunningStatus,
    FinalInvoiceAction,
    FinalSubscriptionAction,
    Notice,
)
from domain.payments.model import AttemptStatus
from domain.payments.service import (
    COLLECT_JOB,
    collect_invoice,
    retry_open_invoices,
    run_dunning,
    set_default_payment_method,
    set_dunning_policy,
)
from domain.shared.money import Money
from domain.subscriptions.engine import SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from tests.service.payments._shop import APR1, Shop, Subscriber
from tests.support.gateway import DECLINED, EXPIRED, SUCCEEDS

pytestmark = pytest.mark.service


def day(n: int) -> datetime:
    return APR1 + timedelta(days=n)


async def _declined_renewal(shop: Shop, card: str = DECLINED) -> tuple[Subscriber, str]:
    """An active subscriber whose card declines the Apr 1 renewal (36.00), collected once."""
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, card)
    renewal = await shop.renewal(subscriber)
    await collect_invoice(renewal.id, **shop.kw)
    return subscriber, renewal.id


async def test_a_declined_renewal_puts_the_subscription_past_due_and_schedules_day_one(
    shop: Shop,
) -> None:
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, DECLINED)
    renewal = await shop.renewal(subscriber)

    result = await collect_invoice(renewal.id, **shop.kw)

    assert result.notices == (Notice.PAYMENT_FAILED,)
    assert result.attempt is not None
    assert (result.attempt.status, result.attempt.code, result.attempt.amount_minor) == (
        AttemptStatus.DECLINED,
        "generic_decline",
        3600,
    )
    assert (await shop.invoice(renewal.id)).status is InvoiceStatus.OPEN
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.PAST_DUE
    case = shop.uow.dunning.cases[renewal.id]
    assert (case.status, case.failures, case.first_failed_at, case.next_attempt_at) == (
        DunningStatus.OPEN,
        1,
        APR1,
        day(1),
    )
    assert case.awaiting_new_method is False
    assert shop.notices("payment_failed", renewal.id) == [f"payment_failed:{renewal.id}:1"]


async def test_every_retry_charges_the_same_amount_then_the_last_one_cancels(
    shop: Shop,
) -> None:
    subscriber, invoice_id = await _declined_renewal(shop)
    schedule = []
    for retry_day in (1, 3, 5):
        shop.clock.set(day(retry_day))
        assert await run_dunning(**shop.kw) == 1
        case = shop.uow.dunning.cases[invoice_id]
        schedule.append((case.failures, case.next_attempt_at))
        assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.PAST_DUE
    assert schedule == [(2, day(3)), (3, day(5)), (4, day(7))]
    assert shop.notices("payment_failed", invoice_id) == [
        f"payment_failed:{invoice_id}:{n}" for n in (1, 2, 3, 4)
    ]
    assert shop.notices("last_chance", invoice_id) == [f"last_chance:{invoice_id}:4"]

    shop.clock.set(day(6))
    assert await run_dunning(**shop.kw) == 0, "nothing is due between retries"
    shop.clock.set(day(7))
    assert await run_dunning(**shop.kw) == 1

    attempts = await shop.uow.payment_attempts.for_invoice(invoice_id)
    assert [(a.number, a.idempotency_key, a.status) for a in attempts] == [
        (n, f"{invoice_id}:{n}", AttemptStatus.DECLINED) for n in (1, 2, 3, 4, 5)
    ]
    renewal_charges = [c for c in shop.gateway.charges if c.idempotency_key.startswith(invoice_id)]
    assert [c.amount for c in renewal_charges] == [Money.of_minor(3600, "USD")] * 5
    case = shop.uow.dunning.cases[invoice_id]
    assert (case.status, case.failures, case.next_attempt_at, case.closed_at) == (
        DunningStatus.EXHAUSTED,
        5,
        None,
        day(7),
    )
    sub = await shop.subscription(subscriber.subscription_id)
    assert (sub.status, sub.canceled_at) == (SubscriptionStatus.CANCELED, day(7))
    invoice = await shop.invoice(invoice_id)
    assert (invoice.status, invoice.marked_uncollectible_at) == (
        InvoiceStatus.UNCOLLECTIBLE,
        day(7),
    )
    shop.clock.set(day(30))
    assert await run_dunning(**shop.kw) == 0, "an exhausted case is never retried"


@pytest.mark.parametrize(
    ("subscription_action", "invoice_action", "status", "invoice_status"),
    [
        (
            FinalSubscriptionAction.UNPAID,
            FinalInvoiceAction.OPEN,
            SubscriptionStatus.UNPAID,
            InvoiceStatus.OPEN,
        ),
        (
            FinalSubscriptionAction.PAST_DUE,
            FinalInvoiceAction.UNCOLLECTIBLE,
            SubscriptionStatus.PAST_DUE,
            InvoiceStatus.UNCOLLECTIBLE,
        ),
    ],
)
async def test_the_final_action_follows_the_stored_policy(
    shop: Shop,
    subscription_action: FinalSubscriptionAction,
    invoice_action: FinalInvoiceAction,
    status: SubscriptionStatus,
    invoice_status: InvoiceStatus,
) -> None:
    policy = DunningPolicy((2,), subscription_action, invoice_action)
    assert await set_dunning_policy(policy, uow=shop.uow) == policy
    subscriber, invoice_id = await _declined_renewal(shop)
    case = shop.uow.dunning.cases[invoice_id]
    assert case.next_attempt_at == day(2)
    assert shop.notices("last_chance", invoice_id) == [f"last_chance:{invoice_id}:1"]

    shop.clock.set(day(2))
    await run_dunning(**shop.kw)

    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.EXHAUSTED
    assert await shop.status(subscriber.subscription_id) is status
    assert (await shop.invoice(invoice_id)).status is invoice_status


async def test_a_retry_that_succeeds_recovers_the_case_and_the_subscription(shop: Shop) -> None:
    subscriber, invoice_id = await _declined_renewal(shop)
    shop.clock.set(day(1))
    await run_dunning(**shop.kw)
    shop.gateway.set_behaviour(subscriber.card.method_ref, SUCCEEDS)  # funds arrived
    shop.clock.set(day(3) + timedelta(minutes=15))

    assert await run_dunning(**shop.kw) == 1

    invoice = await shop.invoice(invoice_id)
    assert (invoice.status, invoice.paid_at) == (InvoiceStatus.PAID, shop.clock.now())
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.ACTIVE
    case = shop.uow.dunning.cases[invoice_id]
    assert (case.status, case.failures, case.next_attempt_at, case.closed_at) == (
        DunningStatus.RECOVERED,
        2,
        None,
        shop.clock.now(),
    )
    assert shop.notices("receipt", invoice_id) == [f"receipt:{invoice_id}"]
    shop.clock.set(day(5))
    assert await run_dunning(**shop.kw) == 0


async def test_after_a_hard_decline_the_retries_pass_without_charging_the_card(
    shop: Shop,
) -> None:
    subscriber, invoice_id = await _declined_renewal(shop, EXPIRED)
    case = shop.uow.dunning.cases[invoice_id]
    assert (case.failures, case.awaiting_new_method) == (1, True)
    charges = len(shop.gateway.charges)

    for retry_day in (1, 3, 5, 7):
        shop.clock.set(day(retry_day))
        assert await run_dunning(**shop.kw) == 1

    assert len(shop.gateway.charges) == charges, "the expired card is not charged again"
    assert len(await shop.uow.payment_attempts.for_invoice(invoice_id)) == 1
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.EXHAUSTED
    assert shop.uow.dunning.cases[invoice_id].failures == 5
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.CANCELED
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.UNCOLLECTIBLE


async def test_a_new_default_card_queues_a_retry_of_every_open_case_at_once(shop: Shop) -> None:
    subscriber, invoice_id = await _declined_renewal(shop, EXPIRED)
    shop.clock.set(day(2) + timedelta(hours=5))

    card = await shop.add_card(subscriber.customer_id)

    assert card.is_default
    case = shop.uow.dunning.cases[invoice_id]
    assert (case.next_attempt_at, case.awaiting_new_method, case.status) == (
        shop.clock.now(),
        False,
        DunningStatus.OPEN,
    )
    assert shop.uow.jobs.committed[-1] == (
        COLLECT_JOB,
        {"invoice_id": invoice_id},
        f"collect:{invoice_id}:{shop.clock.now().isoformat()}",
        None,
    )
    result = await collect_invoice(invoice_id, **shop.kw)  # the queued job
    assert result.attempt is not None
    assert (result.attempt.number, result.attempt.payment_method_id) == (2, card.id)
    assert result.invoice.status is InvoiceStatus.PAID
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.ACTIVE
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.RECOVERED


async def test_switching_back_to_a_saved_card_can_retry_in_the_foreground(shop: Shop) -> None:
    subscriber, invoice_id = await _declined_renewal(shop)
    spare = await shop.add_card(subscriber.customer_id, make_default=False)
    assert not spare.is_default
    assert shop.uow.dunning.cases[invoice_id].next_attempt_at == day(1), "not the default"
    shop.clock.set(APR1 + timedelta(hours=3))
    queued = len(shop.jobs(COLLECT_JOB))

    await set_default_payment_method(
        subscriber.customer_id, spare.id, uow=shop.uow, clock=shop.clock, retry_in_background=False
    )
    assert len(shop.jobs(COLLECT_JOB)) == queued, "the caller retries, nothing is queued"
    assert shop.uow.dunning.cases[invoice_id].next_attempt_at == day(1)
    (result,) = await retry_open_invoices(subscriber.customer_id, **shop.kw)

    assert result.attempt is not None
    assert (result.attempt.number, result.attempt.payment_method_id) == (2, spare.id)
    assert result.invoice.status is InvoiceStatus.PAID
    assert shop.gateway.charges[-1].method_ref == spare.method_ref
    assert shop.gateway.charges[-1].amount == Money.of_minor(3600, "USD")
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.ACTIVE
    assert shop.uow.dunning.cases[invoice_id].status is DunningStatus.RECOVERED


async def test_a_subscription_canceled_during_dunning_is_not_retried_again_and_again(
    shop: Shop,
) -> None:
    subscriber, invoice_id = await _declined_renewal(shop)
    shop.clock.set(APR1 + timedelta(hours=2))
    await cancel_subscription(
        subscriber.subscription_id, timing=Timing.IMMEDIATE, uow=shop.uow, clock=shop.clock,
        config=shop.config, as_customer=subscriber.customer_id,
    )  # fmt: skip
    assert (await shop.invoice(invoice_id)).status is InvoiceStatus.OPEN, "still owed"
    charges = len(shop.gateway.charges)

    shop.clock.set(day(1) + timedelta(minutes=5))
    assert await run_dunning(**shop.kw) == 1  # the retry scheduled before the cancellation
    for _ in range(4):  # the dunning run comes every 15 minutes
        shop.clock.advance(minutes=15)
        assert await run_dunning(**shop.kw) == 0
    shop.clock.set(day(30))
    assert await run_dunning(**shop.kw) == 0

    assert len(shop.gateway.charges) == charges + 1
    case = shop.uow.dunning.cases[invoice_id]
    assert (case.status, case.failures, case.next_attempt_at, case.closed_at) == (
        DunningStatus.EXHAUSTED,
        2,
        None,
        day(1) + timedelta(minutes=5),
    )
    invoice = await shop.invoice(invoice_id)
    assert (invoice.status, invoice.marked_uncollectible_at) == (
        InvoiceStatus.UNCOLLECTIBLE,
        day(1) + timedelta(minutes=5),
    )
    assert shop.notices("payment_failed", invoice_id) == [f"payment_failed:{invoice_id}:1"]
    assert shop.notices("last_chance", invoice_id) == []
    assert await shop.status(subscriber.subscription_id) is SubscriptionStatus.CANCELED
