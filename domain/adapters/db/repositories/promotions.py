"""Coupons and promotion codes on Piccolo.

``lock=True`` takes the row lock (``SELECT ... FOR UPDATE``) on PostgreSQL; SQLite's write
transactions start ``BEGIN IMMEDIATE``, which serialises writers anyway. Counting a redemption
is one conditional ``UPDATE`` that refuses past the maximum, so a count never overshoots even
without the lock. Every write raises the promotions' version after its row
(``promotions_version.py``): the pages' promotion caches read codes again at the next request.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from domain.adapters.db.repositories.billing import _load
from domain.adapters.db.repositories.promotions_version import bump_promotions_version
from domain.adapters.db.tables import CouponTable, PromotionCodeTable
from domain.adapters.db.unique import conflict_on_duplicate
from domain.pricing.coupons import CouponDuration
from domain.promotions.model import PromotionCode, StoredCoupon
from domain.shared.errors import Conflict


def _locked(query: Any, table: Any) -> Any:
    if table._meta.db.engine_type in ("postgres", "cockroach"):
        return query.lock_rows()
    return query


def _to_coupon(row: dict[str, Any]) -> StoredCoupon:
    return StoredCoupon(
        id=row["id"],
        name=row["name"],
        duration=CouponDuration(row["duration"]),
        percent_off=Decimal(row["percent_off"]) if row["percent_off"] is not None else None,
        amounts_off={k: int(v) for k, v in (_load(row["amounts_off"]) or {}).items()},
        duration_in_months=row["duration_in_months"],
        plan_codes=frozenset(_load(row["plan_codes"]) or ()),
        redeem_by=row["redeem_by"],
        max_redemptions=row["max_redemptions"],
        times_redeemed=int(row["times_redeemed"]),
        created_at=row["created_at"],
    )


def _to_code(row: dict[str, Any]) -> PromotionCode:
    return PromotionCode(
        id=row["id"],
        code=row["code"],
        coupon_id=row["coupon"],
        active=bool(row["active"]),
        expires_at=row["expires_at"],
        max_redemptions=row["max_redemptions"],
        first_subscription_only=bool(row["first_subscription_only"]),
        minimum_amounts={k: int(v) for k, v in (_load(row["minimum_amounts"]) or {}).items()},
        times_redeemed=int(row["times_redeemed"]),
        created_at=row["created_at"],
    )


class PiccoloCouponRepository:
    async def add(self, coupon: StoredCoupon) -> None:
        exists = Conflict(f"A coupon {coupon.id} exists.", code="coupon.exists")
        if await CouponTable.exists().where(CouponTable.id == coupon.id):
            raise exists
        async with conflict_on_duplicate(exists.message, code=exists.code):
            await CouponTable.insert(
                CouponTable(
                    id=coupon.id,
                    name=coupon.name,
                    duration=coupon.duration.value,
                    percent_off=str(coupon.percent_off) if coupon.percent_off is not None else None,
                    amounts_off=json.dumps(coupon.amounts_off),
                    duration_in_months=coupon.duration_in_months,
                    plan_codes=json.dumps(sorted(coupon.plan_codes)),
                    redeem_by=coupon.redeem_by,
                    max_redemptions=coupon.max_redemptions,
                    times_redeemed=coupon.times_redeemed,
                    created_at=coupon.created_at,
                )
            )
        await bump_promotions_version()

    async def get(self, coupon_id: str, *, lock: bool = False) -> StoredCoupon | None:
        query = CouponTable.select().where(CouponTable.id == coupon_id)
        rows = await (_locked(query, CouponTable) if lock else query)
        return _to_coupon(rows[0]) if rows else None

    async def all(self) -> list[StoredCoupon]:
        rows = await CouponTable.select().order_by(CouponTable.created_at, ascending=False)
        coupons = [_to_coupon(r) for r in rows]
        # migrated coupons have no creation time: after the dated ones, by id
        dated = [c for c in coupons if c.created_at is not None]
        return dated + sorted((c for c in coupons if c.created_at is None), key=lambda c: c.id)

    async def count_redemption(self, coupon_id: str) -> bool:
        t = CouponTable
        rows = await (
            t.update({t.times_redeemed: t.times_redeemed + 1})
            .where(
                (t.id == coupon_id)
                & (t.max_redemptions.is_null() | (t.times_redeemed < t.max_redemptions))
            )
            .returning(t.id)
        )
        if rows:
            await bump_promotions_version()
        return bool(rows)


class PiccoloPromotionCodeRepository:
    async def add(self, code: PromotionCode) -> None:
        exists = Conflict(f"The code {code.code} exists.", code="promotion_code.exists")
        if await PromotionCodeTable.exists().where(PromotionCodeTable.code == code.code):
            raise exists
        async with conflict_on_duplicate(exists.message, code=exists.code):
            await PromotionCodeTable.insert(
                PromotionCodeTable(
                    id=code.id,
                    code=code.code,
                    coupon=code.coupon_id,
                    active=code.active,
                    expires_at=code.expires_at,
                    max_redemptions=code.max_redemptions,
                    first_subscription_only=code.first_subscription_only,
                    minimum_amounts=json.dumps(code.minimum_amounts),
                    times_redeemed=code.times_redeemed,
                    created_at=code.created_at,
                )
            )
        await bump_promotions_version()

    async def get(self, code_id: str) -> PromotionCode | None:
        rows = await PromotionCodeTable.select().where(PromotionCodeTable.id == code_id)
        return _to_code(rows[0]) if rows else None

    async def by_code(self, code: str, *, lock: bool = False) -> PromotionCode | None:
        query = PromotionCodeTable.select().where(PromotionCodeTable.code == code)
        rows = await (_locked(query, PromotionCodeTable) if lock else query)
        return _to_code(rows[0]) if rows else None

    async def for_coupon(self, coupon_id: str) -> list[PromotionCode]:
        rows = await (
            PromotionCodeTable.select()
            .where(PromotionCodeTable.coupon == coupon_id)
            .order_by(PromotionCodeTable.created_at, PromotionCodeTable.code)
        )
        return [_to_code(r) for r in rows]

    async def page(
        self, *, coupon_id: str | None, after: str | None, limit: int
    ) -> list[PromotionCode]:
        t = PromotionCodeTable
        query = t.select().order_by(t.id).limit(limit)
        if coupon_id is not None:
            query = query.where(t.coupon == coupon_id)
        if after is not None:
            query = query.where(t.id > after)
        return [_to_code(r) for r in await query]

    async def deactivate(self, code_id: str) -> None:
        await PromotionCodeTable.update({PromotionCodeTable.active: False}).where(
            PromotionCodeTable.id == code_id
        )
        await bump_promotions_version()

    async def count_redemption(self, code_id: str) -> bool:
        t = PromotionCodeTable
        rows = await (
            t.update({t.times_redeemed: t.times_redeemed + 1})
            .where(
                (t.id == code_id)
                & t.active.eq(True)
                & (t.max_redemptions.is_null() | (t.times_redeemed < t.max_redemptions))
            )
            .returning(t.id)
        )
        if rows:
            await bump_promotions_version()
        return bool(rows)
