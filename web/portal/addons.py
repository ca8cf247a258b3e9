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

from domain.shared.errors import Conflict
from domain.shared.ids import SubscriptionId
from domain.subscriptions.addon_options import addon_view, confirm_addon_quote
from domain.subscriptions.addons import AddonQuote
from domain.subscriptions.engine import ProrationBehavior
from web.display import tr
from web.forms import Field, FormSpec, number_text
from web.portal import money_in, portal_context
from web.portal.scope import Subscriber
from web.portal.subscriptions import Form, read_terms, sign_terms
from web.templating import render

ADDON_FORM = FormSpec(Field("quote", 2_000), Field("quantity", 20, digits=True))


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
    subscriber: Subscriber,
    subscription_id: str,
    code: str,
    quantity: str | None,
    *,
    notice: str | None = None,
) -> tuple[dict[str, Any], int]:
    """The add-on page (``addon_view``) with its quote signed for the confirm form."""
    view = await addon_view(
        SubscriptionId(subscription_id), code, quantity=quantity, uow=subscriber.uow(),
        clock=subscriber.clock, config=subscriber.billing, as_customer=subscriber.customer,
    )  # fmt: skip
    offer = view.offer
    context = portal_context(
        subscriber.signed_in,
        sub=view.sub,
        offer=offer,
        form={"quantity": view.quantity},
        errors=view.errors,
        quote=view.quote,
        quote_token=sign_addon_quote(view.change, subscriber.settings.secret_key)
        if view.quote is not None and view.change is not None
        else None,
        confirm_action=_url(subscription_id, code),
        confirm_fields={"quantity": view.quantity},
        empty_text="Choose another quantity to see what it costs."
        if offer.per_unit
        else f"{offer.name} is already on your subscription.",
        renewal=view.renewal,
        unchanged=view.unchanged,
        notice=notice,
        mon=money_in(view.sub.currency),
    )
    return context, 422 if view.errors else 200


@get("/account/subscriptions/{subscription_id:str}/addons/{code:str}", name="portal.addon")
async def edit_addon(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    code: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    quantity: FromQuery[str | None] = None,
) -> Template:
    """The add-on, its quantity (a block count; a flat add-on is 1 or 0) and the engine's quote;
    htmx swaps only the quote as the quantity changes."""
    context, status = await _addon_context(subscriber, subscription_id, code, number_text(quantity))
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
    subscriber: NamedDependency[Subscriber],
) -> Template | Redirect:
    """Charge exactly the quote; an expired or stale quote shows the fresh one and says why."""
    data = ADDON_FORM.parse(data).values
    quote = read_addon_quote(data.get("quote", ""), subscriber.settings.secret_key)
    try:
        if quote is None or quote.addon_code != code:
            raise Conflict("That price could not be read. Please review the current price.")
        changed = await confirm_addon_quote(
            SubscriptionId(subscription_id), quote, uow=subscriber.uow(),
            read_uow=subscriber.uow(), clock=subscriber.clock, config=subscriber.billing,
            as_customer=subscriber.customer,
        )  # fmt: skip
    except Conflict as refused:
        context, _ = await _addon_context(
            subscriber, subscription_id, code, data.get("quantity"), notice=refused.message
        )
        return render(request, "portal/addon.html", None, context, status_code=409)
    name = changed.name
    flash(
        request,
        tr(request, "%(name)s was removed.", name=name)
        if quote.quantity == 0
        else tr(request, "%(name)s is on your subscription.", name=name),
        "success",
    )
    page = f"/account/subscriptions/{subscription_id}"
    charged = next((i for i in changed.outcome.invoices if i.invoice.amount_due > 0), None)
    if charged is not None:
        return Redirect(f"{page}?charged={charged.id}", status_code=303)
    return Redirect(page, status_code=303)
