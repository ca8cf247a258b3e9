"""The customer-action step of a payment (the link in the "confirm your payment" e-mail, and
where the sandbox gateway sends the customer for its 3-D Secure-style check)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Response, Template

from domain.billing.config import BillingConfig
from domain.payments.ports import PaymentGateway
from domain.payments.service import confirm_and_show_payment, show_payment
from domain.shared.clock import Clock
from domain.unit_of_work import UnitOfWork
from web.deps import UowFactory
from web.forms import Field, FormSpec
from web.templating import is_fragment_request, redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
CONFIRM_FORM = FormSpec(Field("return", 200))
RETURN_PREFIX = "/checkout/complete/"  # the only place a confirmation sends the customer back to


def _return_to(value: str | None) -> str | None:
    """A checkout's confirmation page, else nothing (no open redirect)."""
    value = (value or "").strip()
    if (
        value.startswith(RETURN_PREFIX)
        and value[len(RETURN_PREFIX) :].replace("-", "").replace("_", "").isalnum()
    ):
        return value
    return None


@get("/pay/confirm/{payment_ref:str}", name="pay.confirm")
async def show_confirmation(
    request: Request[Any, Any, Any],
    payment_ref: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    """A secret link (no sign-in), working for the payment's action window: after it, 410 and
    only that it expired. ``?return=/checkout/complete/<token>``: after confirming, the customer
    goes back to their checkout's confirmation page."""
    payment = await show_payment(payment_ref, uow=uow, clock=clock)
    context = {"payment": payment, "return_to": _return_to(request.query_params.get("return"))}
    status = 410 if payment.link_expired else 200
    return render(
        request, "public/pay_confirm.html", "public/_pay_confirm.html", context, status_code=status
    )


@post("/pay/confirm/{payment_ref:str}", name="pay.confirm.submit")
async def submit_confirmation(
    request: Request[Any, Any, Any],
    payment_ref: FromPath[str],
    data: Form,
    new_uow: NamedDependency[UowFactory],
    clock: NamedDependency[Clock],
    billing: NamedDependency[BillingConfig],
    payment_gateway: NamedDependency[PaymentGateway],
) -> Template | Redirect | Response[str]:
    """Confirm, then show the outcome: the fragment for htmx, else a redirect to the page
    (so a refresh never posts again)."""
    payment = await confirm_and_show_payment(
        payment_ref, uow=new_uow, gateway=payment_gateway, clock=clock, config=billing
    )
    return_to = _return_to(CONFIRM_FORM.parse(data).get("return"))
    if return_to is not None:
        return redirect_after_post(request, return_to)
    if not is_fragment_request(request):
        return Redirect(
            path=request.url_for("pay.confirm", payment_ref=payment_ref), status_code=303
        )
    return render(
        request,
        "public/pay_confirm.html",
        "public/_pay_confirm.html",
        {"payment": payment, "return_to": None},
    )
