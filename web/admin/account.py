"""/admin/account/recovery-codes: a signed-in staff member (any role) replaces their own
recovery codes with the current code from their authenticator app (domain/staff/recovery_codes.py).
The new codes are shown once, in the POST's answer, which no cache keeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from domain.accounts.ports import PasswordHasher
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.staff.ports import SecretBox
from domain.staff.recovery_codes import recovery_status, regenerate_recovery_codes
from domain.unit_of_work import UnitOfWork
from web.admin.pages import admin_context
from web.forms import Field, FormSpec
from web.templating import render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
CODE_FORM = FormSpec(Field("code", 40))
OWN = {"permission": Permission.DASHBOARD_VIEW}  # every role: it is their own account
PAGE = "admin/recovery_codes.html"


async def _page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
    error: str | None = None, status_code: int = 200,
) -> Template:  # fmt: skip
    status = await recovery_status(staff, uow=uow)
    context = admin_context(staff, status=status, codes=None, error=error)
    return render(request, PAGE, None, context, status_code=status_code)


@get("/account/recovery-codes", name="admin.recovery_codes", opt=OWN)
async def show_recovery_codes(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _page(request, staff, read_uow)


@post("/account/recovery-codes", name="admin.recovery_codes.submit", opt=OWN)
async def submit_recovery_codes(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
    secret_box: NamedDependency[SecretBox],
) -> Template:
    form = CODE_FORM.parse(data)
    if form.errors:
        return await _page(request, staff, new_uow(), error=form.first_error, status_code=422)
    try:
        codes = await regenerate_recovery_codes(
            staff, form.get("code"), uow=new_uow(), clock=clock, hasher=hasher, box=secret_box
        )
    except ValidationFailed as exc:
        message = exc.field_errors.get("code", exc.message)
        return await _page(request, staff, new_uow(), error=message, status_code=422)
    except InvalidTransition as exc:
        return await _page(request, staff, new_uow(), error=exc.message, status_code=409)
    context = admin_context(staff, status=None, codes=codes, error=None)
    answer = render(request, PAGE, None, context)
    answer.headers["Cache-Control"] = "no-store"
    return answer
