"""Tax rates as staff keep them: what a rate is, and the rules for a new one.

A rate is a jurisdiction (an ISO country, optionally a region of it: a US state, a Canadian
province), a name printed on invoices ("VAT", "Sales tax"), an exact percentage and whether
prices already include it. As with Stripe's tax rates, a rate's percentage and inclusive flag
never change once created: an invoice issued with it keeps the tax it was issued with (the
invoice stores its own tax basis), and a changed rate is a new rate that replaces the old one,
which is archived. At most one active rate per jurisdiction (country and region, the region
compared without case), so choosing the rate of an address is never ambiguous
(``domain/pricing/tax_policy.py``: the region's rate, else the country's, else none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.totals import TaxRate
from domain.shared.countries import country_name, is_country
from domain.shared.errors import ValidationFailed
from domain.shared.text import text_problem

MAX_REGION = 100  # as a customer's region (domain/customers/service.py)
MAX_NAME = 40  # the tax_rate.code column
MAX_DECIMALS = 4
BAD_RATE = "tax_rate.invalid"
DUPLICATE_RATE = "tax_rate.duplicate"


@dataclass(frozen=True, slots=True)
class StoredTaxRate:
    id: str
    country: str  # ISO 3166-1 alpha-2, upper case
    region: str | None  # as a customer types it ("WA"), compared without case
    name: str  # printed on invoices and at checkout: "VAT (19%)"
    percentage: Decimal
    inclusive: bool
    created_at: datetime | None
    archived_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.archived_at is None

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def jurisdiction(self) -> str:
        return f"{self.country_name} · {self.region}" if self.region else self.country_name

    @property
    def percent_text(self) -> str:
        """``19%``, ``6.5%``, ``8.875%``: the exact percentage, no trailing zeros."""
        return f"{format_percentage(self.percentage)}%"

    def same_jurisdiction(self, country: str, region: str | None) -> bool:
        return (
            self.country == country.upper()
            and (self.region or "").casefold() == (region or "").casefold()
        )

    def as_jurisdiction_rate(self) -> JurisdictionRate:
        return JurisdictionRate(
            country=self.country,
            region=self.region,
            rate=TaxRate(self.name, self.percentage, self.inclusive),
        )


def rate_order(rate: StoredTaxRate) -> tuple[str, str, bool, float]:
    """Countries by name, the national rate before the regions, active before archived, newest
    first."""
    created = rate.created_at.timestamp() if rate.created_at else 0.0
    return (rate.country_name.casefold(), (rate.region or "").casefold(), not rate.active,
            -created)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TaxRateInput:
    """A new rate as typed in the admin's form (every value text)."""

    country: str
    region: str
    name: str
    percentage: str
    inclusive: bool


@dataclass(frozen=True, slots=True)
class CheckedRate:
    country: str
    region: str | None
    name: str
    percentage: Decimal
    inclusive: bool


def format_percentage(value: Decimal) -> str:
    return format(value.normalize(), "f")


def parse_percentage(text: str) -> Decimal | str:
    """The percentage as an exact decimal, or why it is refused: digits with one optional point
    (a comma is read as one, a trailing % is allowed), 0 to 100, at most four decimals (trailing
    zeros do not count)."""
    raw = text.strip().removesuffix("%").strip().replace(",", ".")
    if not raw:
        return "Enter the percentage, e.g. 19 or 6.5."
    whole, _, decimals = raw.partition(".")
    if not (whole or decimals) or not (whole + decimals).isdigit() or not raw.isascii():
        return "Enter a number such as 19 or 8.875 (no signs or letters)."
    if len(whole.lstrip("0")) > 3:
        return "Use a percentage between 0 and 100."
    if len(decimals.rstrip("0")) > MAX_DECIMALS:
        return f"Use at most {MAX_DECIMALS} decimals."
    value = Decimal(f"{whole or 0}.{decimals.rstrip('0') or 0}")
    if value > 100:
        return "Use a percentage between 0 and 100."
    return Decimal(format_percentage(value))  # 20.50 -> 20.5, 20.0 -> 20 (never 2E+1)


def check_rate(typed: TaxRateInput) -> CheckedRate:
    """Every rule of a new rate on its own (duplicates are the use case's): an ISO country, a
    region of at most 100 plain characters, a name of 1-40, a percentage 0-100 with at most
    four decimals. Raises ``ValidationFailed`` with a message per field."""
    errors: dict[str, str] = {}
    country = typed.country.strip().upper()
    if not country:
        errors["country"] = "Choose the country."
    elif not is_country(country):
        errors["country"] = "Choose a country from the list."
    region = " ".join(typed.region.split())
    if problem := text_problem(region, max_length=MAX_REGION):
        errors["region"] = problem
    name = " ".join(typed.name.split())
    if not name:
        errors["name"] = "Name the tax as invoices show it, e.g. VAT or Sales tax."
    elif problem := text_problem(name, max_length=MAX_NAME):
        errors["name"] = problem
    percentage = parse_percentage(typed.percentage)
    if isinstance(percentage, str):
        errors["percentage"] = percentage
    if errors:
        raise ValidationFailed(errors, code=BAD_RATE)
    assert isinstance(percentage, Decimal)
    return CheckedRate(country, region or None, name, percentage, typed.inclusive)
