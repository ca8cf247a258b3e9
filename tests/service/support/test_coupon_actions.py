"""Applying and removing a coupon as staff: the preview is the next invoice with and without it
(run by the engine), confirming applies it under its redemption rules with one audit entry, and
refusals (unknown, expired, used up, no coupon, another customer's) change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.pricing.coupons import CouponDuration
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.money import Money
from domain.staff.model import Role
from domain.support.actions.service import PreviewChanged, action_page, confirm_action
from tests.service.payments._shop import APR1, MAR1, Shop, Subscriber
from tests.service.support._desk import desk, entries, staff
from tests.support.promotions import add_promotion

pytestmark = pytest.mark.service

APPLY = "subscription.apply_coupon"
REMOVE = "subscription.remove_coupon"


async def _coupons(shop: Shop) -> None:
    await add_promotion(shop.uow, "TAKE25", CouponDuration.FOREVER, percent_off=Decimal(25))
    await add_promotion(shop.uow, "TENOFF", CouponDuration.ONCE, amounts_off={"USD": 1000})
    await add_promotion(
        shop.uow, "OLD", CouponDuration.ONCE, percent_off=Decimal(10), expires_at=MAR1
    )
    await add_promotion(
        shop.uow, "ONEUSE", CouponDuration.ONCE, percent_off=Decimal(5), max_redemptions=1
    )


async def _page(shop: Shop, code: str, sub: Subscriber, raw: dict[str, str],
                role: Role = Role.SUPPORT) -> Any:  # fmt: skip
    return await action_page(
        staff(role), code, customer_id=sub.customer_id, target_id=sub.subscription_id, raw=raw,
        svc=desk(shop),
    )  # fmt: skip


async def _confirm(
    shop: Shop, code: str, sub: Subscriber, page: Any, reason: str = "Goodwill"
) -> Any:
    return await confirm_action(
        staff(Role.SUPPORT), code, customer_id=sub.customer_id, target_id=sub.subscription_id,
        raw=dict(page.preview.terms), shown=page.agreement, reason=reason, svc=desk(shop),
    )  # fmt: skip


async def test_applying_a_coupon_previews_the_next_invoice_with_and_without_it(
    shop: Shop,
) -> None:
    await _coupons(shop)
    sub = await shop.subscriber(quantity=3)  # 36.00 a month
    shop.clock.set(MAR1 + timedelta(days=3))
    page = await _page(shop, APPLY, sub, {"coupon": " take25 "})
    assert page.errors == {}
    p = page.preview
    assert p.summary == "Apply TAKE25 to the subscription" and p.total is None
    assert [(line.label, line.amount.minor) for line in p.lines][-1] == ("Discount", -900)
    facts = {f.label.split(" (")[0] + f.label.split(")")[-1]: f.amount.minor for f in p.facts}
    assert list(facts.values()) == [3600, 2700, -900]  # without, with, difference
    assert "25% off, forever" in p.notes[0]

    await _confirm(shop, APPLY, sub, page)

    stored = await shop.subscription(sub.subscription_id)
    assert stored.coupon is not None and stored.coupon.coupon.code == "TAKE25"
    assert (await shop.uow.coupons.get("TAKE25")).times_redeemed == 1  # type: ignore[union-attr]
    (entry,) = await entries(shop, APPLY)
    assert entry.actor.email == "support@example.com" and entry.reason == "Goodwill"
    assert entry.before == {"coupon": None, "next_invoice": "36.00 USD"}
    assert entry.after == {"coupon": "TAKE25", "next_invoice": "27.00 USD"}
    renewal = await shop.renewal(sub, APR1)  # the portal's next invoice is the previewed one
    assert renewal.invoice.amount_due == 2700


async def test_removing_the_coupon_previews_the_invoice_after_removal(shop: Shop) -> None:
    await _coupons(shop)
    sub = await shop.subscriber(quantity=3)
    apply = await _page(shop, APPLY, sub, {"coupon": "TENOFF"})
    assert apply.preview.facts[1].amount == Money.of_minor(2600, "USD")
    await _confirm(shop, APPLY, sub, apply)

    page = await _page(shop, REMOVE, sub, {})
    assert page.errors == {}
    assert page.preview.summary == "Remove TENOFF from the subscription"
    assert [f.amount.minor for f in page.preview.facts] == [2600, 3600, 1000]
    await _confirm(shop, REMOVE, sub, page, reason="Applied by mistake")
    assert (await shop.subscription(sub.subscription_id)).coupon is None
    (entry,) = await entries(shop, REMOVE)
    assert entry.before["coupon"] == "TENOFF" and entry.after["coupon"] is None

    again = await _page(shop, REMOVE, sub, {})
    assert again.preview is None and "no coupon" in again.errors[""]


async def test_redemption_rules_are_field_messages_and_change_nothing(shop: Shop) -> None:
    await _coupons(shop)
    sub = await shop.subscriber()
    used = await shop.subscriber()
    first = await _page(shop, APPLY, used, {"coupon": "ONEUSE"})
    await _confirm(shop, APPLY, used, first)
    for code, message in (("NOPE", "not valid"), ("OLD", "expired"), ("ONEUSE", "used up"),
                          ("BAD\x00", "")):  # fmt: skip
        page = await _page(shop, APPLY, sub, {"coupon": code})
        assert page.preview is None and message in page.errors["coupon"], (code, page.errors)
    assert (await shop.subscription(sub.subscription_id)).coupon is None
    assert len(await entries(shop)) == 1


async def test_a_coupon_changed_meanwhile_refuses_the_stale_preview(shop: Shop) -> None:
    await _coupons(shop)
    sub = await shop.subscriber()
    page = await _page(shop, APPLY, sub, {"coupon": "TAKE25"})
    colleague = await _page(shop, APPLY, sub, {"coupon": "TENOFF"})
    await _confirm(shop, APPLY, sub, colleague)
    with pytest.raises(PreviewChanged) as stale:
        await _confirm(shop, APPLY, sub, page)
    assert "TENOFF" in " ".join(stale.value.page.preview.notes)
    stored = await shop.subscription(sub.subscription_id)
    assert stored.coupon is not None and stored.coupon.coupon.code == "TENOFF"
    assert (await shop.uow.coupons.get("TAKE25")).times_redeemed == 0  # type: ignore[union-attr]
    assert len(await entries(shop, APPLY)) == 1


async def test_who_may_and_whose_subscription(shop: Shop) -> None:
    await _coupons(shop)
    sub = await shop.subscriber()
    other = await shop.subscriber()
    with pytest.raises(PermissionDenied):
        await _page(shop, APPLY, sub, {"coupon": "TAKE25"}, role=Role.VIEWER)
    with pytest.raises(NotFound):
        await action_page(
            staff(Role.SUPPORT), APPLY, customer_id=other.customer_id,
            target_id=sub.subscription_id, raw={"coupon": "TAKE25"}, svc=desk(shop),
        )  # fmt: skip
