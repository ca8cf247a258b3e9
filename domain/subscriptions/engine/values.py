"""The engine's values: its billing settings, a recorded usage event, an attached add-on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from domain.billing.model import TaxBasis
from domain.catalog.model import Plan
from domain.pricing.proration import ProrationUnit
from domain.pricing.totals import TaxRate, TaxRounding
from domain.shared.money import Currency, Rounding


@dataclass(frozen=True, slots=True)
class BillingSettings:
    currency: Currency
    tz: ZoneInfo
    proration: ProrationUnit = ProrationUnit.DAY
    rounding: Rounding = Rounding.HALF_UP
    tax_rounding: TaxRounding = TaxRounding.PER_INVOICE
    tax_rate: TaxRate | None = None
    reverse_charge: bool = False  # no tax: the buyer accounts for it (EU B2B across borders)
    tax_note: str | None = None  # printed on the invoices ("Reverse charge: ...", "Tax exempt")

    @property
    def tax_basis(self) -> TaxBasis:
        rate = self.tax_rate
        return TaxBasis(
            percentage=rate.percentage if rate is not None else None,
            inclusive=rate.inclusive if rate is not None else False,
            reverse_charge=self.reverse_charge,
            note=self.tax_note,
            name=rate.code if rate is not None else None,
        )


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """A recorded usage event; or (``count`` > 1) a meter's events with one distinct key folded
    into one, at the last one's instant: their number, sum and maximum and the last value. Every
    aggregation reads a folded event as the events it stands for, so a period's million events
    can reach the engine as a few rows summed by the database (``_engine_store.load_engine``
    folds only events before any instant the engine may cut a period at)."""

    at: datetime
    meter: str
    value: Fraction  # folded: the last event's value
    key: str | None
    count: int = 1
    total: Fraction | None = None  # folded: the sum (None: ``value``)
    peak: Fraction | None = None  # folded: the maximum (None: ``value``)

    @property
    def sum(self) -> Fraction:
        return self.value if self.total is None else self.total

    @property
    def maximum(self) -> Fraction:
        return self.value if self.peak is None else self.peak


@dataclass(frozen=True, slots=True)
class AddOnItem:
    """An add-on attached to the subscription: a plan of kind ``addon`` and its quantity."""

    plan: Plan
    quantity: int
