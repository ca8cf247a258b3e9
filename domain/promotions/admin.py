"""The admin's coupons: listing them with their terms and counts, creating a coupon, creating
and deactivating its promotion codes. Reading needs ``catalog.read``; every change needs
``catalog.manage`` and is audited in its own transaction (``coupon.created``,
``promotion_code.created``, ``promotion_code.deactivated``). A coupon's terms never change once
created (subscriptions keep the terms they were applied with anyway); a code is deactivated,
never deleted, so its count stays."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from domain.audit.model import Actor, new_entry
from domain.audit.ports import AuditUnit
from domain.audit.service import record
from domain.catalog.model import Plan
from domain.catalog.ports import CatalogUnit
from domain.pricing.coupons import CouponDuration
from domain.promotions.model import PromotionCode, StoredCoupon
from domain.promotions.ports import PromotionsUnit
from domain.promotions.terms import code_limits, coupon_terms, generated_code
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import new_id
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require


class CouponsUnit(PromotionsUnit, CatalogUnit, AuditUnit, Protocol):
    """The admin's coupon pages: coupons and codes, the catalog's plans, the audit log."""


@dataclass(frozen=True, slots=True)
class PlanOption:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class CouponForm:
    """What the create forms offer: the current base plans and the currencies they sell in."""

    plans: tuple[PlanOption, ...]
    currencies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CouponPage:
    coupon: StoredCoupon
    codes: tuple[PromotionCode, ...]
    options: CouponForm


def discount_words(coupon: StoredCoupon) -> str:
    """``20% off`` / ``10.00 USD or 9.00 EUR off``."""
    if coupon.percent_off is not None:
        return f"{coupon.percent_off.normalize():f}% off"
    amounts = " or ".join(str(Money.of_minor(m, c)) for c, m in sorted(coupon.amounts_off.items()))
    return f"{amounts} off"


def duration_words(coupon: StoredCoupon) -> str:
    match coupon.duration:
        case CouponDuration.ONCE:
            return "once"
        case CouponDuration.FOREVER:
            return "forever"
    months = coupon.duration_in_months or 0
    return f"for {months} month{'' if months == 1 else 's'}"


async def _options(uow: CouponsUnit) -> CouponForm:
    plans: list[Plan] = await uow.plans.list_public()
    currencies = sorted({c.code for p in plans for c in p.currencies})
    return CouponForm(tuple(PlanOption(p.code, p.name) for p in plans), tuple(currencies))


async def coupon_list(
    actor: SignedInStaff, *, uow: CouponsUnit
) -> tuple[list[StoredCoupon], CouponForm]:
    """Every coupon, newest first, with what the create form offers."""
    require(actor, Permission.CATALOG_READ)
    async with uow:
        return await uow.coupons.all(), await _options(uow)


async def coupon_page(actor: SignedInStaff, coupon_id: str, *, uow: CouponsUnit) -> CouponPage:
    require(actor, Permission.CATALOG_READ)
    async with uow:
        coupon = await uow.coupons.get(coupon_id)
        if coupon is None:
            raise NotFound("No such coupon.", code="coupon.not_found")
        codes = await uow.promotion_codes.for_coupon(coupon.id)
        return CouponPage(coupon, tuple(codes), await _options(uow))


def _actor(staff: SignedInStaff) -> Actor:
    return Actor(staff.staff_id, staff.email)


async def create_coupon(
    actor: SignedInStaff,
    typed: Mapping[str, str],
    plans: list[str],
    *,
    uow: CouponsUnit,
    clock: Clock,
) -> StoredCoupon:
    """A new coupon from the form (``ValidationFailed`` with every field's problem; nothing is
    written then). Its id is generated; customers never see it (they type a promotion code)."""
    require(actor, Permission.CATALOG_MANAGE)
    now = clock.now()
    async with uow:
        options = await _options(uow)
        terms = coupon_terms(
            typed, plans, plan_codes=frozenset(p.code for p in options.plans),
            currencies=options.currencies, now=now,
        )  # fmt: skip
        coupon = StoredCoupon(
            id=new_id(),
            name=terms.name,
            duration=terms.duration,
            percent_off=terms.percent_off,
            amounts_off=terms.amounts_off,
            duration_in_months=terms.duration_in_months,
            plan_codes=terms.plan_codes,
            redeem_by=terms.redeem_by,
            max_redemptions=terms.max_redemptions,
            created_at=now,
        )
        await uow.coupons.add(coupon)
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="coupon.created", object_type="coupon",
            object_id=coupon.id, after=_coupon_facts(coupon),
        ))  # fmt: skip
        await uow.commit()
    return coupon


def _coupon_facts(c: StoredCoupon) -> dict[str, Any]:
    return {
        "name": c.name,
        "percent_off": str(c.percent_off) if c.percent_off is not None else None,
        "amounts_off": dict(sorted(c.amounts_off.items())),
        "duration": c.duration.value,
        "duration_in_months": c.duration_in_months,
        "plan_codes": sorted(c.plan_codes),
        "redeem_by": c.redeem_by.isoformat() if c.redeem_by else None,
        "max_redemptions": c.max_redemptions,
    }


async def create_promotion_code(
    actor: SignedInStaff,
    coupon_id: str,
    typed: Mapping[str, str],
    *,
    first_only: bool,
    uow: CouponsUnit,
    clock: Clock,
) -> PromotionCode:
    """A new promotion code for the coupon: the code typed (uppercase letters and digits,
    unique among all codes) or a generated one, with its limits."""
    require(actor, Permission.CATALOG_MANAGE)
    now = clock.now()
    async with uow:
        coupon = await uow.coupons.get(coupon_id)
        if coupon is None:
            raise NotFound("No such coupon.", code="coupon.not_found")
        options = await _options(uow)
        currencies = tuple(sorted(set(options.currencies) | set(coupon.amounts_off)))
        limits = code_limits(typed, first_only=first_only, currencies=currencies, now=now)
        code = limits.code
        if not code:
            for _ in range(5):  # a clash among 32^8 codes is rare; give up rather than loop
                code = generated_code()
                if await uow.promotion_codes.by_code(code) is None:
                    break
        promo = PromotionCode(
            id=new_id(),
            code=code,
            coupon_id=coupon.id,
            expires_at=limits.expires_at,
            max_redemptions=limits.max_redemptions,
            first_subscription_only=limits.first_subscription_only,
            minimum_amounts=limits.minimum_amounts,
            created_at=now,
        )
        try:
            await uow.promotion_codes.add(promo)
        except Conflict as exc:
            raise ValidationFailed(
                {"code": f"The code {code} is taken: choose another."}, code=exc.code
            ) from exc
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="promotion_code.created",
            object_type="promotion_code", object_id=promo.id,
            after={
                "code": promo.code, "coupon": coupon.id,
                "expires_at": promo.expires_at.isoformat() if promo.expires_at else None,
                "max_redemptions": promo.max_redemptions,
                "first_subscription_only": promo.first_subscription_only,
                "minimum_amounts": dict(sorted(promo.minimum_amounts.items())),
            },
        ))  # fmt: skip
        await uow.commit()
    return promo


async def deactivate_promotion_code(
    actor: SignedInStaff, coupon_id: str, code_id: str, *, uow: CouponsUnit, clock: Clock
) -> PromotionCode:
    """Stop a code from being redeemed (subscriptions that have it keep their discount).
    Deactivating an inactive code changes nothing and records nothing."""
    require(actor, Permission.CATALOG_MANAGE)
    now = clock.now()
    async with uow:
        promo = await uow.promotion_codes.get(code_id)
        if promo is None or promo.coupon_id != coupon_id:
            raise NotFound("No such promotion code.", code="promotion_code.not_found")
        if not promo.active:
            return promo
        await uow.promotion_codes.deactivate(promo.id)
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="promotion_code.deactivated",
            object_type="promotion_code", object_id=promo.id,
            before={"code": promo.code, "active": True}, after={"code": promo.code, "active": False},
        ))  # fmt: skip
        await uow.commit()
    return promo
