"""The in-memory tax rates (kept out of tests/fakes.py, which is long enough)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.tax_rates import DUPLICATE_RATE, StoredTaxRate, rate_order
from domain.shared.errors import Conflict
from domain.shared.ids import new_id


class InMemoryTaxRateRepository:
    def __init__(self) -> None:
        self.rates: list[StoredTaxRate] = []
        self.places: dict[tuple[str, str], int] = {}  # set by a test: no subscriptions here

    async def all(self) -> list[JurisdictionRate]:
        return [r.as_jurisdiction_rate() for r in self.rates if r.active]

    async def add(self, rate: JurisdictionRate) -> None:
        self.rates.append(
            StoredTaxRate(
                new_id(),
                rate.country.upper(),
                rate.region,
                rate.rate.code,
                rate.rate.percentage,
                rate.rate.inclusive,
                None,
            )
        )

    async def stored(self) -> list[StoredTaxRate]:
        return sorted(self.rates, key=rate_order)

    async def get(self, rate_id: str, *, lock: bool = False) -> StoredTaxRate | None:
        return next((r for r in self.rates if r.id == rate_id), None)

    async def create(self, rate: StoredTaxRate) -> None:
        # the partial unique index of the tax_rate table
        if rate.active and any(
            r.active and r.same_jurisdiction(rate.country, rate.region) for r in self.rates
        ):
            raise Conflict("This country and region has an active rate already.",
                           code=DUPLICATE_RATE)  # fmt: skip
        self.rates.append(rate)

    async def archive(self, rate_id: str, at: datetime) -> None:
        self.rates = [replace(r, archived_at=at) if r.id == rate_id else r for r in self.rates]

    async def subscriptions_by_place(self) -> dict[tuple[str, str], int]:
        return dict(self.places)
