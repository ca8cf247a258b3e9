"""/admin/coupons: coupons with their terms and redemption counts, a coupon's promotion codes,
and the forms that create them and deactivate a code (domain/promotions/admin.py). Reading
needs catalog.read, changing catalog.manage; bad input re-renders the form with its messages
(422) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.promotions.admin import (
    coupon_list,
    coupon_page,
    create_coupon,
    create_promotion_code,
    deactivate_promotion_code,
)
from domain.promotions.terms import MAX_CODE_TYPED, MAX_NAME
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.money import Money
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
COUPON_FORM = FormSpec(
    Field("name", MAX_NAME), Field("kind", 10), Field("percent_off", 12),
    Field("amount_off-", 20, prefix=True), Field("duration", 10), Field("duration_in_months", 4),
    Field("plans", 64, many=True), Field("redeem_by", 10), Field("max_redemptions", 10),
)  # fmt: skip
CODE_FORM = FormSpec(
    Field("code", MAX_CODE_TYPED), Field("expires_at", 10), Field("max_redemptions", 10),
    Field("first_subscription_only", 3), Field("minimum-", 20, prefix=True),
)  # fmt: skip
READ = {"permission": Permission.CATALOG_READ}
MANAGE = {"permission": Permission.CATALOG_MANAGE}
ID_LENGTH = 64  # the coupon table's id column
DURATIONS = [("once", "Once: the first invoice"), ("repeating", "Repeating: for a number of months"),
             ("forever", "Forever: every invoice")]  # fmt: skip


def _check_id(value: str) -> None:
    """An id nothing could have is not found, and never sent to the database."""
    if text_problem(value, max_length=ID_LENGTH):
        raise NotFound("No such coupon.", code="coupon.not_found")


def _words(staff: SignedInStaff, clock: Clock, **extra: Any) -> dict[str, Any]:
    return admin_context(
        staff, as_money=Money.of_minor, now=clock.now(),
        can_manage=can(staff.role, Permission.CATALOG_MANAGE), durations=DURATIONS, **extra,
    )  # fmt: skip


async def _list_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, clock: Clock, *,
    form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    coupons, options = await coupon_list(staff, uow=uow)
    context = _words(
        staff, clock, coupons=coupons, options=options,
        form=form or {"kind": "percent", "duration": "once", "plans": []}, errors=errors or {},
    )  # fmt: skip
    return render(request, "admin/coupons.html", None, context, status_code=status_code)


async def _coupon_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, coupon_id: str, uow: UnitOfWork,
    clock: Clock, *,
    form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    _check_id(coupon_id)
    page = await coupon_page(staff, coupon_id, uow=uow)
    currencies = sorted(set(page.options.currencies) | set(page.coupon.amounts_off))
    context = _words(
        staff, clock, page=page, coupon=page.coupon, codes=page.codes, currencies=currencies,
        plan_names={p.code: p.name for p in page.options.plans},
        form=form or {}, errors=errors or {},
    )  # fmt: skip
    return render(request, "admin/coupon.html", None, context, status_code=status_code)


@get("/coupons", name="admin.coupons", opt=READ)
async def show_coupons(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    return await _list_page(request, staff, read_uow, clock)


@post("/coupons", name="admin.coupons.create", opt=MANAGE)
async def submit_new_coupon(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    form = COUPON_FORM.parse(data)
    plans = form.lists.get("plans", [])
    typed: dict[str, Any] = {**form.values, "plans": plans}
    if form.errors:
        return await _list_page(request, staff, new_uow(), clock, form=typed, errors=form.errors,
                                status_code=422)  # fmt: skip
    try:
        coupon = await create_coupon(staff, form.values, plans, uow=new_uow(), clock=clock)
    except ValidationFailed as exc:
        return await _list_page(request, staff, new_uow(), clock, form=typed,
                                errors=staff_errors(request, exc.field_errors or {"_": exc.message}), status_code=422)  # fmt: skip
    flash(request, tr(request, "Coupon %(name)s created. Add a promotion code customers can type.",
                      name=coupon.name), "success")  # fmt: skip
    return redirect_after_post(request, f"/admin/coupons/{coupon.id}")


@get("/coupons/{coupon_id:str}", name="admin.coupon", opt=READ)
async def show_coupon(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    coupon_id: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    return await _coupon_page(request, staff, coupon_id, read_uow, clock)


@post("/coupons/{coupon_id:str}/codes", name="admin.coupon.codes.create", opt=MANAGE)
async def submit_new_promotion_code(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    coupon_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    _check_id(coupon_id)
    form = CODE_FORM.parse(data)
    typed = dict(form.values)
    if form.errors:
        return await _coupon_page(request, staff, coupon_id, new_uow(), clock, form=typed,
                                  errors=form.errors, status_code=422)  # fmt: skip
    try:
        code = await create_promotion_code(
            staff, coupon_id, form.values, first_only=form.get("first_subscription_only") == "on",
            uow=new_uow(), clock=clock,
        )  # fmt: skip
    except ValidationFailed as exc:
        return await _coupon_page(request, staff, coupon_id, new_uow(), clock, form=typed,
                                  errors=staff_errors(request, exc.field_errors or {"_": exc.message}), status_code=422)  # fmt: skip
    flash(request, tr(request, "Promotion code %(code)s created: customers can use it now.",
                      code=code.code), "success")  # fmt: skip
    return redirect_after_post(request, f"/admin/coupons/{coupon_id}")


@post("/coupons/{coupon_id:str}/codes/{code_id:str}/deactivate",
      name="admin.coupon.codes.deactivate", opt=MANAGE)  # fmt: skip
async def submit_deactivate_promotion_code(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    coupon_id: FromPath[str],
    code_id: FromPath[str],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Redirect | Response[str]:
    _check_id(coupon_id)
    _check_id(code_id)
    code = await deactivate_promotion_code(staff, coupon_id, code_id, uow=new_uow(), clock=clock)
    flash(request, tr(request, "Promotion code %(code)s no longer works; subscriptions that have it "
                      "keep their discount.", code=code.code), "success")  # fmt: skip
    return redirect_after_post(request, f"/admin/coupons/{coupon_id}")
