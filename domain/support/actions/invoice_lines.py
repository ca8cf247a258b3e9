"""An engine invoice as a staff action's preview shows it: its lines that bill (the engine's
words, the arithmetic in days as detail), then its discount, tax and the balance credit it uses,
each a ``MoneyLine`` so the preview's agreement pins every amount."""

from __future__ import annotations

from collections.abc import Iterable

from domain.billing.model import Invoice, InvoiceLine
from domain.shared.money import Money
from domain.support.actions.base import MoneyLine


def bill_lines(lines: Iterable[InvoiceLine], currency: str) -> list[MoneyLine]:
    """The lines that bill (a free 0.00 component explains nothing), as the portal's quote."""
    return [
        MoneyLine(
            line.description,
            Money.of_minor(line.amount, currency),
            line.shown_detail,
            billed=True,
            period=line.period,
        )
        for line in lines
        if line.amount != 0
    ]


def invoice_lines(invoice: Invoice, *, prefix: str = "") -> list[MoneyLine]:
    """``invoice``'s billing lines, then discount, tax and credit applied (negative amounts are
    taken off); ``prefix`` names the invoice on each line when a preview shows two."""
    cur = invoice.currency
    out = [
        MoneyLine(
            prefix + line.label,
            line.amount,
            line.detail,
            billed=True,
            period=line.period,
            lead=prefix,
        )
        for line in bill_lines(invoice.lines, cur)
    ]
    if invoice.discount:
        out.append(
            MoneyLine(prefix + "Discount", Money.of_minor(-invoice.discount, cur), lead=prefix)
        )
    if invoice.tax:
        out.append(MoneyLine(prefix + "Tax", Money.of_minor(invoice.tax, cur), lead=prefix))
    if invoice.credit_applied:
        out.append(
            MoneyLine(
                prefix + "Balance credit used",
                Money.of_minor(-invoice.credit_applied, cur),
                lead=prefix,
            )
        )
    return out


def amount_due(invoice: Invoice) -> Money:
    return Money.of_minor(invoice.amount_due, invoice.currency)
