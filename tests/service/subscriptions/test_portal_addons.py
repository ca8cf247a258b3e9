"""Add-ons in the subscriber portal: listed with their prices, added, changed and removed through
the binding quote (what is confirmed is exactly what was quoted, or refused), and a metered
plan's usage so far priced exactly as its invoice then bills it (amounts computed by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.service import load_demo_catalog
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.subscriptions.addons import addon_offers, confirm_addon_change, quote_addon_change
from domain.subscriptions.plan_changes import change_subscription
from domain.subscriptions.reads import get_subscription
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage import record_usage, usage_this_period
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

MAR1 = datetime(2024, 3, 1, tzinfo=UTC)  # a 31-day period: Mar 1 - Apr 1
CONFIG = BillingConfig()


@pytest.fixture
async def uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    return uow


async def _subscribe(
    uow: InMemoryUnitOfWork, clock: FrozenClock, plan: str, **kw: object
) -> tuple[str, str]:
    customer = await create_customer(
        email="ada@example.test", name="Ada", currency="USD", country="US", uow=uow, clock=clock
    )
    outcome = await subscribe(
        customer.id, plan, trial_days=0, uow=uow, clock=clock, config=CONFIG, **kw
    )  # type: ignore[arg-type]
    return customer.id, outcome.subscription.id


def _kw(uow: InMemoryUnitOfWork, clock: FrozenClock, customer: str) -> dict[str, object]:
    return {"uow": uow, "clock": clock, "config": CONFIG, "as_customer": customer}


async def test_offers_list_attached_add_ons_at_their_price_then_the_others(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _subscribe(
        uow, clock, "team-monthly", quantity=3, addons=(("extra-storage", 4),)
    )
    offers = await addon_offers(sub, uow=uow, as_customer=customer)  # type: ignore[arg-type]
    assert [
        (o.code, o.quantity, o.price_minor, o.unit_price_minor, o.unit_label) for o in offers
    ] == [
        ("extra-storage", 4, 2000, 500, "100 GB"),
        ("priority-support", 0, 0, 4900, None),
    ]
    with pytest.raises(NotFound):
        await addon_offers(sub, uow=uow, as_customer="someone-else")  # type: ignore[arg-type]


async def test_adding_an_add_on_charges_exactly_the_quote(uow: InMemoryUnitOfWork) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _subscribe(uow, clock, "starter-monthly")
    clock.advance(days=10)  # 21 of 31 days left
    quote = await quote_addon_change(sub, "priority-support", 1, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert quote.invoice is not None
    assert [line.amount for line in quote.invoice.lines] == [3319]  # 21/31 x 49.00
    assert quote.invoice.amount_due == 3319
    assert quote.renewal is not None
    assert quote.renewal.issued_at == datetime(2024, 4, 1, tzinfo=UTC)
    assert quote.renewal.amount_due == 1900 + 4900

    clock.advance(minutes=20)  # confirming later bills the quote's instant, not the click's
    outcome = await confirm_addon_change(sub, quote, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    (charged,) = outcome.invoices
    assert charged.invoice.amount_due == quote.invoice.amount_due
    assert [(li.description, li.amount) for li in charged.invoice.lines] == [
        (li.description, li.amount) for li in quote.invoice.lines
    ]
    assert outcome.subscription.addons == (("demo-priority-support", 1),)
    assert ("payments.collect_invoice", {"invoice_id": charged.id}) in [
        (name, kw) for name, kw, _, _ in uow.jobs.committed
    ]


async def test_removing_an_add_on_credits_the_unused_time_as_quoted(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _subscribe(
        uow, clock, "team-monthly", quantity=2, addons=(("extra-storage", 3),)
    )
    clock.advance(days=10)
    quote = await quote_addon_change(sub, "extra-storage", 0, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert quote.invoice is not None
    assert [line.amount for line in quote.invoice.lines] == [-1016]  # 21/31 x 3 x 5.00
    assert quote.invoice.amount_due == 0
    outcome = await confirm_addon_change(sub, quote, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert outcome.subscription.addons == ()
    assert outcome.invoices[0].invoice.total == quote.invoice.total == -1016
    stored = await uow.customers.get(customer)  # type: ignore[arg-type]
    assert stored is not None and stored.balance_minor == -1016  # credit for the next invoices


async def test_a_stale_or_expired_add_on_quote_is_refused_and_writes_nothing(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _subscribe(uow, clock, "team-monthly", quantity=2)
    clock.advance(days=3)
    quote = await quote_addon_change(sub, "extra-storage", 2, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    await change_subscription(
        sub, quantity=5, uow=uow, clock=clock, config=CONFIG, as_customer=customer
    )  # type: ignore[arg-type]
    issued = len(uow.invoices.invoices)
    with pytest.raises(Conflict):
        await confirm_addon_change(sub, quote, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    fresh = await quote_addon_change(sub, "extra-storage", 2, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    clock.advance(hours=2)
    with pytest.raises(Conflict):
        await confirm_addon_change(sub, fresh, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert len(uow.invoices.invoices) == issued
    stored = await get_subscription(sub, uow=uow)  # type: ignore[arg-type]
    assert stored.addons == ()


@pytest.mark.parametrize(
    ("plan", "code", "quantity", "error"),
    [
        ("starter-monthly", "priority-support", 2, ValidationFailed),  # a flat add-on: 0 or 1
        ("starter-monthly", "priority-support", 0, ValidationFailed),  # not attached
        ("starter-monthly", "extra-storage", 10_001, ValidationFailed),
        ("starter-annual", "priority-support", 1, ValidationFailed),  # monthly add-on, annual plan
        ("starter-monthly", "team-monthly", 1, NotFound),  # a base plan is no add-on
        ("starter-monthly", "no-such-thing", 1, NotFound),
    ],
)
async def test_add_on_quotes_refuse_what_cannot_be_bought(
    uow: InMemoryUnitOfWork, plan: str, code: str, quantity: int, error: type[Exception]
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _subscribe(uow, clock, plan)
    with pytest.raises(error):
        await quote_addon_change(sub, code, quantity, **_kw(uow, clock, customer))  # type: ignore[arg-type]


async def test_usage_so_far_is_priced_as_the_invoice_then_bills_it(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _subscribe(uow, clock, "scale-monthly")
    empty = await usage_this_period(sub, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert empty is not None and not empty.recorded
    (meter,) = empty.meters
    assert (meter.meter, meter.events, meter.amount_minor) == ("api_calls", 0, 0)
    assert [t.last_unit for t in meter.charge.tiers] == ["10,000", "100,000", None]

    clock.advance(days=5)
    for calls in (8_000, 4_500):
        await record_usage(sub, "api_calls", calls, uow=uow, clock=clock, config=CONFIG)  # type: ignore[arg-type]
    so_far = await usage_this_period(sub, **_kw(uow, clock, customer))  # type: ignore[arg-type]
    assert so_far is not None and so_far.recorded and so_far.billed
    (meter,) = so_far.meters
    # 10,000 free, then 2,500 x 0.2 cents
    assert (meter.events, meter.units_text, meter.amount_minor) == (2, "12,500", 500)
    assert so_far.period_end == datetime(2024, 4, 1, tzinfo=UTC)

    clock.set(so_far.period_end + timedelta(seconds=1))
    outcome = await advance_subscription(sub, uow=uow, clock=clock, config=CONFIG)  # type: ignore[arg-type]
    usage_lines = [li for li in outcome.invoices[0].invoice.lines if li.kind.value == "usage"]
    assert [li.amount for li in usage_lines] == [meter.amount_minor]
    assert await usage_this_period(sub, **_kw(uow, clock, customer)) is not None  # type: ignore[arg-type]


async def test_a_plan_without_a_meter_has_no_usage_view(uow: InMemoryUnitOfWork) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _subscribe(uow, clock, "team-monthly", quantity=2)
    assert await usage_this_period(sub, **_kw(uow, clock, customer)) is None  # type: ignore[arg-type]
