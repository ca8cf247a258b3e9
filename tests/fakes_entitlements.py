"""In-memory features, plan grants (``uow.features``) and entitlement read model
(``uow.entitlements``) for the fake unit of work, with the database's rules: one feature per key,
one grant per (plan code, feature), one row per (customer, feature)."""

from __future__ import annotations

from dataclasses import replace

from domain.catalog.features import Feature, FeatureGrant
from domain.shared.errors import Conflict
from domain.shared.ids import CustomerId
from domain.subscriptions.entitlement_rules import Entitlement


class InMemoryFeatures:
    def __init__(self) -> None:
        self.rows: dict[str, Feature] = {}
        self.grant_rows: dict[tuple[str, str], FeatureGrant] = {}

    async def all(self) -> list[Feature]:
        return [self.rows[k] for k in sorted(self.rows)]

    async def get(self, key: str) -> Feature | None:
        return self.rows.get(key)

    async def add(self, feature: Feature) -> None:
        if feature.key in self.rows:
            raise Conflict("A feature with this key exists.", code="catalog.feature_key_taken")
        self.rows[feature.key] = feature

    async def rename(self, key: str, name: str) -> None:
        if key in self.rows:
            self.rows[key] = replace(self.rows[key], name=name)

    async def grants(self, plan_codes: list[str] | None = None) -> list[FeatureGrant]:
        return [
            self.grant_rows[k]
            for k in sorted(self.grant_rows)
            if plan_codes is None or k[0] in plan_codes
        ]

    async def put_grant(self, grant: FeatureGrant) -> None:
        self.grant_rows[(grant.plan_code, grant.feature_key)] = grant

    async def remove_grant(self, plan_code: str, feature_key: str) -> bool:
        return self.grant_rows.pop((plan_code, feature_key), None) is not None


class InMemoryEntitlements:
    def __init__(self) -> None:
        self.rows: dict[str, list[Entitlement]] = {}

    async def for_customer(self, customer_id: CustomerId) -> list[Entitlement]:
        return sorted(self.rows.get(customer_id, []), key=lambda r: r.feature_key)

    async def replace(self, customer_id: CustomerId, rows: list[Entitlement]) -> None:
        if rows:
            self.rows[customer_id] = list(rows)
        else:
            self.rows.pop(customer_id, None)

    async def rename_feature(self, feature_key: str, name: str) -> None:
        for customer_id, rows in self.rows.items():
            self.rows[customer_id] = [
                replace(r, feature_name=name) if r.feature_key == feature_key else r for r in rows
            ]
