"""Checkout: ``/checkout/{plan}`` (the form and the order), its live summary fragment, and the
confirmation page.

The form is one POST form that works without JavaScript (the promotion code's "Apply" button
posts ``intent=apply`` and gets the page back with the summary); htmx swaps the order summary
(``#order-summary``) while the buyer edits the quantity, add-ons, code or address. The card
number goes to the gateway adapter to be tokenised and no further: it is never logged, stored or
rendered back (after a decline the card fields are empty, everything else is kept).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from domain.accounts.model import SignedIn
from domain.accounts.rules import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MIN_PASSWORD
from domain.checkout.model import CheckoutSession, CheckoutState
from domain.checkout.orders import OrderOnFile, order_on_file, show_order
from domain.checkout.placing import can_place, get_checkout, place_order
from domain.checkout.service import (
    ACCOUNT_EXISTS,
    MAX_ADDRESS,
    MAX_CITY,
    MAX_POSTAL,
    BillingDetails,
    CheckoutErrorCode,
    OrderChoice,
    SummaryView,
    check_billing_details,
    check_choice,
    checkout_plan,
    country_choices,
    order_summary,
)
from domain.checkout.summary import OrderSummary
from domain.customers.service import MAX_REGION, MAX_TAX_ID
from domain.shared.errors import Conflict, DomainError, ValidationFailed
from web.auth import session as auth_session
from web.auth.pages import client_ip
from web.forms import Field, FormSpec, ParsedForm
from web.public.checkout_agreement import SummaryChanged, sign_summary, summary_changed
from web.runtime import Runtime
from web.templating import is_fragment_request, render

PAGE = "public/checkout.html"
SUMMARY = "public/_checkout_summary.html"
COMPLETE = "public/checkout_complete.html"
PROCESSING = "public/checkout_processing.html"

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
# every field of the checkout form (posted, or read from the query string by the page and its
# summary): what reaches the use cases
CHECKOUT_FORM = FormSpec(
    Field("currency", 10),
    Field("quantity", 20),
    Field("addon-", 20, prefix=True),
    Field("promotion_code", 64),
    Field("name", MAX_NAME),
    Field("email", MAX_EMAIL),
    Field("password", MAX_PASSWORD),
    Field("country", 10),
    Field("region", MAX_REGION),
    Field("address_line1", MAX_ADDRESS),
    Field("address_line2", MAX_ADDRESS),
    Field("city", MAX_CITY),
    Field("postal_code", MAX_POSTAL),
    Field("tax_id", MAX_TAX_ID),
    Field("card_number", 40),
    Field("exp_month", 4),
    Field("exp_year", 4),
    Field("cvc", 4),
    Field("checkout_token", 64),
    Field("summary_token", 4000),  # the summary shown, signed (checkout_agreement.py)
    Field("intent", 20),
)

# what the page echoes back into its inputs (never the card or the password)
KEPT = (
    "currency",
    "quantity",
    "promotion_code",
    "name",
    "email",
    "country",
    "region",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "tax_id",
)
CARD_MISSING = {
    "card_number": "Enter your card number.",
    "exp_month": "Enter the month (MM).",
    "exp_year": "Enter the year (YY).",
    "cvc": "Enter the security code.",
}


def _addons(data: Mapping[str, str]) -> dict[str, str]:
    return {k.removeprefix("addon-"): v for k, v in data.items() if k.startswith("addon-")}


def _details(data: Mapping[str, str]) -> BillingDetails:
    return BillingDetails(
        name=data.get("name", ""),
        email=data.get("email", ""),
        password=data.get("password", ""),
        country=data.get("country", ""),
        region=data.get("region", ""),
        address_line1=data.get("address_line1", ""),
        address_line2=data.get("address_line2", ""),
        city=data.get("city", ""),
        postal_code=data.get("postal_code", ""),
        tax_id=data.get("tax_id", ""),
    )


async def _view(
    runtime: Runtime, plan_code: str, data: Mapping[str, str], buyer: SignedIn | None
) -> SummaryView:
    """The plan, the choice as typed (its errors), the add-ons and the summary: one transaction."""
    return await order_summary(
        plan_code,
        currency=data.get("currency"),
        quantity=data.get("quantity"),
        addons=_addons(data),
        promotion_code=data.get("promotion_code"),
        country=data.get("country"),
        region=data.get("region"),
        tax_id=data.get("tax_id"),
        customer_id=buyer.customer_id if buyer else None,
        default_currency=runtime.settings.default_currency,
        now=runtime.clock.now(),
        uow=runtime.read_uow(),
        config=runtime.settings.billing,
    )


async def _on_file(
    runtime: Runtime, checkout: CheckoutSession, buyer: SignedIn | None
) -> OrderOnFile:
    return await order_on_file(
        checkout.token,
        account_id=buyer.account_id if buyer else None,
        uow=runtime.read_uow(),
        config=runtime.settings.billing,
    )


async def _page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    plan_code: str,
    data: Mapping[str, str],
    *,
    buyer: SignedIn | None,
    token: str,
    errors: dict[str, str] | None = None,
    checkout: CheckoutSession | None = None,
    fragment: str | None = None,
    changed: SummaryChanged | None = None,
) -> Template:
    """The checkout page for the form as posted; once the order exists (a declined card), the
    stored order instead, with only the card to enter."""
    if checkout is not None and checkout.subscription_id is None:
        checkout = None  # nothing was ordered yet: the form as it was
    on_file = await _on_file(runtime, checkout, buyer) if checkout is not None else None
    if on_file is not None:
        summary, plan, addons, view_errors = on_file.summary, on_file.summary.plan, [], {}
        picked = {a.code: n for a, n in on_file.addons}
    else:
        view = await _view(runtime, plan_code, data, buyer)
        summary, plan, addons, view_errors = view.summary, view.plan, view.addons, view.errors
        picked = {a.code: n for a, n in view.choice.addons}
    errors = {**view_errors, **(errors or {})}
    if summary.promotion_error and (data.get("promotion_code") or "").strip():
        errors.setdefault("promotion_code", summary.promotion_error)
    form = {k: data.get(k, "") for k in KEPT}
    if buyer is not None:
        form["email"] = buyer.email
        form["name"] = form["name"] or buyer.name
    form["currency"] = summary.currency.code
    context = {
        "plan": plan,
        "summary": summary,
        "summary_token": sign_summary(summary, runtime.settings.secret_key),
        "changed": changed,
        "addons": addons,
        "picked": picked,
        "countries": country_choices(),
        "form": form,
        "errors": errors,
        "token": token,
        "buyer": buyer,
        "checkout": checkout,
        "order": on_file,
        "account_exists": errors.get("email") == ACCOUNT_EXISTS,
        "login_url": "/auth/login?next=" + request.url.path,
        "min_password": MIN_PASSWORD,
    }
    shown = [k for k in errors if k not in ("promotion_code",)]
    status = 409 if changed else 422 if shown or checkout else 200
    return render(request, PAGE, fragment, context, status_code=status)


@get("/checkout/{plan_code:str}", name="checkout")
async def show_checkout(
    request: Request[Any, Any, Any],
    plan_code: FromPath[str],
    runtime: NamedDependency[Runtime],
    maybe_signed_in: NamedDependency[SignedIn | None],
) -> Template:
    """The checkout form with its summary (a new checkout token each time it is opened); an
    unknown, retired or add-on plan is a friendly 404."""
    return await _fresh_page(request, plan_code, runtime, maybe_signed_in)


def _query(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The form's fields from the query string (a link from the pricing page, the summary's
    htmx requests); a value the form would refuse is left out."""
    return CHECKOUT_FORM.parse(request.query_params).values


