"""Portal pages for payment methods and invoices (/account/payment-methods, /account/invoices,
/account/credit-notes). Handlers parse, call one use case and render; every use case is scoped to
the signed-in customer, so another subscriber's ids answer 404."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.accounts.model import SignedIn
from domain.documents.invoice_document import build_invoice_document
from domain.documents.service import credit_note_view, get_credit_note_pdf, get_invoice_pdf
from domain.payments.history import (
    InvoiceHistoryPage,
    invoice_detail,
    list_credit_notes,
    list_invoices,
)
from domain.payments.model import AttemptStatus
from domain.payments.service import (
    CollectionResult,
    add_payment_method,
    list_payment_methods,
    pay_invoice_now,
    remove_payment_method,
    retry_open_invoices,
    set_default_payment_method,
)
from domain.shared.errors import InvalidTransition, NotFound, PaymentDeclined, ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.money import Money
from web.forms import Field, FormSpec
from web.jobs import seller_from
from web.runtime import Runtime
from web.templating import redirect_after_post, render

PAYMENT_METHODS = "/account/payment-methods"
CARD_FORM = FormSpec(
    Field("card_number", 40), Field("exp_month", 4), Field("exp_year", 4), Field("cvc", 4)
)


def _customer(signed_in: SignedIn) -> CustomerId:
    """A signed-in account without a billing customer has no billing documents at all."""
    if not signed_in.customer_id:
        raise NotFound("You have no billing account yet.", code="portal.no_customer")
    return CustomerId(signed_in.customer_id)


def _base(signed_in: SignedIn) -> dict[str, Any]:
    return {"subscriber_email": signed_in.email, "money_of": Money.of_minor}


# -- payment methods ------------------------------------------------------------------------------
async def _methods_context(
    runtime: Runtime, signed_in: SignedIn, form: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    methods = (
        await list_payment_methods(_customer(signed_in), uow=runtime.uow())
        if signed_in.customer_id
        else []  # signed up, never subscribed: nothing saved yet
    )
    return _base(signed_in) | {"methods": methods, "form": form, "errors": errors}


@get(PAYMENT_METHODS, name="portal.payment_methods")
async def list_cards(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template:
    ctx = await _methods_context(runtime, signed_in, {}, {})
    return render(request, "portal/payment_methods.html", "portal/payment_methods_cards.html", ctx)


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return 0


@post(PAYMENT_METHODS, name="portal.payment_methods.add")
async def add_card(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template | Redirect | Response[str]:
    """Tokenise the card here (the sandbox gateway's job; a real one does it in the browser),
    save it as the default, then retry every past-due invoice and show how each went. The card
    number is never stored nor shown again, not even after a mistake."""
    customer_id = _customer(signed_in)
    parsed = CARD_FORM.parse(await request.form())
    form = {k: parsed.get(k) for k in ("exp_month", "exp_year")}
    try:
        if parsed.errors:
            raise ValidationFailed(parsed.errors)
        token = await runtime.gateway.tokenize_card(
            number=parsed.get("card_number"),
            exp_month=_int(form["exp_month"]),
            exp_year=_int(form["exp_year"]),
            cvc=parsed.get("cvc").strip(),
        )
        await add_payment_method(
            customer_id,
            token,
            uow=runtime.uow,
            gateway=runtime.gateway,
            clock=runtime.clock,
            retry_in_background=False,
        )
    except ValidationFailed as exc:
        return await _card_form_again(request, runtime, signed_in, form, exc.field_errors)
    except PaymentDeclined as exc:
        return await _card_form_again(request, runtime, signed_in, form, {"_card": exc.message})
    flash(request, "Your card is saved and is now your default card.", "success")
    return await _after_card_change(request, runtime, customer_id)


async def _card_form_again(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    signed_in: SignedIn,
    form: dict[str, str],
    errors: dict[str, str],
) -> Template:
    ctx = await _methods_context(runtime, signed_in, form, errors)
    return render(
        request, "portal/payment_methods.html", "portal/payment_methods_form.html", ctx,
        status_code=422,
    )  # fmt: skip


async def _after_card_change(
    request: Request[Any, Any, Any], runtime: Runtime, customer_id: CustomerId
) -> Redirect | Response[str]:
    """Retry the past-due invoices now and say how each went; a charge the bank wants confirmed
    goes straight to the confirmation step (which links back here)."""
    results = await retry_open_invoices(
        customer_id,
        uow=runtime.uow,
        gateway=runtime.gateway,
        clock=runtime.clock,
        config=runtime.settings.billing,
    )
    action: str | None = None
    for result in results:
        message, category, ref = retry_outcome(result)
        flash(request, message, category)
        action = action or ref
    target = f"/pay/confirm/{action}" if action else PAYMENT_METHODS
    return redirect_after_post(request, target)


def retry_outcome(result: CollectionResult) -> tuple[str, str, str | None]:
    """The sentence shown after a retry, its flash category, and the payment to confirm."""
    number = result.invoice.number or "your invoice"
    attempt = result.attempt
    if result.invoice.status.value == "paid":
        return f"Invoice {number} paid.", "success", None
    if attempt is not None and attempt.status is AttemptStatus.REQUIRES_ACTION:
        return (
            f"Invoice {number}: your bank asks you to confirm the payment.",
            "warning",
            attempt.payment_ref,
        )
    reason = (attempt.message if attempt else None) or "the payment did not go through."
    return f"Invoice {number} still declined: {reason}", "error", None


@post(PAYMENT_METHODS + "/{method_id:str}/default", name="portal.payment_methods.default")
async def make_default_card(
    request: Request[Any, Any, Any],
    method_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Redirect | Response[str]:
    customer_id = _customer(signed_in)
    await set_default_payment_method(
        customer_id, method_id, uow=runtime.uow(), clock=runtime.clock, retry_in_background=False
    )
    flash(request, "Your default card is changed.", "success")
    return await _after_card_change(request, runtime, customer_id)


@post(PAYMENT_METHODS + "/{method_id:str}/remove", name="portal.payment_methods.remove")
async def remove_card(
    request: Request[Any, Any, Any],
    method_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Redirect | Response[str]:
    try:
        await remove_payment_method(
            _customer(signed_in),
            method_id,
            uow=runtime.uow(),
            gateway=runtime.gateway,
            clock=runtime.clock,
        )
    except InvalidTransition as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, "The card is removed.", "success")
    return redirect_after_post(request, PAYMENT_METHODS)


# -- invoices -------------------------------------------------------------------------------------
@get("/account/invoices", name="portal.invoices")
async def list_invoices_page(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
    page: FromQuery[int] = 1,
) -> Template:
    if not signed_in.customer_id:  # signed up, never subscribed: no invoices yet
        history, notes = InvoiceHistoryPage((), 1, 1, 0), []
    else:
        customer_id = _customer(signed_in)
        history = await list_invoices(customer_id, page, uow=runtime.uow())
        notes = await list_credit_notes(customer_id, uow=runtime.uow()) if history.page == 1 else []
    ctx = _base(signed_in) | {"history": history, "credit_notes": notes}
    return render(request, "portal/invoices.html", "portal/invoices_table.html", ctx)


@get("/account/invoices/{invoice_id:str}", name="portal.invoice")
async def show_invoice(
    request: Request[Any, Any, Any],
    invoice_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template:
    detail = await invoice_detail(invoice_id, _customer(signed_in), uow=runtime.uow())
    seller = seller_from(runtime.settings)
    # the tax line as the PDF prints it (the rate stored at issue, no line when none applies)
    doc = build_invoice_document(detail.issued, seller)
    ctx = _base(signed_in) | {"detail": detail, "seller": seller, "doc": doc, "tax": doc.tax}
    return render(request, "portal/invoice.html", None, ctx)


@get("/account/invoices/{invoice_id:str}/pdf", name="portal.invoice.pdf")
async def download_invoice_pdf(
    invoice_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Response[bytes]:
    customer_id = _customer(signed_in)
    content = await get_invoice_pdf(invoice_id, uow=runtime.uow(), customer_id=customer_id)
    detail = await invoice_detail(invoice_id, customer_id, uow=runtime.uow())
    return _pdf_attachment(content, f"{detail.issued.number or 'invoice'}.pdf")


@post("/account/invoices/{invoice_id:str}/pay", name="portal.invoice.pay")
async def pay_invoice(
    request: Request[Any, Any, Any],
    invoice_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Redirect | Response[str]:
    """Charge the open invoice to the default card now and show the outcome on its page."""
    try:
        result = await pay_invoice_now(
            invoice_id,
            customer_id=_customer(signed_in),
            uow=runtime.uow,
            gateway=runtime.gateway,
            clock=runtime.clock,
            config=runtime.settings.billing,
        )
    except InvalidTransition as exc:
        flash(request, exc.message, "info")
        return redirect_after_post(request, f"/account/invoices/{invoice_id}")
    message, category, ref = retry_outcome(result)
    flash(request, message, category)
    return redirect_after_post(
        request, f"/pay/confirm/{ref}" if ref else f"/account/invoices/{invoice_id}"
    )


@get("/account/credit-notes/{credit_note_id:str}", name="portal.credit_note")
async def show_credit_note(
    request: Request[Any, Any, Any],
    credit_note_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template:
    doc, has_pdf = await credit_note_view(
        credit_note_id,
        customer_id=_customer(signed_in),
        seller=seller_from(runtime.settings),
        uow=runtime.uow(),
    )
    ctx = _base(signed_in) | {"doc": doc, "has_pdf": has_pdf}
    return render(request, "portal/invoice_credit_note.html", None, ctx)


@get("/account/credit-notes/{credit_note_id:str}/pdf", name="portal.credit_note.pdf")
async def download_credit_note_pdf(
    credit_note_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Response[bytes]:
    number, content = await get_credit_note_pdf(
        credit_note_id, uow=runtime.uow(), customer_id=_customer(signed_in)
    )
    return _pdf_attachment(content, f"{number}.pdf")


def _pdf_attachment(content: bytes, filename: str) -> Response[bytes]:
    """A stored PDF as a download, never cached by a shared proxy."""
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
