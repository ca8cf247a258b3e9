"""Loading an action's target, one of the customer's own (another customer's is ``NotFound``,
as if it did not exist), and the words previews share."""

from __future__ import annotations

from domain.billing.invoices import load_for_update
from domain.billing.issued import IssuedInvoice
from domain.payments.settlement import SettlementEffect
from domain.shared.errors import NotFound
from domain.shared.money import Money
from domain.support.ports import ActionsUnit


async def customer_invoice(
    uow: ActionsUnit, customer_id: str, invoice_id: str, *, lock: bool
) -> IssuedInvoice:
    """The invoice, its row locked when ``lock`` (confirming), if it is the customer's."""
    issued = await (load_for_update(uow, invoice_id) if lock else uow.invoices.get(invoice_id))
    if issued is None or issued.customer_id != customer_id or not issued.number:
        raise NotFound("This customer has no such invoice.", code="support.no_such_invoice")
    return issued


def owed(issued: IssuedInvoice) -> Money:
    return Money.of_minor(issued.invoice.amount_due, issued.invoice.currency)


def effect_notes(effect: SettlementEffect) -> list[str]:
    """The consequences of settling an invoice, in words, for the preview."""
    notes = []
    if effect.ends_dunning:
        notes.append("Its dunning ends: no more automatic payment retries or reminders.")
    if effect.subscription_from is not None and effect.subscription_to is not None:
        notes.append(
            f"The subscription goes from {effect.subscription_from.value.replace('_', ' ')} "
            f"to {effect.subscription_to.value.replace('_', ' ')}."
        )
    else:
        notes.append("The subscription's status does not change.")
    return notes
