"""Every invoice and credit note adds up: what its lines, discount, tax and total say agrees.

- The lines sum to the subtotal.
- Exclusive tax: ``total = subtotal - discount + tax``; inclusive tax (the lines already hold
  it): ``total = subtotal - discount``. An invoice's stored ``TaxBasis`` says which; a document
  without one (stored before it was kept, or a credit note) must satisfy one of the two, and
  inclusive only with a tax to include.
- An invoice: ``amount_due = max(0, total - credit_applied)`` with ``0 <= credit_applied``.
- A credit note: ``refunded + credited = total``, neither negative.

Issuing checks these (``issue_invoice_in``, ``issue_credit_note_in``) so a document that does
not add up is never stored; the test suite checks every document it creates and renders.
"""

from __future__ import annotations

from domain.billing.model import CreditNote, Invoice, TaxBasis


def _totals_problems(
    lines: list[int], subtotal: int, discount: int, tax: int, total: int, basis: TaxBasis | None
) -> list[str]:
    problems = []
    if sum(lines) != subtotal:
        problems.append(f"the lines sum to {sum(lines)}, the subtotal says {subtotal}")
    exclusive = subtotal - discount + tax
    inclusive = subtotal - discount
    if basis is not None and basis.percentage is not None:
        expected = inclusive if basis.inclusive else exclusive
        allowed = {expected}
    else:
        allowed = {exclusive, inclusive} if tax else {exclusive}
    if total not in allowed:
        problems.append(
            f"subtotal {subtotal} - discount {discount} + tax {tax} does not give the total {total}"
        )
    return problems


def invoice_problems(invoice: Invoice) -> list[str]:
    """What does not add up on the invoice (empty when everything does)."""
    problems = _totals_problems(
        [line.amount for line in invoice.lines],
        invoice.subtotal,
        invoice.discount,
        invoice.tax,
        invoice.total,
        invoice.tax_basis,
    )
    if invoice.credit_applied < 0 or invoice.amount_due != max(
        0, invoice.total - invoice.credit_applied
    ):
        problems.append(
            f"total {invoice.total} - credit applied {invoice.credit_applied} does not give the "
            f"amount due {invoice.amount_due}"
        )
    return problems


def credit_note_problems(note: CreditNote, basis: TaxBasis | None = None) -> list[str]:
    """What does not add up on the credit note; ``basis``: the credited invoice's."""
    problems = _totals_problems(
        [line.amount for line in note.lines],
        note.subtotal,
        note.discount,
        note.tax,
        note.total,
        basis,
    )
    if note.refunded < 0 or note.credited < 0 or note.refunded + note.credited != note.total:
        problems.append(
            f"refunded {note.refunded} + credited {note.credited} does not give the total "
            f"{note.total}"
        )
    return problems
