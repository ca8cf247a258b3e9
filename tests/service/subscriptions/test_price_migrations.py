"""Price migrations on the in-memory unit of work: who may read and schedule them, the audit
entry, the notice due on its day and queued once however often the run looks, the move made by
the renewal on or after the date, and the migration closed after it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.model import PlanPrice
from domain.catalog.service import load_demo_catalog, publish_plan_version
from domain.customers.service import create_customer
from domain.pricing.model import Charge, ChargeModel
from domain.shared.clock import FrozenClock
from domain.shared.errors import PermissionDenied
from domain.shared.money import Currency
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.price_migration_admin import (
    MigrationRequest,
    plan_migrations,
    preview_price_migration,
    schedule_price_migration,
)
from domain.subscriptions.price_migration_run import run_price_migrations
from domain.subscriptions.price_migrations import MigrationStatus
from domain.subscriptions.reads import get_subscription
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

MAR1 = datetime(2024, 3, 1, tzinfo=UTC)
CONFIG = BillingConfig()


def _staff(role: Role) -> SignedInStaff:
    return SignedInStaff(f"s-{role}", f"{role}@x.test", role.value, role, "session")


def _seats(currency: str, minor: int) -> PlanPrice:
    charge = Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(minor), unit_label="seat")
    return PlanPrice(Currency.of(currency), (charge,))


async def test_a_migration_is_noticed_once_then_moved_by_the_renewal() -> None:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    clock = FrozenClock(MAR1)
    customer = await create_customer(
        email="ada@x.test", name="Ada", currency="USD", country="US", uow=uow, clock=clock
    )
    sub = (
        await subscribe(
            customer.id, "team-monthly", quantity=3, uow=uow, clock=clock, config=CONFIG
        )
    ).subscription
    v2 = await publish_plan_version(
        "team-monthly", prices=(_seats("USD", 1500), _seats("EUR", 1400)), uow=uow, clock=clock
    )
    request = MigrationRequest("team-monthly", sub.plan_id, v2.id, date(2024, 4, 15), 10)

    assert (await plan_migrations(_staff(Role.VIEWER), "team-monthly", uow=uow)).migrations == ()
    for role in (Role.VIEWER, Role.SUPPORT):
        with pytest.raises(PermissionDenied):
            await preview_price_migration(_staff(role), request, uow=uow, clock=clock)
    billing = _staff(Role.BILLING)
    preview = await preview_price_migration(billing, request, uow=uow, clock=clock)
    assert preview.first_move_at == datetime(2024, 5, 1, tzinfo=UTC)
    assert preview.first_notice_at == datetime(2024, 4, 21, tzinfo=UTC)
    (line,) = preview.lines
    assert (line.old_total.minor, line.new_total.minor) == (3600, 4500)  # 3 seats
    with pytest.raises(PermissionDenied):
        await schedule_price_migration(
            _staff(Role.SUPPORT), request, preview.version, uow=uow, clock=clock
        )
    migration = await schedule_price_migration(billing, request, preview.version, uow=uow,
                                               clock=clock)  # fmt: skip
    (entry,) = [e for e in uow.audit.entries if e.object_id == migration.id]
    assert entry.action == "price_migration.scheduled" and entry.actor.email == "billing@x.test"
    assert entry.after["subscribers"] == 1 and entry.after["to_version"] == 2

    def notices() -> list[str | None]:
        return [key for name, _, key, _ in uow.jobs.committed if key and "price_change" in key]

    # Apr 1 renewed at the old price; nothing is due before Apr 21
    await advance_subscription(sub.id, uow=uow, clock=FrozenClock(datetime(2024, 4, 2, tzinfo=UTC)),
                               config=CONFIG)  # fmt: skip
    day_before = FrozenClock(datetime(2024, 4, 20, tzinfo=UTC))
    assert (
        await run_price_migrations(uow=lambda: uow, clock=day_before, config=CONFIG)
    ).notified == 0
    notice_day = FrozenClock(datetime(2024, 4, 21, tzinfo=UTC))
    for _ in range(3):
        await run_price_migrations(uow=lambda: uow, clock=notice_day, config=CONFIG)
    assert notices() == [f"notify:price_change:{migration.id}:{sub.id}"]

    moved_at = FrozenClock(datetime(2024, 5, 1, 0, 5, tzinfo=UTC))
    await advance_subscription(sub.id, uow=uow, clock=moved_at, config=CONFIG)
    assert (await get_subscription(sub.id, uow=uow)).plan_id == v2.id
    report = await run_price_migrations(uow=lambda: uow, clock=moved_at, config=CONFIG)
    assert (report.moved, report.closed) == (1, 1)
    (row,) = (await plan_migrations(billing, "team-monthly", uow=uow)).migrations
    assert row.migration.status is MigrationStatus.DONE
    assert (row.migration.notified, row.migration.moved) == (1, 1)
