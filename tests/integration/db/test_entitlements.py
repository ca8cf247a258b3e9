"""The customer_entitlement read model on the real database (SQLite and PostgreSQL): written by
the live use cases in their transactions (subscribing with add-ons, a seat change, an add-on
attached, pause and resume, a failed payment then unpaid, a cancellation, renewals, a staff grant
change) and equal to a rebuild from the subscriptions and the catalog; rolled back with the
transaction that wrote it; ``customers_on_plans`` finds add-on and ended subscribers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.adapters.db.tables_entitlements import CustomerEntitlementTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.config import BillingConfig
from domain.catalog.demo_features import load_demo_features
from domain.catalog.service import load_demo_catalog
from domain.catalog_admin.features import grant_feature
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId, PlanId
from domain.shared.periods import utc
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.engine import ProrationBehavior, Timing
from domain.subscriptions.entitlement_rules import Entitlement
from domain.subscriptions.entitlements import rebuild_entitlements, refresh_entitlements_in
from domain.subscriptions.lifecycle import (
    cancel_subscription,
    pause_subscription,
    resume_subscription,
    set_addon,
)
from domain.subscriptions.payment_outcomes import mark_unpaid_in, payment_failed_in
from domain.subscriptions.plan_changes import change_subscription
from domain.subscriptions.renewals import renew_due
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration

CONFIG = BillingConfig(seller_country="US")
START = utc(2026, 1, 31, 9)
BILL = SignedInStaff("staff-bill", "bill@example.com", "Bill", Role.BILLING, "s")


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _all_rows(
    db: TestDatabase, clock: FrozenClock, customers: list[str]
) -> dict[str, list[Entitlement]]:
    async with _uow(db, clock) as uow:
        return {c: await uow.entitlements.for_customer(CustomerId(c)) for c in customers}


def _terms(rows: dict[str, list[Entitlement]]) -> dict[str, list[tuple[object, ...]]]:
    return {c: [(r.feature_key, r.feature_name, r.kind.value, r.limit, r.has_access,
                 r.subscriptions) for r in rs] for c, rs in rows.items()}  # fmt: skip


async def test_the_live_rows_equal_a_rebuild_after_a_busy_history(db: TestDatabase) -> None:
    clock = FrozenClock(START)
    await load_demo_catalog(uow=_uow(db, clock))
    await load_demo_features(uow=_uow(db, clock), at=clock.now())
    kw = lambda: {"uow": _uow(db, clock), "clock": clock, "config": CONFIG}  # noqa: E731
    customers = [
        (await create_customer(email=f"c{n}@example.test", name=f"C{n}", currency="USD",
                               country="US", region="NY", uow=_uow(db, clock), clock=clock)).id
        for n in range(5)
    ]  # fmt: skip
    a, b, c, d, e = (CustomerId(x) for x in customers)
    team = (await subscribe(a, "team-monthly", quantity=3, trial_days=0,
                            addons=(("extra-storage", 2),), **kw())).subscription.id  # fmt: skip
    await subscribe(b, "starter-monthly", **kw())  # trialing
    scale = (await subscribe(c, "scale-monthly", trial_days=0, **kw())).subscription.id
    solo = (await subscribe(d, "starter-monthly", trial_days=0, **kw())).subscription.id
    clock.set(START + timedelta(days=3))
    await change_subscription(team, quantity=5, proration=ProrationBehavior.NONE, **kw())
    await set_addon(team, "priority-support", 1, **kw())
    await pause_subscription(scale, **kw())
    await cancel_subscription(solo, timing=Timing.IMMEDIATE, **kw())
    again = (await subscribe(d, "team-monthly", quantity=2, trial_days=0, **kw())).subscription.id
    uow = _uow(db, clock)
    async with uow:
        assert await payment_failed_in(uow, again, now=clock.now(), config=CONFIG)
        await uow.commit()
    live = await _all_rows(db, clock, customers)
    assert {r.feature_key: (r.limit, r.has_access) for r in live[a]}["seats"] == (5, True)
    assert {r.feature_key: (r.limit, r.has_access) for r in live[a]}["storage.gb"] == (200, True)
    assert "support.priority" in {r.feature_key for r in live[a]}
    assert {r.has_access for r in live[c]} == {False}  # paused
    seats_d = next(r for r in live[d] if r.feature_key == "seats")
    assert (seats_d.limit, seats_d.has_access, seats_d.subscriptions) == (2, True, (again,))
    assert live[e] == []

    uow = _uow(db, clock)
    async with uow:
        assert await mark_unpaid_in(uow, again, now=clock.now(), config=CONFIG)
        await uow.commit()
    clock.set(START + timedelta(days=20))
    await resume_subscription(scale, **kw())
    clock.set(utc(2026, 3, 5))
    assert (await renew_due(uow=lambda: _uow(db, clock), clock=clock, config=CONFIG)).failed == ()
    assert await grant_feature(BILL, "team-monthly", "api.calls", "quantity", "500",
                               uow=_uow(db, clock), clock=clock) == 2  # a and d  # fmt: skip
    live = await _all_rows(db, clock, customers)
    assert {r.has_access for r in live[b]} == {True}  # the trial converted, still on
    assert {r.has_access for r in live[c]} == {True}  # resumed
    assert next(r for r in live[d] if r.feature_key == "seats").has_access is False  # unpaid

    new = lambda: _uow(db, clock)  # noqa: E731
    assert await rebuild_entitlements(new_uow=new, now=clock.now(), check=True) == []
    await CustomerEntitlementTable.delete(force=True)
    rebuilt = await rebuild_entitlements(new_uow=new, now=clock.now())
    assert sorted(rebuilt) == sorted(x for x in customers if live[x])
    assert _terms(await _all_rows(db, clock, customers)) == _terms(live)


async def test_rows_roll_back_with_their_transaction_and_add_on_subscribers_are_found(
    db: TestDatabase,
) -> None:
    clock = FrozenClock(START)
    await load_demo_catalog(uow=_uow(db, clock))
    await load_demo_features(uow=_uow(db, clock), at=clock.now())
    kw = lambda: {"uow": _uow(db, clock), "clock": clock, "config": CONFIG}  # noqa: E731
    ada = (await create_customer(email="ada@example.test", name="Ada", currency="USD",
                                 country="US", region="NY", uow=_uow(db, clock), clock=clock)).id  # fmt: skip
    sub = (await subscribe(CustomerId(ada), "starter-monthly", trial_days=0,
                           addons=(("priority-support", 1),), **kw())).subscription.id  # fmt: skip
    await cancel_subscription(sub, timing=Timing.IMMEDIATE, **kw())
    uow = _uow(db, clock)
    async with uow:
        found = await uow.subscriptions.customers_on_plans([PlanId("demo-priority-support")])
        assert found == [ada]  # an ended subscription's add-on too
        assert await uow.subscriptions.customers_on_plans([PlanId("demo-team-monthly")]) == []
        rows = await uow.entitlements.for_customer(CustomerId(ada))
        await uow.entitlements.replace(CustomerId(ada), [replace(r, limit=7) for r in rows])
        # left without commit: rolled back
    uow = _uow(db, clock)
    async with uow:
        assert await uow.entitlements.for_customer(CustomerId(ada)) == rows
        assert not await refresh_entitlements_in(uow, CustomerId(ada), now=clock.now())
