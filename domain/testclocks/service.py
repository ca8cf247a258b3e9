"""Test clocks (sandbox only): attach a customer to a clock, then advance it. Advancing walks
the clock forward a day at a time (and to the exact target) and at each step runs, on the
clock's time and for its customers only, what the job runner runs on real time: price
migrations (their notices and moves), the renewal run, the collection of new invoices, and
dunning. So a year of renewals, a failing card's
dunning schedule or a trial's end can be rehearsed in seconds, exactly as they would happen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.billing.config import BillingConfig
from domain.payments.ports import PaymentGateway
from domain.payments.service import collect_invoice, run_dunning
from domain.shared.clock import Clock, FrozenClock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import CustomerId, new_id
from domain.subscriptions.price_migration_run import run_price_migrations
from domain.subscriptions.renewals import renew_due
from domain.testclocks.model import TestClock
from domain.testclocks.ports import TestClocksUnit

UowFactory = Callable[[], TestClocksUnit]
MAX_ADVANCE = timedelta(days=2 * 366)


class TestClockErrorCode:
    __test__ = False
    NOT_FOUND = "test_clock.not_found"
    BACKWARDS = "test_clock.backwards"
    TOO_FAR = "test_clock.too_far"
    NOT_SANDBOX = "test_clock.sandbox_only"
    HAS_SUBSCRIPTIONS = "test_clock.customer_has_subscriptions"


@dataclass(frozen=True, slots=True)
class AdvanceReport:
    clock: TestClock
    renewals: int
    collections: int
    dunning_retries: int


def _require_sandbox(gateway: PaymentGateway) -> None:
    if gateway.name != "sandbox":
        raise InvalidTransition(
            "Test clocks work with the sandbox gateway only.", code=TestClockErrorCode.NOT_SANDBOX
        )


async def create_test_clock(
    name: str, *, frozen_at: datetime, uow: TestClocksUnit, clock: Clock, gateway: PaymentGateway
) -> TestClock:
    _require_sandbox(gateway)
    if not name.strip() or len(name) > 100:
        raise ValidationFailed({"name": "a name of 1-100 characters"}, code="test_clock.bad_name")
    test_clock = TestClock(new_id(), name.strip(), frozen_at, clock.now())
    async with uow:
        await uow.test_clocks.add(test_clock)
        await uow.commit()
    return test_clock


async def attach_customer(
    clock_id: str, customer_id: CustomerId, *, uow: TestClocksUnit, gateway: PaymentGateway
) -> None:
    """Put a customer (without subscriptions yet) on the clock: everything billed to them from
    now on happens on the clock's time."""
    _require_sandbox(gateway)
    async with uow:
        test_clock = await uow.test_clocks.get(clock_id)
        if test_clock is None:
            raise NotFound("No such test clock.", code=TestClockErrorCode.NOT_FOUND)
        customer = await uow.customers.get(customer_id, lock=True)
        if customer is None:
            raise NotFound("No such customer.", code="customer.not_found")
        if await uow.subscriptions.for_customer(customer_id):
            raise InvalidTransition(
                "Attach a customer to a test clock before they subscribe.",
                code=TestClockErrorCode.HAS_SUBSCRIPTIONS,
            )
        await uow.customers.save(replace(customer, test_clock_id=clock_id))
        await uow.commit()


async def advance_test_clock(
    clock_id: str,
    to: datetime,
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    config: BillingConfig,
) -> AdvanceReport:
    _require_sandbox(gateway)
    async with uow() as reader:
        test_clock = await reader.test_clocks.get(clock_id)
    if test_clock is None:
        raise NotFound("No such test clock.", code=TestClockErrorCode.NOT_FOUND)
    if to < test_clock.frozen_at:
        raise ValidationFailed(
            {"to": "a test clock only moves forward"}, code=TestClockErrorCode.BACKWARDS
        )
    if to - test_clock.frozen_at > MAX_ADVANCE:
        raise ValidationFailed(
            {"to": "advance at most two years at a time"}, code=TestClockErrorCode.TOO_FAR
        )
    renewals = collections = retries = 0
    at = test_clock.frozen_at
    while True:
        at = min(at + timedelta(days=1), to)
        step = FrozenClock(at)
        # notices and the moves they schedule come before the renewals they are about
        await run_price_migrations(uow=uow, clock=step, config=config, test_clock_id=clock_id)
        report = await renew_due(uow=uow, clock=step, config=config, test_clock_id=clock_id)
        renewals += report.advanced
        async with uow() as reader:
            invoices = await reader.test_clocks.open_invoices(clock_id)
        for invoice_id in invoices:
            await collect_invoice(invoice_id, uow=uow, gateway=gateway, clock=step, config=config)
        collections += len(invoices)
        retries += await run_dunning(
            uow=uow, gateway=gateway, clock=step, config=config, test_clock_id=clock_id
        )
        async with uow() as writer:
            await writer.test_clocks.move(clock_id, at)
            await writer.commit()
        if at >= to:
            break
    return AdvanceReport(replace(test_clock, frozen_at=to), renewals, collections, retries)


async def next_renewal(clock_id: str, *, uow: TestClocksUnit) -> datetime | None:
    """The earliest instant one of the clock's subscriptions has something due."""
    async with uow:
        test_clock = await uow.test_clocks.get(clock_id)
        if test_clock is None:
            raise NotFound("No such test clock.", code=TestClockErrorCode.NOT_FOUND)
        due = await uow.subscriptions.due(
            test_clock.frozen_at + MAX_ADVANCE, limit=1, test_clock_id=clock_id
        )
    return due[0].at if due else None