async def _fresh_page(
    request: Request[Any, Any, Any], plan_code: str, runtime: Runtime, buyer: SignedIn | None
) -> Template:
    template = await _page(
        request, runtime, plan_code, _query(request), buyer=buyer, token=secrets.token_urlsafe(24)
    )
    template.status_code = 200
    return template


@get("/checkout/{plan_code:str}/summary", name="checkout.summary")
async def show_checkout_summary(
    request: Request[Any, Any, Any],
    plan_code: FromPath[str],
    runtime: NamedDependency[Runtime],
    maybe_signed_in: NamedDependency[SignedIn | None],
) -> Template:
    """htmx: the order summary for what the form says now (always 200: the summary shows its
    own message for a quantity it cannot price, and the code's message is swapped out of band).
    Without htmx: the whole checkout page."""
    if not is_fragment_request(request):
        return await _fresh_page(request, plan_code, runtime, maybe_signed_in)
    data = _query(request)
    view = await _view(runtime, plan_code, data, maybe_signed_in)
    summary = view.summary
    code = (data.get("promotion_code") or "").strip()
    context = {
        "plan": view.plan,
        "summary": summary,
        "summary_token": sign_summary(summary, runtime.settings.secret_key),
        "errors": view.errors,
        "oob": True,
        "promotion_message": summary.promotion_error if code else None,
        "promotion_applied": summary.promotion_code,
    }
    return render(request, PAGE, SUMMARY, context)


def _outcome(checkout: CheckoutSession) -> Redirect:
    return Redirect(f"/checkout/complete/{checkout.token}", status_code=303)


