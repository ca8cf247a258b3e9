"""Coupons and promotion codes as the API reads them (``/api/v1/coupons``,
``/api/v1/promotion-codes``), a page at a time; one by id. Coupons are few (staff make them):
a page is cut from the whole list, newest first. Promotion codes may be many (one per
customer): a page is read after the cursor, by id, optionally of one coupon."""

from __future__ import annotations

from typing import Protocol

from domain.promotions.model import PromotionCode, StoredCoupon
from domain.promotions.ports import PromotionsUnit
from domain.shared.errors import NotFound
from domain.shared.paging import MAX_LIMIT, Page, page_after, page_of_rows
from domain.shared.transaction import Transaction


class PromotionsReadUnit(PromotionsUnit, Transaction, Protocol):
    """The coupons and codes, read in one transaction."""


async def list_coupons(
    *, after: str | None, limit: int, uow: PromotionsReadUnit
) -> Page[StoredCoupon]:
    async with uow:
        coupons = await uow.coupons.all()
    return page_after(coupons, id_of=lambda c: c.id, after=after, limit=limit, what="a coupon")


async def get_coupon(coupon_id: str, *, uow: PromotionsReadUnit) -> StoredCoupon:
    async with uow:
        coupon = await uow.coupons.get(coupon_id)
    if coupon is None:
        raise NotFound("No such coupon.", code="coupon.not_found")
    return coupon


async def list_promotion_codes(
    *, after: str | None, limit: int, coupon_id: str | None = None, uow: PromotionsReadUnit
) -> Page[PromotionCode]:
    """Promotion codes by id (``coupon_id``: that coupon's only; ``coupon.not_found`` when it
    does not exist, so a mistyped id is not an empty list)."""
    limit = min(max(1, limit), MAX_LIMIT)
    async with uow:
        if coupon_id is not None and await uow.coupons.get(coupon_id) is None:
            raise NotFound("No such coupon.", code="coupon.not_found")
        rows = await uow.promotion_codes.page(coupon_id=coupon_id, after=after, limit=limit + 1)
    return page_of_rows(rows, id_of=lambda c: c.id, limit=limit)


async def get_promotion_code(code_id: str, *, uow: PromotionsReadUnit) -> PromotionCode:
    async with uow:
        code = await uow.promotion_codes.get(code_id)
    if code is None:
        raise NotFound("No such promotion code.", code="promotion_code.not_found")
    return code
