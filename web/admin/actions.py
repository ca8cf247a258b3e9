"""Staff actions on a customer (``domain/support/actions``): one page per action and target.

GET shows the action's inputs and, once they make one, the binding preview of what it will do,
with the reason box and the confirm button (htmx refreshes only the preview as inputs change;
without JavaScript the "Preview" button does the same GET). POST confirms: the preview shown
travels signed in the form, and the use case refuses when it would now differ (the page shows
the new preview, 409). A bad input or a missing reason re-renders with messages (422).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.formatting import format_money
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.support.actions.base import ActionServices
from domain.support.actions.inputs import MAX_REASON
from domain.support.actions.registry import action_named
from domain.support.actions.service import (
    ActionPage,
    PreviewChanged,
    action_page,
    confirm_action,
)
from web.admin.form_words import staff_errors, staff_message, staff_text
from web.admin.pages import admin_context
from web.display import current_display
from web.forms import Field, FormSpec, ParsedForm
from web.settings import Settings
from web.signing import sign, unsign
from web.templating import redirect_after_post, render

ACT = {"permission": Permission.CUSTOMERS_ACT}
ID_LENGTH = 36
PURPOSE = "staff-action"
PAGE = "admin/action.html"
FRAGMENT = "admin/_action_preview.html"


def _spec(code: str) -> FormSpec:
    action = action_named(code)
    fields = [Field(f.name, f.max_length) for f in (action.fields if action else ())]
    return FormSpec(*fields, Field("reason", MAX_REASON, multiline=True), Field("agreement", 4_000))


def _check_ids(*values: str) -> None:
    for value in values:
        if text_problem(value, max_length=ID_LENGTH) or not value:
            raise NotFound("There is no such customer, invoice or subscription.")


def _inputs(form: ParsedForm, code: str) -> dict[str, str]:
    action = action_named(code)
    names = {f.name for f in action.fields} if action else set()
    return {k: v for k, v in form.values.items() if k in names}


def _context(
    staff: SignedInStaff, page: ActionPage, settings: Settings, **extra: Any
) -> dict[str, Any]:
    agreement = page.agreement
    return admin_context(
        staff,
        page=page,
        action=page.action,
        agreement_token=sign(agreement, settings.secret_key, purpose=PURPOSE) if agreement else "",
        back=f"/admin/customers/{quote(page.customer_id)}",
        here=f"/admin/customers/{quote(page.customer_id)}/actions/{page.action.code}/"
        f"{quote(page.target_id)}",
        **extra,
    )


@get(
    "/customers/{customer_id:str}/actions/{action:str}/{target_id:str}",
    name="admin.action",
    opt=ACT,
)
async def show_action(
    request: Request[Any, Any, Any],
    customer_id: FromPath[str],
    action: FromPath[str],
    target_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    desk: NamedDependency[ActionServices],
    settings: NamedDependency[Settings],
) -> Template:
    _check_ids(customer_id, target_id)
    form = _spec(action).parse(request.query_params)
    page = await action_page(
        staff,
        action,
        customer_id=customer_id,
        target_id=target_id,
        raw=_inputs(form, action),
        svc=desk,
    )
    errors = staff_errors(request, {**form.errors, **page.errors})
    context = _context(staff, page, settings, errors=errors, reason="")
    return render(request, PAGE, FRAGMENT, context, status_code=422 if form.errors else 200)


@post("/customers/{customer_id:str}/actions/{action:str}/{target_id:str}", opt=ACT)
async def submit_action(
    request: Request[Any, Any, Any],
    customer_id: FromPath[str],
    action: FromPath[str],
    target_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    desk: NamedDependency[ActionServices],
    settings: NamedDependency[Settings],
) -> Template | Redirect | Response[str]:
    _check_ids(customer_id, target_id)
    form = _spec(action).parse(await request.form())
    raw = _inputs(form, action)
    reason = form.get("reason")
    shown = unsign(form.get("agreement"), settings.secret_key, purpose=PURPOSE)
    try:
        if form.errors:
            raise ValidationFailed(form.errors)
        done = await confirm_action(
            staff, action, customer_id=customer_id, target_id=target_id, raw=raw, shown=shown,
            reason=reason, svc=desk,
        )  # fmt: skip
    except PreviewChanged as changed:
        context = _context(staff, changed.page, settings, errors={"": staff_text(request, changed.message)},
                           reason=reason)  # fmt: skip
        return render(request, PAGE, FRAGMENT, context, status_code=409)
    except (ValidationFailed, InvalidTransition) as exc:
        page = await action_page(
            staff, action, customer_id=customer_id, target_id=target_id, raw=raw, svc=desk
        )
        fields = exc.field_errors if isinstance(exc, ValidationFailed) else {}
        errors = staff_errors(request, {**page.errors, **(dict(fields) or {"": exc.message})})
        context = _context(staff, page, settings, errors=errors, reason=reason)
        return render(request, PAGE, FRAGMENT, context, status_code=422)
    display = current_display(request)
    amount = (
        ""
        if done.amount is None
        else f" {format_money(done.amount, locale=display.locale, display=display)}."
    )
    flash(request, staff_message(request, done.message) + amount, category="success")
    return redirect_after_post(request, f"/admin/customers/{quote(customer_id)}")
