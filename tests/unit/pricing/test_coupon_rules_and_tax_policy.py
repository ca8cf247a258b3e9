"""The choice of tax rate: codes and customer-fit messages (coupon rules:
``tests/unit/promotions``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.pricing.tax_policy import JurisdictionRate, TaxTreatment, check_vat_id, decide_tax
from domain.pricing.totals import TaxRate
from domain.shared.errors import ValidationFailed

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 1, tzinfo=UTC)


VAT_DE = TaxRate("DE19", Decimal(19), inclusive=False)
VAT_FR = TaxRate("FR20", Decimal(20), inclusive=False)
US_NY = TaxRate("US-NY", Decimal("4"), inclusive=False)
RATES = [
    JurisdictionRate("DE", VAT_DE),
    JurisdictionRate("FR", VAT_FR),
    JurisdictionRate("US", US_NY, "NY"),
]


def test_the_rate_of_the_country_and_region_is_chosen() -> None:
    assert decide_tax(seller_country="DE", country="fr", region=None, rates=RATES).rate == VAT_FR
    assert decide_tax(seller_country="DE", country="US", region="ny", rates=RATES).rate == US_NY
    assert decide_tax(seller_country="DE", country="US", region="CA", rates=RATES).rate is None


def test_exempt_customers_pay_no_tax() -> None:
    decision = decide_tax(
        seller_country="DE", country="DE", region=None, rates=RATES, tax_exempt=True
    )
    assert decision.treatment is TaxTreatment.EXEMPT
    assert decision.rate is None


def test_eu_business_in_another_country_is_reverse_charged() -> None:
    decision = decide_tax(
        seller_country="DE", country="FR", region=None, rates=RATES, tax_id="FR 40 303265045"
    )
    assert decision.treatment is TaxTreatment.REVERSE_CHARGE
    assert decision.rate is None
    assert "FR40303265045" in (decision.note or "")


def test_a_domestic_business_pays_local_vat() -> None:
    decision = decide_tax(
        seller_country="DE", country="DE", region=None, rates=RATES, tax_id="DE123456789"
    )
    assert decision.rate == VAT_DE


@pytest.mark.parametrize(
    ("tax_id", "country"),
    [("FR123", "FR"), ("DE12345678", "DE"), ("XX123456789", "DE"), ("EL12345678", "GR")],
)
def test_implausible_vat_ids_are_refused(tax_id: str, country: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        check_vat_id(tax_id, country)
    assert info.value.code == "tax.invalid_tax_id"


@pytest.mark.parametrize(
    ("tax_id", "country"),
    [
        ("de 123.456.789", "DE"),
        ("EL123456789", "GR"),
        ("NL123456789B01", "NL"),
        ("ATU12345678", "AT"),
    ],
)
def test_plausible_vat_ids_are_accepted(tax_id: str, country: str) -> None:
    assert check_vat_id(tax_id, country).startswith(("DE", "EL", "NL", "AT"))
