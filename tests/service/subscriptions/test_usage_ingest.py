"""Usage events sent in (domain/subscriptions/usage_ingest.py) on the in-memory unit of work:
recorded once per key, all or nothing, closed periods refused, trials not billed, events by
customer routed to the subscription metering them; then billed by the renewal (amounts by
hand: the scale plan's first 10,000 API calls are free, then 0.2 cents each)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.service import load_demo_catalog
from domain.customers.service import create_customer
from domain.pricing.model import Aggregation
from domain.shared.clock import FrozenClock
from domain.shared.errors import ValidationFailed
from domain.subscriptions.engine import Refund, Timing
from domain.subscriptions.engine.usage import aggregate
from domain.subscriptions.engine.values import UsageEvent
from domain.subscriptions.lifecycle import cancel_subscription
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage import usage_this_period
from domain.subscriptions.usage_events import UsageEventIn
from domain.subscriptions.usage_ingest import EventStatus, ingest_usage
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
    uow: InMemoryUnitOfWork, clock: FrozenClock, plan: str = "scale-monthly", *,
    email: str = "ada@example.test", trial_days: int = 0,
) -> tuple[str, str]:  # fmt: skip
    customer = await uow.customers.get_by_email(email)
    if customer is None:
        customer = await create_customer(email=email, name="Ada", currency="USD", country="US",
                                         uow=uow, clock=clock)  # fmt: skip
    outcome = await subscribe(customer.id, plan, trial_days=trial_days, uow=uow, clock=clock,
                              config=CONFIG)  # fmt: skip
    return customer.id, outcome.subscription.id


def _event(key: str, value: object = 100, **kw: object) -> UsageEventIn:
    return UsageEventIn(idempotency_key=key, meter=str(kw.pop("meter", "api_calls")),
                        value=value, **kw)  # type: ignore[arg-type]  # fmt: skip


async def _ingest(uow: InMemoryUnitOfWork, clock: FrozenClock, *events: UsageEventIn,
                  batch: bool = True):  # type: ignore[no-untyped-def]  # fmt: skip
    return await ingest_usage(events, uow=uow, clock=clock, config=CONFIG, batch=batch)  # type: ignore[arg-type]


async def _units(uow: InMemoryUnitOfWork, clock: FrozenClock, sub: str) -> tuple[int, str]:
    so_far = await usage_this_period(sub, uow=uow, clock=clock, config=CONFIG, as_customer=None)  # type: ignore[arg-type]
    assert so_far is not None
    (meter,) = so_far.meters
    return meter.events, meter.units_text


async def test_a_batch_is_recorded_once_per_key_and_billed_by_the_renewal(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    _, sub = await _subscribe(uow, clock)
    clock.advance(days=3)
    at = clock.now() - timedelta(hours=1)
    result = await _ingest(uow, clock, _event("e1", 8000, subscription_id=sub, timestamp=at),
                           _event("e2", "4500.0", subscription_id=sub),
                           _event("e1", 999, subscription_id=sub))  # fmt: skip
    assert [(e.idempotency_key, e.status) for e in result.events] == [
        ("e1", EventStatus.RECORDED), ("e2", EventStatus.RECORDED),
        ("e1", EventStatus.DUPLICATE),
    ]  # fmt: skip
    again = await _ingest(uow, clock, _event("e2", 4500, subscription_id=sub),
                          _event("e3", 1, subscription_id=sub))  # fmt: skip
    assert [e.status for e in again.events] == [EventStatus.DUPLICATE, EventStatus.RECORDED]
    assert await _units(uow, clock, sub) == (3, "12,501")
    assert [r.value for r in uow.usage.rows] == [Decimal(8000), Decimal(4500), Decimal(1)]

    clock.set(datetime(2024, 4, 1, 0, 0, 1, tzinfo=UTC))
    outcome = await advance_subscription(sub, uow=uow, clock=clock, config=CONFIG)  # type: ignore[arg-type]
    (usage,) = [li for li in outcome.invoices[0].invoice.lines if li.kind.value == "usage"]
    assert (usage.quantity, usage.amount) == (12_501, 500)  # 2,501 x 0.2 cents, rounded


async def test_any_invalid_event_refuses_the_whole_batch_naming_each(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, sub = await _subscribe(uow, clock)
    with pytest.raises(ValidationFailed) as refused:
        await _ingest(
            uow, clock,
            _event("ok", 5, subscription_id=sub),
            _event("neg", -1, subscription_id=sub),
            _event("nan", "NaN", subscription_id=sub),
            _event("big", "1000000000000.5", subscription_id=sub),
            _event("fine", "0.0000000001", subscription_id=sub),
            _event("later", 1, subscription_id=sub, timestamp=MAR1 + timedelta(minutes=6)),
            _event("naive", 1, subscription_id=sub, timestamp=datetime(2024, 3, 1)),
            _event("both", 1, subscription_id=sub, customer_id=customer),
            _event("none", 1),
            _event("bad\x00key", 1, subscription_id=sub),
            _event("k" * 201, 1, subscription_id=sub),
            _event("", 1, subscription_id=sub),
        )  # fmt: skip
    errors = refused.value.field_errors
    assert set(errors) == {
        "events[1].value", "events[2].value", "events[3].value", "events[4].value",
        "events[5].timestamp", "events[6].timestamp", "events[7].subscription_id",
        "events[8].subscription_id", "events[9].idempotency_key", "events[10].idempotency_key",
        "events[11].idempotency_key",
    }  # fmt: skip
    assert refused.value.code == "usage.invalid"
    assert "11 of 12 events were refused" in refused.value.message
    assert uow.usage.rows == []  # nothing recorded, not even the valid one

    # checks that need the subscription: unknown meter, unknown subscription
    with pytest.raises(ValidationFailed) as refused:
        await _ingest(uow, clock, _event("a", 1, subscription_id=sub),
                      _event("b", 1, subscription_id=sub, meter="storage_gb"),
                      _event("c", 1, subscription_id="no-such-sub"))  # fmt: skip
    assert set(refused.value.field_errors) == {"events[1].meter", "events[2].subscription_id"}
    assert "its meters: api_calls" in refused.value.field_errors["events[1].meter"]
    assert uow.usage.rows == []
    with pytest.raises(ValidationFailed):
        await _ingest(uow, clock, *[_event(f"k{i}", subscription_id=sub) for i in range(1001)])
    with pytest.raises(ValidationFailed):
        await _ingest(uow, clock)


async def test_a_single_event_names_its_fields_and_the_reason_code(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    _, sub = await _subscribe(uow, clock)
    with pytest.raises(ValidationFailed) as refused:
        await _ingest(uow, clock, _event("m", 1, subscription_id=sub, meter="gb"), batch=False)
    assert list(refused.value.field_errors) == ["meter"]
    assert refused.value.code == "usage.unknown_meter"


async def test_events_of_an_invoiced_period_are_refused(uow: InMemoryUnitOfWork) -> None:
    clock = FrozenClock(MAR1)
    _, sub = await _subscribe(uow, clock)
    clock.set(datetime(2024, 3, 31, 23, 0, tzinfo=UTC))
    late = datetime(2024, 3, 31, 22, 0, tzinfo=UTC)
    await _ingest(uow, clock, _event("before", 7, subscription_id=sub, timestamp=late))
    # the period ended and is due: the renewal runs first, then the March event is refused
    clock.set(datetime(2024, 4, 1, 0, 30, tzinfo=UTC))
    with pytest.raises(ValidationFailed) as refused:
        await _ingest(uow, clock, _event("after", 7, subscription_id=sub, timestamp=late),
                      batch=False)  # fmt: skip
    assert refused.value.code == "usage.period_closed"
    assert "2024-04-01T00:00:00Z" in refused.value.field_errors["timestamp"]
    assert [r.idempotency_key for r in uow.usage.rows] == ["before"]
    # an April event is fine
    ok = await _ingest(uow, clock, _event("april", 7, subscription_id=sub))
    assert ok.count(EventStatus.RECORDED) == 1


async def test_trials_are_not_billed_and_ended_subscriptions_refuse(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    _, sub = await _subscribe(uow, clock, trial_days=14)
    result = await _ingest(uow, clock, _event("t", 5, subscription_id=sub))
    assert [e.status for e in result.events] == [EventStatus.NOT_BILLED]
    assert uow.usage.rows == []
    await cancel_subscription(sub, timing=Timing.IMMEDIATE, refund=Refund.NONE, uow=uow,
                              clock=clock, config=CONFIG)  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        await _ingest(uow, clock, _event("c", 5, subscription_id=sub))
    assert refused.value.code == "usage.subscription_ended"


async def test_events_by_customer_go_to_the_one_subscription_metering_them(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer, scale = await _subscribe(uow, clock)
    await _subscribe(uow, clock, "starter-monthly")  # no meter
    result = await _ingest(uow, clock, _event("c1", 3, customer_id=customer))
    assert [(e.subscription_id, e.status) for e in result.events] == [(scale, EventStatus.RECORDED)]
    with pytest.raises(ValidationFailed) as refused:
        await _ingest(uow, clock, _event("c2", 3, customer_id="nobody"))
    assert refused.value.field_errors == {"events[0].customer_id": "No such customer."}

    await _subscribe(uow, clock)  # a second scale subscription: which one is meant?
    with pytest.raises(ValidationFailed) as refused:
        await _ingest(uow, clock, _event("c3", 3, customer_id=customer))
    assert "send subscription_id" in refused.value.field_errors["events[0].customer_id"]


async def test_the_engine_bills_folded_events_as_the_events_themselves(
    uow: InMemoryUnitOfWork,
) -> None:
    """The renewal reads the period's events summed (``totals``) up to its instant and the
    later ones one by one; the usage line is the same as from every event."""
    clock = FrozenClock(MAR1)
    _, sub = await _subscribe(uow, clock)
    for day in range(1, 30):
        clock.set(MAR1 + timedelta(days=day))
        await _ingest(uow, clock, _event(f"d{day}", Decimal("1000.25"), subscription_id=sub))
    assert await _units(uow, clock, sub) == (29, "29007.25")
    clock.set(datetime(2024, 4, 2, tzinfo=UTC))
    outcome = await advance_subscription(sub, uow=uow, clock=clock, config=CONFIG)  # type: ignore[arg-type]
    (usage,) = [li for li in outcome.invoices[0].invoice.lines if li.kind.value == "usage"]
    assert usage.quantity == Decimal("29007.25")
    assert usage.amount == 3801  # 19,007.25 x 0.2 cents = 38.0145 -> 38.01


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_folded_events_aggregate_as_the_events_they_stand_for(aggregation: Aggregation) -> None:
    events = [
        UsageEvent(MAR1 + timedelta(hours=i), "m", Fraction(v), k)
        for i, (v, k) in enumerate([(5, "a"), (2, "b"), (9, "a"), (1, None), (3, "b")])
    ]
    folded = []
    for key in ("a", "b", None):
        mine = [e for e in events if e.key == key]
        folded.append(UsageEvent(mine[-1].at, "m", mine[-1].value, key, count=len(mine),
                                 total=sum((e.value for e in mine), Fraction(0)),
                                 peak=max(e.value for e in mine)))  # fmt: skip
    folded.sort(key=lambda e: e.at)
    assert aggregate(folded, aggregation) == aggregate(events, aggregation)
