"""A first-subscription-only promotion code and the buyer's own unpaid attempts: an attempt
whose first payment never went through (incomplete, or expired unpaid) is not an earlier
subscription; one that started is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.service import load_demo_catalog
from domain.checkout.service import check_choice, checkout_plan, preview_order
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.errors import ValidationFailed
from domain.subscriptions.demo import load_demo_coupons
from domain.subscriptions.lifecycle import settle_invoice
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

NOW = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
CONFIG = BillingConfig()


@pytest.fixture
async def uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    await load_demo_coupons(uow=uow)
    return uow


async def _buyer(uow: InMemoryUnitOfWork, clock: FrozenClock) -> str:
    customer = await create_customer(
        email="ada@example.com", name="Ada", currency="USD", country="US", uow=uow, clock=clock
    )
    return customer.id


async def _problem(uow: InMemoryUnitOfWork, customer_id: str, now: datetime) -> str | None:
    plan = await checkout_plan("team-monthly", uow=uow)
    choice = await check_choice(plan, currency="USD", quantity="3", addons={}, uow=uow)
    summary = await preview_order(
        choice, promotion_code="WELCOME20", country="US", customer_id=customer_id, now=now,
        uow=uow, config=CONFIG,
    )  # fmt: skip
    return summary.promotion_error


async def test_an_unpaid_attempt_does_not_use_up_a_first_subscription_code(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(NOW)
    customer_id = await _buyer(uow, clock)
    attempt = await subscribe(
        customer_id, "team-monthly", quantity=3, coupon_code="WELCOME20", await_payment=True,
        uow=uow, clock=clock, config=CONFIG,
    )  # fmt: skip
    assert attempt.subscription.status.value == "incomplete"
    assert await _problem(uow, customer_id, NOW) is None
    # the attempt expires unpaid: still not an earlier subscription
    clock.advance(days=1)
    expired = await advance_subscription(
        attempt.subscription.id, uow=uow, clock=clock, config=CONFIG
    )
    assert expired.subscription.status.value == "incomplete_expired"
    assert await _problem(uow, customer_id, clock.now()) is None
    again = await subscribe(
        customer_id, "team-monthly", quantity=3, coupon_code="WELCOME20", await_payment=True,
        uow=uow, clock=clock, config=CONFIG,
    )  # fmt: skip
    assert again.invoices[0].invoice.amount_due == 2880


async def test_a_subscription_that_started_does_count(uow: InMemoryUnitOfWork) -> None:
    clock = FrozenClock(NOW)
    customer_id = await _buyer(uow, clock)
    first = await subscribe(
        customer_id, "team-monthly", quantity=3, await_payment=True, uow=uow, clock=clock,
        config=CONFIG,
    )  # fmt: skip
    await settle_invoice(first.invoices[0].id, uow=uow, clock=clock, config=CONFIG)
    assert await _problem(uow, customer_id, NOW) == (
        "The code WELCOME20 is for a first subscription only."
    )
    with pytest.raises(ValidationFailed) as refused:
        await subscribe(
            customer_id, "team-monthly", quantity=3, coupon_code="WELCOME20", uow=uow,
            clock=clock, config=CONFIG,
        )  # fmt: skip
    assert "first subscription only" in refused.value.field_errors["coupon"]
