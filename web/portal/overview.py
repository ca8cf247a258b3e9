"""The portal's overview (/account) and subscription pages: plan, status, next bill, trial end,
scheduled changes, credit, actions needed, and the next 12 months of invoices."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from domain.accounts.model import SignedIn
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions.portal import (
    MAX_PAUSE_PERIODS,
    account_overview,
    charge_receipt,
    pause_resume_at,
    preview_pause,
    subscription_detail,
)
from domain.subscriptions.usage import usage_this_period
from web.portal import money_in, portal_context
from web.runtime import Runtime
from web.templating import render


def customer_of(signed_in: SignedIn) -> CustomerId:
    """The signed-in subscriber's customer; an account that never bought has no subscriptions."""
    if signed_in.customer_id is None:
        raise NotFound("You have no subscriptions yet.", code="portal.no_customer")
    return CustomerId(signed_in.customer_id)


@get("/account", name="portal.overview")
async def show_overview(
    request: Request[Any, Any, Any],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Template:
    overview = None
    if signed_in.customer_id is not None:
        overview = await account_overview(
            CustomerId(signed_in.customer_id),
            uow=runtime.uow(),
            clock=runtime.clock,
            config=runtime.settings.billing,
        )
    currency = overview.currency if overview else runtime.settings.default_currency
    context = portal_context(signed_in, overview=overview, mon=money_in(currency))
    return render(request, "portal/overview.html", None, context)


@get("/account/subscriptions", name="portal.subscriptions")
async def list_subscriptions(
    signed_in: NamedDependency[SignedIn], runtime: NamedDependency[Runtime]
) -> Redirect:
    """One subscription: straight to it; several (or none): the overview lists them."""
    if signed_in.customer_id is not None:
        overview = await account_overview(
            CustomerId(signed_in.customer_id),
            uow=runtime.uow(),
            clock=runtime.clock,
            config=runtime.settings.billing,
        )
        live = [s for s in overview.subscriptions if s.is_live]
        if len(live) == 1:
            return Redirect(f"/account/subscriptions/{live[0].id}", status_code=303)
    return Redirect("/account", status_code=303)


async def detail_context(
    signed_in: SignedIn, runtime: Runtime, subscription_id: str, **extra: Any
) -> dict[str, Any]:
    customer = customer_of(signed_in)
    detail = await subscription_detail(
        SubscriptionId(subscription_id),
        uow=runtime.uow(),
        clock=runtime.clock,
        config=runtime.settings.billing,
        as_customer=customer,
    )
    pause_options = []
    view = detail.view
    if view.pausable and view.status.value in ("active", "trialing") and not view.scheduled:
        for periods in range(1, MAX_PAUSE_PERIODS + 1):
            resume_at = await pause_resume_at(
                view.id, periods=periods, uow=runtime.uow(), clock=runtime.clock,
                as_customer=customer,
            )  # fmt: skip
            preview = await preview_pause(
                view.id, resume_at=resume_at, uow=runtime.uow(), clock=runtime.clock,
                config=runtime.settings.billing, as_customer=customer,
            )  # fmt: skip
            billed = [i for i in preview.upcoming if i.amount_due > 0]
            pause_options.append((periods, resume_at, billed[0] if billed else None))
    usage = await usage_this_period(
        view.id, uow=runtime.uow(), clock=runtime.clock, config=runtime.settings.billing,
        as_customer=customer,
    )  # fmt: skip
    return portal_context(
        signed_in,
        detail=detail,
        sub=view,
        usage=usage,
        pause_options=pause_options,
        mon=money_in(view.currency),
        today=runtime.clock.now(),
        **extra,
    )


@get("/account/subscriptions/{subscription_id:str}", name="portal.subscription")
async def show_subscription(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
    charged: FromQuery[str | None] = None,
) -> Template:
    receipt = None
    if charged:
        receipt = await charge_receipt(
            charged, uow=runtime.uow(), as_customer=customer_of(signed_in)
        )
    context = await detail_context(signed_in, runtime, subscription_id, receipt=receipt)
    return render(request, "portal/subscription.html", None, context)


@get("/account/subscriptions/{subscription_id:str}/receipt/{invoice_id:str}", name="portal.receipt")
async def show_receipt(
    request: Request[Any, Any, Any],
    subscription_id: FromPath[str],
    invoice_id: FromPath[str],
    signed_in: NamedDependency[SignedIn],
    runtime: NamedDependency[Runtime],
) -> Template | Redirect:
    """The charge of a confirmed change, polled by htmx while it is being collected."""
    receipt = await charge_receipt(
        invoice_id, uow=runtime.uow(), as_customer=customer_of(signed_in)
    )
    if not request.headers.get("hx-request"):
        return Redirect(
            f"/account/subscriptions/{subscription_id}?charged={invoice_id}", status_code=303
        )
    context = portal_context(
        signed_in, receipt=receipt, mon=money_in(receipt.currency), sub_id=subscription_id
    )
    return render(
        request, "portal/_subscription_receipt.html", "portal/_subscription_receipt.html", context
    )
