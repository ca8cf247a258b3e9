"""/admin/catalog/plans/{code}/migrations: a plan's versions and price migrations (catalog.read),
the form that schedules one (catalog.manage: the target version, the date, the notice; its POST
answers the binding preview, whose button posts again with ``confirm=yes`` and the preview's
version), and cancelling a scheduled one (domain/subscriptions/price_migration_admin.py).
Bad input re-renders the form with its messages (422) and writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.i18n import N_
from domain.billing.config import BillingConfig
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.subscriptions.price_migration_admin import (
    MigrationPreview,
    MigrationRequest,
    PlanMigrations,
    cancel_price_migration,
    plan_migrations,
    preview_price_migration,
    schedule_price_migration,
)
from domain.subscriptions.price_migrations import (
    MAX_NOTICE_DAYS,
    MIN_NOTICE_DAYS,
    earliest_effective,
)
from domain.unit_of_work import UnitOfWork
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.settings import Settings
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MIGRATION_FORM = FormSpec(
    Field("from", 36), Field("to", 36), Field("effective_on", 10), Field("notice_days", 3),
    Field("confirm", 3), Field("preview", 16),
)  # fmt: skip
READ = {"permission": Permission.CATALOG_READ}
MANAGE = {"permission": Permission.CATALOG_MANAGE}
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
NO_PLAN = "No such plan."


def _check_code(code: str) -> None:
    """A code no plan could have is not found, and never sent to the database."""
    if not CODE.fullmatch(code):
        raise NotFound(NO_PLAN, code="catalog.plan_not_found")


def _base(code: str) -> str:
    return f"/admin/catalog/plans/{code}/migrations"


def _default_date(clock: Clock, notice_days: int) -> date:
    earliest = earliest_effective(clock.now(), notice_days)
    return (earliest + timedelta(days=1) if earliest.time() else earliest).date()


def _typed(form: dict[str, str]) -> tuple[MigrationRequest | None, dict[str, str]]:
    """The form's values as a request, or the messages for what cannot be one."""
    errors: dict[str, str] = {}
    if not ID.fullmatch(form.get("from", "")):
        errors["from"] = N_("Choose the version to move subscribers from.")
    if not ID.fullmatch(form.get("to", "")):
        errors["to"] = N_("Choose the version to move them to.")
    try:
        effective = date.fromisoformat(form.get("effective_on", ""))
    except ValueError:
        errors["effective_on"] = N_("Enter a date as YYYY-MM-DD.")
    raw_days = form.get("notice_days", "")
    if not raw_days.isdigit() or not MIN_NOTICE_DAYS <= int(raw_days) <= MAX_NOTICE_DAYS:
        errors["notice_days"] = (
            f"Enter a whole number of days from {MIN_NOTICE_DAYS} to {MAX_NOTICE_DAYS}."
        )
    if errors:
        return None, errors
    return MigrationRequest("", form["from"], form["to"], effective, int(raw_days)), {}


async def _form_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, page: PlanMigrations,
    form: dict[str, str], *, errors: dict[str, str] | None = None,
    preview: MigrationPreview | None = None, status_code: int = 200,
) -> Template:  # fmt: skip
    source = next((v for v in page.versions if v.plan.id == form.get("from")), None)
    if source is None:
        raise NotFound("No such plan version.", code="price_migration.not_found")
    targets = [
        (v.plan.id, f"Version {v.plan.version}{' (current)' if v.plan.is_current else ''}")
        for v in page.versions
        if v.plan.version > source.plan.version
    ]
    context = admin_context(
        staff, page=page, source=source, targets=targets, form=form, errors=errors or {},
        preview=preview,
    )  # fmt: skip
    return render(request, "admin/price_migration_new.html", None, context, status_code=status_code)


