"""The storage the promotions need: coupons and their promotion codes."""

from __future__ import annotations

from typing import Protocol

from domain.promotions.model import PromotionCode, StoredCoupon


class CouponRepository(Protocol):
    async def add(self, coupon: StoredCoupon) -> None:
        """``Conflict`` (``coupon.exists``) when the id is taken."""
        ...

    async def get(self, coupon_id: str, *, lock: bool = False) -> StoredCoupon | None: ...

    async def all(self) -> list[StoredCoupon]:
        """Newest first."""
        ...

    async def count_redemption(self, coupon_id: str) -> bool:
        """Add one redemption unless the coupon's maximum is reached (False, nothing counted)."""
        ...


class PromotionCodeRepository(Protocol):
    async def add(self, code: PromotionCode) -> None:
        """``Conflict`` (``promotion_code.exists``) when the code is taken."""
        ...

    async def get(self, code_id: str) -> PromotionCode | None: ...

    async def by_code(self, code: str, *, lock: bool = False) -> PromotionCode | None: ...

    async def for_coupon(self, coupon_id: str) -> list[PromotionCode]:
        """Oldest first."""
        ...

    async def page(
        self, *, coupon_id: str | None, after: str | None, limit: int
    ) -> list[PromotionCode]:
        """At most ``limit`` codes with an id after ``after``, by id (``coupon_id``: only its)."""
        ...

    async def deactivate(self, code_id: str) -> None: ...

    async def count_redemption(self, code_id: str) -> bool:
        """Add one redemption unless the code's maximum is reached (False, nothing counted)."""
        ...


class PromotionsUnit(Protocol):
    @property
    def coupons(self) -> CouponRepository: ...

    @property
    def promotion_codes(self) -> PromotionCodeRepository: ...
