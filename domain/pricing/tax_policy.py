"""Choosing the tax rate of an invoice from the customer's billing address and tax status.

- A tax-exempt customer pays no tax.
- A business customer with a valid-looking tax ID in another country of a reverse-charge zone
  (the EU VAT area) pays no tax; the invoice says "reverse charge" and the buyer accounts for it.
- Otherwise the most specific rate wins: the rate for the country and region, else the rate for
  the country, else no tax.

A tax ID is "valid-looking" when it has the country's format (a two-letter prefix and the right
number of characters); checking it against a registry (VIES) is the tax adapter's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.pricing.totals import TaxRate
from domain.shared.errors import ValidationFailed

EU_VAT_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

# National formats of EU VAT numbers after the country prefix (Greece uses the prefix EL).
_VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
}


class TaxTreatment(StrEnum):
    STANDARD = "standard"
    EXEMPT = "exempt"
    REVERSE_CHARGE = "reverse_charge"


class TaxErrorCode(StrEnum):
    INVALID_TAX_ID = "tax.invalid_tax_id"


@dataclass(frozen=True, slots=True)
class JurisdictionRate:
    country: str
    rate: TaxRate
    region: str | None = None


@dataclass(frozen=True, slots=True)
class TaxDecision:
    treatment: TaxTreatment
    rate: TaxRate | None
    note: str | None = None  # printed on the invoice ("Reverse charge: ...")


def normalise_vat_id(tax_id: str) -> str:
    return re.sub(r"[\s.\-]", "", tax_id).upper()


def check_vat_id(tax_id: str, country: str) -> str:
    """The normalised VAT number, or ``ValidationFailed`` on ``tax_id`` if it cannot be one."""
    value = normalise_vat_id(tax_id)
    prefix = "EL" if country.upper() == "GR" else country.upper()
    pattern = _VAT_FORMATS.get(prefix)
    if pattern is None or not value.startswith(prefix) or not re.fullmatch(pattern, value[2:]):
        raise ValidationFailed(
            {"tax_id": f"{tax_id} does not look like a VAT number from {country.upper()}"},
            code=TaxErrorCode.INVALID_TAX_ID,
        )
    return value


def decide_tax(
    *,
    seller_country: str,
    country: str,
    region: str | None,
    rates: list[JurisdictionRate],
    tax_exempt: bool = False,
    tax_id: str | None = None,
) -> TaxDecision:
    country, seller = country.upper(), seller_country.upper()
    if tax_exempt:
        return TaxDecision(TaxTreatment.EXEMPT, None, "Tax exempt")
    if tax_id and country != seller and country in EU_VAT_COUNTRIES and seller in EU_VAT_COUNTRIES:
        vat = check_vat_id(tax_id, country)
        return TaxDecision(
            TaxTreatment.REVERSE_CHARGE,
            None,
            f"Reverse charge: VAT to be accounted for by the customer ({vat})",
        )
    in_country = [r for r in rates if r.country.upper() == country]
    regional = [r for r in in_country if region and r.region and r.region.upper() == region.upper()]
    national = [r for r in in_country if r.region is None]
    chosen = (regional or national)[:1]
    return TaxDecision(TaxTreatment.STANDARD, chosen[0].rate if chosen else None)
