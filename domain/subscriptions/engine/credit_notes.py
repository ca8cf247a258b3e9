"""The credit note for the unused part of a paid period, when a subscription is canceled now:
its lines, its share of the paid invoice's discount, its tax, and how much is refunded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from fractions import Fraction

from domain.billing.model import CreditNote, CreditNoteLine, Invoice
from domain.catalog.model import Plan
from domain.pricing.proration import Share
from domain.pricing.totals import compute_tax
from domain.shared.money import round_minor
from domain.shared.periods import Period
from domain.subscriptions.engine.lines import addon_prorated, prorated_lines
from domain.subscriptions.engine.states import Refund
from domain.subscriptions.engine.values import AddOnItem, BillingSettings


def unused_time_note(
    settings: BillingSettings,
    paid: Invoice,
    plan: Plan,
    quantity: int,
    addons: Iterable[AddOnItem],
    unused: Period,
    share: Share,
    *,
    number: str,
    at: datetime,
    refund: Refund,
) -> CreditNote | None:
    """The note crediting ``share`` of the paid period over ``unused`` (None if it comes to
    nothing). Its total includes its share of ``paid``'s discount and its tax; with
    ``prorated_refund`` the part ``paid`` collected is refunded, the rest credited."""
    # the note's lines are positive amounts of the unused time
    unused_time = "Unused time on"
    lines = prorated_lines(settings, plan, quantity, unused, share, credit=False, verb=unused_time)
    lines += addon_prorated(settings, addons, unused, share, credit=False, verb=unused_time)
    note_lines = tuple(
        CreditNoteLine(
            description=line.description,
            amount=line.amount,
            explanation=line.explanation,
            detail=line.detail,
        )
        for line in lines
    )
    subtotal = sum(line.amount for line in note_lines)
    discount = 0
    if paid.subtotal > 0 and paid.discount > 0:
        discount = min(
            subtotal,
            round_minor(Fraction(subtotal * paid.discount, paid.subtotal), settings.rounding),
        )
    rate = settings.tax_rate
    tax = compute_tax(
        [line.amount for line in note_lines],
        discount,
        rate,
        settings.tax_rounding,
        settings.rounding,
    )
    total = subtotal - discount + (0 if rate is None or rate.inclusive else tax)
    if total <= 0:
        return None
    # a refund returns money that was collected: never more than the invoice charged (an
    # earlier credit may have paid part of the period); the rest is credited to the balance
    refunded = min(total, max(paid.amount_due, 0)) if refund is Refund.PRORATED_REFUND else 0
    credited = total - refunded
    return CreditNote(
        number=number,
        issued_at=at,
        invoice=paid.number,
        lines=note_lines,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=total,
        refunded=refunded,
        credited=credited,
    )
