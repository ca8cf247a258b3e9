"""Changing a subscription from the portal: plan or seats with the engine's quote (live with
htmx, a plain GET form without JavaScript), confirming exactly the quoted price, undoing a
scheduled change, the cancellation flow (reason, offers, period end or now), and pause/resume.

Every command is a plain form post answered with 303 (post-redirect-get); refused state changes
(``Conflict``/``InvalidTransition``) come back as a flash message on the page they came from.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.payments.standing import subscription_page
from domain.shared.errors import Conflict, ValidationFailed
from domain.shared.ids import SubscriptionId
from domain.subscriptions import lifecycle, plan_changes
from domain.subscriptions.cancellation import (
    CancelView,
    cancel_view,
    cancel_with_feedback,
)
from domain.subscriptions.cancellation import (
    apply_retention_coupon as apply_retention,
)
from domain.subscriptions.change_options import ChangeView, change_view
from domain.subscriptions.engine import ProrationBehavior, Refund, Timing
from domain.subscriptions.model import CancellationReason
from domain.subscriptions.pause import pause_for
from domain.subscriptions.quotes import ChangeQuote
from web.display import tr
from web.forms import Field, FormSpec, number_text
from web.messages import date_text
from web.portal import money_in, portal_context
from web.portal.overview import page_context
from web.portal.scope import Subscriber
from web.signing import sign, unsign
from web.templating import render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
CHANGE_FORM = FormSpec(Field("quote", 2_000), Field("plan", 64), Field("quantity", 20, digits=True))
CANCEL_FORM = FormSpec(
    Field("reason", 40), Field("comment", 2_000, multiline=True), Field("timing", 20)
)
PAUSE_FORM = FormSpec(Field("periods", 10), Field("until", 10))

REASONS = [
    (CancellationReason.TOO_EXPENSIVE.value, "It is too expensive"),
    (CancellationReason.MISSING_FEATURES.value, "It is missing features I need"),
    (CancellationReason.SWITCHING.value, "I am switching to another product"),
    (CancellationReason.NOT_USING.value, "I am not using it enough"),
    (CancellationReason.OTHER.value, "Something else"),
]


def _page(sub_id: str, suffix: str = "") -> str:
    return f"/account/subscriptions/{sub_id}{suffix}"


# -- quotes travel signed in a hidden field -------------------------------------------------------
def sign_terms(terms: dict[str, Any], secret: str) -> str:
    """A quote's terms (not its lines: confirming recomputes them), signed, so a subscriber
    cannot confirm terms that were never quoted."""
    return sign(terms, secret, purpose="portal-quote")


def read_terms(token: str, secret: str, *, kind: str) -> dict[str, Any] | None:
    """The terms signed by ``sign_terms`` for a quote of ``kind`` ("plan" or "addon"); None
    when the token was not signed here or was signed for the other kind of change."""
    data = unsign(token, secret, purpose="portal-quote")
    return data if data is not None and data.get("kind", "plan") == kind else None


def sign_quote(quote: ChangeQuote, secret: str) -> str:
    return sign_terms(
        {
            "at": quote.at.isoformat(),
            "plan": quote.plan_code,
            "quantity": quote.quantity,
            "timing": quote.timing.value,
            "proration": quote.proration.value,
            "version": quote.version,
        },
        secret,
    )


def read_quote(token: str, secret: str) -> ChangeQuote | None:
    data = read_terms(token, secret, kind="plan")
    if data is None:
        return None
    return ChangeQuote(
        at=datetime.fromisoformat(data["at"]),
        plan_code=data["plan"],
        quantity=int(data["quantity"]),
        timing=Timing(data["timing"]),
        proration=ProrationBehavior(data["proration"]),
        version=data["version"],
        invoice=None,
        pending_lines=(),
    )


# -- change plan or seats -------------------------------------------------------------------------
async def _change_context(
    subscriber: Subscriber,
    subscription_id: str,
    plan: str | None,
    quantity: str | None,
    *,
    notice: str | None = None,
) -> tuple[dict[str, Any], int]:
    """The change page (``change_view``) with its quote signed for the confirm form."""
    view: ChangeView = await change_view(
        SubscriptionId(subscription_id), plan=plan, quantity=quantity, uow=subscriber.uow(),
        clock=subscriber.clock, config=subscriber.billing, as_customer=subscriber.customer,
    )  # fmt: skip
    context = portal_context(
        subscriber.signed_in,
        sub=view.sub,
        choices=view.choices,
        seats=view.seats,
        hint_quantity=view.hint_quantity,
        form={"plan": view.plan, "quantity": view.quantity},
        errors=view.errors,
        quote=view.quote,
        quote_token=sign_quote(view.change, subscriber.settings.secret_key)
        if view.change is not None
        else None,
        confirm_action=_page(subscription_id, "/change"),
        renewal=view.renewal,
        unchanged=view.unchanged,
        notice=notice,
        addons=view.addons,
        usage=view.usage,
        mon=money_in(view.sub.currency),
    )
    return context, 422 if view.errors else 200


@get("/account/subscriptions/{subscription_id:str}/change", name="portal.change")
async def edit_subscription_change(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    plan: FromQuery[str | None] = None,
    quantity: FromQuery[str | None] = None,
) -> Template:
    """The change form and the engine's quote. With htmx, typing seats swaps the quote and the
    plans' prices (``HX-Target: change-quote``); choosing a plan swaps the form too, so the seat
    field comes and goes with the plan."""
    context, status = await _change_context(
        subscriber, subscription_id, plan, number_text(quantity)
    )
    fragment = "portal/_change_panel.html"
    # htmx swaps 2xx only: the fragment carries the field error itself
    if request.headers.get("hx-request"):
        status = 200
        if request.headers.get("hx-target") == "change-quote":
            fragment = "portal/_change_quote.html"
            context["oob_hints"] = True
    return render(request, "portal/change.html", fragment, context, status_code=status)


@post("/account/subscriptions/{subscription_id:str}/change", name="portal.change.confirm")
async def confirm_subscription_change(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    data: Form,
    subscriber: NamedDependency[Subscriber],
) -> Template | Redirect:
    """Charge exactly the quote; an expired or stale quote shows the fresh one and says why."""
    customer = subscriber.customer
    form = CHANGE_FORM.parse(data)
    data = form.values
    quote = read_quote(data.get("quote", ""), subscriber.settings.secret_key)
    try:
        if quote is None:
            raise Conflict("That price could not be read. Please review the current price.")
        outcome = await plan_changes.confirm_subscription_change(
            SubscriptionId(subscription_id), quote, uow=subscriber.uow(), clock=subscriber.clock,
            config=subscriber.billing, as_customer=customer,
        )  # fmt: skip
    except Conflict as refused:
        context, _ = await _change_context(
            subscriber, subscription_id, data.get("plan"), data.get("quantity"),
            notice=refused.message,
        )  # fmt: skip
        return render(request, "portal/change.html", None, context, status_code=409)
    charged = next((i for i in outcome.invoices if i.invoice.amount_due > 0), None)
    if quote.timing is Timing.PERIOD_END:
        flash(
            request,
            tr(request, "Your change is scheduled for the end of the billing period."),
            "success",
        )
        return Redirect(_page(subscription_id), status_code=303)
    flash(request, tr(request, "Your subscription was changed."), "success")
    if charged is not None:
        return Redirect(_page(subscription_id, f"?charged={charged.id}"), status_code=303)
    return Redirect(_page(subscription_id), status_code=303)


@post(
    "/account/subscriptions/{subscription_id:str}/scheduled-change/cancel",
    name="portal.scheduled.cancel",
)
async def cancel_scheduled_change(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Redirect:
    await plan_changes.keep_current_plan(
        SubscriptionId(subscription_id), uow=subscriber.uow(), clock=subscriber.clock,
        config=subscriber.billing, as_customer=subscriber.customer,
    )  # fmt: skip
    flash(
        request,
        tr(request, "The scheduled change was cancelled: your plan stays as it is."),
        "success",
    )
    return Redirect(_page(subscription_id), status_code=303)


# -- cancellation ---------------------------------------------------------------------------------
async def _cancel_context(
    subscriber: Subscriber, subscription_id: str, form: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    portal = subscriber.settings.portal
    view: CancelView = await cancel_view(
        SubscriptionId(subscription_id), reason=form.get("reason", ""),
        retention_coupon=portal.retention_coupon, refund=portal.cancel_now_refund,
        uow=subscriber.uow(), clock=subscriber.clock, config=subscriber.billing,
        as_customer=subscriber.customer,
    )  # fmt: skip
    return portal_context(
        subscriber.signed_in,
        sub=view.sub,
        mon=money_in(view.sub.currency),
        reasons=REASONS,
        form=form,
        errors=errors,
        step=view.step,
        offers=view.offers,
        refund_policy=view.refund.value,
        cancel_now=view.now,
    )


@get("/account/subscriptions/{subscription_id:str}/cancel", name="portal.cancel")
async def cancel_subscription_form(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    reason: FromQuery[str | None] = None,
    comment: FromQuery[str | None] = None,
) -> Template:
    """Step 1 asks why; step 2 (a reason given) offers what fits it and the way out."""
    form = {"reason": reason or "", "comment": comment or "", "timing": "period_end"}
    context = await _cancel_context(subscriber, subscription_id, form, {})
    return render(request, "portal/cancel.html", "portal/_cancel_step.html", context)


@post("/account/subscriptions/{subscription_id:str}/cancel", name="portal.cancel.submit")
async def cancel_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    data: Form,
    subscriber: NamedDependency[Subscriber],
) -> Template | Redirect:
    parsed = CANCEL_FORM.parse(data)
    form = {k: parsed.get(k) for k in ("reason", "comment", "timing")}
    timing = Timing.IMMEDIATE if form["timing"] == "immediate" else Timing.PERIOD_END
    try:
        if parsed.errors:
            raise ValidationFailed(parsed.errors)
        outcome = await cancel_with_feedback(
            SubscriptionId(subscription_id),
            reason=form["reason"],
            comment=form["comment"],
            timing=timing,
            refund=subscriber.settings.portal.cancel_now_refund
            if timing is Timing.IMMEDIATE
            else Refund.NONE,
            uow=subscriber.uow(),
            clock=subscriber.clock,
            config=subscriber.billing,
            as_customer=subscriber.customer,
        )
    except ValidationFailed as bad:
        context = await _cancel_context(subscriber, subscription_id, form, dict(bad.field_errors))
        return render(request, "portal/cancel.html", None, context, status_code=422)
    if timing is Timing.IMMEDIATE:
        flash(request, tr(request, "Your subscription is cancelled."), "success")
    else:
        flash(
            request,
            tr(
                request,
                "Your subscription will end on %(on)s. You can undo this until then.",
                on=date_text(request, outcome.subscription.period_end),
            ),
            "success",
        )
    return Redirect(_page(subscription_id), status_code=303)


@post("/account/subscriptions/{subscription_id:str}/uncancel", name="portal.uncancel")
async def uncancel_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Redirect:
    await lifecycle.uncancel_subscription(
        SubscriptionId(subscription_id), uow=subscriber.uow(), clock=subscriber.clock,
        config=subscriber.billing, as_customer=subscriber.customer,
    )  # fmt: skip
    flash(request, tr(request, "Welcome back: your subscription continues."), "success")
    return Redirect(_page(subscription_id), status_code=303)


@post("/account/subscriptions/{subscription_id:str}/retention-coupon", name="portal.retention")
async def apply_retention_coupon(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Redirect:
    code = subscriber.settings.portal.retention_coupon
    await apply_retention(
        SubscriptionId(subscription_id), code, uow=subscriber.uow(), clock=subscriber.clock,
        config=subscriber.billing, as_customer=subscriber.customer,
    )  # fmt: skip
    flash(
        request, tr(request, "Offer %(code)s applied: thank you for staying.", code=code), "success"
    )
    return Redirect(_page(subscription_id), status_code=303)


# -- pause and resume -----------------------------------------------------------------------------
@post("/account/subscriptions/{subscription_id:str}/pause", name="portal.pause")
async def pause_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    data: Form,
    subscriber: NamedDependency[Subscriber],
) -> Template | Redirect:
    """Pause for 1-3 billing periods (``periods``) or until a date (``periods=until`` + ``until``)."""
    customer = subscriber.customer
    sid = SubscriptionId(subscription_id)
    form = PAUSE_FORM.parse(data)
    data = form.values
    choice = data.get("periods", "")
    try:
        if form.errors:
            raise ValidationFailed(form.errors, code="portal.bad_pause")
        until = None
        if choice == "until":
            try:
                day = date.fromisoformat(data.get("until", ""))
            except ValueError:
                raise ValidationFailed(
                    {"until": "Enter a date."}, code="portal.bad_pause"
                ) from None
            until = datetime.combine(day, time(0), tzinfo=UTC)
        paused = await pause_for(
            sid, periods=int(choice) if choice.isdigit() else None, until=until,
            uow=subscriber.uow(), clock=subscriber.clock, config=subscriber.billing,
            as_customer=customer,
        )  # fmt: skip
    except ValidationFailed as bad:
        page = await subscription_page(
            sid, uow=subscriber.uow(), clock=subscriber.clock, config=subscriber.billing,
            as_customer=customer,
        )  # fmt: skip
        context = page_context(
            subscriber, page, pause_errors=dict(bad.field_errors),
            pause_form={"periods": choice, "until": data.get("until", "")},
        )  # fmt: skip
        return render(request, "portal/subscription.html", None, context, status_code=422)
    flash(
        request,
        tr(
            request,
            "Paused. Your subscription resumes on %(on)s.",
            on=date_text(request, paused.resume_at),
        ),
        "success",
    )
    return Redirect(_page(subscription_id), status_code=303)


@post("/account/subscriptions/{subscription_id:str}/resume", name="portal.resume")
async def resume_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Redirect:
    await lifecycle.resume_subscription(
        SubscriptionId(subscription_id), uow=subscriber.uow(), clock=subscriber.clock,
        config=subscriber.billing, as_customer=subscriber.customer,
    )  # fmt: skip
    flash(request, tr(request, "Resumed: your subscription is active again."), "success")
    return Redirect(_page(subscription_id), status_code=303)
