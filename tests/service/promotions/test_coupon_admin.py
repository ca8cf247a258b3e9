"""The admin's coupon use cases: creating coupons and promotion codes from typed input (every
problem at once, nothing written), permissions, and the audit entries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.catalog.service import load_demo_catalog
from domain.pricing.coupons import CouponDuration
from domain.promotions.admin import (
    coupon_list,
    coupon_page,
    create_coupon,
    create_promotion_code,
    deactivate_promotion_code,
)
from domain.promotions.terms import CODE_ALPHABET
from domain.shared.clock import FrozenClock
from domain.shared.errors import NotFound, PermissionDenied, ValidationFailed
from domain.staff.model import Role, SignedInStaff
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _staff(role: Role = Role.BILLING) -> SignedInStaff:
    return SignedInStaff(staff_id=f"s-{role.value}", email=f"{role.value}@example.com",
                         name=role.value, role=role, session_id="s")  # fmt: skip


@pytest.fixture
async def uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    return uow


async def test_a_coupon_is_created_with_exact_terms_and_audited(uow: InMemoryUnitOfWork) -> None:
    clock = FrozenClock(NOW)
    typed = {"name": " Spring ", "kind": "amount", "amount_off-USD": "10.00",
             "amount_off-EUR": "9.5", "duration": "repeating", "duration_in_months": "3",
             "redeem_by": "2026-12-31", "max_redemptions": "50"}  # fmt: skip
    coupon = await create_coupon(_staff(), typed, ["team-annual"], uow=uow, clock=clock)
    assert (coupon.name, coupon.amounts_off, coupon.percent_off) == (
        "Spring", {"USD": 1000, "EUR": 950}, None,
    )  # fmt: skip
    assert (coupon.duration, coupon.duration_in_months, coupon.max_redemptions) == (
        CouponDuration.REPEATING, 3, 50,
    )  # fmt: skip
    assert coupon.redeem_by == datetime(2027, 1, 1, tzinfo=UTC)  # the end of the day named
    assert coupon.plan_codes == frozenset({"team-annual"})
    (entry,) = uow.audit.entries
    assert (entry.action, entry.object_id, entry.actor.email) == (
        "coupon.created", coupon.id, "billing@example.com",
    )  # fmt: skip
    assert entry.after["amounts_off"] == {"EUR": 950, "USD": 1000}
    percent = await create_coupon(_staff(Role.OWNER), {"name": "Half-ish", "kind": "percent",
                                  "percent_off": "12.50", "duration": "forever"}, [], uow=uow,
                                  clock=clock)  # fmt: skip
    assert percent.percent_off == Decimal("12.5") and percent.plan_codes == frozenset()
    listed, options = await coupon_list(_staff(Role.VIEWER), uow=uow)
    assert {c.id for c in listed} == {coupon.id, percent.id}
    assert "team-annual" in {p.code for p in options.plans} and "USD" in options.currencies


async def test_bad_coupon_input_names_every_problem_and_writes_nothing(
    uow: InMemoryUnitOfWork,
) -> None:
    typed = {"name": "", "kind": "percent", "percent_off": "0.001", "duration": "repeating",
             "redeem_by": "31/12/2026", "max_redemptions": "0"}  # fmt: skip
    with pytest.raises(ValidationFailed) as bad:
        await create_coupon(_staff(), typed, ["no-such-plan"], uow=uow, clock=FrozenClock(NOW))
    assert set(bad.value.field_errors) == {
        "name", "percent_off", "duration_in_months", "plans", "redeem_by", "max_redemptions",
    }  # fmt: skip
    with pytest.raises(ValidationFailed) as no_amount:
        await create_coupon(_staff(), {"name": "X", "kind": "amount", "duration": "once"}, [],
                            uow=uow, clock=FrozenClock(NOW))  # fmt: skip
    assert set(no_amount.value.field_errors) == {"amount_off"}
    assert uow.coupons.rows == {} and uow.audit.entries == []


async def test_support_and_viewers_cannot_create(uow: InMemoryUnitOfWork) -> None:
    for role in (Role.SUPPORT, Role.VIEWER):
        with pytest.raises(PermissionDenied):
            await create_coupon(_staff(role), {"name": "X"}, [], uow=uow, clock=FrozenClock(NOW))


async def test_codes_are_typed_or_generated_unique_and_deactivated_once(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FrozenClock(NOW)
    coupon = await create_coupon(_staff(), {"name": "Ten", "kind": "percent", "percent_off": "10",
                                 "duration": "once"}, [], uow=uow, clock=clock)  # fmt: skip
    typed = await create_promotion_code(
        _staff(), coupon.id, {"code": " launch10 ", "expires_at": "2027-01-31",
                              "max_redemptions": "5", "minimum-USD": "50"},
        first_only=True, uow=uow, clock=clock,
    )  # fmt: skip
    assert (typed.code, typed.max_redemptions, typed.minimum_amounts) == (
        "LAUNCH10", 5, {"USD": 5000},
    )  # fmt: skip
    assert typed.first_subscription_only and typed.expires_at == datetime(2027, 2, 1, tzinfo=UTC)
    made = await create_promotion_code(_staff(), coupon.id, {}, first_only=False, uow=uow,
                                       clock=clock)  # fmt: skip
    assert len(made.code) == 8 and set(made.code) <= set(CODE_ALPHABET)
    with pytest.raises(ValidationFailed) as taken:
        await create_promotion_code(_staff(), coupon.id, {"code": "LAUNCH10"}, first_only=False,
                                    uow=uow, clock=clock)  # fmt: skip
    assert taken.value.field_errors == {"code": "The code LAUNCH10 is taken: choose another."}
    with pytest.raises(ValidationFailed) as bad:
        await create_promotion_code(_staff(), coupon.id, {"code": "ab", "expires_at": "2026-12-06",
                                    "minimum-USD": "-1"}, first_only=False, uow=uow,
                                    clock=clock)  # fmt: skip
    assert set(bad.value.field_errors) == {"code", "expires_at", "minimum-USD"}

    await deactivate_promotion_code(_staff(), coupon.id, typed.id, uow=uow, clock=clock)
    await deactivate_promotion_code(_staff(), coupon.id, typed.id, uow=uow, clock=clock)
    page = await coupon_page(_staff(Role.VIEWER), coupon.id, uow=uow)
    assert [(c.code, c.active) for c in page.codes if c.id == typed.id] == [("LAUNCH10", False)]
    actions = [e.action for e in uow.audit.entries]
    assert actions == ["coupon.created", "promotion_code.created", "promotion_code.created",
                       "promotion_code.deactivated"]  # fmt: skip
    with pytest.raises(NotFound):
        await deactivate_promotion_code(_staff(), "other", typed.id, uow=uow, clock=clock)
