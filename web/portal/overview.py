"""The portal's overview (/account) and subscription pages: plan, status, next bill, trial end,
scheduled changes, credit, actions needed, the next 12 months of invoices and the pause choices
(``domain/payments/standing.py`` composes each page)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from domain.payments.receipts import charge_receipt
from domain.payments.standing import SubscriptionPage, account_overview, subscription_page
from domain.shared.ids import SubscriptionId
from web.portal import money_in, portal_context
from web.portal.scope import Subscriber
from web.templating import render


@get("/account", name="portal.overview")
async def show_overview(
    request: Request[Any, Any, Any], subscriber: NamedDependency[Subscriber]
) -> Template:
    customer = subscriber.customer_or_none
    overview = None
    if customer is not None:
        overview = await account_overview(
            customer, uow=subscriber.uow(), clock=subscriber.clock, config=subscriber.billing
        )
    currency = overview.currency if overview else subscriber.settings.default_currency
    context = portal_context(subscriber.signed_in, overview=overview, mon=money_in(currency))
    return render(request, "portal/overview.html", None, context)


@get("/account/subscriptions", name="portal.subscriptions")
async def list_subscriptions(subscriber: NamedDependency[Subscriber]) -> Redirect:
    """One subscription: straight to it; several (or none): the overview lists them."""
    customer = subscriber.customer_or_none
    if customer is not None:
        overview = await account_overview(
            customer, uow=subscriber.uow(), clock=subscriber.clock, config=subscriber.billing
        )
        if overview.only_live is not None:
            return Redirect(f"/account/subscriptions/{overview.only_live.id}", status_code=303)
    return Redirect("/account", status_code=303)


def page_context(subscriber: Subscriber, page: SubscriptionPage, **extra: Any) -> dict[str, Any]:
    """What portal/subscription.html renders (the pause form's errors come in ``extra``)."""
    view = page.detail.view
    return portal_context(
        subscriber.signed_in,
        detail=page.detail,
        sub=view,
        usage=page.usage,
        pause_options=page.pause_options,
        mon=money_in(view.currency),
        today=page.today,
        receipt=page.receipt,
        **extra,
    )


@get("/account/subscriptions/{subscription_id:str}", name="portal.subscription")
async def show_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    charged: FromQuery[str | None] = None,
) -> Template:
    page = await subscription_page(
        SubscriptionId(subscription_id), charged=charged or None, uow=subscriber.uow(),
        clock=subscriber.clock, config=subscriber.billing, as_customer=subscriber.customer,
    )  # fmt: skip
    return render(request, "portal/subscription.html", None, page_context(subscriber, page))


@get("/account/subscriptions/{subscription_id:str}/receipt/{invoice_id:str}", name="portal.receipt")
async def show_receipt(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    invoice_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Template | Redirect:
    """The charge of a confirmed change, polled by htmx while it is being collected."""
    receipt = await charge_receipt(
        invoice_id, uow=subscriber.uow(), as_customer=subscriber.customer
    )
    if not request.headers.get("hx-request"):
        return Redirect(
            f"/account/subscriptions/{subscription_id}?charged={invoice_id}", status_code=303
        )
    context = portal_context(
        subscriber.signed_in,
        receipt=receipt,
        mon=money_in(receipt.currency),
        sub_id=subscription_id,
    )
    return render(
        request, "portal/_subscription_receipt.html", "portal/_subscription_receipt.html", context
    )
