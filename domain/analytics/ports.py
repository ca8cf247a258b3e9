"""What the analytics use cases need from storage: the exchange rates (and the audit log, in
the same transaction, for adding one)."""

from __future__ import annotations

from typing import Protocol

from domain.analytics.exchange_rates import ExchangeRate
from domain.audit.ports import AuditUnit


class ExchangeRateRepository(Protocol):
    async def all(self) -> list[ExchangeRate]:
        """Every entry ever made, into any reporting currency (the caller filters)."""
        ...

    async def add(self, rate: ExchangeRate) -> None:
        """Append an entry; entries are never changed or removed."""
        ...

    async def price_currencies(self) -> list[str]:
        """The currencies of every plan price (any plan version, archived included), sorted."""
        ...


class ExchangeRatesUnit(AuditUnit, Protocol):
    @property
    def exchange_rates(self) -> ExchangeRateRepository: ...
