"""The invoice lifecycle: which status may follow which, and why a move is refused.

``draft -> open -> paid | void | uncollectible``, and an uncollectible invoice may still be paid
or voided (as Stripe allows). ``paid`` and ``void`` are final. Nothing else moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain.billing.model import InvoiceStatus
from domain.shared.errors import InvalidTransition

_S = InvoiceStatus

TRANSITIONS: Mapping[InvoiceStatus, frozenset[InvoiceStatus]] = {
    _S.DRAFT: frozenset({_S.OPEN}),
    _S.OPEN: frozenset({_S.PAID, _S.VOID, _S.UNCOLLECTIBLE}),
    _S.UNCOLLECTIBLE: frozenset({_S.PAID, _S.VOID}),
    _S.PAID: frozenset(),
    _S.VOID: frozenset(),
}


class InvoiceStateErrorCode(StrEnum):
    INVOICE_NOT_DRAFT = "billing.invoice_not_draft"
    INVOICE_NOT_OPEN = "billing.invoice_not_open"
    INVOICE_ALREADY_PAID = "billing.invoice_already_paid"
    INVOICE_VOIDED = "billing.invoice_voided"
    INVOICE_ALREADY_UNCOLLECTIBLE = "billing.invoice_already_uncollectible"


def can_transition(current: InvoiceStatus, target: InvoiceStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(
    current: InvoiceStatus, target: InvoiceStatus, *, invoice: str | None = None
) -> None:
    """Raise ``InvalidTransition`` unless ``current -> target`` is in the table.

    The code says what is wrong with the invoice as it stands (already paid, voided, still a
    draft, ...); the message is fit to show the customer or support staff. ``invoice`` names the
    invoice in the message (its number, when it has one).
    """
    if can_transition(current, target):
        return
    name = f"Invoice {invoice}" if invoice else "This invoice"
    code: InvoiceStateErrorCode
    if current is _S.PAID:
        code, message = InvoiceStateErrorCode.INVOICE_ALREADY_PAID, f"{name} is already paid."
    elif current is _S.VOID:
        code, message = InvoiceStateErrorCode.INVOICE_VOIDED, f"{name} was voided."
    elif target is _S.OPEN or target is _S.DRAFT:
        code = InvoiceStateErrorCode.INVOICE_NOT_DRAFT
        message = f"{name} is already finalized; it can no longer be changed as a draft."
    elif current is _S.DRAFT:
        code = InvoiceStateErrorCode.INVOICE_NOT_OPEN
        message = f"{name} is still a draft; finalize it first."
    else:  # uncollectible -> uncollectible
        code = InvoiceStateErrorCode.INVOICE_ALREADY_UNCOLLECTIBLE
        message = f"{name} is already marked uncollectible."
    raise InvalidTransition(message, code=code)
