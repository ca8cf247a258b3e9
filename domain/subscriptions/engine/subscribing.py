"""Subscribing: the first period (a trial, an anchored stub or a whole period) and its invoice."""

from __future__ import annotations

from datetime import datetime

from domain.catalog.model import Plan
from domain.pricing.coupons import AppliedCoupon, Coupon
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.periods import Interval, IntervalUnit, Period, boundary
from domain.subscriptions.engine.checks import check_addon, check_quantity, plan_price
from domain.subscriptions.engine.core import EngineState
from domain.subscriptions.engine.lines import (
    addon_lines,
    advance_lines,
    setup_fee_lines,
    stub_lines,
    trial_lines,
)
from domain.subscriptions.engine.states import BillingErrorCode, SubscriptionStatus
from domain.subscriptions.engine.values import AddOnItem


class Subscribing(EngineState):
    def subscribe(
        self,
        at: datetime,
        plan: Plan,
        *,
        quantity: int = 1,
        coupon: Coupon | None = None,
        trial_days: int | None = None,
        anchor: datetime | None = None,
        addons: tuple[tuple[Plan, int], ...] = (),
    ) -> None:
        if self.status is not None:
            raise InvalidTransition(
                "this customer is already subscribed", code=BillingErrorCode.ALREADY_SUBSCRIBED
            )
        check_quantity(quantity)
        plan_price(plan, self.currency)
        for addon, addon_quantity in addons:
            check_addon(plan, addon, addon_quantity, self.currency)
        days = plan.trial_days if trial_days is None else trial_days
        self.plan, self.quantity = plan, quantity
        self.addons = {addon.code: AddOnItem(addon, n) for addon, n in addons}
        if coupon is not None:
            self.coupon = AppliedCoupon(coupon, at)
        settings = self.settings
        tz = settings.tz
        if days > 0:
            trial_end = boundary(at, Interval(IntervalUnit.DAY, days), 1, tz)
            if anchor is not None:
                limit = boundary(trial_end, plan.interval, 1, tz)
                if not trial_end <= anchor < limit:
                    raise ValidationFailed(
                        {
                            "anchor": "with a trial the anchor must fall between the trial's end and one interval after it"
                        },
                        code=BillingErrorCode.BAD_ANCHOR,
                    )
                self.pending_anchor = anchor if anchor > trial_end else None
            self.status = SubscriptionStatus.TRIALING
            self.anchor = trial_end
            self.period = Period(at, trial_end)
            lines = trial_lines(settings, plan, quantity, self.addons.values(), self.period, days)
            self.period_invoice = self._issue(
                at, self.period, setup_fee_lines(settings, plan, self.period) + lines
            )
            return
        self.status = SubscriptionStatus.ACTIVE
        if anchor is not None and anchor != at:
            if not at < anchor < boundary(at, plan.interval, 1, tz):
                raise ValidationFailed(
                    {
                        "anchor": "the anchor must be after the start and before one interval after it"
                    },
                    code=BillingErrorCode.BAD_ANCHOR,
                )
            self.anchor = anchor
            self.period = Period(at, anchor)
            lines = stub_lines(settings, plan, quantity, self.addons.values(), at, anchor)
        else:
            self.anchor = at
            self.period = Period(at, self._next_end(at))
            lines = advance_lines(settings, plan, quantity, self.period)
            lines += addon_lines(settings, self.addons.values(), self.period)
        self.period_invoice = self._issue(
            at, self.period, setup_fee_lines(settings, plan, self.period) + lines
        )
