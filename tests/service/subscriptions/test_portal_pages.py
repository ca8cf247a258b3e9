"""The portal's page read models, each one use case on the in-memory unit of work: the
subscription page with its pause choices, pausing by the domain's rule, the change page's quote
and refusals, and the cancellation page's steps with what cancelling now does, in Money."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.service import load_demo_catalog
from domain.customers.service import create_customer
from domain.payments.standing import account_overview, subscription_page
from domain.shared.clock import FrozenClock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.money import Money
from domain.subscriptions.cancellation import cancel_view
from domain.subscriptions.change_options import change_view
from domain.subscriptions.engine import Refund, SubscriptionStatus
from domain.subscriptions.pause import pause_for
from domain.subscriptions.subscribing import subscribe
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

MAR1 = datetime(2024, 3, 1, tzinfo=UTC)
CONFIG = BillingConfig()


@pytest.fixture
async def uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    return uow


async def _team(uow: InMemoryUnitOfWork, clock: FrozenClock) -> tuple[str, str]:
    customer = await create_customer(
        email="ada@example.test", name="Ada", currency="USD", country="US", uow=uow, clock=clock
    )
    outcome = await subscribe(
        customer.id, "team-monthly", quantity=3, trial_days=0, uow=uow, clock=clock,
        config=CONFIG,
    )  # fmt: skip
    return customer.id, outcome.subscription.id


def _kw(uow: InMemoryUnitOfWork, clock: FrozenClock, customer: str) -> dict[str, object]:
    return {"uow": uow, "clock": clock, "config": CONFIG, "as_customer": customer}


async def test_the_subscription_page_offers_three_pause_choices_then_none_once_paused(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _team(uow, clock)
    page = await subscription_page(sub, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert page.detail.view.plan_code == "team-monthly" and page.receipt is None
    assert [(o.periods, o.resume_at.date()) for o in page.pause_options] == [
        (1, datetime(2024, 5, 1).date()),
        (2, datetime(2024, 6, 1).date()),
        (3, datetime(2024, 7, 1).date()),
    ]
    # the first bill after a pause is the renewal at its end
    assert all(o.next_invoice is not None for o in page.pause_options)
    with pytest.raises(ValidationFailed):
        await pause_for(sub, periods=4, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        await pause_for(sub, until=MAR1, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await pause_for(sub, periods=1, **_kw(uow, clock, "someone-else"))  # type: ignore[arg-type]
    paused = await pause_for(sub, periods=2, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert paused.resume_at.date() == datetime(2024, 6, 1).date()
    assert paused.outcome.subscription.status is SubscriptionStatus.PAUSED
    page = await subscription_page(sub, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert page.pause_options == ()
    overview = await account_overview(customer, uow=uow, clock=clock, config=CONFIG)  # type: ignore[arg-type]
    assert overview.only_live is not None and overview.only_live.is_paused


async def test_the_change_page_quotes_more_seats_and_refuses_an_unknown_plan(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _team(uow, clock)
    kw = _kw(uow, clock, customer)
    same = await change_view(sub, plan=None, quantity=None, **kw)  # type: ignore[arg-type]
    assert same.unchanged and same.quote is None and not same.errors
    more = await change_view(sub, plan="team-monthly", quantity="5", **kw)  # type: ignore[arg-type]
    assert more.change is not None and more.quote is not None and more.quote.immediate
    assert more.hint_quantity == 5 and more.renewal is not None
    bad = await change_view(sub, plan="nope", quantity=None, **kw)  # type: ignore[arg-type]
    assert set(bad.errors) == {"plan"} and bad.change is None
    zero = await change_view(sub, plan="team-monthly", quantity="zero", **kw)  # type: ignore[arg-type]
    assert "quantity" in zero.errors and zero.hint_quantity == 3


async def test_the_cancel_page_asks_why_then_says_what_cancelling_now_credits(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _team(uow, clock)
    clock.advance(days=10)
    kw = {**_kw(uow, clock, customer), "retention_coupon": None}
    first = await cancel_view(sub, reason="", refund=Refund.PRORATED_CREDIT, **kw)  # type: ignore[arg-type]
    assert first.step == 1 and first.offers is None
    second = await cancel_view(sub, reason="not_using", refund=Refund.PRORATED_CREDIT, **kw)  # type: ignore[arg-type]
    assert second.step == 2 and second.offers is not None and second.offers.pause
    now = second.now
    assert isinstance(now.credited, Money) and now.credited.minor > 0
    assert not now.refunded and not now.billed and now.credit_kept == now.credited
    refunded = await cancel_view(sub, reason="other", refund=Refund.PRORATED_REFUND, **kw)  # type: ignore[arg-type]
    assert refunded.now.refunded == now.credited and not refunded.now.credited
