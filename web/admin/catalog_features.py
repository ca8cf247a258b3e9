"""/admin/catalog/features: the catalog's features (lookup keys for entitlements) and the grants
of plans (domain/catalog_admin/features.py). Reads need ``catalog.read``, changes
``catalog.manage``; every form carries the CSRF token, a refused one re-renders with its
messages (422) and writes nothing. The grant form lives on the plan page
(web/admin/catalog.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.catalog.features import MAX_KEY, MAX_NAME, key_problem
from domain.catalog_admin.features import (
    create_feature,
    features_page,
    grant_feature,
    remove_grant,
    rename_feature,
)
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.unit_of_work import UnitOfWork
from web.admin.catalog import check_plan_code, plan_page_response
from web.admin.form_words import staff_errors
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": Permission.CATALOG_READ}
MANAGE = {"permission": Permission.CATALOG_MANAGE}

FEATURE_FORM = FormSpec(Field("key", MAX_KEY), Field("name", MAX_NAME))
RENAME_FORM = FormSpec(Field("name", MAX_NAME))
GRANT_FORM = FormSpec(Field("feature", MAX_KEY), Field("limit_kind", 16), Field("limit_value", 20))


def _check_key(key: str) -> None:
    """A key no feature could have is not found, and never sent to the database."""
    if key_problem(key):
        raise NotFound("There is no such feature.", code="catalog.feature_not_found")


async def _features(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    rename: str = "", status_code: int = 200,
) -> Template:  # fmt: skip
    rows = await features_page(staff, uow=uow)
    context = admin_context(staff, rows=rows, form=form or {}, errors=errors or {},
                            rename=rename, can_manage=can(staff.role, Permission.CATALOG_MANAGE))  # fmt: skip
    return render(request, "admin/catalog_features.html", None, context, status_code=status_code)


@get("/catalog/features", name="admin.catalog.features", opt=READ)
async def show_features(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _features(request, staff, read_uow)


@post("/catalog/features", name="admin.catalog.create_feature", opt=MANAGE)
async def submit_feature(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    form = FEATURE_FORM.parse(data)
    if form.errors:
        return await _features(request, staff, new_uow(), form=form.values, errors=form.errors,
                               status_code=422)  # fmt: skip
    try:
        feature = await create_feature(staff, form.get("key"), form.get("name"), uow=new_uow(),
                                       clock=clock)  # fmt: skip
    except ValidationFailed as exc:
        return await _features(request, staff, new_uow(), form=form.values,
                               errors=staff_errors(request, exc.field_errors), status_code=422)  # fmt: skip
    flash(request, tr(request, "%(name)s (%(key)s) is in the catalog; grant it on a plan's page.",
                      name=feature.name, key=feature.key), "success")  # fmt: skip
    return redirect_after_post(request, "/admin/catalog/features")


@post("/catalog/features/{key:str}", name="admin.catalog.rename_feature", opt=MANAGE)
async def submit_rename_feature(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    key: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    _check_key(key)
    form = RENAME_FORM.parse(data)
    try:
        if form.errors:
            raise ValidationFailed(form.errors)
        changed = await rename_feature(staff, key, form.get("name"), uow=new_uow(), clock=clock)
    except ValidationFailed as exc:
        errors = {f"rename-{k}": v for k, v in staff_errors(request, exc.field_errors).items()}
        return await _features(request, staff, new_uow(), errors=errors, rename=key,
                               status_code=422)  # fmt: skip
    flash(request, tr(request, "Renamed.") if changed else tr(request, "Nothing changed."),
          "success" if changed else "info")  # fmt: skip
    return redirect_after_post(request, "/admin/catalog/features")


def _grant_message(request: Request[Any, Any, Any], changed: int) -> str:
    if not changed:
        return tr(request, "Saved; no subscriber's entitlements changed.")
    if changed == 1:
        return tr(request, "Saved; the entitlements of %(n)s customer changed.", n=changed)
    return tr(request, "Saved; the entitlements of %(n)s customers changed.", n=changed)


@post("/catalog/plans/{code:str}/features", name="admin.catalog.grant_feature", opt=MANAGE)
async def submit_grant(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    check_plan_code(code)
    form = GRANT_FORM.parse(data)
    try:
        if form.errors:
            raise ValidationFailed(form.errors)
        changed = await grant_feature(staff, code, form.get("feature"), form.get("limit_kind"),
                                      form.get("limit_value"), uow=new_uow(), clock=clock)  # fmt: skip
    except ValidationFailed as exc:
        return await plan_page_response(request, staff, code, new_uow(), grant_form=form.values,
                                        grant_errors=staff_errors(request, exc.field_errors), status_code=422)  # fmt: skip
    flash(request, _grant_message(request, changed), "success")
    return redirect_after_post(request, f"/admin/catalog/plans/{code}")


@post("/catalog/plans/{code:str}/features/{key:str}/remove", name="admin.catalog.remove_grant",
      opt=MANAGE)  # fmt: skip
async def submit_remove_grant(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    key: FromPath[str],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Redirect | Response[str]:
    check_plan_code(code)
    _check_key(key)
    changed = await remove_grant(staff, code, key, uow=new_uow(), clock=clock)
    flash(request, _grant_message(request, changed), "success")
    return redirect_after_post(request, f"/admin/catalog/plans/{code}")


FEATURE_HANDLERS = [show_features, submit_feature, submit_rename_feature, submit_grant,
                    submit_remove_grant]  # fmt: skip
