"""Changes to a running subscription: plan and quantity (now, prorated, or at the period's
end), add-ons, coupons, and the usage it records."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from domain.billing.model import InvoiceLine
from domain.catalog.model import Plan
from domain.pricing.coupons import AppliedCoupon, Coupon
from domain.pricing.proration import ProrationUnit
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.periods import Period
from domain.subscriptions.engine.checks import (
    check_addon,
    check_quantity,
    plan_price,
    require_live,
    require_settled,
)
from domain.subscriptions.engine.core import EngineState
from domain.subscriptions.engine.lines import advance_lines, prorated_lines
from domain.subscriptions.engine.states import (
    BILLING,
    BillingErrorCode,
    ProrationBehavior,
    SubscriptionStatus,
    Timing,
)
from domain.subscriptions.engine.usage import usage_lines
from domain.subscriptions.engine.values import AddOnItem, UsageEvent


class Changes(EngineState):
    def change(
        self,
        at: datetime,
        *,
        plan: Plan | None = None,
        quantity: int | None = None,
        timing: Timing = Timing.IMMEDIATE,
        proration: ProrationBehavior = ProrationBehavior.NEXT_INVOICE,
        effective_from: datetime | None = None,
    ) -> None:
        """Change the plan and/or quantity, now (prorated) or at the end of the period.

        A period-end change with ``effective_from`` waits for the first renewal at or after that
        instant (moving grandfathered subscriptions to a new plan version on a date)."""
        require_settled(self.status)
        assert self.plan is not None and self.period is not None
        settings = self.settings
        new_plan = plan or self.plan
        new_quantity = self.quantity if quantity is None else quantity
        check_quantity(new_quantity)
        plan_price(new_plan, self.currency)
        for item in self.addons.values():
            check_addon(new_plan, item.plan, item.quantity, self.currency)
        if timing is Timing.PERIOD_END:
            self.scheduled = (new_plan, new_quantity)
            self.scheduled_from = effective_from
            return
        if plan is None and self.scheduled is not None:
            # a quantity change now keeps a plan change waiting for the period's end, at the new
            # quantity (the later decision); an immediate plan change replaces it
            self.scheduled = (self.scheduled[0], new_quantity)
        else:
            self.scheduled = None
            self.scheduled_from = None
        old_plan, old_quantity = self.plan, self.quantity
        if self.status is SubscriptionStatus.TRIALING:
            self.plan, self.quantity = new_plan, new_quantity
            return
        prorate = (
            proration is not ProrationBehavior.NONE and settings.proration is not ProrationUnit.NONE
        )
        remaining = Period(at, self.period.end) if at < self.period.end else None
        share = self._share_left(at) if prorate and remaining else None
        if new_plan.interval != old_plan.interval:
            lines: list[InvoiceLine] = []
            if share is not None and remaining is not None:
                lines += prorated_lines(
                    settings, old_plan, old_quantity, remaining, share, credit=True
                )
            used_from = self._usage_start()
            lines += (
                usage_lines(settings, self.usage, old_plan, Period(used_from, at))
                if at > used_from
                else []
            )
            lines += self._take_pending()
            self.plan, self.quantity = new_plan, new_quantity
            self.anchor = at
            self.period = Period(at, self._next_end(at))
            lines += advance_lines(settings, new_plan, new_quantity, self.period)
            self.period_invoice = self._issue(at, self.period, lines)
            return
        used_from = self._usage_start()
        if new_plan != old_plan and at > used_from:
            # the old plan's usage so far is its own: billed at its prices with the period's
            # usage (next renewal, or the final invoice), not repriced by the new plan
            self.pending.extend(usage_lines(settings, self.usage, old_plan, Period(used_from, at)))
        self.plan, self.quantity = new_plan, new_quantity
        if share is None or remaining is None:
            return
        lines = prorated_lines(settings, old_plan, old_quantity, remaining, share, credit=True)
        lines += prorated_lines(settings, new_plan, new_quantity, remaining, share, credit=False)
        if proration is ProrationBehavior.INVOICE_NOW:
            self._issue(at, remaining, self._take_pending(usage=False) + lines)
        else:
            self.pending.extend(lines)

    def cancel_scheduled_change(self, at: datetime) -> None:
        require_live(self.status)
        if self.scheduled is None:
            raise InvalidTransition(
                "there is no scheduled change to cancel",
                code=BillingErrorCode.NO_SCHEDULED_CHANGE,
            )
        self.scheduled = None
        self.scheduled_from = None

    def set_addon(
        self,
        at: datetime,
        addon: Plan,
        quantity: int,
        *,
        proration: ProrationBehavior = ProrationBehavior.NEXT_INVOICE,
    ) -> None:
        """Attach an add-on, change its quantity, or remove it (``quantity`` 0), prorated like a
        quantity change of the base plan: a credit for the unused part of the old quantity and a
        charge for the rest of the period at the new one."""
        require_settled(self.status)
        assert self.plan is not None and self.period is not None
        settings = self.settings
        old = self.addons.get(addon.code)
        if quantity == 0:
            if old is None:
                raise ValidationFailed(
                    {"addon": f"{addon.name} is not on this subscription"},
                    code=BillingErrorCode.ADDON,
                )
        else:
            check_addon(self.plan, addon, quantity, self.currency)
        new = AddOnItem(addon, quantity) if quantity else None
        if new is None:
            del self.addons[addon.code]
        else:
            self.addons[addon.code] = new
        if self.status is SubscriptionStatus.TRIALING or self.status is SubscriptionStatus.PAUSED:
            return
        prorate = (
            proration is not ProrationBehavior.NONE
            and settings.proration is not ProrationUnit.NONE
            and at < self.period.end
        )
        if not prorate:
            return
        remaining = Period(at, self.period.end)
        share = self._share_left(at)
        lines: list[InvoiceLine] = []
        if old is not None:
            lines += prorated_lines(settings, old.plan, old.quantity, remaining, share, credit=True)
        if new is not None:
            lines += prorated_lines(
                settings, new.plan, new.quantity, remaining, share, credit=False
            )
        if proration is ProrationBehavior.INVOICE_NOW:
            self._issue(at, remaining, self._take_pending(usage=False) + lines)
        else:
            self.pending.extend(lines)

    def record_usage(self, at: datetime, meter: str, value: Fraction, key: str | None) -> None:
        require_live(self.status)
        if self.status in BILLING:  # usage in a trial, a pause or before payment is not billed
            self.usage.append(UsageEvent(at, meter, value, key))

    def apply_coupon(self, at: datetime, coupon: Coupon) -> None:
        require_settled(self.status)
        self.coupon = AppliedCoupon(coupon, at)

    def remove_coupon(self, at: datetime) -> None:
        """End the coupon's discounts now, including any unused fixed-amount remainder."""
        require_live(self.status)
        if self.coupon is None and not self.carry:
            raise InvalidTransition(
                "there is no coupon on this subscription", code=BillingErrorCode.NO_COUPON
            )
        self.coupon = None
        self.carry = 0
