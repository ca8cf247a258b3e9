"""Portal pages for payment methods and invoices (/account/payment-methods, /account/invoices,
/account/credit-notes). Handlers parse, call one use case and render; every use case is scoped to
the signed-in customer, so another subscriber's ids answer 404."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, SkipValidation
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.documents.service import (
    DocumentRendering,
    credit_note_pdf,
    credit_note_view,
    invoice_pdf,
)
from domain.payments.cards import NewCard, add_default_card, choose_default_card, saved_cards
from domain.payments.history import billing_history, printed_invoice
from domain.payments.model import AttemptStatus
from domain.payments.ports import PaymentGateway
from domain.payments.service import (
    CollectionResult,
    pay_invoice_now,
    remove_payment_method,
)
from domain.shared.errors import InvalidTransition, NotFound, PaymentDeclined, ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.money import Money
from web.display import tr
from web.forms import Field, FormSpec
from web.jobs import seller_from
from web.messages import localise
from web.portal.scope import Subscriber
from web.templating import redirect_after_post, render

PAYMENT_METHODS = "/account/payment-methods"
CARD_FORM = FormSpec(
    Field("card_number", 40, digits=True),
    Field("exp_month", 4, digits=True),
    Field("exp_year", 4, digits=True),
    Field("cvc", 4, digits=True),
)


def _customer(subscriber: Subscriber) -> CustomerId:
    """A signed-in account without a billing customer has no billing documents at all."""
    customer_id = subscriber.customer_or_none
    if not customer_id:
        raise NotFound("You have no billing account yet.", code="portal.no_customer")
    return customer_id


def _base(subscriber: Subscriber) -> dict[str, Any]:
    return {"subscriber_email": subscriber.email, "money_of": Money.of_minor}


# -- payment methods ------------------------------------------------------------------------------
async def _methods_context(
    subscriber: Subscriber, form: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    methods = await saved_cards(subscriber.customer_or_none, uow=subscriber.uow())
    return _base(subscriber) | {"methods": methods, "form": form, "errors": errors}


@get(PAYMENT_METHODS, name="portal.payment_methods")
async def list_cards(
    request: Request[Any, Any, Any], subscriber: NamedDependency[Subscriber]
) -> Template:
    ctx = await _methods_context(subscriber, {}, {})
    return render(request, "portal/payment_methods.html", "portal/payment_methods_cards.html", ctx)


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return 0


@post(PAYMENT_METHODS, name="portal.payment_methods.add")
async def add_card(
    request: Request[Any, Any, Any],
    subscriber: NamedDependency[Subscriber],
    payment_gateway: NamedDependency[SkipValidation[PaymentGateway]],
) -> Template | Redirect | Response[str]:
    """Save the card as the default, then show how each past-due invoice's retry went. The card
    number is never stored nor shown again, not even after a mistake."""
    customer_id = _customer(subscriber)
    parsed = CARD_FORM.parse(await request.form())
    form = {k: parsed.get(k) for k in ("exp_month", "exp_year")}
    try:
        if parsed.errors:
            raise ValidationFailed(parsed.errors)
        card = NewCard(
            number=parsed.get("card_number"),
            exp_month=_int(form["exp_month"]),
            exp_year=_int(form["exp_year"]),
            cvc=parsed.get("cvc").strip(),
        )
        results = await add_default_card(
            customer_id,
            card,
            uow=subscriber.new_uow,
            gateway=payment_gateway,
            clock=subscriber.clock,
            config=subscriber.billing,
        )
    except ValidationFailed as exc:
        return await _card_form_again(request, subscriber, form, exc.field_errors)
    except PaymentDeclined as exc:
        return await _card_form_again(request, subscriber, form, {"_card": exc.message})
    flash(request, tr(request, "Your card is saved and is now your default card."), "success")
    return _after_card_change(request, results)


async def _card_form_again(
    request: Request[Any, Any, Any],
    subscriber: Subscriber,
    form: dict[str, str],
    errors: dict[str, str],
) -> Template:
    ctx = await _methods_context(subscriber, form, errors)
    return render(
        request, "portal/payment_methods.html", "portal/payment_methods_form.html", ctx,
        status_code=422,
    )  # fmt: skip


def _after_card_change(
    request: Request[Any, Any, Any], results: list[CollectionResult]
) -> Redirect | Response[str]:
    """Say how each past-due invoice's retry went; a charge the bank wants confirmed goes
    straight to the confirmation step (which links back here)."""
    action: str | None = None
    for result in results:
        message, category, ref = retry_outcome(request, result)
        flash(request, message, category)
        action = action or ref
    target = f"/pay/confirm/{action}" if action else PAYMENT_METHODS
    return redirect_after_post(request, target)


def retry_outcome(
    request: Request[Any, Any, Any], result: CollectionResult
) -> tuple[str, str, str | None]:
    """The sentence shown after a retry (in the request's language), its flash category, and
    the payment to confirm."""
    number = result.invoice.number or tr(request, "your invoice")
    attempt = result.attempt
    if result.invoice.status.value == "paid":
        return tr(request, "Invoice %(number)s paid.", number=number), "success", None
    if attempt is not None and attempt.status is AttemptStatus.REQUIRES_ACTION:
        return (
            tr(request, "Invoice %(number)s: your bank asks you to confirm the payment.",
               number=number),
            "warning",
            attempt.payment_ref,
        )  # fmt: skip
    declined = attempt.message if attempt else None
    reason = (
        localise(request, declined) if declined else tr(request, "the payment did not go through.")
    )
    return (
        tr(request, "Invoice %(number)s still declined: %(reason)s", number=number, reason=reason),
        "error",
        None,
    )


@post(PAYMENT_METHODS + "/{method_id:str}/default", name="portal.payment_methods.default")
async def make_default_card(
    request: Request[Any, Any, Any],
    method_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    payment_gateway: NamedDependency[SkipValidation[PaymentGateway]],
) -> Redirect | Response[str]:
    results = await choose_default_card(
        _customer(subscriber),
        method_id,
        uow=subscriber.new_uow,
        gateway=payment_gateway,
        clock=subscriber.clock,
        config=subscriber.billing,
    )
    flash(request, tr(request, "Your default card is changed."), "success")
    return _after_card_change(request, results)


@post(PAYMENT_METHODS + "/{method_id:str}/remove", name="portal.payment_methods.remove")
async def remove_card(
    request: Request[Any, Any, Any],
    method_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    payment_gateway: NamedDependency[SkipValidation[PaymentGateway]],
) -> Redirect | Response[str]:
    try:
        await remove_payment_method(
            _customer(subscriber),
            method_id,
            uow=subscriber.uow(),
            gateway=payment_gateway,
            clock=subscriber.clock,
        )
    except InvalidTransition as exc:
        flash(request, localise(request, exc.message), "error")
    else:
        flash(request, tr(request, "The card is removed."), "success")
    return redirect_after_post(request, PAYMENT_METHODS)


# -- invoices -------------------------------------------------------------------------------------
@get("/account/invoices", name="portal.invoices")
async def list_invoices_page(
    request: Request[Any, Any, Any],
    subscriber: NamedDependency[Subscriber],
    page: FromQuery[int] = 1,
) -> Template:
    billed = await billing_history(subscriber.customer_or_none, page, uow=subscriber.uow())
    ctx = _base(subscriber) | {"history": billed.invoices, "credit_notes": billed.credit_notes}
    return render(request, "portal/invoices.html", "portal/invoices_table.html", ctx)


@get("/account/invoices/{invoice_id:str}", name="portal.invoice")
async def show_invoice(
    request: Request[Any, Any, Any],
    invoice_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Template:
    seller = seller_from(subscriber.settings)
    printed = await printed_invoice(
        invoice_id, _customer(subscriber), seller=seller, uow=subscriber.uow()
    )
    doc = printed.document  # its tax line is the rate stored at issue (none when none applies)
    ctx = _base(subscriber) | {
        "detail": printed.detail,
        "seller": seller,
        "doc": doc,
        "tax": doc.tax,
    }
    return render(request, "portal/invoice.html", None, ctx)


@get("/account/invoices/{invoice_id:str}/pdf", name="portal.invoice.pdf")
async def download_invoice_pdf(
    invoice_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    documents: NamedDependency[SkipValidation[DocumentRendering]],
) -> Response[bytes]:
    number, content = await invoice_pdf(
        invoice_id, customer_id=_customer(subscriber), rendering=documents
    )
    return _pdf_attachment(content, f"{number}.pdf")


@post("/account/invoices/{invoice_id:str}/pay", name="portal.invoice.pay")
async def pay_invoice(
    request: Request[Any, Any, Any],
    invoice_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    payment_gateway: NamedDependency[SkipValidation[PaymentGateway]],
) -> Redirect | Response[str]:
    """Charge the open invoice to the default card now and show the outcome on its page."""
    try:
        result = await pay_invoice_now(
            invoice_id,
            customer_id=_customer(subscriber),
            uow=subscriber.new_uow,
            gateway=payment_gateway,
            clock=subscriber.clock,
            config=subscriber.billing,
        )
    except InvalidTransition as exc:
        flash(request, localise(request, exc.message), "info")
        return redirect_after_post(request, f"/account/invoices/{invoice_id}")
    message, category, ref = retry_outcome(request, result)
    flash(request, message, category)
    return redirect_after_post(
        request, f"/pay/confirm/{ref}" if ref else f"/account/invoices/{invoice_id}"
    )


@get("/account/credit-notes/{credit_note_id:str}", name="portal.credit_note")
async def show_credit_note(
    request: Request[Any, Any, Any],
    credit_note_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Template:
    doc = await credit_note_view(
        credit_note_id,
        customer_id=_customer(subscriber),
        seller=seller_from(subscriber.settings),
        uow=subscriber.uow(),
    )
    ctx = _base(subscriber) | {"doc": doc}
    return render(request, "portal/invoice_credit_note.html", None, ctx)


@get("/account/credit-notes/{credit_note_id:str}/pdf", name="portal.credit_note.pdf")
async def download_credit_note_pdf(
    credit_note_id: FromPath[str],
    subscriber: NamedDependency[Subscriber],
    documents: NamedDependency[SkipValidation[DocumentRendering]],
) -> Response[bytes]:
    number, content = await credit_note_pdf(
        credit_note_id, customer_id=_customer(subscriber), rendering=documents
    )
    return _pdf_attachment(content, f"{number}.pdf")


def _pdf_attachment(content: bytes, filename: str) -> Response[bytes]:
    """A PDF as a download, never cached by a shared proxy."""
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
