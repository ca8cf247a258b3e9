"""Test clocks on the real databases: a customer on a clock is billed on the clock's time, by
the clock's advance only, exactly as real time would bill them."""

from __future__ import annotations

import pytest

from domain.adapters.db.tables import InvoiceTable, PaymentAttemptTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.payments.service import add_payment_method
from domain.shared.clock import FrozenClock
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.periods import utc
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.reads import get_subscription
from domain.subscriptions.renewals import renew_due
from domain.subscriptions.subscribing import subscribe
from domain.testclocks import service as test_clocks
from tests.support.database import TestDatabase
from tests.unit.billing._builders import make_plan
from web.jobs import build_registry

pytestmark = pytest.mark.integration
CONFIG = BillingConfig()
REAL_NOW = utc(2026, 11, 24, 12)
CLOCK_START = utc(2027, 1, 31, 9)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(REAL_NOW)


async def test_a_customer_on_a_test_clock_renews_on_the_clocks_time(
    db: TestDatabase, clock: FrozenClock
) -> None:
    gateway = SandboxGateway(db.engine)
    registry = build_registry(billing=CONFIG, gateway=gateway)

    def uow(at: FrozenClock = clock) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=at, registry=registry)

    async with uow() as setup:
        await setup.plans.add(make_plan("team"))
        await setup.commit()
    rehearsal = await test_clocks.create_test_clock(
        "rehearsal", frozen_at=CLOCK_START, uow=uow(), clock=clock, gateway=gateway
    )
    customer = await create_customer(
        email="ada@example.test", name="Ada", currency="USD", country="US", uow=uow(), clock=clock
    )
    await test_clocks.attach_customer(rehearsal.id, customer.id, uow=uow(), gateway=gateway)
    on_clock = FrozenClock(CLOCK_START)
    token = await gateway.tokenize_card(
        number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
    )
    await add_payment_method(
        customer.id, token, uow=lambda: uow(on_clock), gateway=gateway, clock=on_clock
    )
    outcome = await subscribe(customer.id, "team", uow=uow(on_clock), clock=on_clock, config=CONFIG)
    assert outcome.subscription.test_clock_id == rehearsal.id

    # real time's renewal run never touches the clock's subscriptions, even years later
    far = FrozenClock(utc(2030, 1, 1))
    report = await renew_due(uow=lambda: uow(far), clock=far, config=CONFIG)
    assert report.advanced == 0

    done = await test_clocks.advance_test_clock(
        rehearsal.id, utc(2027, 4, 1), uow=uow, gateway=gateway, config=CONFIG
    )
    assert done.renewals == 2  # Feb 28 and Mar 31 (the anchor day clamps, then returns)
    invoices = await InvoiceTable.select().order_by(InvoiceTable.issued_at)
    assert [i["issued_at"] for i in invoices] == [
        CLOCK_START,
        utc(2027, 2, 28, 9),
        utc(2027, 3, 31, 9),
    ]
    assert {i["status"] for i in invoices} == {"paid"}
    attempts = await PaymentAttemptTable.select().order_by(PaymentAttemptTable.created_at)
    assert [a["created_at"] for a in attempts] == [
        utc(2027, 2, 1, 9),  # the first invoice is charged by the clock's first step
        utc(2027, 2, 28, 9),
        utc(2027, 3, 31, 9),
    ]
    sub = await get_subscription(outcome.subscription.id, uow=uow())
    assert sub.status is SubscriptionStatus.ACTIVE and sub.period_end == utc(2027, 4, 30, 9)
    async with uow() as reader:
        stored = await reader.test_clocks.get(rehearsal.id)
    assert stored is not None and stored.frozen_at == utc(2027, 4, 1)

    with pytest.raises(ValidationFailed):
        await test_clocks.advance_test_clock(
            rehearsal.id, utc(2027, 3, 1), uow=uow, gateway=gateway, config=CONFIG
        )
    with pytest.raises(InvalidTransition):  # a customer with subscriptions stays where they are
        await test_clocks.attach_customer(rehearsal.id, customer.id, uow=uow(), gateway=gateway)


async def test_test_clocks_are_for_the_sandbox_only(db: TestDatabase, clock: FrozenClock) -> None:
    class Live(SandboxGateway):
        name = "stripe"

    gateway = Live(db.engine)
    registry = build_registry(billing=CONFIG, gateway=gateway)
    with pytest.raises(InvalidTransition) as err:
        await test_clocks.create_test_clock(
            "x",
            frozen_at=CLOCK_START,
            uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=registry),
            clock=clock,
            gateway=gateway,
        )
    assert err.value.code == "test_clock.sandbox_only"
