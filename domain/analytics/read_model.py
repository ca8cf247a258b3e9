"""What the read model stores beside the daily aggregates: the state of the last refresh, the
filter values it knows, and a query of the ledger for the movements behind a figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.analytics.aggregate import MissingRate
from domain.analytics.movements import MovementKind


@dataclass(frozen=True, slots=True)
class Dimensions:
    """The filter values the read model holds, sorted."""

    plans: list[str]
    currencies: list[str]
    countries: list[str]


@dataclass(frozen=True, slots=True)
class RefreshState:
    refreshed_at: datetime
    reporting_currency: str
    movements: int  # ledger rows counted in the figures
    missing: list[MissingRate]  # currencies left out for want of a rate
    dimensions: Dimensions = Dimensions([], [], [])


@dataclass(frozen=True, slots=True)
class LedgerQuery:
    start: datetime
    end: datetime  # exclusive
    kind: MovementKind | None = None
    by_subscription_kind: bool = False  # compare ``kind`` instead of ``customer_kind``
    plan_code: str | None = None
    currency: str | None = None
    country: str | None = None
    limit: int = 500
