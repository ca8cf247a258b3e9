"""The in-memory exchange rates (kept out of tests/fakes.py, which is long enough)."""

from __future__ import annotations

from domain.analytics.exchange_rates import ExchangeRate


class InMemoryExchangeRateRepository:
    def __init__(self) -> None:
        self.rates: list[ExchangeRate] = []
        self.currencies: set[str] = set()  # set by a test: the plan prices' currencies

    async def all(self) -> list[ExchangeRate]:
        return list(self.rates)

    async def add(self, rate: ExchangeRate) -> None:
        self.rates.append(rate)

    async def price_currencies(self) -> list[str]:
        return sorted(self.currencies)
