"""In-memory coupons and promotion codes, with the database's rules (unique ids and codes,
counts refused past their maximum)."""

from __future__ import annotations

from dataclasses import replace

from domain.promotions.model import PromotionCode, StoredCoupon
from domain.shared.errors import Conflict


class InMemoryCouponRepository:
    def __init__(self) -> None:
        self.rows: dict[str, StoredCoupon] = {}

    async def add(self, coupon: StoredCoupon) -> None:
        if coupon.id in self.rows:
            raise Conflict(f"A coupon {coupon.id} exists.", code="coupon.exists")
        self.rows[coupon.id] = coupon

    async def get(self, coupon_id: str, *, lock: bool = False) -> StoredCoupon | None:
        return self.rows.get(coupon_id)

    async def all(self) -> list[StoredCoupon]:
        dated = sorted(
            (c for c in self.rows.values() if c.created_at is not None),
            key=lambda c: c.created_at,  # type: ignore[arg-type, return-value]
            reverse=True,
        )
        return dated + sorted((c for c in self.rows.values() if c.created_at is None),
                              key=lambda c: c.id)  # fmt: skip

    async def count_redemption(self, coupon_id: str) -> bool:
        coupon = self.rows[coupon_id]
        if coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions:
            return False
        self.rows[coupon_id] = replace(coupon, times_redeemed=coupon.times_redeemed + 1)
        return True


class InMemoryPromotionCodeRepository:
    def __init__(self) -> None:
        self.rows: dict[str, PromotionCode] = {}  # by id

    async def add(self, code: PromotionCode) -> None:
        if any(c.code == code.code for c in self.rows.values()):
            raise Conflict(f"The code {code.code} exists.", code="promotion_code.exists")
        self.rows[code.id] = code

    async def get(self, code_id: str) -> PromotionCode | None:
        return self.rows.get(code_id)

    async def by_code(self, code: str, *, lock: bool = False) -> PromotionCode | None:
        return next((c for c in self.rows.values() if c.code == code), None)

    async def for_coupon(self, coupon_id: str) -> list[PromotionCode]:
        codes = [c for c in self.rows.values() if c.coupon_id == coupon_id]
        return sorted(codes, key=lambda c: (c.created_at is not None, c.created_at, c.code))

    async def page(
        self, *, coupon_id: str | None, after: str | None, limit: int
    ) -> list[PromotionCode]:
        codes = sorted(
            (c for c in self.rows.values()
             if (coupon_id is None or c.coupon_id == coupon_id) and (after is None or c.id > after)),
            key=lambda c: c.id,
        )  # fmt: skip
        return codes[:limit]

    async def deactivate(self, code_id: str) -> None:
        self.rows[code_id] = replace(self.rows[code_id], active=False)

    async def count_redemption(self, code_id: str) -> bool:
        code = self.rows[code_id]
        if not code.active or (
            code.max_redemptions is not None and code.times_redeemed >= code.max_redemptions
        ):
            return False
        self.rows[code_id] = replace(code, times_redeemed=code.times_redeemed + 1)
        return True
