"""Usage events on the real database (SQLite and PostgreSQL): a batch in one insert, duplicates
skipped by the unique index (per subscription: another subscription may reuse a key); the
period's events summed by the database (``totals``) fold into the engine with the same usage
lines, for every aggregation, as the events read one by one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.pricing.model import Aggregation, Charge, ChargeModel, Meter
from domain.shared.clock import FrozenClock
from domain.shared.ids import SubscriptionId
from domain.shared.periods import utc
from domain.subscriptions._engine_store import load_customer, load_engine, load_subscription
from domain.subscriptions.model import UsageRecord
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage_events import UsageEventIn
from domain.subscriptions.usage_ingest import EventStatus, ingest_usage
from tests.support.database import TestDatabase
from tests.unit.billing._builders import flat, make_plan
from web.jobs import build_registry

pytestmark = pytest.mark.integration

CONFIG = BillingConfig(seller_country="US")
START = utc(2024, 3, 1)


def _per_unit(meter: str, aggregation: Aggregation, unit_minor: str = "1") -> Charge:
    return Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(unit_minor),
                  meter=Meter(meter, aggregation))  # fmt: skip


METERED = make_plan("metered", charges=(
    flat(1000),
    _per_unit("calls", Aggregation.SUM, "0.5"),
    _per_unit("requests", Aggregation.COUNT),
    _per_unit("peak_gb", Aggregation.MAX, "100"),
    _per_unit("users", Aggregation.UNIQUE_COUNT, "300"),
    _per_unit("seats_now", Aggregation.LAST, "250"),
))  # fmt: skip


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _subscribed(db: TestDatabase, clock: FrozenClock, email: str = "a@example.test") -> str:
    uow = _uow(db, clock)
    async with uow:
        if await uow.plans.get(METERED.id) is None:
            await uow.plans.add(METERED)
        await uow.commit()
    customer = await create_customer(email=email, name="Ada", currency="USD", country="US",
                                     uow=_uow(db, clock), clock=clock)  # fmt: skip
    outcome = await subscribe(customer.id, "metered", quantity=1, uow=_uow(db, clock),
                              clock=clock, config=CONFIG)  # type: ignore[arg-type]  # fmt: skip
    return outcome.subscription.id


async def test_a_batch_is_one_insert_and_keys_are_unique_per_subscription(db: TestDatabase) -> None:
    clock = FrozenClock(START)
    first = await _subscribed(db, clock)
    second = await _subscribed(db, clock, "b@example.test")
    records = [UsageRecord(SubscriptionId(sub), "calls", Decimal("1.5"), START, idempotency_key=k)
               for sub in (first, second) for k in ("x", "y")]  # fmt: skip
    uow = _uow(db, clock)
    async with uow:
        stored = await uow.usage.add_many(records)
        extra = UsageRecord(SubscriptionId(first), "calls", Decimal(2), START, idempotency_key="z")
        again = await uow.usage.add_many([records[0], extra])
        await uow.commit()
    assert stored == {(first, "x"), (first, "y"), (second, "x"), (second, "y")}
    assert again == {(first, "z")}
    uow = _uow(db, clock)
    async with uow:
        assert len(await uow.usage.since(SubscriptionId(first), START)) == 3
        assert await uow.usage.add(records[0]) is False


async def test_summed_usage_bills_what_the_events_one_by_one_bill(db: TestDatabase) -> None:
    clock = FrozenClock(START)
    sub = await _subscribed(db, clock)
    values = ["3", "0.25", "7", "1.125", "2", "0.000000001", "5", "4"]
    users = ["u1", "u2", "u1", None, "u3", "u2", "u1", "u4"]
    events = []
    for i, (value, user) in enumerate(zip(values, users, strict=True)):
        at = START + timedelta(days=i, hours=i)
        for meter in ("calls", "requests", "peak_gb", "users", "seats_now"):
            events.append(UsageEventIn(idempotency_key=f"{meter}-{i}", meter=meter, value=value,
                                       timestamp=at, subscription_id=sub,
                                       key=user if meter in ("users", "seats_now") else None))  # fmt: skip
    clock.set(START + timedelta(days=10))
    result = await ingest_usage(events, uow=_uow(db, clock), clock=clock, config=CONFIG)  # type: ignore[arg-type]
    assert result.count(EventStatus.RECORDED) == len(events)

    uow = _uow(db, clock)
    async with uow:
        totals = {(t.meter, t.key): t for t in await uow.usage.totals(
            SubscriptionId(sub), START, START + timedelta(days=31))}  # fmt: skip
    calls = totals[("calls", None)]
    assert (calls.count, calls.total, calls.peak) == (8, Decimal("22.375000001"), Decimal(7))
    assert (calls.last_at, calls.last_value) == (START + timedelta(days=7, hours=7), Decimal(4))
    assert totals[("users", "u1")].count == 3 and totals[("users", None)].count == 1

    async def renewal_lines(settled: bool) -> list[tuple[str, object, int]]:
        uow = _uow(db, clock)
        async with uow:
            record = await load_subscription(uow, SubscriptionId(sub), None)
            customer = await load_customer(uow, record.customer_id)
            at = START + timedelta(days=20)
            engine = await load_engine(uow, record, customer, CONFIG,
                                       settled_before=at if settled else None)  # fmt: skip
            engine.advance_to(utc(2024, 4, 1))
        (renewal,) = engine.invoices
        return [(li.description, li.quantity, li.amount) for li in renewal.lines
                if li.kind.value == "usage"]  # fmt: skip

    folded, raw = await renewal_lines(True), await renewal_lines(False)
    assert folded == raw
    # sum 22.375000001 x 0.5, count 8, max 7 x 100, 5 distinct users (None too) x 300, last 4 x 250
    assert [(q, a) for _, q, a in folded] == [
        (Decimal("22.375000001"), 11),
        (8, 8),
        (7, 700),
        (5, 1500),
        (4, 1000),
    ]


async def test_two_batches_sending_one_key_at_once_record_it_once(db: TestDatabase) -> None:
    clock = FrozenClock(START)
    sub = await _subscribed(db, clock)
    clock.set(START + timedelta(days=1))
    event = UsageEventIn(idempotency_key="same", meter="calls", value=5, subscription_id=sub)

    async def send() -> EventStatus:
        result = await ingest_usage([event], uow=_uow(db, clock), clock=clock, config=CONFIG)  # type: ignore[arg-type]
        return result.events[0].status

    statuses = await asyncio.gather(send(), send(), send())
    assert sorted(statuses) == [EventStatus.DUPLICATE, EventStatus.DUPLICATE, EventStatus.RECORDED]
    uow = _uow(db, clock)
    async with uow:
        assert len(await uow.usage.since(SubscriptionId(sub), START)) == 1
