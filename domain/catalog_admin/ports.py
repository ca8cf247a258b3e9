"""What the admin's catalog needs from storage: the catalog, the audit log, and how many
subscribers each plan version has."""

from __future__ import annotations

from typing import Protocol

from domain.audit.ports import AuditUnit
from domain.catalog.ports import CatalogUnit
from domain.shared.ids import PlanId


class SubscriberCounts(Protocol):
    async def count_by_plan(self, statuses: frozenset[str]) -> dict[PlanId, int]:
        """How many subscriptions in ``statuses`` each plan version has, as their plan or as an
        add-on (versions without any are absent)."""
        ...


class CatalogAdminUnit(CatalogUnit, AuditUnit, Protocol):
    @property
    def subscriptions(self) -> SubscriberCounts: ...
