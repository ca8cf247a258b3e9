"""/admin/dunning: the dunning policy (``OPERATIONS_READ``) and changing it
(``OPERATIONS_ACT``; domain/payments/dunning_admin.py). The form's POST to /admin/dunning/preview
answers the page with the binding preview (the timeline and the open cases under the new
policy); its confirm button posts the previewed policy signed, with the policy it was previewed
against, to /admin/dunning. A policy changed by someone else meanwhile shows the preview again
(409); bad input re-renders the form with messages (422) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.formatting import in_digits
from domain.adapters.i18n import N_
from domain.payments.dunning import MAX_RETRIES, MAX_RETRY_DAY, FinalSubscriptionAction
from domain.payments.dunning_admin import (
    INVOICE_ACTIONS,
    DunningPreview,
    PolicyInput,
    change_dunning_policy,
    dunning_page,
    policy_from_values,
    policy_values,
    preview_dunning_policy,
)
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors, staff_text
from web.admin.pages import admin_context
from web.display import current_display, tr
from web.forms import Field, FormSpec
from web.settings import Settings
from web.signing import sign, unsign
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
POLICY_FORM = FormSpec(
    Field("retry_days", 100), Field("final_subscription_action", 20),
    Field("final_invoice_action", 20),
)  # fmt: skip
CONFIRM_FORM = FormSpec(Field("agreement", 2_000))
ACT = {"permission": Permission.OPERATIONS_ACT}
PURPOSE = "dunning-policy"
SUBSCRIPTION_CHOICES = [
    (FinalSubscriptionAction.CANCEL.value, N_("Canceled")),
    (FinalSubscriptionAction.UNPAID.value, N_("Marked unpaid (no access)")),
    (FinalSubscriptionAction.PAST_DUE.value, N_("Left past due (access)")),
]
# the final actions as domain/payments/dunning_admin.py words them (SUBSCRIPTION_ACTIONS,
# INVOICE_ACTIONS), listed for the catalogs: the page shows them through translated()
ACTION_WORDS = (
    N_("canceled"), N_("marked unpaid (access stops, invoices continue)"),
    N_("left past due (access continues)"), N_("marked uncollectible"), N_("left open"),
    N_("Marked uncollectible"), N_("Left open"),
)  # fmt: skip
PAGE = "admin/dunning.html"


async def _page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, clock: Clock,
    settings: Settings, *, form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, preview: DunningPreview | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    page = await dunning_page(staff, uow=uow, clock=clock)
    policy = page.current.policy
    agreement = ""
    if preview is not None and preview.changes_anything:
        agreement = sign(
            {"policy": policy_values(preview.proposed.policy),
             "against": policy_values(preview.current)},
            settings.secret_key, purpose=PURPOSE,
        )  # fmt: skip
    context = admin_context(
        staff,
        page=page,
        preview=preview,
        agreement=agreement,
        can_act=can(staff.role, Permission.OPERATIONS_ACT),
        subscription_options=[(v, tr(request, label)) for v, label in SUBSCRIPTION_CHOICES],
        invoice_options=[(k.value, tr(request, v.capitalize())) for k, v in INVOICE_ACTIONS.items()],
        max_retries=MAX_RETRIES,
        max_day=MAX_RETRY_DAY,
        form=form or {
            "retry_days": ", ".join(str(d) for d in policy.retry_days),
            "final_subscription_action": policy.final_subscription_action.value,
            "final_invoice_action": policy.final_invoice_action.value,
        },
        errors=errors or {},
    )  # fmt: skip
    return render(request, PAGE, None, context, status_code=status_code)


@get("/dunning", name="admin.dunning", opt={"permission": Permission.OPERATIONS_READ})
async def show_dunning(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Template:
    return await _page(request, staff, read_uow, clock, settings)


@post("/dunning/preview", name="admin.dunning.preview", opt=ACT)
async def submit_dunning_preview(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Template:
    form = POLICY_FORM.parse(data)
    typed = {k: form.get(k) for k in ("retry_days", "final_subscription_action",
                                      "final_invoice_action")}  # fmt: skip
    if form.errors:
        return await _page(request, staff, new_uow(), clock, settings, form=typed,
                           errors=form.errors, status_code=422)  # fmt: skip
    entry = PolicyInput(typed["retry_days"], typed["final_subscription_action"],
                        typed["final_invoice_action"])  # fmt: skip
    try:
        preview = await preview_dunning_policy(staff, entry, uow=new_uow(), clock=clock)
    except ValidationFailed as exc:
        return await _page(request, staff, new_uow(), clock, settings, form=typed,
                           errors=staff_errors(request, exc.field_errors), status_code=422)  # fmt: skip
    return await _page(request, staff, new_uow(), clock, settings, form=typed, preview=preview)


def _typed(values: dict[str, Any]) -> PolicyInput:
    return PolicyInput(", ".join(str(d) for d in values["retry_days"]),
                       values["final_subscription_action"], values["final_invoice_action"])  # fmt: skip


@post("/dunning", name="admin.dunning.change", opt=ACT)
async def submit_dunning_policy(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Template | Redirect | Response[str]:
    shown = unsign(CONFIRM_FORM.parse(data).get("agreement"), settings.secret_key,
                   purpose=PURPOSE)  # fmt: skip
    proposed = policy_from_values(shown.get("policy")) if shown else None
    against = policy_from_values(shown.get("against")) if shown else None
    if proposed is None or against is None:
        return await _page(request, staff, new_uow(), clock, settings, status_code=422,
                           errors={"_": "Preview the change first, then confirm it."})  # fmt: skip
    try:
        await change_dunning_policy(staff, proposed, previewed_against=against, uow=new_uow(),
                                    clock=clock)  # fmt: skip
    except (Conflict, ValidationFailed) as exc:
        assert shown is not None
        typed = _typed(shown["policy"])
        preview = await preview_dunning_policy(staff, typed, uow=new_uow(), clock=clock)
        form = {"retry_days": typed.retry_days,
                "final_subscription_action": typed.final_subscription_action,
                "final_invoice_action": typed.final_invoice_action}  # fmt: skip
        return await _page(request, staff, new_uow(), clock, settings, form=form,
                           preview=preview, errors={"_": staff_text(request, exc.message)},
                           status_code=409)  # fmt: skip
    days = in_digits(", ".join(str(d) for d in proposed.retry_days), current_display(request))
    flash(request, tr(request, "The dunning policy is saved: retries %(days)s days after a failed "
                               "payment.", days=days), "success")  # fmt: skip
    return redirect_after_post(request, "/admin/dunning")
