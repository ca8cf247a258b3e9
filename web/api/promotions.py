"""/api/v1/coupons and /api/v1/promotion-codes: read only (staff make them in the admin).
Coupons newest first, promotion codes by id (``?coupon=`` for one coupon's), a page at a time;
one by id. Each handler calls one use case (domain/promotions/listing.py)."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter, SkipValidation

from domain.promotions.listing import (
    get_coupon,
    get_promotion_code,
    list_coupons,
    list_promotion_codes,
)
from domain.unit_of_work import UnitOfWork
from web.api.docs import read_op
from web.api.shapes_catalog import (
    CouponList,
    CouponOut,
    PromotionCodeList,
    PromotionCodeOut,
    coupon_out,
    promotion_code_out,
)

TAG = "Coupons"
Limit = Annotated[int, Parameter(ge=1, le=100, description="Items a page (1 to 100)")]
After = Annotated[str | None, Parameter(max_length=64, description="The next_cursor of the "
                                        "previous page")]  # fmt: skip
CouponParam = Annotated[str | None, Parameter(min_length=1, max_length=64,
                                              description="Only this coupon's codes")]  # fmt: skip


@get("/coupons", name="api.coupons.list", **read_op(TAG, "List coupons (newest first)"))
async def list_coupons_api(
    read_uow: NamedDependency[SkipValidation[UnitOfWork]],
    limit: Limit = 10,
    starting_after: After = None,
) -> CouponList:
    page = await list_coupons(after=starting_after, limit=limit, uow=read_uow)
    return CouponList([coupon_out(c) for c in page.items], page.has_more, page.next_cursor)


@get("/coupons/{coupon_id:str}", name="api.coupons.get", **read_op(TAG, "Get a coupon"))
async def get_coupon_api(
    coupon_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> CouponOut:
    return coupon_out(await get_coupon(coupon_id, uow=read_uow))


@get("/promotion-codes", name="api.promotion_codes.list",
     **read_op(TAG, "List promotion codes (by id)"))  # fmt: skip
async def list_promotion_codes_api(
    read_uow: NamedDependency[SkipValidation[UnitOfWork]], limit: Limit = 10, starting_after: After = None,
    coupon: CouponParam = None,
) -> PromotionCodeList:  # fmt: skip
    page = await list_promotion_codes(after=starting_after, limit=limit, coupon_id=coupon,
                                      uow=read_uow)  # fmt: skip
    return PromotionCodeList([promotion_code_out(c) for c in page.items], page.has_more,
                             page.next_cursor)  # fmt: skip


@get("/promotion-codes/{promotion_code_id:str}", name="api.promotion_codes.get",
     **read_op(TAG, "Get a promotion code"))  # fmt: skip
async def get_promotion_code_api(
    promotion_code_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> PromotionCodeOut:
    return promotion_code_out(await get_promotion_code(promotion_code_id, uow=read_uow))
