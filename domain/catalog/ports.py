"""What the catalog needs from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.catalog.change_policy import PlanChangeRule
from domain.catalog.features import Feature, FeatureGrant
from domain.catalog.model import Plan, PlanDetails, PlanKind
from domain.shared.ids import PlanId
from domain.shared.transaction import Transaction


class PlanRepository(Protocol):
    async def list_public(self, *, kind: PlanKind = PlanKind.BASE) -> list[Plan]:
        """The current versions of the public plans of ``kind``, in display order."""
        ...

    async def get(self, plan_id: PlanId) -> Plan | None:
        """Any version, current or retired (a subscription keeps the version it was sold)."""
        ...

    async def get_by_code(self, code: str) -> Plan | None:
        """The current version of a plan code."""
        ...

    async def versions(self, code: str) -> list[Plan]:
        """Every version of a plan code, oldest first."""
        ...

    async def add(self, plan: Plan) -> None:
        """Insert a plan version; ``Conflict`` if its code already has that version."""
        ...

    async def retire(self, plan_id: PlanId, at: datetime) -> None:
        """Mark a version no longer current (it stays readable by id)."""
        ...

    async def hold_code(self, code: str) -> None:
        """Hold every version of ``code`` until the transaction ends, so that publishers of one
        code take turns (each then reads the versions the previous one committed)."""
        ...

    async def count(self) -> int: ...

    async def all_versions(self) -> list[Plan]:
        """Every version of every code, public or hidden, base plan or add-on, ordered by sort
        order, code and version (the admin's catalog)."""
        ...

    async def update_details(self, code: str, details: PlanDetails) -> None:
        """Show ``details`` on every version of ``code`` (``Plan.with_details``)."""
        ...


class PlanChangeRuleRepository(Protocol):
    async def get(self, from_code: str, to_code: str) -> PlanChangeRule | None: ...

    async def put(self, rule: PlanChangeRule) -> None:
        """Insert the rule or replace the one for the same pair of codes."""
        ...

    async def remove(self, from_code: str, to_code: str) -> bool:
        """Delete the rule of a pair of codes; ``False`` when there was none."""
        ...

    async def list_all(self) -> list[PlanChangeRule]: ...


class FeatureRepository(Protocol):
    """Features and the grants of plan codes (``domain/catalog/features.py``)."""

    async def all(self) -> list[Feature]:
        """Every feature, by key."""
        ...

    async def get(self, key: str) -> Feature | None: ...

    async def add(self, feature: Feature) -> None:
        """Insert; ``Conflict`` when the key exists."""
        ...

    async def rename(self, key: str, name: str) -> None: ...

    async def grants(self, plan_codes: list[str] | None = None) -> list[FeatureGrant]:
        """The grants of these plan codes (every grant for None), by plan code and key."""
        ...

    async def put_grant(self, grant: FeatureGrant) -> None:
        """Insert the grant or replace the one of the same plan code and feature."""
        ...

    async def remove_grant(self, plan_code: str, feature_key: str) -> bool:
        """``False`` when there was none."""
        ...


class CatalogUnit(Transaction, Protocol):
    """The catalog use cases' unit of work."""

    @property
    def plans(self) -> PlanRepository: ...

    @property
    def plan_change_rules(self) -> PlanChangeRuleRepository: ...

    @property
    def features(self) -> FeatureRepository: ...
