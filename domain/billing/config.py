"""How this business bills: settings the use cases take (from the app's settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.pricing.proration import ProrationUnit
from domain.pricing.totals import TaxRounding
from domain.shared.money import Rounding


@dataclass(frozen=True, slots=True)
class BillingConfig:
    seller_country: str = "US"
    proration: ProrationUnit = ProrationUnit.DAY
    rounding: Rounding = Rounding.HALF_UP
    tax_rounding: TaxRounding = TaxRounding.PER_INVOICE
    invoice_prefix: str = "INV-{year}-"
    credit_note_prefix: str = "CN-{year}-"

    def invoice_series(self, at: datetime) -> str:
        return self.invoice_prefix.format(year=at.year)

    def credit_note_series(self, at: datetime) -> str:
        return self.credit_note_prefix.format(year=at.year)