@post("/checkout/{plan_code:str}", name="checkout.submit")
async def submit_checkout(
    request: Request[Any, Any, Any],
    plan_code: FromPath[str],
    data: Form,
    runtime: NamedDependency[Runtime],
    maybe_signed_in: NamedDependency[SignedIn | None],
) -> Template | Redirect:
    """Place the order (or, with ``intent=apply``, re-render the page with the code applied).
    A token whose order is under way or done redirects to its outcome; a decline re-renders
    the payment step (422) with the gateway's message and the stored order; an order that
    would not charge what its summary said is shown again (409) and nothing happens."""
    plan = await checkout_plan(plan_code, uow=runtime.read_uow())
    form: ParsedForm = CHECKOUT_FORM.parse(data)
    data = form.values
    token = data.get("checkout_token", "").strip() or secrets.token_urlsafe(24)
    buyer = maybe_signed_in

    async def again(
        errors: dict[str, str],
        checkout: CheckoutSession | None = None,
        changed: SummaryChanged | None = None,
    ) -> Template:
        return await _page(
            request, runtime, plan_code, data, buyer=buyer, token=token, errors=errors,
            checkout=checkout, changed=changed,
        )  # fmt: skip

    if data.get("intent") == "apply":
        page = await _page(
            request, runtime, plan_code, data, buyer=buyer, token=token, errors=form.errors
        )
        page.status_code = 422 if page.context["errors"] else 200
        return page
    existing = await get_checkout(token, uow=runtime.read_uow())
    if existing is not None and not can_place(existing, runtime.clock.now()):
        return _outcome(existing)
    retry = existing if existing is not None and existing.subscription_id is not None else None
    errors: dict[str, str] = {}
    choice: OrderChoice | None = None
    summary: OrderSummary | None = None
    if retry is not None:  # the order exists: only the card is new
        summary = (await _on_file(runtime, retry, buyer)).summary
    else:
        try:
            choice = await check_choice(
                plan,
                currency=data.get("currency"),
                quantity=data.get("quantity"),
                addons=_addons(data),
                uow=runtime.read_uow(),
            )
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
        try:
            await check_billing_details(
                _details(data),
                currency=choice.currency if choice else plan.currencies[0],
                buyer=buyer,
                uow=runtime.read_uow(),
            )
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
        if choice is not None:
            summary = (await _view(runtime, plan_code, data, buyer)).summary
            if summary.promotion_error and (data.get("promotion_code") or "").strip():
                errors["promotion_code"] = summary.promotion_error
    card_token = ""
    missing = {k: m for k, m in CARD_MISSING.items() if not data.get(k, "").strip()}
    errors.update(missing)
    if not missing:
        try:
            card_token = await runtime.gateway.tokenize_card(
                number=data.get("card_number", ""),
                exp_month=_int(data.get("exp_month")),
                exp_year=_expiry_year(data.get("exp_year")),
                cvc=data.get("cvc", "").strip(),
            )
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    errors.update(form.errors)  # a field refused as typed: its own message, not "enter ..."
    if errors:
        return await again(errors, retry)
    assert summary is not None
    changed = summary_changed(data.get("summary_token"), summary, runtime.settings.secret_key)
    if changed is not None:  # not what the buyer was shown: show it, charge nothing
        return await again({}, retry, changed)
    if choice is None:  # a retry: the order exists; only the card is new
        choice = await check_choice(
            plan, currency=None, quantity=None, addons={}, uow=runtime.read_uow()
        )
    try:
        placed = await place_order(
            choice,
            _details(data),
            token=token,
            promotion_code=data.get("promotion_code"),
            agreed_total=summary.total_today,
            card_token=card_token,
            buyer=buyer,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
            uow=runtime.uow,
            clock=runtime.clock,
            config=runtime.settings.billing,
            gateway=runtime.gateway,
            hasher=runtime.hasher,
            mailing=runtime.mailing,
        )
    except ValidationFailed as exc:
        return await again(exc.field_errors)
    except Conflict as exc:
        if exc.code != CheckoutErrorCode.TOTAL_CHANGED:
            raise
        checkout = await get_checkout(token, uow=runtime.read_uow())
        return await again({}, checkout, SummaryChanged(summary.total_today))
    except DomainError as exc:
        checkout = await get_checkout(token, uow=runtime.read_uow())
        return await again({"card_number": exc.message}, checkout)
    if placed.grant is not None:
        auth_session.begin(request, placed.grant)
        buyer = placed.grant.signed_in
    if placed.state is CheckoutState.DECLINED:
        return await again({}, placed.session)
    if placed.state is CheckoutState.AWAITING_ACTION and placed.session.payment_ref:
        return Redirect(
            f"/pay/confirm/{placed.session.payment_ref}"
            f"?return=/checkout/complete/{placed.session.token}",
            status_code=303,
        )
    return _outcome(placed.session)


def _int(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return 0


def _expiry_year(value: str | None) -> int:
    """Two-digit years as printed on cards (``34`` is 2034)."""
    year = _int(value)
    return 2000 + year if 0 <= year < 100 and (value or "").strip() else year


@get("/checkout/complete/{token:str}", name="checkout.complete")
async def show_checkout_complete(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    runtime: NamedDependency[Runtime],
    maybe_signed_in: NamedDependency[SignedIn | None],
) -> Template:
    """The confirmation for the buyer's session. An order still being placed (a second click
    got here first) shows a page that refreshes itself; anyone else gets a 404."""
    checkout = await get_checkout(token, uow=runtime.read_uow())
    if checkout is not None and checkout.state in (CheckoutState.PROCESSING, CheckoutState.OPEN):
        return render(request, PROCESSING, None, {"token": token})
    order = await show_order(
        token,
        account_id=maybe_signed_in.account_id if maybe_signed_in else None,
        uow=runtime.uow,
        clock=runtime.clock,
        mailing=runtime.mailing,
    )
    return render(request, COMPLETE, None, {"order": order})
