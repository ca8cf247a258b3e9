"""/admin/catalog: every plan code with its subscribers; one plan and its versions; create a
plan; edit what a plan shows; publish a new price version, previewed first
(domain/catalog_admin/service.py). Reads need ``catalog.read``, changes ``catalog.manage``.
Bad input re-renders the form with the messages (422) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.catalog.drafts import RESERVED_CODES, code_problem, price_inputs_of
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.features import LIMIT_KIND_LABELS
from domain.catalog.model import Plan
from domain.catalog_admin.service import (
    base_plan_codes,
    catalog_overview,
    create_plan,
    plan_page,
    preview_version,
    publish_version,
    update_plan_details,
)
from domain.catalog_admin.views import interval_text
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.unit_of_work import UnitOfWork
from web.admin.catalog_form import (
    AGGREGATION_OPTIONS,
    DETAILS_FORM,
    MODEL_OPTIONS,
    PLAN_FORM,
    VERSION_FORM,
    details_from,
    echo,
    flatten,
    layout,
    plan_from,
    price_values,
    prices_from,
)
from web.admin.form_words import staff_errors, staff_text
from web.admin.pages import admin_context
from web.display import tr
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": Permission.CATALOG_READ}
MANAGE = {"permission": Permission.CATALOG_MANAGE}
NEW_PLAN_DEFAULTS = {"interval_unit": "month", "interval_count": "1", "kind": "base",
                     "trial_days": "0", "sort_order": "0", "is_public": "on",
                     "price-0-currency": "USD", "price-0-charge-0-model": "flat"}  # fmt: skip


def check_plan_code(code: str) -> None:
    """A code no plan could have is not found, and never sent to the database."""
    if code in RESERVED_CODES or code_problem(code):
        raise NotFound("There is no such plan.", code=CatalogErrorCode.PLAN_NOT_FOUND)


def _form_context(staff: SignedInStaff, **extra: Any) -> dict[str, Any]:
    return admin_context(staff, model_options=MODEL_OPTIONS,
                         aggregation_options=AGGREGATION_OPTIONS, **extra)  # fmt: skip


@get("/catalog", name="admin.catalog", opt=READ)
async def show_catalog(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    rows = await catalog_overview(staff, uow=read_uow)
    context = admin_context(staff, rows=rows, interval_text=interval_text,
                            can_manage=can(staff.role, Permission.CATALOG_MANAGE))  # fmt: skip
    return render(request, "admin/catalog.html", None, context)


async def _new_plan_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
    form: dict[str, Any], add: str = "", errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    bases = await base_plan_codes(staff, uow=uow)
    context = _form_context(
        staff,
        form=form,
        errors=errors or {},
        rows=layout(form, add),
        base_options=[(p.code, f"{p.name} ({p.code}, {interval_text(p)})") for p in bases],
    )
    return render(request, "admin/catalog_new_plan.html", None, context, status_code=status_code)


@get("/catalog/plans/new", name="admin.catalog.new_plan", opt=MANAGE)
async def show_new_plan(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _new_plan_page(request, staff, read_uow, form=dict(NEW_PLAN_DEFAULTS))


@post("/catalog/plans", name="admin.catalog.create_plan", opt=MANAGE)
async def submit_new_plan(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    form = PLAN_FORM.parse(data)
    shown, add = echo(form), form.get("add")
    if add or form.errors:  # a row was asked for, or a field is not even text: show it again
        status = 422 if form.errors else 200
        return await _new_plan_page(request, staff, new_uow(), form=shown, add=add,
                                    errors=form.errors, status_code=status)  # fmt: skip
    try:
        plan = await create_plan(staff, plan_from(form, layout(shown)), uow=new_uow(), clock=clock)
    except ValidationFailed as exc:
        errors = staff_errors(request, {"_": exc.message, **exc.field_errors})
        return await _new_plan_page(request, staff, new_uow(), form=shown, errors=errors,
                                    status_code=422)  # fmt: skip
    flash(request, tr(request, "%(name)s (%(code)s) is in the catalog.", name=plan.name,
                      code=plan.code), "success")  # fmt: skip
    return redirect_after_post(request, f"/admin/catalog/plans/{plan.code}")


async def plan_page_response(
    request: Request[Any, Any, Any], staff: SignedInStaff, code: str, uow: UnitOfWork, *,
    form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    grant_form: dict[str, str] | None = None, grant_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    """The plan page, with the details form and the grant form (web/admin/catalog_features.py)
    as typed and their messages when a post was refused."""
    check_plan_code(code)
    page = await plan_page(staff, code, uow=uow)
    current = page.current
    context = admin_context(
        staff, page=page, plan=current, interval_text=interval_text,
        can_manage=can(staff.role, Permission.CATALOG_MANAGE),
        form=form or _details_values(current), errors=errors or {},
        grant_form=grant_form or {"limit_kind": "access"}, grant_errors=grant_errors or {},
        limit_kinds=[(k.value, label) for k, label in LIMIT_KIND_LABELS.items()],
    )  # fmt: skip
    return render(request, "admin/catalog_plan.html", None, context, status_code=status_code)


def _details_values(plan: Plan) -> dict[str, Any]:
    d = plan.details
    return {"name": d.name, "description": d.description, "features": "\n".join(d.features),
            "is_public": "on" if d.is_public else "", "sort_order": str(d.sort_order),
            "highlighted": "on" if d.highlighted else "", "family": d.family}  # fmt: skip


@get("/catalog/plans/{code:str}", name="admin.catalog.plan", opt=READ)
async def show_catalog_plan(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await plan_page_response(request, staff, code, read_uow)


@post("/catalog/plans/{code:str}/details", name="admin.catalog.details", opt=MANAGE)
async def submit_plan_details(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    check_plan_code(code)
    form = DETAILS_FORM.parse(data)
    if form.errors:
        return await plan_page_response(request, staff, code, new_uow(), form=echo(form),
                                errors=form.errors, status_code=422)  # fmt: skip
    try:
        changed = await update_plan_details(staff, code, details_from(form), uow=new_uow(),
                                            clock=clock)  # fmt: skip
    except ValidationFailed as exc:
        return await plan_page_response(request, staff, code, new_uow(), form=echo(form),
                                errors=staff_errors(request, exc.field_errors), status_code=422)  # fmt: skip
    if changed:
        fields = ", ".join(f.replace("_", " ") for f in changed)
        flash(request, tr(request, "Saved on every version: %(fields)s.", fields=fields), "success")
    else:
        flash(request, tr(request, "Nothing changed."), "info")
    return redirect_after_post(request, f"/admin/catalog/plans/{code}")


async def _version_form(
    request: Request[Any, Any, Any], staff: SignedInStaff, code: str, uow: UnitOfWork, *,
    form: dict[str, Any] | None = None, add: str = "", errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    check_plan_code(code)
    page = await plan_page(staff, code, uow=uow)
    current = page.current
    if form is None:  # start from the current version's terms
        form = {**flatten(price_inputs_of(current.prices)), "trial_days": str(current.trial_days)}
    context = _form_context(
        staff, page=page, plan=current, interval_text=interval_text, form=form,
        errors=errors or {}, rows=layout(form, add, blocks=len(current.prices) + 1),
    )  # fmt: skip
    return render(request, "admin/catalog_new_version.html", None, context,
                  status_code=status_code)  # fmt: skip


@get("/catalog/plans/{code:str}/versions/new", name="admin.catalog.new_version", opt=MANAGE)
async def show_new_version(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _version_form(request, staff, code, read_uow)


@post("/catalog/plans/{code:str}/versions", name="admin.catalog.publish", opt=MANAGE)
async def submit_new_version(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    """The form posts here: "Add ..." shows it again with a row more, "Review changes" shows
    the preview, whose "Publish" posts again with ``confirm=yes`` ("Edit" goes back)."""
    check_plan_code(code)
    form = VERSION_FORM.parse(data)
    values = {**price_values(form), "trial_days": form.get("trial_days")}
    add = form.get("add")
    if add or form.errors or form.get("edit"):
        status = 422 if form.errors else 200
        return await _version_form(request, staff, code, new_uow(), form=values, add=add,
                                   errors=form.errors, status_code=status)  # fmt: skip
    prices = prices_from(values, layout(values))
    trial = form.get("trial_days", "0")
    try:
        if form.get("confirm") != "yes":
            preview = await preview_version(staff, code, prices, trial, uow=new_uow())
            context = admin_context(staff, preview=preview, plan=preview.current,
                                    hidden=sorted(values.items()))  # fmt: skip
            return render(request, "admin/catalog_version_preview.html", None, context)
        new = await publish_version(staff, code, prices, trial, uow=new_uow(), clock=clock)
    except ValidationFailed as exc:
        errors = staff_errors(request, {"_": exc.message, **exc.field_errors})
        return await _version_form(request, staff, code, new_uow(), form=values, errors=errors,
                                   status_code=422)  # fmt: skip
    except Conflict as exc:  # another publisher won the race for this version number
        return await _version_form(request, staff, code, new_uow(), form=values,
                                   errors={"_": staff_text(request, exc.message)}, status_code=409)  # fmt: skip
    flash(request, tr(request, "Version %(version)s of %(name)s is current; subscribers of earlier "
                      "versions keep their prices.", version=new.version, name=new.name),
          "success")  # fmt: skip
    return redirect_after_post(request, f"/admin/catalog/plans/{code}")
