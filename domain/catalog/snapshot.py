"""What the public pages read of the catalog, as one immutable value: the current versions of
the public base plans and add-ons (display order) and the tax rates in force, stamped with the
catalog version they were read at (``cache.py`` keeps one per process and reloads it when the
version moves).

The pricing page, the usage estimate, the checkout page and its summary read only this (plus,
at checkout, what the buyer's own input asks for: a promotion code, a signed-in buyer), so the
same snapshot serves a page from memory or from a transaction (``read_catalog_in``): placing an
order reads it in its own transaction, never from memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from domain.catalog.model import Plan, PlanKind
from domain.catalog.ports import CatalogUnit
from domain.pricing.tax_policy import JurisdictionRate

T = TypeVar("T")

MEMO_LIMIT = 512  # derived read models kept per snapshot (inputs are the visitor's: bounded)


class TaxRatesReader(Protocol):
    async def all(self) -> list[JurisdictionRate]:
        """The rates in force."""
        ...


class StorefrontUnit(CatalogUnit, Protocol):
    """What reading a snapshot needs from a unit of work."""

    @property
    def tax_rates(self) -> TaxRatesReader: ...


@dataclass(frozen=True, slots=True, eq=False)
class CatalogSnapshot:
    """The public catalog at ``version`` (0: read in a transaction, not versioned)."""

    version: int
    plans: tuple[Plan, ...]  # current public base plans, display order
    addons: tuple[Plan, ...]  # current public add-ons, display order
    tax_rates: tuple[JurisdictionRate, ...]
    _by_code: dict[str, Plan] = field(default_factory=dict, repr=False)
    _memo: dict[Hashable, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_code.update({p.code: p for p in (*self.plans, *self.addons)})

    def public_plan(self, code: str) -> Plan | None:
        """The current version of a public base plan (None for an add-on, a private, retired
        or unknown code)."""
        plan = self._by_code.get(code)
        return plan if plan is not None and not plan.is_addon else None

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per key for this snapshot (a read model derived from it and the
        visitor's input; pure, so a new snapshot starts afresh). An exception is not kept."""
        try:
            return self._memo[key]  # type: ignore[return-value]
        except KeyError:
            pass
        value = compute()
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = value
        return value


async def read_catalog_in(uow: StorefrontUnit, *, version: int = 0) -> CatalogSnapshot:
    """The snapshot read in the caller's open transaction."""
    plans = await uow.plans.list_public(kind=PlanKind.BASE)
    addons = await uow.plans.list_public(kind=PlanKind.ADDON)
    rates = await uow.tax_rates.all()
    return CatalogSnapshot(version, tuple(plans), tuple(addons), tuple(rates))


class CatalogReader(Protocol):
    """Where a page gets its snapshot: ``CatalogCache`` (memory, checked against the catalog
    version) or ``FreshCatalog`` (a transaction each time)."""

    async def snapshot(self) -> CatalogSnapshot: ...


class FreshCatalog:
    """A snapshot read in a new read transaction on every call: no memory, for callers that
    must see the database (and tests on in-memory fakes)."""

    def __init__(self, read_uow: Callable[[], StorefrontUnit]) -> None:
        self._read_uow = read_uow

    async def snapshot(self) -> CatalogSnapshot:
        async with self._read_uow() as uow:
            return await read_catalog_in(uow)
