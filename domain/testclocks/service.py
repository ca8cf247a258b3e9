"""Test clocks (sandbox only): attach a customer to a clock, then advance it. Advancing walks
the clock forward a day at a time (and to the exact target) and at each step runs, on the
clock's time and for its customers only, what the job runner runs on real time: price
migrations (their notices and moves), the renewal run, the collection of new invoices, and
dunning. Days on which none of these has anything to do are stepped over (``_next_due``). So a
year of renewals, a failing card's dunning schedule or a trial's end can be rehearsed in
seconds, exactly as they would happen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.billing.config import BillingConfig
from domain.payments.ports import PaymentGateway
from domain.payments.service import collect_invoice, run_dunning
from domain.shared.clock import Clock, FrozenClock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import CustomerId, new_id
from domain.subscriptions.price_migration_run import next_notice_at, run_price_migrations
from domain.subscriptions.renewals import renew_due
from domain.testclocks.model import TestClock
from domain.testclocks.ports import TestClocksStaffUnit, TestClocksUnit

UowFactory = Callable[[], TestClocksStaffUnit]
MAX_ADVANCE = timedelta(days=2 * 366)
DAY = timedelta(days=1)
MAX_NAME = 100
CREATED = "test_clock.created"
ADVANCED = "test_clock.advanced"


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


def require_sandbox(gateway: PaymentGateway) -> None:
    if gateway.name != "sandbox":
        raise InvalidTransition(
            "Test clocks work with the sandbox gateway only.", code=TestClockErrorCode.NOT_SANDBOX
        )


async def create_test_clock(
    name: str,
    *,
    frozen_at: datetime,
    uow: TestClocksStaffUnit,
    clock: Clock,
    gateway: PaymentGateway,
    actor: Actor | None = None,
) -> TestClock:
    """A new clock frozen at ``frozen_at`` (any instant, past or future). With ``actor`` (a
    staff member in the admin) the creation is audited (``test_clock.created``) in the same
    transaction."""
    require_sandbox(gateway)
    if not name.strip() or len(name) > MAX_NAME:
        raise ValidationFailed(
            {"name": f"Give the clock a name of 1 to {MAX_NAME} characters."},
            code="test_clock.bad_name",
        )
    if frozen_at.tzinfo is None:
        raise ValidationFailed({"frozen_at": "a time zone is needed"}, code="test_clock.naive")
    test_clock = TestClock(new_id(), name.strip(), frozen_at, clock.now())
    async with uow:
        await uow.test_clocks.add(test_clock)
        if actor is not None:
            await record(
                uow,
                new_entry(
                    at=clock.now(),
                    actor=actor,
                    action=CREATED,
                    object_type="test_clock",
                    object_id=test_clock.id,
                    after={"name": test_clock.name, "frozen_at": frozen_at.isoformat()},
                ),
            )
        await uow.commit()
    return test_clock


async def attach_customer(
    clock_id: str, customer_id: CustomerId, *, uow: TestClocksUnit, gateway: PaymentGateway
) -> None:
    """Put a customer (without subscriptions yet) on the clock: everything billed to them from
    now on happens on the clock's time."""
    require_sandbox(gateway)
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
    actor: Actor | None = None,
    real_clock: Clock | None = None,
) -> AdvanceReport:
    """Move the clock to ``to`` (forward only, at most ``MAX_ADVANCE``), billing its customers
    at every step. Each step commits on its own (as the job runner's work would), so an error
    part-way leaves the clock at the last completed step. With ``actor`` the advance is audited
    (``test_clock.advanced``, at ``real_clock``'s time) in the transaction of the last step."""
    require_sandbox(gateway)
    async with uow() as reader:
        test_clock = await reader.test_clocks.get(clock_id)
    if test_clock is None:
        raise NotFound("No such test clock.", code=TestClockErrorCode.NOT_FOUND)
    if to < test_clock.frozen_at:
        raise ValidationFailed(
            {"to": "A test clock only moves forward: choose a time after its frozen time."},
            code=TestClockErrorCode.BACKWARDS,
        )
    if to - test_clock.frozen_at > MAX_ADVANCE:
        raise ValidationFailed(
            {"to": "Advance at most two years at a time."}, code=TestClockErrorCode.TOO_FAR
        )
    renewals = collections = retries = 0
    start = at = test_clock.frozen_at
    while True:
        at = min(at + DAY, to)
        if at < to:  # step over idle days: to the first day step on or after the next work
            due = await _next_due(uow, clock_id, by=to)
            if due is None:
                at = to
            elif due > at:
                at = min(start + -(-(due - start) // DAY) * DAY, to)
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
            if at >= to and actor is not None:
                await record(
                    writer,
                    new_entry(
                        at=(real_clock.now() if real_clock else at),
                        actor=actor,
                        action=ADVANCED,
                        object_type="test_clock",
                        object_id=clock_id,
                        before={"frozen_at": test_clock.frozen_at.isoformat()},
                        after={
                            "frozen_at": to.isoformat(),
                            "renewals": renewals,
                            "collections": collections,
                            "dunning_retries": retries,
                        },
                    ),
                )
            await writer.commit()
        if at >= to:
            break
    return AdvanceReport(replace(test_clock, frozen_at=to), renewals, collections, retries)


async def _next_due(uow: UowFactory, clock_id: str, *, by: datetime) -> datetime | None:
    """The earliest instant (up to ``by``) at which a step of the clock has work: an invoice not
    yet charged (at once), a subscription's next action (renewal, trial end, resume, expiry), a
    dunning retry or a price migration's notice. A step with none of these does nothing, so the advance skips to the day step
    on or after this instant instead of committing every idle day (a two-year advance of a
    clock with a few monthly customers takes dozens of steps, not 732). Work added to the
    steps must be added here too, or an advance would step over it."""
    async with uow() as reader:
        if await reader.test_clocks.open_invoices(clock_id):
            return datetime.min.replace(tzinfo=by.tzinfo)
        subscriptions = await reader.subscriptions.due(by, limit=1, test_clock_id=clock_id)
        cases = await reader.dunning.due(by, limit=1, test_clock_id=clock_id)
    times = [d.at for d in subscriptions] + [c.next_attempt_at for c in cases if c.next_attempt_at]
    notice = await next_notice_at(uow=uow, test_clock_id=clock_id)  # price migrations' notices
    if notice is not None:
        times.append(notice)
    return min(times) if times else None


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
