"""Adding, changing or removing an add-on from the portal, with the same binding quote as a plan
change: a GET form shows the engine's exact price (htmx swaps it while the quantity is typed),
the quote travels signed in a hidden field, and a plain POST charges exactly it (303), or shows
the fresh price (409) when it expired or the subscription changed since."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.accounts.model import SignedIn
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import SubscriptionId
from domain.subscriptions.addons import (
    AddonQuote,
    addon_offers,
    confirm_addon_change,
    quote_addon_change,
)
from domain.subscriptions.engine import ProrationBehavior
from domain.subscriptions.portal import explain_quote, subscription_detail
from web.forms import Field, FormSpec
from web.portal import money_in, portal_context
from web.portal.overview import customer_of
from web.portal.subscriptions import Form, read_terms, sign_terms
from web.runtime import Runtime
from web.templating import render

ADDON_FORM = FormSpec(Field("quote", 2_000), Field("quantity", 20))


def _url(subscription_id: str, code: str) -> str:
    return f"/account/subscriptions/{subscription_id}/addons/{code}"


def sign_addon_quote(quote: AddonQuote, secret: str) -> str:
    return sign_terms(
        {
            "kind": "addon",
            "at": quote.at.isoformat(),
            "addon": quote.addon_code,
            "quantity": quote.quantity,
            "proration": quote.proration.value,
            "version": quote.version,
        },
        secret,
    )


def read_addon_quote(token: str, secret: str) -> AddonQuote | None:
    data = read_terms(token, secret, kind="addon")
    if data is None:
        return None
    return AddonQuote(
        at=datetime.fromisoformat(data["at"]),
        addon_code=data["addon"],
        quantity=int(data["quantity"]),
        proration=ProrationBehavior(data["proration"]),
        version=data["version"],
        invoice=None,
        pending_lines=(),
        renewal=None,
    )


async def _addon_context(
    signed_in: SignedIn,
    runtime: Runtime,
    subscription_id: str,
    code: str,
    quantity: str | None,
    *,
    notice: str | None = None,
) -> tuple[dict[str, Any], int]:
    customer = customer_of(signed_in)
    sid = SubscriptionId(subscription_id)
    detail = await subscription_detail(
        sid, uow=runtime.uow(), clock=runtime.clock, config=runtime.settings.billing,
        as_customer=customer,
    )  # fmt: skip
    view = detail.view
    offer = next(
        (o for o in await addon_offers(sid, uow=runtime.uow(), as_customer=customer)
         if o.code == code),
        None,
    )  # fmt: skip
    if offer is None:
        raise NotFound("That add-on is not available for this subscription.")
    errors: dict[str, str] = {}
    raw = (quantity or "").strip() or str(0 if offer.attached and not offer.per_unit else 1)
    qty = int(raw) if raw.isascii() and raw.isdigit() else None
    if qty is None or qty > offer.max_quantity:
        errors["quantity"] = (
            f"Enter a whole number of blocks of {offer.unit_label} from 0 to "
            f"{offer.max_quantity:,} (0 removes it)."
            if offer.per_unit
            else "Choose to add it (1) or remove it (0)."
        )
    elif qty == 0 and not offer.attached:
        errors["quantity"] = f"{offer.name} is not on your subscription: choose at least 1."
    unchanged = not errors and qty == offer.quantity
    explained, token = None, None
    if not errors and not unchanged and qty is not None:
        try:
            quote = await quote_addon_change(
                sid, code, qty, uow=runtime.uow(), clock=runtime.clock,
                config=runtime.settings.billing, as_customer=customer,
            )  # fmt: skip
        except ValidationFailed as bad:
            errors.update(bad.field_errors or {"quantity": bad.message})
        else:
            explained = explain_quote(quote, period_end=view.period_end)
            token = sign_addon_quote(quote, runtime.settings.secret_key)
    context = portal_context(
        signed_in,
        sub=view,
        offer=offer,
        form={"quantity": raw},
        errors=errors,
        quote=explained,
        quote_token=token,
        confirm_action=_url(subscription_id, code),
        confirm_fields={"quantity": raw},
        empty_text="Choose another quantity to see what it costs."
        if offer.per_unit
        else f"{offer.name} is already on your subscription.",
        renewal=explained.quote.renewal
        if explained is not None and isinstance(explained.quote, AddonQuote)
        else None,
        unchanged=unchanged,
        notice=notice,
        mon=money_in(view.currency),
    )
    return context, 422 if errors else 200


@get("/account/subscriptions/{subscription_id:str}/addons/{code:str}", name="portal.addon")
async def edit_addon(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    code: FromPath[str],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
    quantity: FromQuery[str | None] = None,
) -> Template:
    """The add-on, its quantity (a block count; a flat add-on is 1 or 0) and the engine's quote;
    htmx swaps only the quote as the quantity changes."""
    context, status = await _addon_context(signed_in, runtime, subscription_id, code, quantity)
    if request.headers.get("hx-request"):
        status = 200  # htmx swaps 2xx only: the fragment carries the field error itself
    return render(
        request, "portal/addon.html", "portal/_change_quote.html", context, status_code=status
    )


@post("/account/subscriptions/{subscription_id:str}/addons/{code:str}", name="portal.addon.confirm")
async def confirm_addon(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    code: FromPath[str],
    data: Form,
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Template | Redirect:
    """Charge exactly the quote; an expired or stale quote shows the fresh one and says why."""
    data = ADDON_FORM.parse(data).values
    quote = read_addon_quote(data.get("quote", ""), runtime.settings.secret_key)
    try:
        if quote is None or quote.addon_code != code:
            raise Conflict("That price could not be read. Please review the current price.")
        outcome = await confirm_addon_change(
            SubscriptionId(subscription_id), quote, uow=runtime.uow(), clock=runtime.clock,
            config=runtime.settings.billing, as_customer=customer_of(signed_in),
        )  # fmt: skip
    except Conflict as refused:
        context, _ = await _addon_context(
            signed_in, runtime, subscription_id, code, data.get("quantity"),
            notice=refused.message,
        )  # fmt: skip
        return render(request, "portal/addon.html", None, context, status_code=409)
    name = next(
        (o.name for o in await addon_offers(
            SubscriptionId(subscription_id), uow=runtime.uow(), as_customer=customer_of(signed_in)
        ) if o.code == code),
        "The add-on",
    )  # fmt: skip
    flash(
        request,
        f"{name} was removed." if quote.quantity == 0 else f"{name} is on your subscription.",
        "success",
    )
    page = f"/account/subscriptions/{subscription_id}"
    charged = next((i for i in outcome.invoices if i.invoice.amount_due > 0), None)
    if charged is not None:
        return Redirect(f"{page}?charged={charged.id}", status_code=303)
    return Redirect(page, status_code=303)
