"""The in-memory exchange rates, subscription history and MRR ledger (kept out of
tests/fakes.py, which is long enough)."""

from __future__ import annotations

from dataclasses import replace

from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import LedgerMovement
from domain.subscriptions.history import SubscriptionVersion


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


class InMemorySubscriptionHistory:
    def __init__(self) -> None:
        self.versions: list[SubscriptionVersion] = []

    async def add(self, version: SubscriptionVersion) -> None:
        self.versions.append(replace(version, id=len(self.versions) + 1))

    async def customers(self, *, after: str | None, limit: int) -> list[str]:
        ids = sorted({v.subscription.customer_id for v in self.versions})
        return [i for i in ids if after is None or i > after][:limit]

    async def for_customers(self, customer_ids: list[str]) -> list[SubscriptionVersion]:
        return [v for v in self.versions if v.subscription.customer_id in customer_ids]

    async def for_subscription(self, subscription_id: str) -> list[SubscriptionVersion]:
        return [v for v in self.versions if v.subscription.id == subscription_id]


class InMemoryMrrLedger:
    def __init__(self) -> None:
        self.rows: list[LedgerMovement] = []

    async def for_customer(self, customer_id: str) -> list[LedgerMovement]:
        return [r for r in self.rows if r.customer_id == customer_id]

    async def for_customers(self, customer_ids: list[str]) -> list[LedgerMovement]:
        return [r for r in self.rows if r.customer_id in customer_ids]

    async def for_subscription(self, subscription_id: str) -> list[LedgerMovement]:
        return [r for r in self.rows if r.subscription_id == subscription_id]

    async def append(self, rows: list[LedgerMovement]) -> None:
        for row in rows:
            self.rows.append(replace(row, id=len(self.rows) + 1))

    async def all(self) -> list[LedgerMovement]:
        return list(self.rows)

    async def clear(self) -> None:
        self.rows.clear()
