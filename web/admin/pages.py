"""The admin's own pages: the overview and the staff directory with
its create form (owners)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import MAX_EMAIL, MAX_NAME, MAX_PASSWORD
from domain.adapters.i18n import N_
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.staff.members import NewStaff, create_staff, staff_directory
from domain.staff.model import Role, SignedInStaff
from domain.staff.permissions import ROLE_PERMISSIONS, ROLE_SUMMARY, Permission, can
from domain.staff.rules import needs_two_factor
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors
from web.display import tr
from web.forms import Field, FormSpec
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
STAFF_FORM = FormSpec(
    Field("email", MAX_EMAIL), Field("name", MAX_NAME), Field("role", 20),
    Field("password", MAX_PASSWORD),
)  # fmt: skip
ROLE_OPTIONS = [
    (Role.VIEWER.value, N_("Viewer · read only")),
    (Role.SUPPORT.value, N_("Support · customer actions")),
    (Role.BILLING.value, N_("Billing · money and catalog")),
    (Role.OWNER.value, N_("Owner · everything")),
]
# the roles as the staff pages name them (translated())
ROLE_WORDS = (
    N_("Viewer"), N_("Support"), N_("Billing"), N_("Owner"),
    N_("viewer"), N_("support"), N_("billing"), N_("owner"),
)  # fmt: skip


def role_options(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    return [(value, tr(request, label)) for value, label in ROLE_OPTIONS]


def admin_context(staff: SignedInStaff, **extra: Any) -> dict[str, Any]:
    """What the admin layout needs: who is signed in and which navigation items they may use."""
    return {
        "staff": staff,
        "nav_allowed": {p.value for p in ROLE_PERMISSIONS[staff.role]},
        **extra,
    }


@get("/", name="admin.home", opt={"permission": Permission.DASHBOARD_VIEW})
async def show_admin_home(
    request: Request[Any, Any, Any], staff: NamedDependency[SignedInStaff]
) -> Template:
    context = admin_context(
        staff,
        permissions=sorted(p.value for p in ROLE_PERMISSIONS[staff.role]),
        role_summary=ROLE_SUMMARY[staff.role],
        can_staff=can(staff.role, Permission.STAFF_READ),
        two_factor_required=needs_two_factor(staff.role),
    )
    return render(request, "admin/home.html", None, context)


async def _staff_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, clock: Clock, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    rows = await staff_directory(staff, uow=uow, clock=clock)
    context = admin_context(
        staff,
        rows=rows,
        role_options=role_options(request),
        can_manage=can(staff.role, Permission.STAFF_MANAGE),
        form=form or {"role": Role.SUPPORT.value},
        errors=errors or {},
    )
    return render(request, "admin/staff.html", None, context, status_code=status_code)


@get("/staff", name="admin.staff", opt={"permission": Permission.STAFF_READ})
async def show_staff(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    return await _staff_page(request, staff, read_uow, clock)


@post("/staff", name="admin.staff.create", opt={"permission": Permission.STAFF_MANAGE})
async def submit_new_staff(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
) -> Template | Redirect | Response[str]:
    form = STAFF_FORM.parse(data)
    typed = {k: form.get(k) for k in ("email", "name", "role")}
    if form.errors:
        return await _staff_page(request, staff, new_uow(), clock, form=typed,
                                 errors=form.errors, status_code=422)  # fmt: skip
    new = NewStaff(typed["email"], typed["name"], typed["role"], form.get("password"))
    try:
        member = await create_staff(staff, new, uow=new_uow(), clock=clock, hasher=hasher)
    except ValidationFailed as exc:
        return await _staff_page(request, staff, new_uow(), clock, form=typed,
                                 errors=staff_errors(request, exc.field_errors), status_code=422)  # fmt: skip
    flash(request, tr(request, "%(name)s (%(email)s) can now sign in as %(role)s.",
                      name=member.name, email=member.email,
                      role=tr(request, member.role.value)), "success")  # fmt: skip
    return redirect_after_post(request, "/admin/staff")
