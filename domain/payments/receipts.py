"""How the invoice of a confirmed change was paid, as the subscriber portal shows it: charged to
which card, waiting for the bank's check, failed, or still being collected."""

from __future__ import annotations

from dataclasses import dataclass

from domain.payments.model import AttemptStatus
from domain.payments.ports import PaymentsUnit
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId


@dataclass(frozen=True, slots=True)
class ChargeReceipt:
    invoice_id: str
    number: str
    amount_minor: int
    currency: str
    paid: bool
    card: str | None  # "Visa •••• 4242"
    action_href: str | None  # the bank's check is waiting
    failed: str | None  # the decline message


async def charge_receipt(
    invoice_id: str, *, uow: PaymentsUnit, as_customer: CustomerId | None
) -> ChargeReceipt:
    """The receipt of ``invoice_id`` (another customer's invoice is "not found")."""
    async with uow:
        return await receipt_in(uow, invoice_id, as_customer=as_customer)


async def receipt_in(
    uow: PaymentsUnit, invoice_id: str, *, as_customer: CustomerId | None
) -> ChargeReceipt:
    """``charge_receipt`` inside a transaction the caller holds."""
    issued = await uow.invoices.get(invoice_id)
    if issued is None or (as_customer is not None and issued.customer_id != as_customer):
        raise NotFound("No such invoice.", code="billing.invoice_not_found")
    attempts = await uow.payment_attempts.for_invoice(invoice_id)
    last = max(attempts, key=lambda a: a.number) if attempts else None
    card = None
    if last is not None and last.payment_method_id:
        method = await uow.payment_methods.get(last.payment_method_id)
        if method is not None:
            card = f"{method.brand.title()} •••• {method.last4}"
    if card is None and issued.customer_id is not None:
        methods = await uow.payment_methods.for_customer(issued.customer_id)
        default = next((m for m in methods if m.is_default), None)
        if default is not None:
            card = f"{default.brand.title()} •••• {default.last4}"
    return ChargeReceipt(
        invoice_id=invoice_id,
        number=issued.invoice.number,
        amount_minor=issued.invoice.amount_due,
        currency=issued.invoice.currency,
        paid=issued.paid_at is not None,
        card=card,
        action_href=f"/pay/confirm/{last.payment_ref}"
        if last is not None and last.status is AttemptStatus.REQUIRES_ACTION and last.payment_ref
        else None,
        failed=(last.message or "declined")
        if last is not None and last.status in (AttemptStatus.DECLINED, AttemptStatus.ERROR)
        else None,
    )
