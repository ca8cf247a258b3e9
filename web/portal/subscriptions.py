"""Changing a subscription from the portal: plan or seats with the engine's quote (live with
htmx, a plain GET form without JavaScript), confirming exactly the quoted price, undoing a
scheduled change, the cancellation flow (reason, offers, period end or now), and pause/resume.

Every command is a plain form post answered with 303 (post-redirect-get); refused state changes
(``Conflict``/``InvalidTransition``) come back as a flash message on the page they came from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.accounts.model import SignedIn
from domain.shared.errors import Conflict, ValidationFailed
from domain.shared.ids import SubscriptionId
from domain.subscriptions import lifecycle, plan_changes, reads
from domain.subscriptions.addons import addon_offers
from domain.subscriptions.engine import ProrationBehavior, Refund, Timing
from domain.subscriptions.model import CancellationReason
from domain.subscriptions.portal import (
    cancel_with_feedback,
    cancellation_offers,
    change_choices,
    explain_quote,
    pause_resume_at,
    preview_cancellation,
    renewal_after_change,
    subscription_detail,
)
from domain.subscriptions.quotes import ChangeQuote
from domain.subscriptions.usage import usage_this_period
from web.forms import Field, FormSpec
from web.portal import money_in, portal_context
from web.portal.overview import customer_of, detail_context
from web.runtime import Runtime
from web.templating import render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
CHANGE_FORM = FormSpec(Field("quote", 2_000), Field("plan", 64), Field("quantity", 20))
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
    """A quote's terms (not its lines: confirming recomputes them) with an HMAC, so a
    subscriber cannot confirm terms that were never quoted."""
    body = json.dumps(terms, separators=(",", ":")).encode()
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(body).decode() + "." + mac


def read_terms(token: str, secret: str, *, kind: str) -> dict[str, Any] | None:
    """The terms signed by ``sign_terms`` for a quote of ``kind`` ("plan" or "addon"); None
    when the token was not signed here or was signed for the other kind of change."""
    encoded, _, mac = token.partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded.encode())
    except (ValueError, TypeError):
        return None
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        return None
    data = json.loads(body)
    return data if isinstance(data, dict) and data.get("kind", "plan") == kind else None


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
    signed_in: SignedIn,
    runtime: Runtime,
    subscription_id: str,
    plan: str | None,
    quantity: str | None,
    *,
    notice: str | None = None,
) -> tuple[dict[str, Any], int]:
    """The plan form, priced at the chosen seats, and the engine's quote. The seat field exists
    only for a plan that bills by the seat; a flat plan ignores any ``quantity`` sent."""
    customer = customer_of(signed_in)
    sid = SubscriptionId(subscription_id)
    detail = await subscription_detail(
        sid, uow=runtime.uow(), clock=runtime.clock, config=runtime.settings.billing,
        as_customer=customer,
    )  # fmt: skip
    view = detail.view
    plan_code = plan or view.plan_code
    errors: dict[str, str] = {}
    qty: int | None = view.quantity
    raw_qty = (quantity or "").strip()
    if raw_qty:
        qty = int(raw_qty) if raw_qty.isascii() and raw_qty.isdigit() and len(raw_qty) <= 9 else 0
    choices = await change_choices(
        sid, uow=runtime.uow(), as_customer=customer, quantity=qty or view.quantity
    )
    chosen = next((c for c in choices if c.code == plan_code), None)
    if chosen is None:
        errors["plan"] = "Choose one of the plans listed."
    seats = chosen.seats if chosen is not None else view.seats
    explained = None
    token = None
    renewal = None
    same_seats = not seats or qty == view.quantity
    unchanged = not errors and plan_code == view.plan_code and same_seats
    if not errors and not unchanged:
        try:  # the use case judges the seats against the plan's limit (check_seats)
            quote = await plan_changes.quote_subscription_change(
                sid,
                plan_code=None if plan_code == view.plan_code else plan_code,
                quantity=qty
                if seats and (qty != view.quantity or plan_code != view.plan_code)
                else None,
                uow=runtime.uow(),
                clock=runtime.clock,
                config=runtime.settings.billing,
                as_customer=customer,
            )
        except ValidationFailed as refused:
            errors.update(refused.field_errors)
            qty = None
        else:
            explained = explain_quote(quote, period_end=view.period_end)
            token = sign_quote(quote, runtime.settings.secret_key)
            if explained.immediate:
                renewal = await renewal_after_change(
                    sid, quote, uow=runtime.uow(), clock=runtime.clock,
                    config=runtime.settings.billing, as_customer=customer,
                )  # fmt: skip
    addons = await addon_offers(sid, uow=runtime.uow(), as_customer=customer)
    usage = await usage_this_period(
        sid, uow=runtime.uow(), clock=runtime.clock, config=runtime.settings.billing,
        as_customer=customer,
    )  # fmt: skip
    context = portal_context(
        signed_in,
        sub=view,
        choices=choices,
        seats=seats,
        hint_quantity=qty or view.quantity,
        form={"plan": plan_code, "quantity": raw_qty or str(view.quantity)},
        errors=errors,
        quote=explained,
        quote_token=token,
        confirm_action=_page(subscription_id, "/change"),
        renewal=renewal,
        unchanged=unchanged,
        notice=notice,
        addons=addons,
        usage=usage,
        mon=money_in(view.currency),
    )
    return context, 422 if errors else 200


@get("/account/subscriptions/{subscription_id:str}/change", name="portal.change")
async def edit_subscription_change(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
    plan: FromQuery[str | None] = None,
    quantity: FromQuery[str | None] = None,
) -> Template:
    """The change form and the engine's quote. With htmx, typing seats swaps the quote and the
    plans' prices (``HX-Target: change-quote``); choosing a plan swaps the form too, so the seat
    field comes and goes with the plan."""
    context, status = await _change_context(signed_in, runtime, subscription_id, plan, quantity)
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
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Template | Redirect:
    """Charge exactly the quote; an expired or stale quote shows the fresh one and says why."""
    customer = customer_of(signed_in)
    form = CHANGE_FORM.parse(data)
    data = form.values
    quote = read_quote(data.get("quote", ""), runtime.settings.secret_key)
    try:
        if quote is None:
            raise Conflict("That price could not be read. Please review the current price.")
        outcome = await plan_changes.confirm_subscription_change(
            SubscriptionId(subscription_id), quote, uow=runtime.uow(), clock=runtime.clock,
            config=runtime.settings.billing, as_customer=customer,
        )  # fmt: skip
    except Conflict as refused:
        context, _ = await _change_context(
            signed_in, runtime, subscription_id, data.get("plan"), data.get("quantity"),
            notice=refused.message,
        )  # fmt: skip
        return render(request, "portal/change.html", None, context, status_code=409)
    charged = next((i for i in outcome.invoices if i.invoice.amount_due > 0), None)
    if quote.timing is Timing.PERIOD_END:
        flash(request, "Your change is scheduled for the end of the billing period.", "success")
        return Redirect(_page(subscription_id), status_code=303)
    flash(request, "Your subscription was changed.", "success")
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
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Redirect:
    await lifecycle.cancel_scheduled_change(
        SubscriptionId(subscription_id), uow=runtime.uow(), clock=runtime.clock,
        config=runtime.settings.billing, as_customer=customer_of(signed_in),
    )  # fmt: skip
    flash(request, "The scheduled change was cancelled: your plan stays as it is.", "success")
    return Redirect(_page(subscription_id), status_code=303)


# -- cancellation ---------------------------------------------------------------------------------
async def _cancel_context(
    signed_in: SignedIn,
    runtime: Runtime,
    subscription_id: str,
    form: dict[str, str],
    errors: dict[str, str],
) -> dict[str, Any]:
    customer = customer_of(signed_in)
    sid = SubscriptionId(subscription_id)
    context = await detail_context(signed_in, runtime, subscription_id)
    reason = form.get("reason", "")
    valid_reason = reason in {r for r, _ in REASONS}
    offers = None
    if valid_reason:
        offers = await cancellation_offers(
            sid, reason=reason, retention_coupon=runtime.settings.portal.retention_coupon,
            uow=runtime.uow(), clock=runtime.clock, as_customer=customer,
        )  # fmt: skip
    refund = runtime.settings.portal.cancel_now_refund
    now_preview = await preview_cancellation(
        sid, refund=refund, uow=runtime.uow(), clock=runtime.clock,
        config=runtime.settings.billing, as_customer=customer,
    )  # fmt: skip
    context.update(
        reasons=REASONS,
        form=form,
        errors=errors,
        step=2 if valid_reason else 1,
        offers=offers,
        refund_policy=refund.value,
        now_preview=now_preview,
    )
    return context


@get("/account/subscriptions/{subscription_id:str}/cancel", name="portal.cancel")
async def cancel_subscription_form(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
    reason: FromQuery[str | None] = None,
    comment: FromQuery[str | None] = None,
) -> Template:
    """Step 1 asks why; step 2 (a reason given) offers what fits it and the way out."""
    form = {"reason": reason or "", "comment": comment or "", "timing": "period_end"}
    context = await _cancel_context(signed_in, runtime, subscription_id, form, {})
    return render(request, "portal/cancel.html", "portal/_cancel_step.html", context)


@post("/account/subscriptions/{subscription_id:str}/cancel", name="portal.cancel.submit")
async def cancel_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    data: Form,
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
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
            refund=runtime.settings.portal.cancel_now_refund
            if timing is Timing.IMMEDIATE
            else Refund.NONE,
            uow=runtime.uow(),
            clock=runtime.clock,
            config=runtime.settings.billing,
            as_customer=customer_of(signed_in),
        )
    except ValidationFailed as bad:
        context = await _cancel_context(
            signed_in, runtime, subscription_id, form, dict(bad.field_errors)
        )
        return render(request, "portal/cancel.html", None, context, status_code=422)
    if timing is Timing.IMMEDIATE:
        flash(request, "Your subscription is cancelled.", "success")
    else:
        flash(
            request,
            "Your subscription will end on "
            f"{outcome.subscription.period_end:%-d %B %Y}. You can undo this until then.",
            "success",
        )
    return Redirect(_page(subscription_id), status_code=303)


@post("/account/subscriptions/{subscription_id:str}/uncancel", name="portal.uncancel")
async def uncancel_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Redirect:
    await lifecycle.uncancel_subscription(
        SubscriptionId(subscription_id), uow=runtime.uow(), clock=runtime.clock,
        config=runtime.settings.billing, as_customer=customer_of(signed_in),
    )  # fmt: skip
    flash(request, "Welcome back: your subscription continues.", "success")
    return Redirect(_page(subscription_id), status_code=303)


@post("/account/subscriptions/{subscription_id:str}/retention-coupon", name="portal.retention")
async def apply_retention_coupon(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Redirect:
    code = runtime.settings.portal.retention_coupon
    if code is None:
        # someone else's id is "not found" whatever the configuration
        await reads.get_subscription(
            SubscriptionId(subscription_id), uow=runtime.uow(), as_customer=customer_of(signed_in)
        )
        raise Conflict("There is no offer to apply.", code="portal.no_retention_coupon")
    await lifecycle.apply_coupon(
        SubscriptionId(subscription_id), code, uow=runtime.uow(), clock=runtime.clock,
        config=runtime.settings.billing, as_customer=customer_of(signed_in),
    )  # fmt: skip
    flash(request, f"Offer {code} applied: thank you for staying.", "success")
    return Redirect(_page(subscription_id), status_code=303)


# -- pause and resume -----------------------------------------------------------------------------
@post("/account/subscriptions/{subscription_id:str}/pause", name="portal.pause")
async def pause_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    data: Form,
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Template | Redirect:
    """Pause for 1-3 billing periods (``periods``) or until a date (``periods=until`` + ``until``)."""
    customer = customer_of(signed_in)
    sid = SubscriptionId(subscription_id)
    form = PAUSE_FORM.parse(data)
    data = form.values
    choice = data.get("periods", "")
    try:
        if form.errors:
            raise ValidationFailed(form.errors, code="portal.bad_pause")
        if choice == "until":
            try:
                day = date.fromisoformat(data.get("until", ""))
            except ValueError:
                raise ValidationFailed(
                    {"until": "Enter a date."}, code="portal.bad_pause"
                ) from None
            resume_at = await pause_resume_at(
                sid, until=datetime.combine(day, time(0), tzinfo=UTC), uow=runtime.uow(),
                clock=runtime.clock, as_customer=customer,
            )  # fmt: skip
        else:
            resume_at = await pause_resume_at(
                sid, periods=int(choice) if choice.isdigit() else None, uow=runtime.uow(),
                clock=runtime.clock, as_customer=customer,
            )  # fmt: skip
        await lifecycle.pause_subscription(
            sid, resume_at=resume_at, uow=runtime.uow(), clock=runtime.clock,
            config=runtime.settings.billing, as_customer=customer,
        )  # fmt: skip
    except ValidationFailed as bad:
        context = await detail_context(
            signed_in, runtime, subscription_id, pause_errors=dict(bad.field_errors),
            pause_form={"periods": choice, "until": data.get("until", "")},
        )  # fmt: skip
        return render(request, "portal/subscription.html", None, context, status_code=422)
    flash(request, f"Paused. Your subscription resumes on {resume_at:%-d %B %Y}.", "success")
    return Redirect(_page(subscription_id), status_code=303)


@post("/account/subscriptions/{subscription_id:str}/resume", name="portal.resume")
async def resume_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Redirect:
    await lifecycle.resume_subscription(
        SubscriptionId(subscription_id), uow=runtime.uow(), clock=runtime.clock,
        config=runtime.settings.billing, as_customer=customer_of(signed_in),
    )  # fmt: skip
    flash(request, "Resumed: your subscription is active again.", "success")
    return Redirect(_page(subscription_id), status_code=303)
