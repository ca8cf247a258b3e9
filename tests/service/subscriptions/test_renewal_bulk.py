"""The set-based batch renewal on the in-memory unit: a plain renewal goes set-based, one the
staged unit does not hold (credit applied from the customer's balance, a cancellation at the
period's end taking effect) goes the one-subscription path in the same batch, and the batch's
invoices are numbered once, in the batch's order, with their events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.service import load_demo_catalog
from domain.customers.balance import adjust_balance_in
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions.engine import SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from domain.subscriptions.renewal_batches import renew_batch
from domain.subscriptions.subscribing import subscribe
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

MAR1 = datetime(2024, 3, 1, 9, tzinfo=UTC)
CONFIG = BillingConfig()


async def _subscribed(uow: InMemoryUnitOfWork, clock: FrozenClock, tag: str) -> SubscriptionId:
    customer = await create_customer(email=f"{tag}@example.test", name=tag, currency="USD",
                                     country="US", uow=uow, clock=clock)  # fmt: skip
    outcome = await subscribe(CustomerId(customer.id), "team-monthly", quantity=2, trial_days=0,
                              uow=uow, clock=clock, config=CONFIG)  # fmt: skip
    return outcome.subscription.id


async def test_a_batch_renews_plain_subscriptions_set_based_and_leaves_the_rest() -> None:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    clock = FrozenClock(MAR1)
    plain = await _subscribed(uow, clock, "plain")
    credited = await _subscribed(uow, clock, "credited")
    ending = await _subscribed(uow, clock, "ending")
    async with uow:
        customer = (await uow.subscriptions.get(credited)).customer_id  # type: ignore[union-attr]
        await adjust_balance_in(uow, customer, -500, description="goodwill", now=clock.now())
        await uow.commit()
    await cancel_subscription(ending, timing=Timing.PERIOD_END, uow=uow, clock=clock, config=CONFIG)
    numbered_before = len(uow.invoices.invoices)
    clock.set(MAR1 + timedelta(days=31, hours=1))

    report = await renew_batch([plain, credited, ending], uow=uow, clock=clock, config=CONFIG)

    assert (report.advanced, report.set_based, report.handed_over) == (3, 1, ())
    renewals = sorted(
        (i for i in uow.invoices.invoices.values() if i.invoice.issued_at > MAR1),
        key=lambda i: i.invoice.number,
    )
    # the plain one and the credited one billed (the ended one has nothing left to bill),
    # numbered consecutively after the first invoices, in the batch's (id) order
    assert sorted(i.subscription_id for i in renewals) == sorted([plain, credited])
    numbers = [int(i.invoice.number.rsplit("-", 1)[1]) for i in renewals]
    assert numbers == list(range(numbered_before + 1, numbered_before + 3))
    assert [i.subscription_id for i in renewals] == sorted([plain, credited])
    credit = next(i for i in renewals if i.subscription_id == credited)
    assert credit.invoice.credit_applied == 500
    subs = {s: await uow.subscriptions.get(s) for s in (plain, credited, ending)}
    assert subs[plain] is not None and subs[plain].period_start > MAR1
    assert subs[ending] is not None and subs[ending].status is SubscriptionStatus.CANCELED
    issued = [e.data["id"] for e in uow.outbound_events.committed
              if e.type.value == "invoice.issued"]  # fmt: skip
    assert sorted(i.id for i in renewals) == sorted(issued[-2:])
    assert len(uow.subscription_history.versions) >= 6  # one per change, both paths
