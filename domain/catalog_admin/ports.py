"""What the admin's catalog needs from storage: the catalog, the audit log, and how many
subscribers each plan version has."""

from __future__ import annotations

from typing import Protocol

from domain.audit.ports import AuditUnit
from domain.catalog.ports import CatalogUnit
from domain.shared.ids import PlanId
from domain.subscriptions.ports import SubscriptionsUnit


class SubscriberCounts(Protocol):
    async def count_by_plan(self, statuses: frozenset[str]) -> dict[PlanId, int]:
        """How many subscriptions in ``statuses`` each plan version has, as their plan or as an
        add-on (versions without any are absent)."""
        ...


class CatalogAdminUnit(CatalogUnit, AuditUnit, Protocol):
    @property
    def subscriptions(self) -> SubscriberCounts: ...


class FeatureAdminUnit(SubscriptionsUnit, AuditUnit, Protocol):
    """Features and grants as staff change them: a grant's change refreshes the entitlements of
    the plan's subscribers (``domain/subscriptions/entitlements.py``) in its transaction."""
