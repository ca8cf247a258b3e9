"""Checkout: ``/checkout/{plan}`` (the form and the order), its live summary fragment, and the
confirmation page. Each handler parses, calls one use case of ``domain/checkout`` and renders:
the page (``checkout_page``), the summary (``form_summary``), the order (``submit_order``, whose
typed outcome becomes a redirect or the page again) and the confirmation
(``order_confirmation``).

The form is one POST form that works without JavaScript (the promotion code's "Apply" button
posts ``intent=apply`` and gets the page back with the summary); htmx swaps the order summary
(``#order-summary``) while the buyer edits the quantity, add-ons, code or address. The card
number goes to the use case, which has the gateway tokenise it, and no further: it is never
logged, stored or rendered back (after a decline the card fields are empty, everything else is
kept).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from domain.accounts.mailing import Mailing
from domain.accounts.model import SignedIn
from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MIN_PASSWORD
from domain.adapters.country_names import country_choices_in
from domain.adapters.i18n import display_of
from domain.billing.config import BillingConfig
from domain.catalog.cache import CatalogCache
from domain.checkout.form import CardEntry, OrderForm
from domain.checkout.orders import OrderInProgress, order_confirmation
from domain.checkout.page import CheckoutPage, checkout_page, form_summary
from domain.checkout.service import (
    MAX_ADDRESS,
    MAX_CITY,
    MAX_POSTAL,
    BillingDetails,
)
from domain.checkout.submit import (
    Declined,
    NeedsPaymentAction,
    Placed,
    Refused,
    Repriced,
    submit_order,
)
from domain.customers.service import MAX_REGION, MAX_TAX_ID
from domain.payments.ports import PaymentGateway
from domain.promotions.cache import PromotionCache
from domain.shared.clock import Clock
from web.auth import session as auth_session
from web.auth.pages import client_ip
from web.deps import UowFactory
from web.display import current_display
from web.forms import Field, FormSpec, ParsedForm
from web.public.checkout_agreement import shown_agreement, sign_summary
from web.public.rendered import cached_page, keepable, same_by_date
from web.settings import Settings
from web.templating import is_fragment_request, render

PAGE = "public/checkout.html"
SUMMARY = "public/_checkout_summary.html"
# in place of the checkout token while a page is rendered for keeping (URL-safe, never a token)
TOKEN_HOLE = "tokenhole" + secrets.token_hex(16)
COMPLETE = "public/checkout_complete.html"
PROCESSING = "public/checkout_processing.html"

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
# every field of the checkout form (posted, or read from the query string by the page and its
# summary): what reaches the use cases
CHECKOUT_FORM = FormSpec(
    Field("currency", 10),
    Field("quantity", 20, digits=True),
    Field("addon-", 20, prefix=True, digits=True),
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
    Field("card_number", 40, digits=True),
    Field("exp_month", 4, digits=True),
    Field("exp_year", 4, digits=True),
    Field("cvc", 4, digits=True),
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


def _order_form(
    request: Request[Any, Any, Any], plan_code: str, form: ParsedForm, settings: Settings
) -> OrderForm:
    """The form as the use cases read it: the fields as typed (a refused one is empty, its
    message in ``refused``) and the signed summary read back (None unless this server signed
    it)."""
    data = form.values
    return OrderForm(
        plan_code=plan_code,
        currency=data.get("currency", ""),
        quantity=data.get("quantity", ""),
        addons={k.removeprefix("addon-"): v for k, v in data.items() if k.startswith("addon-")},
        promotion_code=data.get("promotion_code", ""),
        details=BillingDetails(
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
        ),
        card=CardEntry(
            number=data.get("card_number", ""),
            exp_month=data.get("exp_month", ""),
            exp_year=data.get("exp_year", ""),
            cvc=data.get("cvc", ""),
        ),
        checkout_token=data.get("checkout_token", ""),
        shown=shown_agreement(data.get("summary_token"), settings.secret_key),
        refused=form.errors,
        apply_only=data.get("intent") == "apply",
        default_currency=settings.default_currency,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )


def _query(request: Request[Any, Any, Any]) -> ParsedForm:
    """The form's fields from the query string (a link from the pricing page, the summary's
    htmx requests); a value the form would refuse is left out."""
    parsed = CHECKOUT_FORM.parse(request.query_params)
    return ParsedForm(values=parsed.values)


def _page_context(
    request: Request[Any, Any, Any],
    page: CheckoutPage,
    typed: Mapping[str, str],
    settings: Settings,
) -> dict[str, Any]:
    """What the checkout page template reads: ``typed`` is echoed back into the inputs (never
    the card or the password)."""
    form = {k: typed.get(k, "") for k in KEPT}
    if page.buyer is not None:
        form["email"] = page.buyer.email
        form["name"] = form["name"] or page.buyer.name
    form["currency"] = page.summary.currency.code
    return {
        "plan": page.plan,
        "summary": page.summary,
        "summary_token": sign_summary(page.summary, settings.secret_key),
        "changed": page.changed,
        "addons": page.addons,
        "picked": page.picked,
        "countries": country_choices_in(current_display(request).language),
        "form": form,
        "errors": page.errors,
        "token": page.token,
        "buyer": page.buyer,
        "checkout": page.checkout,
        "order": page.order,
        "account_exists": page.account_exists,
        "login_url": "/auth/login?next=" + request.url.path,
        "min_password": MIN_PASSWORD,
    }


def _render_page(
    request: Request[Any, Any, Any],
    page: CheckoutPage,
    typed: Mapping[str, str],
    settings: Settings,
    *,
    fragment: str | None = None,
    status_code: int | None = None,
) -> Template:
    """The checkout page: 409 for a summary shown again instead of charged, 422 for messages
    to correct or an order that exists (a declined card), else 200."""
    errors = page.errors
    if status_code is None:
        shown = [k for k in errors if k not in ("promotion_code",)]
        status_code = 409 if page.changed else 422 if shown or page.checkout else 200
    context = _page_context(request, page, typed, settings)
    return render(request, PAGE, fragment, context, status_code=status_code)


def _opened_page(
    request: Request[Any, Any, Any],
    page: CheckoutPage,
    typed: Mapping[str, str],
    settings: Settings,
) -> Template | Response[bytes]:
    """The page opened afresh (200). For an anonymous visitor it is kept rendered
    (``web/public/rendered.py``) and reused while the page's read model is equal (the same
    catalog snapshot, today's prices, the query as typed), its new checkout token put in."""
    if is_fragment_request(request) or not keepable(request):
        return _render_page(request, page, typed, settings, status_code=200)
    shown = replace(page, token=TOKEN_HOLE)
    return cached_page(
        request, PAGE, lambda: _page_context(request, shown, typed, settings), key="checkout",
        model=shown, same=same_by_date(_zone(request, settings)),
        holes={TOKEN_HOLE: page.token}, headers={"Vary": "HX-Request"},
    )  # fmt: skip


