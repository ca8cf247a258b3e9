"""How many seats or usage units a plan sells, and what N seats of a licensed price cost.

A per-seat plan sells up to ``max_seats`` (plan metadata, else 10,000); typed quantities are whole
numbers read by ``whole_number``. A price for N seats prices each licensed charge with
``price_charge`` and rounds it once with ``round_minor`` (half-up), as an invoice line is rounded.
"""

from __future__ import annotations

from fractions import Fraction

from domain.catalog.errors import CatalogErrorCode
from domain.catalog.model import Plan, PlanPrice
from domain.pricing.charges import price_charge
from domain.pricing.model import ChargeModel
from domain.shared.errors import ValidationFailed
from domain.shared.money import Money, round_minor

DEFAULT_MAX_SEATS = 10_000

MAX_USAGE_UNITS = 1_000_000_000

MAX_SEATS_KEY = "max_seats"  # optional plan metadata: the most seats a per-seat plan sells


# -- pricing a plan for a quantity ------------------------------------------------------------------
def licensed_total(price: PlanPrice, quantity: int) -> Money:
    """What a plan bills in advance each period for ``quantity`` (seats): every charge without a
    meter priced with ``price_charge`` and rounded once per charge, as on an invoice."""
    minor = sum(
        round_minor(price_charge(c, Fraction(quantity), price.currency).amount)
        for c in price.charges
        if not c.is_usage
    )
    return price.money(minor)


def is_per_seat(price: PlanPrice) -> bool:
    return any(not c.is_usage and c.model is not ChargeModel.FLAT for c in price.charges)


def max_seats(plan: Plan) -> int:
    """The most seats a per-seat plan sells: its ``max_seats`` metadata, else 10,000."""
    raw = plan.metadata.get(MAX_SEATS_KEY, "")
    return int(raw) if raw.isdigit() and int(raw) >= 1 else DEFAULT_MAX_SEATS


# -- input -------------------------------------------------------------------------------------------
def whole_number(value: int | str | None) -> int | None:
    """A whole number as typed: "250000", "250,000", "250 000", "-1"; ``None`` for an empty
    value; raises ``ValueError`` for anything else (decimals, words)."""
    if value is None or isinstance(value, int):
        return value
    text = value.strip().replace(",", "").replace("_", "").replace(" ", "").replace("\u202f", "")
    if not text:
        return None
    sign, digits = (text[0], text[1:]) if text[0] in "+-" else ("", text)
    if not digits.isdigit() or not digits.isascii() or len(digits) > 12:
        raise ValueError(value)
    return int(sign + digits)


def seats_error_message(limit: int) -> str:
    return f"Enter a whole number of seats from 1 to {limit:,}."


def units_error_message() -> str:
    return f"Enter a whole number from 0 to {MAX_USAGE_UNITS:,}."


def check_usage_units(units: int | str | None) -> int:
    """A usage quantity to estimate: a whole number from 0 to 10^9."""
    try:
        number = whole_number(units)
    except ValueError:
        number = -1
    if number is None or not 0 <= number <= MAX_USAGE_UNITS:
        raise ValidationFailed(
            {"units": units_error_message()}, code=CatalogErrorCode.INVALID_USAGE
        )
    return number
