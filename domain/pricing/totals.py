"""Invoice totals from rounded lines: discount, tax, credit applied, amount due.

Rules (also in docs/billing.md's "Billing rules"):
- The discount applies to the whole subtotal; it is never more than the subtotal and never
  applies to a subtotal of zero or less. Percent discounts round once with the invoice's rounding.
- Tax is computed on the amount after discount, rounded with the same rounding mode.
  ``per_invoice``: one rounding on the discounted subtotal. ``per_line``: the discount is first
  allocated over the lines in proportion to their amounts (each share rounded once, the rounding
  remainder to the last line), then each line's tax is rounded and the taxes summed.
- Exclusive tax: ``total = subtotal - discount + tax``. Inclusive tax: the lines already contain
  it, ``total = subtotal - discount`` and ``tax`` is the part of the total that is tax
  (``amount x rate / (1 + rate)``).
- ``amount_due = total - credit_applied``, never below zero: balance credit (a negative customer
  balance) is applied up to the total; a negative total adds its absolute value to the balance
  credit instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from domain.shared.money import Rounding, round_minor


class TaxRounding(StrEnum):
    PER_LINE = "per_line"
    PER_INVOICE = "per_invoice"


@dataclass(frozen=True, slots=True)
class TaxRate:
    code: str
    percentage: Decimal
    inclusive: bool

    @property
    def rate(self) -> Fraction:
        return Fraction(self.percentage) / 100


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: int
    discount: int
    tax: int
    total: int
    credit_applied: int
    amount_due: int
    balance_after: int  # the customer balance after this invoice (negative = owed to them)


def allocate_to_last(
    total: int, weights: Sequence[int], rounding: Rounding = Rounding.HALF_UP
) -> list[int]:
    """Split ``total`` in proportion to ``weights``: every part but the last is its exact share
    rounded once (``rounding``), and the last line with a share takes the rest, so the parts sum
    to ``total``. Lines of zero or negative amount get no share of a discount."""
    if not weights:
        return []
    positive = [max(0, w) for w in weights]
    base = sum(positive)
    if base == 0:
        return [0] * (len(weights) - 1) + [total]
    last = max(i for i, w in enumerate(positive) if w > 0)  # the last line that takes a share
    parts = [
        0 if i == last else round_minor(Fraction(total * w, base), rounding)
        for i, w in enumerate(positive)
    ]
    parts[last] = total - sum(parts)
    if parts[last] != 0 and (parts[last] < 0) != (total < 0):
        # tiny amounts where rounding every share overshoots (2 over four equal lines): round the
        # running total instead, so no share has the wrong sign and they still sum exactly
        bounds = [
            round_minor(Fraction(total * sum(positive[: i + 1]), base), rounding)
            for i in range(len(positive))
        ]
        bounds[-1] = total
        parts = [b - a for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
    return parts


def tax_of(amount: int, rate: TaxRate | None, rounding: Rounding) -> int:
    if rate is None or rate.rate == 0:
        return 0
    if rate.inclusive:
        return round_minor(Fraction(amount) * rate.rate / (1 + rate.rate), rounding)
    return round_minor(Fraction(amount) * rate.rate, rounding)


def compute_tax(
    lines: Sequence[int], discount: int, rate: TaxRate | None, mode: TaxRounding, rounding: Rounding
) -> int:
    if rate is None:
        return 0
    if mode is TaxRounding.PER_INVOICE or not lines:
        return tax_of(sum(lines) - discount, rate, rounding)
    shares = allocate_to_last(discount, lines, rounding)
    return sum(
        tax_of(line - share, rate, rounding) for line, share in zip(lines, shares, strict=True)
    )


def compute_totals(
    lines: Sequence[int],
    *,
    discount: int,
    rate: TaxRate | None,
    tax_rounding: TaxRounding,
    rounding: Rounding,
    balance: int,
) -> Totals:
    subtotal = sum(lines)
    discount = max(0, min(discount, subtotal)) if subtotal > 0 else 0
    tax = compute_tax(lines, discount, rate, tax_rounding, rounding)
    total = subtotal - discount + (0 if rate is None or rate.inclusive else tax)
    credit_applied = 0
    if total > 0 and balance < 0:
        credit_applied = min(total, -balance)
        balance += credit_applied
    elif total < 0:
        balance += total
    amount_due = max(0, total - credit_applied)
    return Totals(subtotal, discount, tax, total, credit_applied, amount_due, balance)