@get("/catalog/plans/{code:str}/migrations", name="admin.price_migrations", opt=READ)
async def show_price_migrations(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    _check_code(code)
    page = await plan_migrations(staff, code, uow=read_uow)
    context = admin_context(staff, page=page, can_manage=can(staff.role, Permission.CATALOG_MANAGE))
    return render(request, "admin/price_migrations.html", None, context)


@get("/catalog/plans/{code:str}/migrations/new", name="admin.price_migrations.new", opt=MANAGE)
async def show_new_price_migration(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Template:
    _check_code(code)
    page = await plan_migrations(staff, code, uow=read_uow)
    source_id = request.query_params.get("from", "")
    if not isinstance(source_id, str) or not ID.fullmatch(source_id):
        source_id = next((v.plan.id for v in page.versions if v.migratable), "")
    days = settings.price_change_notice_days
    current = page.versions[0].plan.id
    form = {
        "from": source_id, "to": current,
        "effective_on": _default_date(clock, days).isoformat(), "notice_days": str(days),
    }  # fmt: skip
    return await _form_page(request, staff, page, form)


@post("/catalog/plans/{code:str}/migrations/new", name="admin.price_migrations.create", opt=MANAGE)
async def submit_new_price_migration(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    _check_code(code)
    parsed = MIGRATION_FORM.parse(data)
    form = {k: parsed.get(k) for k in ("from", "to", "effective_on", "notice_days")}
    typed, errors = _typed(form)
    errors = parsed.errors | errors
    if typed is None or errors:
        page = await plan_migrations(staff, code, uow=new_uow())
        return await _form_page(request, staff, page, form, errors=errors, status_code=422)
    typed = MigrationRequest(code, typed.from_plan_id, typed.to_plan_id, typed.effective_on,
                             typed.notice_days)  # fmt: skip
    try:
        if parsed.get("confirm") == "yes":
            await schedule_price_migration(
                staff, typed, parsed.get("preview"), uow=new_uow(), clock=clock
            )
            flash(request, tr(request, "The price migration is scheduled. Subscribers are e-mailed "
                              "%(days)s days before their move.", days=typed.notice_days),
                  "success")  # fmt: skip
            return redirect_after_post(request, _base(code))
        preview = await preview_price_migration(staff, typed, uow=new_uow(), clock=clock)
    except ValidationFailed as exc:
        page = await plan_migrations(staff, code, uow=new_uow())
        return await _form_page(request, staff, page, form, errors=exc.field_errors or
                                {"_": exc.message}, status_code=422)  # fmt: skip
    except Conflict as exc:
        page = await plan_migrations(staff, code, uow=new_uow())
        preview = await preview_price_migration(staff, typed, uow=new_uow(), clock=clock)
        return await _form_page(request, staff, page, form, errors={"_": exc.message},
                                preview=preview, status_code=409)  # fmt: skip
    page = await plan_migrations(staff, code, uow=new_uow())
    return await _form_page(request, staff, page, form, preview=preview)


@post(
    "/catalog/plans/{code:str}/migrations/{migration_id:str}/cancel",
    name="admin.price_migrations.cancel",
    opt=MANAGE,
)
async def submit_cancel_price_migration(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    code: FromPath[str],
    migration_id: FromPath[str],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    billing: NamedDependency[BillingConfig],
) -> Redirect | Response[str]:
    _check_code(code)
    if not ID.fullmatch(migration_id):
        raise NotFound("No such migration.", code="price_migration.not_found")
    try:
        withdrawn = await cancel_price_migration(
            staff, code, migration_id, uow=new_uow(), clock=clock, config=billing
        )
    except InvalidTransition as exc:
        flash(request, tr(request, exc.message), "error")
        return redirect_after_post(request, _base(code))
    if not withdrawn:
        done = tr(request, "The price migration is cancelled.")
    elif withdrawn == 1:
        done = tr(request, "The price migration is cancelled. %(n)s announced move withdrawn.",
                  n=withdrawn)  # fmt: skip
    else:
        done = tr(request, "The price migration is cancelled. %(n)s announced moves withdrawn.",
                  n=withdrawn)  # fmt: skip
    flash(request, done, "success")
    return redirect_after_post(request, _base(code))
