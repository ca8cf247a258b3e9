"""The JSON shapes of /api/v1's catalog and promotions (plan versions with their prices per
currency and charges; coupons; promotion codes) and the functions that fill them. Amounts owed
are ``MoneyOut`` (integer minor units); unit prices may be a fraction of a minor unit (0.05 cents
per call), so they are exact decimal strings, never floats."""

from __future__ import annotations

from decimal import Decimal

from msgspec import Struct

from domain.catalog.model import Plan, PlanKind, PlanPrice
from domain.pricing.coupons import CouponDuration
from domain.pricing.model import Aggregation, Charge, ChargeModel
from domain.promotions.model import PromotionCode, StoredCoupon
from domain.shared.money import Currency, UnitPrice
from domain.shared.periods import IntervalUnit
from web.api.shapes import MoneyOut, instant, money


def _exact(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0.0") else text


# -- plans ----------------------------------------------------------------------------------------
class UnitAmountOut(Struct):
    amount_minor: str  # exact decimal of minor units: "0.05"
    currency: str
    amount: str  # exact decimal of major units: "0.0005"


class TierOut(Struct):
    up_to: str | None  # inclusive; null: and above
    unit_amount: UnitAmountOut
    flat_amount: MoneyOut


class MeterOut(Struct):
    name: str
    aggregation: Aggregation


class ChargeOut(Struct):
    model: ChargeModel
    amount: MoneyOut | None  # flat: the fee; package: the price of one package
    unit_amount: UnitAmountOut | None  # per_unit
    tiers: list[TierOut]  # graduated, volume
    package_size: int | None  # package
    free_units: int
    unit_label: str
    meter: MeterOut | None  # a usage charge: billed in arrears from this meter


class PriceOut(Struct):
    currency: str
    setup_fee: MoneyOut
    charges: list[ChargeOut]


class PlanVersionOut(Struct):
    id: str
    code: str
    version: int
    kind: PlanKind
    name: str
    description: str
    interval: IntervalUnit
    interval_count: int
    trial_days: int
    features: list[str]
    is_public: bool
    current: bool
    retired_at: str | None
    attaches_to: list[str]
    prices: list[PriceOut]  # by currency code


class PlanVersionList(Struct):
    data: list[PlanVersionOut]
    has_more: bool
    next_cursor: str | None


def unit_amount(minor: Decimal, currency: Currency) -> UnitAmountOut:
    return UnitAmountOut(_exact(minor), currency.code, _exact(UnitPrice(minor, currency).major))


def _charge_out(price: PlanPrice, c: Charge) -> ChargeOut:
    code = price.currency.code
    amount = (
        money(c.amount_minor, code) if c.model in (ChargeModel.FLAT, ChargeModel.PACKAGE) else None
    )
    per_unit = (
        unit_amount(c.unit_minor, price.currency) if c.model is ChargeModel.PER_UNIT else None
    )
    tiers = [
        TierOut(None if t.up_to is None else _exact(t.up_to), unit_amount(t.unit_minor, price.currency),
                money(t.flat_minor, code))
        for t in c.tiers
    ]  # fmt: skip
    meter = MeterOut(c.meter.name, c.meter.aggregation) if c.meter else None
    return ChargeOut(
        model=c.model, amount=amount, unit_amount=per_unit, tiers=tiers,
        package_size=c.package_size if c.model is ChargeModel.PACKAGE else None,
        free_units=c.free_units, unit_label=c.unit_label, meter=meter,
    )  # fmt: skip


def plan_version_out(p: Plan) -> PlanVersionOut:
    return PlanVersionOut(
        id=str(p.id), code=p.code, version=p.version, kind=p.kind, name=p.name,
        description=p.description, interval=p.interval.unit,
        interval_count=p.interval.count, trial_days=p.trial_days, features=list(p.features),
        is_public=p.is_public, current=p.is_current, retired_at=instant(p.retired_at),
        attaches_to=list(p.attaches_to),
        prices=[PriceOut(pr.currency.code, money(pr.setup_fee_minor, pr.currency.code),
                         [_charge_out(pr, c) for c in pr.charges])
                for pr in sorted(p.prices, key=lambda pr: pr.currency.code)],
    )  # fmt: skip


# -- coupons and promotion codes ------------------------------------------------------------------
class CouponOut(Struct):
    id: str
    name: str
    duration: CouponDuration
    duration_in_months: int | None  # repeating
    percent_off: str | None  # exact decimal: "12.5"
    amounts_off: list[MoneyOut]  # an amount off per currency (when not a percentage)
    plan_codes: list[str]  # empty: every plan
    redeem_by: str | None
    max_redemptions: int | None
    times_redeemed: int
    created_at: str | None


class CouponList(Struct):
    data: list[CouponOut]
    has_more: bool
    next_cursor: str | None


class PromotionCodeOut(Struct):
    id: str
    code: str
    coupon_id: str
    active: bool
    expires_at: str | None
    max_redemptions: int | None
    first_subscription_only: bool
    minimum_amounts: list[MoneyOut]  # the smallest order per currency; none: no minimum
    times_redeemed: int
    created_at: str | None


class PromotionCodeList(Struct):
    data: list[PromotionCodeOut]
    has_more: bool
    next_cursor: str | None


def coupon_out(c: StoredCoupon) -> CouponOut:
    return CouponOut(
        id=c.id, name=c.name, duration=c.duration,
        duration_in_months=c.duration_in_months,
        percent_off=None if c.percent_off is None else _exact(c.percent_off),
        amounts_off=[money(m, cur) for cur, m in sorted(c.amounts_off.items())],
        plan_codes=sorted(c.plan_codes), redeem_by=instant(c.redeem_by),
        max_redemptions=c.max_redemptions, times_redeemed=c.times_redeemed,
        created_at=instant(c.created_at),
    )  # fmt: skip


def promotion_code_out(c: PromotionCode) -> PromotionCodeOut:
    return PromotionCodeOut(
        id=c.id, code=c.code, coupon_id=c.coupon_id, active=c.active,
        expires_at=instant(c.expires_at), max_redemptions=c.max_redemptions,
        first_subscription_only=c.first_subscription_only,
        minimum_amounts=[money(m, cur) for cur, m in sorted(c.minimum_amounts.items())],
        times_redeemed=c.times_redeemed, created_at=instant(c.created_at),
    )  # fmt: skip