def _zone(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The time zone the page's dates are shown in (``date_local``)."""
    return display_of({"request": request}).timezone or settings.default_timezone


async def _fresh_page(
    request: Request[Any, Any, Any],
    plan_code: str,
    *,
    buyer: SignedIn | None,
    catalog: CatalogCache,
    promotions: PromotionCache,
    read_uow: UowFactory,
    clock: Clock,
    settings: Settings,
    billing: BillingConfig,
) -> Template | Response[bytes]:
    query = _query(request)
    page = await checkout_page(
        _order_form(request, plan_code, query, settings),
        buyer=buyer,
        clock=clock,
        catalog=catalog,
        read_uow=read_uow,
        config=billing,
        promotions=promotions,
    )
    return _opened_page(request, page, query.values, settings)


@get("/checkout/{plan_code:str}", name="checkout")
async def show_checkout(
    request: Request[Any, Any, Any],
    plan_code: FromPath[str],
    maybe_signed_in: NamedDependency[SignedIn | None],
    catalog: NamedDependency[CatalogCache],
    promotions: NamedDependency[PromotionCache],
    new_read_uow: NamedDependency[UowFactory],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
    billing: NamedDependency[BillingConfig],
) -> Template | Response[bytes]:
    """The checkout form with its summary (a new checkout token each time it is opened); an
    unknown, retired or add-on plan is a friendly 404."""
    return await _fresh_page(
        request, plan_code, buyer=maybe_signed_in, catalog=catalog, promotions=promotions,
        read_uow=new_read_uow, clock=clock, settings=settings, billing=billing,
    )  # fmt: skip


@get("/checkout/{plan_code:str}/summary", name="checkout.summary")
async def show_checkout_summary(
    request: Request[Any, Any, Any],
    plan_code: FromPath[str],
    maybe_signed_in: NamedDependency[SignedIn | None],
    catalog: NamedDependency[CatalogCache],
    promotions: NamedDependency[PromotionCache],
    new_read_uow: NamedDependency[UowFactory],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
    billing: NamedDependency[BillingConfig],
) -> Template | Response[bytes]:
    """htmx: the order summary for what the form says now (always 200: the summary shows its
    own message for a quantity it cannot price, and the code's message is swapped out of band).
    Without htmx: the whole checkout page."""
    if not is_fragment_request(request):
        return await _fresh_page(
            request, plan_code, buyer=maybe_signed_in, catalog=catalog, promotions=promotions,
            read_uow=new_read_uow, clock=clock, settings=settings, billing=billing,
        )  # fmt: skip
    form = _order_form(request, plan_code, _query(request), settings)
    view = await form_summary(
        form,
        buyer=maybe_signed_in,
        clock=clock,
        catalog=catalog,
        read_uow=new_read_uow,
        config=billing,
        promotions=promotions,
    )
    summary = view.summary
    code = form.promotion_code.strip()

    def context() -> dict[str, Any]:
        return {
            "plan": view.plan,
            "summary": summary,
            "summary_token": sign_summary(summary, settings.secret_key),
            "errors": view.errors,
            "oob": True,
            "promotion_message": summary.promotion_error if code else None,
            "promotion_applied": summary.promotion_code,
        }

    if not keepable(request):
        return render(request, PAGE, SUMMARY, context())
    # kept rendered while what it shows is equal (web/public/rendered.py)
    shown = (view.plan, summary, view.errors, bool(code))
    return cached_page(
        request, SUMMARY, context, key="checkout.summary", model=shown,
        same=same_by_date(_zone(request, settings)),
        headers={"Vary": "HX-Request"},
    )  # fmt: skip


@post("/checkout/{plan_code:str}", name="checkout.submit")
async def submit_checkout(
    request: Request[Any, Any, Any],
    plan_code: FromPath[str],
    data: Form,
    maybe_signed_in: NamedDependency[SignedIn | None],
    new_uow: NamedDependency[UowFactory],
    new_read_uow: NamedDependency[UowFactory],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
    billing: NamedDependency[BillingConfig],
    payment_gateway: NamedDependency[PaymentGateway],
    hasher: NamedDependency[PasswordHasher],
    mailing: NamedDependency[Mailing],
) -> Template | Redirect:
    """Place the order (or, with ``intent=apply``, re-render the page with the code applied).
    A token whose order is under way or done redirects to its outcome; a decline re-renders
    the payment step (422) with the gateway's message and the stored order; an order that
    would not charge what its summary said is shown again (409) and nothing happens."""
    parsed = CHECKOUT_FORM.parse(data)
    outcome = await submit_order(
        _order_form(request, plan_code, parsed, settings),
        buyer=maybe_signed_in,
        uow=new_uow,
        read_uow=new_read_uow,
        clock=clock,
        config=billing,
        gateway=payment_gateway,
        hasher=hasher,
        mailing=mailing,
    )
    if outcome.grant is not None:  # the order created the account: the buyer is signed in
        auth_session.begin(request, outcome.grant)
    match outcome:
        case Placed(session=session):
            return Redirect(f"/checkout/complete/{session.token}", status_code=303)
        case NeedsPaymentAction(session=session, payment_ref=ref):
            return Redirect(
                f"/pay/confirm/{ref}?return=/checkout/complete/{session.token}", status_code=303
            )
        case Repriced(page=page):
            status = 422 if page.errors else 200
            return _render_page(request, page, parsed.values, settings, status_code=status)
        case Refused(page=page) | Declined(page=page):
            return _render_page(request, page, parsed.values, settings)


@get("/checkout/complete/{token:str}", name="checkout.complete")
async def show_checkout_complete(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    maybe_signed_in: NamedDependency[SignedIn | None],
    new_uow: NamedDependency[UowFactory],
    new_read_uow: NamedDependency[UowFactory],
    clock: NamedDependency[Clock],
    mailing: NamedDependency[Mailing],
) -> Template:
    """The confirmation for the buyer's session. An order still being placed (a second click
    got here first) shows a page that refreshes itself; anyone else gets a 404."""
    order = await order_confirmation(
        token,
        account_id=maybe_signed_in.account_id if maybe_signed_in else None,
        uow=new_uow,
        read_uow=new_read_uow,
        clock=clock,
        mailing=mailing,
    )
    if isinstance(order, OrderInProgress):
        return render(request, PROCESSING, None, {"token": order.token})
    return render(request, COMPLETE, None, {"order": order})
