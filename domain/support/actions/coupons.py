"""Apply a coupon to a subscription (by its code, under the coupon's redemption rules) or remove
the one it has. The preview is the subscription's next invoice without and with the change, both
run by the engine (``subscriptions/coupon_previews.py``); confirming applies or removes it in the
same transaction as the audit entry (``lifecycle.apply_coupon_in`` / ``remove_coupon_in``: one
coupon per subscription, a new one replaces the old, the redemption is counted). No money moves
now: the next invoice is what changes."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from domain.billing.model import Invoice
from domain.pricing.coupons import Coupon, CouponDuration
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.subscriptions.coupon_previews import (
    CouponPreview,
    apply_coupon_preview_in,
    remove_coupon_preview_in,
)
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.lifecycle import apply_coupon_in, remove_coupon_in
from domain.support.actions.base import (
    ActionField,
    ActionPreview,
    ActionServices,
    Executed,
    FieldKind,
    MoneyLine,
    StaffAction,
    TargetKind,
)
from domain.support.actions.inputs import text_field
from domain.support.actions.invoice_lines import amount_due, invoice_lines
from domain.support.ports import ActionsUnit

MAX_CODE = 64
# a coupon is applied once the first payment is made, on a subscription still billing
WITH_COUPONS = frozenset(
    s.value
    for s in (
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
    )
)


def coupon_words(coupon: Coupon, currency: str) -> str:
    """ "WELCOME20: 20% off, for 3 months" """
    if coupon.percent_off is not None:
        off = f"{coupon.percent_off.normalize():f}% off"
    else:
        off = f"{Money.of_minor(coupon.amount_off_minor or 0, currency)} off"
    match coupon.duration:
        case CouponDuration.ONCE:
            how_long = "once"
        case CouponDuration.FOREVER:
            how_long = "forever"
        case _:
            months = coupon.duration_in_months or 0
            how_long = f"for {months} month{'s' if months != 1 else ''}"
    return f"{coupon.code}: {off}, {how_long}"


def _day(invoice: Invoice, tz: str) -> str:
    local = invoice.issued_at.astimezone(ZoneInfo(tz))
    return f"{local:%b} {local.day}, {local.year}"


def _compared(p: CouponPreview, change: str) -> tuple[list[MoneyLine], list[MoneyLine], str]:
    """The next invoice after the change as lines, the invoice as things stand as facts, and
    the effect in words."""
    sub = p.subscription
    if p.after is None:
        return [], [], "No invoice is due within the next year."
    when = _day(p.after, sub.timezone)
    lines = invoice_lines(p.after, prefix="")
    facts = []
    if p.before is not None:
        facts.append(MoneyLine(f"Next invoice ({when}) without this change", amount_due(p.before)))
    facts.append(MoneyLine(f"Next invoice ({when}) {change}", amount_due(p.after)))
    if p.before is not None:
        diff = amount_due(p.after) - amount_due(p.before)
        facts.append(MoneyLine("Difference", diff))
    return lines, facts, f"Nothing is charged now. The next invoice, on {when}, is shown above."


class ApplyCoupon(StaffAction):
    code = "subscription.apply_coupon"
    title = "Apply coupon"
    verb = "Apply coupon"
    target = TargetKind.SUBSCRIPTION
    when = WITH_COUPONS
    fields = (
        ActionField("coupon", "Coupon code", FieldKind.TEXT, max_length=MAX_CODE,
                    help="A promotion code (for example WELCOME20); its limits and its "
                         "coupon's apply: active, expiry, redemptions, plans, first "
                         "subscription only; a code with a minimum order is for new orders."),
    )  # fmt: skip

    async def preview(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        customer_id: str,
        target_id: str,
        raw: Mapping[str, str],
        lock: bool,
    ) -> ActionPreview:
        code = text_field(raw, "coupon", max_length=MAX_CODE, required=True).upper()
        p = await apply_coupon_preview_in(
            uow, SubscriptionId(target_id), code, now=svc.clock.now(), config=svc.config,
            as_customer=CustomerId(customer_id), lock=lock,
        )  # fmt: skip
        assert p.coupon is not None
        cur = p.subscription.currency
        terms = p.coupon.terms_in(cur)
        lines, facts, effect = _compared(p, "with the coupon")
        notes = [f"The coupon is {coupon_words(terms, cur)}."]
        if p.current is not None:
            notes.append(f"It replaces {coupon_words(p.current, cur)} (one coupon per "
                         "subscription).")  # fmt: skip
        notes.append("The customer sees it on their subscription in the portal and on the "
                     "invoices it discounts.")  # fmt: skip
        return ActionPreview(
            summary=f"Apply {terms.code} to the subscription",
            # the coupon it replaces pins the preview: a colleague's coupon meanwhile refuses it
            terms={"coupon": terms.code, "replaces": p.current.code if p.current else ""},
            lines=tuple(lines),
            effect=effect,
            notes=tuple(notes),
            facts=tuple(facts),
            before={"coupon": p.current.code if p.current else None,
                    "next_invoice": str(amount_due(p.before)) if p.before else None},
            after={"coupon": terms.code,
                   "next_invoice": str(amount_due(p.after)) if p.after else None},
        )  # fmt: skip

    async def execute(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        actor: SignedInStaff,
        customer_id: str,
        target_id: str,
        preview: ActionPreview,
        reason: str,
    ) -> Executed:
        code = preview.terms["coupon"]
        await apply_coupon_in(
            uow, SubscriptionId(target_id), code, now=svc.clock.now(), config=svc.config,
            as_customer=CustomerId(customer_id),
        )  # fmt: skip
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=said("Coupon %(coupon)s applied to the subscription.", coupon=code),
        )


class RemoveCoupon(StaffAction):
    code = "subscription.remove_coupon"
    title = "Remove coupon"
    verb = "Remove coupon"
    target = TargetKind.SUBSCRIPTION
    when = WITH_COUPONS

    async def preview(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        customer_id: str,
        target_id: str,
        raw: Mapping[str, str],
        lock: bool,
    ) -> ActionPreview:
        p = await remove_coupon_preview_in(
            uow, SubscriptionId(target_id), now=svc.clock.now(), config=svc.config,
            as_customer=CustomerId(customer_id), lock=lock,
        )  # fmt: skip
        cur = p.subscription.currency
        lines, facts, effect = _compared(p, "after removal")
        name = coupon_words(p.current, cur) if p.current else "the coupon's unused remainder"
        notes = [f"Removes {name} from now on; invoices already issued keep their discount."]
        if p.subscription.carry_minor:
            notes.append(f"The unused fixed-amount remainder "
                         f"({Money.of_minor(p.subscription.carry_minor, cur)}) is dropped too.")  # fmt: skip
        return ActionPreview(
            summary=f"Remove {p.current.code if p.current else 'the coupon'} from the subscription",
            terms={"coupon": p.current.code if p.current else ""},
            lines=tuple(lines),
            effect=effect,
            notes=tuple(notes),
            facts=tuple(facts),
            before={"coupon": p.current.code if p.current else None,
                    "next_invoice": str(amount_due(p.before)) if p.before else None},
            after={"coupon": None,
                   "next_invoice": str(amount_due(p.after)) if p.after else None},
        )  # fmt: skip

    async def execute(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        actor: SignedInStaff,
        customer_id: str,
        target_id: str,
        preview: ActionPreview,
        reason: str,
    ) -> Executed:
        await remove_coupon_in(
            uow, SubscriptionId(target_id), now=svc.clock.now(), config=svc.config,
            as_customer=CustomerId(customer_id),
        )  # fmt: skip
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=(
                said("Removed %(coupon)s from the subscription.", coupon=preview.terms["coupon"])
                if preview.terms.get("coupon")
                else said("Removed the coupon from the subscription.")
            ),
        )
