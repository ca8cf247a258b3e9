"""/admin/staff/{staff_id}: one staff member (owners), and the changes an owner makes from it:
disable, enable, change the role, reset two-factor (domain/staff/management.py). A change that
takes something away is confirmed first: its form's POST answers the confirmation page (what
will happen, previewed by the use case), whose button posts again with ``confirm=yes``.
Enabling needs no confirmation. Bad input re-renders the member page with the message (422);
a rule's refusal (yourself, the last owner) too (409)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.formatting import in_digits
from domain.audit.model import MAX_REASON
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.management import (
    NO_SUCH_MEMBER,
    ChangeOutcome,
    StaffAction,
    StaffChange,
    change_staff,
    preview_staff_change,
)
from domain.staff.member_page import staff_member_page
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors, staff_text
from web.admin.pages import admin_context, role_options
from web.display import current_display, tr
from web.forms import Field, FormSpec
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
CHANGE_FORM = FormSpec(
    Field("reason", MAX_REASON, multiline=True), Field("role", 20), Field("confirm", 3)
)
MANAGE = {"permission": Permission.STAFF_MANAGE}
ID_LENGTH = 36  # the staff table's id column
CONFIRM_FIRST = frozenset({StaffAction.DISABLE, StaffAction.CHANGE_ROLE,
                           StaffAction.RESET_TWO_FACTOR})  # fmt: skip


def _check_id(staff_id: str) -> None:
    """An id no member could have is not found, and never sent to the database."""
    if text_problem(staff_id, max_length=ID_LENGTH):
        raise NotFound(NO_SUCH_MEMBER, code="staff.not_found")


async def _member_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, staff_id: str, uow: UnitOfWork,
    clock: Clock, *, action: StaffAction | None = None, form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Template:  # fmt: skip
    _check_id(staff_id)
    view = await staff_member_page(staff, staff_id, uow=uow, clock=clock)
    context = admin_context(
        staff,
        view=view,
        role_options=role_options(request),
        action=action.value if action else "",
        form=form or {},
        errors=errors or {},
    )
    return render(request, "admin/staff_member.html", None, context, status_code=status_code)


@get("/staff/{staff_id:str}", name="admin.staff.member", opt={"permission": Permission.STAFF_READ})
async def show_staff_member(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    staff_id: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    return await _member_page(request, staff, staff_id, read_uow, clock)


def _done(request: Request[Any, Any, Any], outcome: ChangeOutcome) -> str:
    """The flash message after a change, in the request's language."""
    who = outcome.name
    ended = outcome.sessions_ended
    count = in_digits(str(ended), current_display(request))
    sessions = " " + tr(request, "Sessions ended: %(n)s.", n=count) if ended else ""
    enrol = (
        " " + tr(request, "They set up two-factor at their next sign-in.")
        if outcome.enrol_at_next_sign_in else ""
    )  # fmt: skip
    if outcome.action is StaffAction.DISABLE:
        return tr(request, "%(name)s is disabled and cannot sign in.", name=who) + sessions
    if outcome.action is StaffAction.ENABLE:
        return tr(request, "%(name)s is enabled and can sign in again.", name=who)
    if outcome.action is StaffAction.CHANGE_ROLE:
        role = tr(request, outcome.role_after.value)
        return tr(request, "%(name)s now has the %(role)s role.", name=who, role=role) + (
            sessions + enrol)  # fmt: skip
    return tr(request, "Two-factor is reset for %(name)s.", name=who) + sessions + enrol


async def _act(
    request: Request[Any, Any, Any], staff: SignedInStaff, staff_id: str, action: StaffAction,
    data: dict[str, Any], new_uow: Callable[[], UnitOfWork], clock: Clock,
) -> Template | Redirect | Response[str]:  # fmt: skip
    _check_id(staff_id)
    form = CHANGE_FORM.parse(data)
    typed = {"reason": form.get("reason"), "role": form.get("role")}
    if form.errors:
        return await _member_page(request, staff, staff_id, new_uow(), clock, action=action,
                                  form=typed, errors=form.errors, status_code=422)  # fmt: skip
    change = StaffChange(action, typed["reason"], typed["role"])
    try:
        if action in CONFIRM_FIRST and form.get("confirm") != "yes":
            preview = await preview_staff_change(staff, staff_id, change, uow=new_uow(),
                                                 clock=clock)  # fmt: skip
            context = admin_context(staff, outcome=preview)
            return render(request, "admin/staff_confirm.html", None, context)
        outcome = await change_staff(staff, staff_id, change, uow=new_uow(), clock=clock)
    except ValidationFailed as exc:
        return await _member_page(request, staff, staff_id, new_uow(), clock, action=action,
                                  form=typed, errors=staff_errors(request, exc.field_errors), status_code=422)  # fmt: skip
    except InvalidTransition as exc:
        return await _member_page(request, staff, staff_id, new_uow(), clock, action=action,
                                  form=typed, errors={"_": staff_text(request, exc.message)}, status_code=409)  # fmt: skip
    flash(request, _done(request, outcome), "success")
    return redirect_after_post(request, f"/admin/staff/{staff_id}")


@post("/staff/{staff_id:str}/disable", name="admin.staff.disable", opt=MANAGE)
async def submit_disable_staff(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    staff_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    return await _act(request, staff, staff_id, StaffAction.DISABLE, data, new_uow, clock)


@post("/staff/{staff_id:str}/enable", name="admin.staff.enable", opt=MANAGE)
async def submit_enable_staff(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    staff_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    return await _act(request, staff, staff_id, StaffAction.ENABLE, data, new_uow, clock)


@post("/staff/{staff_id:str}/role", name="admin.staff.role", opt=MANAGE)
async def submit_staff_role(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    staff_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    return await _act(request, staff, staff_id, StaffAction.CHANGE_ROLE, data, new_uow, clock)


@post("/staff/{staff_id:str}/reset-two-factor", name="admin.staff.reset_2fa", opt=MANAGE)
async def submit_reset_two_factor(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    staff_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    action = StaffAction.RESET_TWO_FACTOR
    return await _act(request, staff, staff_id, action, data, new_uow, clock)
