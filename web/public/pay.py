"""The customer-action step of a payment (the link in the "confirm your payment" e-mail, and
where the sandbox gateway sends the customer for its 3-D Secure-style check)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from domain.payments.service import confirm_payment, show_payment
from domain.unit_of_work import UnitOfWork
from web.runtime import Runtime
from web.templating import is_fragment_request, render


@get("/pay/confirm/{payment_ref:str}", name="pay.confirm")
async def show_confirmation(
    request: Request[Any, Any, Any],
    payment_ref: FromPath[str],
    uow: NamedDependency[UnitOfWork],
) -> Template:
    payment = await show_payment(payment_ref, uow=uow)
    return render(
        request, "public/pay_confirm.html", "public/_pay_confirm.html", {"payment": payment}
    )


@post("/pay/confirm/{payment_ref:str}", name="pay.confirm.submit")
async def submit_confirmation(
    request: Request[Any, Any, Any],
    payment_ref: FromPath[str],
    runtime: NamedDependency[Runtime],
) -> Template | Redirect:
    """Confirm, then show the outcome: the fragment for htmx, else a redirect to the page
    (so a refresh never posts again)."""
    await confirm_payment(
        payment_ref,
        uow=runtime.uow,
        gateway=runtime.gateway,
        clock=runtime.clock,
        config=runtime.settings.billing,
    )
    if not is_fragment_request(request):
        return Redirect(
            path=request.url_for("pay.confirm", payment_ref=payment_ref), status_code=303
        )
    payment = await show_payment(payment_ref, uow=runtime.uow())
    return render(
        request, "public/pay_confirm.html", "public/_pay_confirm.html", {"payment": payment}
    )
