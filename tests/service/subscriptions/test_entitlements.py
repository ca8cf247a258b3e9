"""Entitlements kept live by every saved subscription change (the in-memory unit): features and
limits from the plan and its add-ons (seats from the quantity bought), access by status (trialing,
active, past due on; paused, unpaid, canceled off), one ``entitlements.updated`` event per change
that changes them and none otherwise, the catalog admin's grant changes applied to subscribers
in the same transaction, and the live rows equal to a rebuild."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.demo_features import load_demo_features
from domain.catalog.features import LimitKind
from domain.catalog.service import load_demo_catalog
from domain.catalog_admin.features import (
    create_feature,
    features_page,
    grant_feature,
    remove_grant,
    rename_feature,
)
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.errors import NotFound, PermissionDenied, ValidationFailed
from domain.shared.ids import CustomerId
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.engine import Timing
from domain.subscriptions.entitlement_rules import Entitlement
from domain.subscriptions.entitlements import customer_entitlements, rebuild_entitlements
from domain.subscriptions.lifecycle import (
    cancel_subscription,
    pause_subscription,
    resume_subscription,
)
from domain.subscriptions.payment_outcomes import mark_unpaid_in, payment_failed_in
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

MAR1 = datetime(2024, 3, 1, tzinfo=UTC)
CONFIG = BillingConfig()
BILL = SignedInStaff("staff-bill", "bill@example.com", "Bill", Role.BILLING, "s")
SUPPORT = SignedInStaff("staff-sam", "sam@example.com", "Sam", Role.SUPPORT, "s")


@pytest.fixture
async def uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    await load_demo_features(uow=uow, at=MAR1)
    return uow


async def _customer(
    uow: InMemoryUnitOfWork, clock: FrozenClock, email: str = "ada@example.test"
) -> str:
    customer = await create_customer(email=email, name="Ada", currency="USD", country="US",
                                     uow=uow, clock=clock)  # fmt: skip
    return customer.id


def _table(rows: list[Entitlement]) -> dict[str, tuple[str, int | None, bool]]:
    return {r.feature_key: (r.kind.value, r.limit, r.has_access) for r in rows}


async def _rows(uow: InMemoryUnitOfWork, customer: str) -> dict[str, tuple[str, int | None, bool]]:
    return _table(await customer_entitlements(CustomerId(customer), uow=uow))


def _events(uow: InMemoryUnitOfWork) -> list[dict[str, object]]:
    return [e.data for e in uow.outbound_events.committed if e.type.value == "entitlements.updated"]


async def test_a_per_seat_plan_with_an_add_on_grants_seats_bought_and_add_on_units(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer = await _customer(uow, clock)
    outcome = await subscribe(CustomerId(customer), "team-monthly", quantity=3, trial_days=0,
                              addons=(("extra-storage", 2),), uow=uow, clock=clock, config=CONFIG)  # fmt: skip
    assert await _rows(uow, customer) == {
        "customer-portal": ("access", None, True),
        "hosted-checkout": ("access", None, True),
        "projects": ("unlimited", None, True),
        "seats": ("quantity", 3, True),  # the subscription's quantity
        "storage.gb": ("quantity", 200, True),  # 100 GB a block, two blocks
    }
    rows = await customer_entitlements(CustomerId(customer), uow=uow)
    assert all(r.subscriptions == (outcome.subscription.id,) for r in rows)
    [event] = _events(uow)
    assert event["customer_id"] == customer
    assert [e["feature"] for e in event["entitlements"]] == sorted(_table(rows))  # type: ignore[attr-defined, index]


async def test_access_follows_the_status_and_each_change_emits_once(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer = await _customer(uow, clock)
    sub = (await subscribe(CustomerId(customer), "starter-monthly", uow=uow, clock=clock,
                           config=CONFIG)).subscription  # fmt: skip
    assert sub.status.value == "trialing"
    assert (await _rows(uow, customer))["projects"] == ("quantity", 1, True)
    assert len(_events(uow)) == 1
    ctx = {"uow": uow, "clock": clock, "config": CONFIG}

    clock.advance(days=1)
    await pause_subscription(sub.id, **ctx)  # type: ignore[arg-type]
    assert (await _rows(uow, customer))["projects"] == ("quantity", 1, False)  # paused: off
    assert len(_events(uow)) == 2
    clock.advance(days=1)
    await resume_subscription(sub.id, **ctx)  # type: ignore[arg-type]
    assert (await _rows(uow, customer))["projects"] == ("quantity", 1, True)
    assert len(_events(uow)) == 3

    clock.advance(days=1)
    await cancel_subscription(sub.id, timing=Timing.IMMEDIATE, **ctx)  # type: ignore[arg-type]
    assert set((await _rows(uow, customer)).values()) == {
        ("quantity", 1, False), ("access", None, False)
    }  # fmt: skip
    assert len(_events(uow)) == 4
    assert all(not e["has_access"] for e in _events(uow)[-1]["entitlements"])  # type: ignore[attr-defined, index]


async def test_past_due_keeps_access_and_unpaid_removes_it(uow: InMemoryUnitOfWork) -> None:
    clock = FrozenClock(MAR1)
    customer = await _customer(uow, clock)
    sub = (await subscribe(CustomerId(customer), "team-monthly", quantity=2, trial_days=0,
                           uow=uow, clock=clock, config=CONFIG)).subscription  # fmt: skip
    async with uow:
        assert await payment_failed_in(uow, sub.id, now=clock.now(), config=CONFIG)
        await uow.commit()
    assert (await uow.subscriptions.get(sub.id)).status.value == "past_due"  # type: ignore[union-attr]
    assert (await _rows(uow, customer))["seats"] == ("quantity", 2, True)
    async with uow:
        assert await mark_unpaid_in(uow, sub.id, now=clock.now(), config=CONFIG)
        await uow.commit()
    assert (await _rows(uow, customer))["seats"] == ("quantity", 2, False)


async def test_a_renewal_that_changes_nothing_entitling_reads_and_emits_nothing(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer = await _customer(uow, clock)
    sub = (await subscribe(CustomerId(customer), "team-monthly", quantity=2, trial_days=0,
                           uow=uow, clock=clock, config=CONFIG)).subscription  # fmt: skip
    before = await customer_entitlements(CustomerId(customer), uow=uow)
    clock.advance(days=31)
    await advance_subscription(sub.id, uow=uow, clock=clock, config=CONFIG)
    assert (await uow.subscriptions.get(sub.id)).period_start > sub.period_start  # type: ignore[union-attr]
    assert await customer_entitlements(CustomerId(customer), uow=uow) == before
    assert len(_events(uow)) == 1


async def test_the_limit_counts_only_subscriptions_that_give_access(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer = await _customer(uow, clock)
    ctx = {"uow": uow, "clock": clock, "config": CONFIG}
    old = (await subscribe(CustomerId(customer), "team-monthly", quantity=5, trial_days=0,
                           **ctx)).subscription  # type: ignore[arg-type]  # fmt: skip
    await cancel_subscription(old.id, timing=Timing.IMMEDIATE, **ctx)  # type: ignore[arg-type]
    assert (await _rows(uow, customer))["seats"] == ("quantity", 5, False)  # what was lost
    new = (await subscribe(CustomerId(customer), "team-monthly", quantity=2, trial_days=0,
                           **ctx)).subscription  # type: ignore[arg-type]  # fmt: skip
    rows = await customer_entitlements(CustomerId(customer), uow=uow)
    seats = next(r for r in rows if r.feature_key == "seats")
    assert (seats.limit, seats.has_access, seats.subscriptions) == (2, True, (new.id,))


async def test_an_unknown_customer_is_not_found_and_one_without_subscriptions_has_none(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer = await _customer(uow, clock)
    assert await customer_entitlements(CustomerId(customer), uow=uow) == []
    with pytest.raises(NotFound) as caught:
        await customer_entitlements(CustomerId("no-such-customer"), uow=uow)
    assert caught.value.code == "customer.not_found"


async def test_grant_changes_reach_subscribers_in_the_same_transaction_audited(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(MAR1)
    customer = await _customer(uow, clock)
    await subscribe(CustomerId(customer), "starter-monthly", trial_days=0, uow=uow, clock=clock,
                    config=CONFIG)  # fmt: skip
    commits = uow.commits
    feature = await create_feature(BILL, "analytics.export", " CSV  export ", uow=uow, clock=clock)
    assert (feature.key, feature.name) == ("analytics.export", "CSV export")
    assert await grant_feature(BILL, "starter-monthly", "analytics.export", "quantity", "5",
                               uow=uow, clock=clock) == 1  # fmt: skip
    assert uow.commits == commits + 2  # one transaction each
    assert (await _rows(uow, customer))["analytics.export"] == ("quantity", 5, True)
    assert _events(uow)[-1]["customer_id"] == customer
    # the same grant again changes nothing and records nothing
    assert await grant_feature(BILL, "starter-monthly", "analytics.export", "quantity", "5",
                               uow=uow, clock=clock) == 0  # fmt: skip
    assert await rename_feature(BILL, "analytics.export", "Exports", uow=uow, clock=clock)
    rows = await customer_entitlements(CustomerId(customer), uow=uow)
    assert next(r for r in rows if r.feature_key == "analytics.export").feature_name == "Exports"
    assert await remove_grant(BILL, "starter-monthly", "analytics.export", uow=uow,
                              clock=clock) == 1  # fmt: skip
    assert "analytics.export" not in await _rows(uow, customer)
    actions = [e.action for e in uow.audit.entries]
    assert actions == ["feature.created", "plan.feature_granted", "feature.updated",
                       "plan.feature_removed"]  # fmt: skip
    page = await features_page(BILL, uow=uow)
    assert "analytics.export" in [r.feature.key for r in page]


async def test_bad_feature_input_is_refused_and_writes_nothing(uow: InMemoryUnitOfWork) -> None:
    clock = FrozenClock(MAR1)
    for key in ("", "Upper", "-lead", "has space", "x" * 65, "émoji"):
        with pytest.raises(ValidationFailed) as caught:
            await create_feature(BILL, key, "A name", uow=uow, clock=clock)
        assert "key" in caught.value.field_errors
    with pytest.raises(ValidationFailed) as caught:
        await create_feature(BILL, "projects", "Again", uow=uow, clock=clock)
    assert caught.value.field_errors == {
        "key": "A feature with this key exists; keys never change."
    }
    with pytest.raises(ValidationFailed) as caught:  # a flat plan has no seats to count
        await grant_feature(BILL, "starter-monthly", "seats", "per_seat", "", uow=uow, clock=clock)
    assert "limit_kind" in caught.value.field_errors
    for value in ("", "-1", "1.5", "ten", "1000000001"):
        with pytest.raises(ValidationFailed) as caught:
            await grant_feature(BILL, "starter-monthly", "seats", "quantity", value, uow=uow,
                                clock=clock)  # fmt: skip
        assert "limit_value" in caught.value.field_errors
    with pytest.raises(ValidationFailed):
        await grant_feature(BILL, "starter-monthly", "no-such", "access", "", uow=uow, clock=clock)
    with pytest.raises(NotFound):
        await grant_feature(BILL, "no-such-plan", "seats", "access", "", uow=uow, clock=clock)
    with pytest.raises(PermissionDenied):
        await create_feature(SUPPORT, "ok", "OK", uow=uow, clock=clock)
    assert uow.audit.entries == []


async def test_a_rebuild_equals_the_live_rows_and_repairs_drift(uow: InMemoryUnitOfWork) -> None:
    clock = FrozenClock(MAR1)
    ctx = {"uow": uow, "clock": clock, "config": CONFIG}
    a = await _customer(uow, clock, "a@example.test")
    b = await _customer(uow, clock, "b@example.test")
    sub_a = (await subscribe(CustomerId(a), "team-monthly", quantity=4, trial_days=0,
                             addons=(("priority-support", 1),), **ctx)).subscription  # type: ignore[arg-type]  # fmt: skip
    await subscribe(CustomerId(b), "scale-monthly", trial_days=0, **ctx)  # type: ignore[arg-type]
    await pause_subscription(sub_a.id, **ctx)  # type: ignore[arg-type]
    live = {c: list(uow.entitlements.rows[c]) for c in (a, b)}
    assert await rebuild_entitlements(new_uow=lambda: uow, now=clock.now(), check=True) == []
    # drift: a row lost, another changed behind the read model's back
    uow.entitlements.rows[a] = [replace(r, limit=99) for r in uow.entitlements.rows[a]]
    del uow.entitlements.rows[b]
    assert sorted(await rebuild_entitlements(new_uow=lambda: uow, now=clock.now(),
                                             check=True)) == sorted([a, b])  # fmt: skip
    assert sorted(await rebuild_entitlements(new_uow=lambda: uow, now=clock.now())) == sorted(
        [a, b]
    )
    assert {c: [r.same_terms(x) for r, x in zip(uow.entitlements.rows[c], live[c], strict=True)]
            for c in (a, b)} == {a: [True] * len(live[a]), b: [True] * len(live[b])}  # fmt: skip
    assert _table(live[a])["seats"] == (LimitKind.QUANTITY.value, 4, False)
