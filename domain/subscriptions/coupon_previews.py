"""What applying or removing a coupon does to a subscription's next invoice, before doing it:
the coupon checked against its redemption rules (nothing counted) and the next invoice as
things stand and after the change, both run by the engine on copies (``previews.preview_in``;
nothing is written). ``lifecycle.apply_coupon_in`` / ``remove_coupon_in`` then do it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.model import Invoice
from domain.pricing.coupons import Coupon
from domain.promotions.model import Promotion
from domain.promotions.redemption import check_minimum
from domain.shared.errors import InvalidTransition
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions._engine_store import load_customer, load_subscription, redeemable_coupon
from domain.subscriptions.engine import SubscriptionEngine
from domain.subscriptions.model import Subscription
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.previews import Step, preview_in

HORIZON_MONTHS = 13  # far enough to reach the next renewal of an annual plan


@dataclass(frozen=True, slots=True)
class CouponPreview:
    """``current``: the coupon on the subscription now (its terms), ``coupon``: the one being
    applied (None when removing); the next invoice without the change and with it."""

    subscription: Subscription
    current: Coupon | None
    coupon: Promotion | None
    before: Invoice | None
    after: Invoice | None


def _noop(engine: SubscriptionEngine, at: datetime) -> None:
    return None


async def _next_invoice(
    uow: SubscriptionsUnit,
    sub: Subscription,
    step: Step,
    *,
    now: datetime,
    config: BillingConfig,
) -> Invoice | None:
    preview = await preview_in(uow, sub, step, now=now, config=config, months=HORIZON_MONTHS)
    return preview.upcoming[0] if preview.upcoming else None


async def apply_coupon_preview_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    coupon_code: str,
    *,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
    lock: bool = False,
) -> CouponPreview:
    """The next invoice with and without coupon ``coupon_code`` (``ValidationFailed`` on the
    ``coupon`` field when its rules refuse it, ``InvalidTransition`` when the subscription
    cannot take one)."""
    sub = await load_subscription(uow, subscription_id, as_customer, lock=lock)
    customer = await load_customer(uow, sub.customer_id)
    plan = await uow.plans.get(sub.plan_id)
    assert plan is not None
    coupon = await redeemable_coupon(
        uow, coupon_code, customer, plan, now, subscription_id=sub.id, lock=lock
    )
    check_minimum(coupon, currency=sub.currency, order_minor=None)
    terms = coupon.terms_in(sub.currency)
    before = await _next_invoice(uow, sub, _noop, now=now, config=config)
    after = await _next_invoice(
        uow, sub, lambda e, at: e.apply_coupon(at, terms), now=now, config=config
    )
    current = sub.coupon.coupon if sub.coupon else None
    return CouponPreview(sub, current, coupon, before, after)


async def remove_coupon_preview_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    *,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
    lock: bool = False,
) -> CouponPreview:
    """The next invoice as things stand and once the coupon (and any unused fixed-amount
    remainder) is removed; ``InvalidTransition`` when there is none."""
    sub = await load_subscription(uow, subscription_id, as_customer, lock=lock)
    if sub.coupon is None and not sub.carry_minor:
        raise InvalidTransition(
            "This subscription has no coupon to remove.", code="billing.no_coupon"
        )
    before = await _next_invoice(uow, sub, _noop, now=now, config=config)
    after = await _next_invoice(uow, sub, lambda e, at: e.remove_coupon(at), now=now, config=config)
    current = sub.coupon.coupon if sub.coupon else None
    return CouponPreview(sub, current, None, before, after)
