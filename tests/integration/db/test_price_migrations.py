"""A price migration rehearsed on a test clock, on the real databases: staff publish a new
version and schedule the move; the clock passes the notice day (the subscriber is e-mailed
once) and the date (the renewal bills the new price for a whole period); subscribers on
another version, or ending at their period's end, keep their price."""

from __future__ import annotations

from datetime import date

import pytest

from domain.adapters.db.tables import InvoiceTable, JobTable, OutboxEmailTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.catalog.model import PlanPrice
from domain.catalog.service import publish_plan_version
from domain.customers.service import create_customer
from domain.notifications.model import EmailKind
from domain.payments.service import add_payment_method
from domain.shared.clock import FrozenClock
from domain.shared.errors import Conflict, InvalidTransition, ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.periods import utc
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.engine import SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from domain.subscriptions.plan_changes import keep_current_plan
from domain.subscriptions.price_migration_admin import (
    MigrationRequest,
    cancel_price_migration,
    plan_migrations,
    preview_price_migration,
    schedule_price_migration,
)
from domain.subscriptions.price_migration_run import run_price_migrations
from domain.subscriptions.price_migrations import MigrationStatus
from domain.subscriptions.reads import get_subscription
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.subscription_views import view_in
from domain.testclocks import service as test_clocks
from tests.support.builders import make_runner
from tests.support.database import TestDatabase
from tests.unit.billing._builders import USD, flat, make_plan
from web.jobs import build_registry

pytestmark = pytest.mark.integration
CONFIG = BillingConfig()
REAL_NOW = utc(2026, 11, 24, 12)
CLOCK_START = utc(2027, 1, 10, 9)
BILLING = SignedInStaff("staff-1", "bea@tessera.test", "Bea", Role.BILLING, "session-1")


def _price(minor: int) -> tuple[PlanPrice, ...]:
    return (PlanPrice(USD, (flat(minor),)),)


async def test_a_migration_notices_then_moves_only_the_old_versions_subscribers(
    db: TestDatabase,
) -> None:
    clock = FrozenClock(REAL_NOW)
    gateway = SandboxGateway(db.engine)
    registry = build_registry(billing=CONFIG, gateway=gateway)

    def uow(at: FrozenClock = clock) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=at, registry=registry)

    async with uow() as setup:
        await setup.plans.add(make_plan("team", charges=(flat(2000),)))
        await setup.commit()
    rehearsal = await test_clocks.create_test_clock(
        "migration", frozen_at=CLOCK_START, uow=uow(), clock=clock, gateway=gateway
    )
    on_clock = FrozenClock(CLOCK_START)

    async def subscriber(email: str) -> CustomerId:
        customer = await create_customer(
            email=email, name=email[:3].title(), currency="USD", country="US", uow=uow(),
            clock=clock,
        )  # fmt: skip
        await test_clocks.attach_customer(rehearsal.id, customer.id, uow=uow(), gateway=gateway)
        token = await gateway.tokenize_card(
            number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
        )
        await add_payment_method(
            customer.id, token, uow=lambda: uow(on_clock), gateway=gateway, clock=on_clock
        )
        return customer.id

    ada, bob, cyd = [await subscriber(e) for e in ("ada@x.test", "bob@x.test", "cyd@x.test")]
    moved = await subscribe(ada, "team", uow=uow(on_clock), clock=on_clock, config=CONFIG)
    leaving = await subscribe(bob, "team", uow=uow(on_clock), clock=on_clock, config=CONFIG)
    await cancel_subscription(
        leaving.subscription.id, timing=Timing.PERIOD_END, uow=uow(on_clock), clock=on_clock,
        config=CONFIG,
    )  # fmt: skip
    v2 = await publish_plan_version("team", prices=_price(2500), uow=uow(), clock=clock)
    on_v2 = await subscribe(cyd, "team", uow=uow(on_clock), clock=on_clock, config=CONFIG)
    v3 = await publish_plan_version("team", prices=_price(3000), uow=uow(), clock=clock)
    v1 = moved.subscription.plan_id

    # staff schedule v1 -> v3 for March 1st with 30 days' notice, exactly as previewed
    request = MigrationRequest("team", v1, v3.id, date(2027, 3, 1), 30)
    preview = await preview_price_migration(BILLING, request, uow=uow(), clock=clock)
    assert preview.subscribers == 1  # Bob ends at his period's end: not moved
    (line,) = preview.lines
    assert (line.old_price.minor, line.new_price.minor) == (2000, 3000)
    assert preview.first_move_at == utc(2027, 3, 10, 9)  # Ada's first renewal on/after Mar 1
    assert preview.first_notice_at == utc(2027, 2, 8, 9)
    with pytest.raises(Conflict):
        await schedule_price_migration(BILLING, request, "other", uow=uow(), clock=clock)
    migration = await schedule_price_migration(
        BILLING, request, preview.version, uow=uow(), clock=clock
    )
    with pytest.raises(ValidationFailed) as overlap:  # one scheduled migration per version
        await preview_price_migration(BILLING, request, uow=uow(), clock=clock)
    assert overlap.value.code == "price_migration.overlap"

    async def notices() -> list[dict[str, object]]:
        return list(
            await JobTable.select()
            .where(JobTable.name == "notifications.notify")
            .where(JobTable.unique_key.like("notify:price_change:%"))
        )

    await test_clocks.advance_test_clock(
        rehearsal.id, utc(2027, 2, 7, 9), uow=uow, gateway=gateway, config=CONFIG
    )
    assert await notices() == []  # not before the notice day
    # one advance past both the notice day (Feb 8) and a renewal (Feb 10): the advance steps over
    # idle days, yet stops on the notice day, so the notice is on time and the move stays Mar 10
    await test_clocks.advance_test_clock(
        rehearsal.id, utc(2027, 2, 12, 9), uow=uow, gateway=gateway, config=CONFIG
    )
    (job,) = await notices()
    assert job["unique_key"] == f"notify:price_change:{migration.id}:{moved.subscription.id}"
    ada_now = await get_subscription(moved.subscription.id, uow=uow())
    assert ada_now.scheduled_plan_id == v3.id and ada_now.scheduled_from == utc(2027, 3, 10, 9)
    async with uow() as reader:  # the portal shows it as a price change, not a plan switch
        view = await view_in(reader, ada_now, now=utc(2027, 2, 9, 9), config=CONFIG)
    assert view.scheduled is not None and view.scheduled.price_change
    assert view.scheduled.at == utc(2027, 3, 10, 9)
    with pytest.raises(InvalidTransition):  # the portal's "keep my current plan", posted by hand
        await keep_current_plan(
            moved.subscription.id, uow=uow(), clock=FrozenClock(utc(2027, 2, 9, 9)), config=CONFIG,
            as_customer=ada,
        )  # fmt: skip

    # the notice job renders the e-mail: old and new price, the date
    runner = make_runner(db.engine, registry, FrozenClock(utc(2027, 2, 9, 9)))
    await runner.drain(include_schedule=False)
    (email,) = await OutboxEmailTable.select().where(
        OutboxEmailTable.kind == EmailKind.PRICE_CHANGE.value
    )
    assert email["recipient"] == "ada@x.test"

    assert "$20.00 per month" in email["text_body"] and "$30.00 per month" in email["text_body"]
    assert "March 10, 2027" in email["text_body"] or "Mar 10, 2027" in email["text_body"]

    report = await test_clocks.advance_test_clock(
        rehearsal.id, utc(2027, 4, 11, 9), uow=uow, gateway=gateway, config=CONFIG
    )
    assert report.renewals >= 4
    assert len(await notices()) == 1  # once, however often the run looks again

    async def amounts(customer: CustomerId) -> list[tuple[str, int]]:
        rows = await (
            InvoiceTable.select(InvoiceTable.issued_at, InvoiceTable.total_minor)
            .where(InvoiceTable.customer_id == customer)
            .order_by(InvoiceTable.issued_at)
        )
        return [(r["issued_at"].date().isoformat(), r["total_minor"]) for r in rows]

    assert await amounts(ada) == [
        ("2027-01-10", 2000),
        ("2027-02-10", 2000),
        ("2027-03-10", 3000),  # the renewal on or after the date, a whole period, no proration
        ("2027-04-10", 3000),
    ]
    assert await amounts(cyd) == [(d, 2500) for d in
                                  ("2027-01-10", "2027-02-10", "2027-03-10", "2027-04-10")]  # fmt: skip
    assert await amounts(bob) == [("2027-01-10", 2000)]
    bob_now = await get_subscription(leaving.subscription.id, uow=uow())
    assert bob_now.status is SubscriptionStatus.CANCELED and bob_now.plan_id == v1
    assert (await get_subscription(on_v2.subscription.id, uow=uow())).plan_id == v2.id
    assert (await get_subscription(moved.subscription.id, uow=uow())).plan_id == v3.id

    page = await plan_migrations(BILLING, "team", uow=uow())
    (row,) = page.migrations
    assert (row.migration.notified, row.migration.moved) == (1, 1)
    assert row.migration.status is MigrationStatus.DONE
    assert [(v.plan.version, v.subscribers) for v in page.versions] == [(3, 1), (2, 1), (1, 0)]


async def test_cancelling_a_migration_withdraws_the_moves_it_announced(db: TestDatabase) -> None:
    clock = FrozenClock(REAL_NOW)
    registry = build_registry(billing=CONFIG)

    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)

    async with uow() as setup:
        await setup.plans.add(make_plan("team", charges=(flat(2000),)))
        await setup.commit()
    customer = await create_customer(
        email="eve@x.test", name="Eve", currency="USD", country="US", uow=uow(), clock=clock
    )
    sub = await subscribe(customer.id, "team", uow=uow(), clock=clock, config=CONFIG)
    v2 = await publish_plan_version("team", prices=_price(2600), uow=uow(), clock=clock)
    request = MigrationRequest("team", sub.subscription.plan_id, v2.id, date(2026, 12, 20), 5)
    preview = await preview_price_migration(BILLING, request, uow=uow(), clock=clock)
    migration = await schedule_price_migration(
        BILLING, request, preview.version, uow=uow(), clock=clock
    )
    later = FrozenClock(utc(2026, 12, 20, 12))  # Eve renews Dec 24: its notice was due Dec 19
    report = await run_price_migrations(
        uow=lambda: PiccoloUnitOfWork(db.engine, clock=later, registry=registry),
        clock=later,
        config=CONFIG,
    )
    assert report.notified == 1
    stored = await get_subscription(sub.subscription.id, uow=uow())
    assert stored.scheduled_plan_id == v2.id and stored.scheduled_from == utc(2026, 12, 24, 12)
    withdrawn = await cancel_price_migration(
        BILLING, "team", migration.id, uow=uow(), clock=clock, config=CONFIG
    )
    assert withdrawn == 1
    stored = await get_subscription(sub.subscription.id, uow=uow())
    assert stored.scheduled_plan_id is None
    (row,) = (await plan_migrations(BILLING, "team", uow=uow())).migrations
    assert row.migration.status is MigrationStatus.CANCELED and not row.cancellable
