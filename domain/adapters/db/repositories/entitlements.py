"""Features, plan grants (``uow.features``) and the ``customer_entitlement`` read model
(``uow.entitlements``) on Piccolo."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.adapters.db.tables_entitlements import (
    CustomerEntitlementTable,
    FeatureTable,
    PlanFeatureTable,
)
from domain.adapters.db.unique import conflict_on_duplicate
from domain.catalog.features import Feature, FeatureGrant, LimitKind
from domain.shared.ids import CustomerId
from domain.subscriptions.entitlement_rules import Entitlement

F, G, E = FeatureTable, PlanFeatureTable, CustomerEntitlementTable


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _grant(row: dict[str, Any]) -> FeatureGrant:
    return FeatureGrant(row["plan_code"], row["feature_key"], LimitKind(row["limit_kind"]),
                        row["limit_value"])  # fmt: skip


class PiccoloFeatureRepository:
    async def all(self) -> list[Feature]:
        rows = await F.select().order_by(F.key)
        return [Feature(r["key"], r["name"], _instant(r["created_at"])) for r in rows]

    async def get(self, key: str) -> Feature | None:
        row = await F.select().where(F.key == key).first()
        return Feature(row["key"], row["name"], _instant(row["created_at"])) if row else None

    async def add(self, feature: Feature) -> None:
        async with conflict_on_duplicate("A feature with this key exists.",
                                         code="catalog.feature_key_taken"):  # fmt: skip
            await F.insert(F(key=feature.key, name=feature.name, created_at=feature.created_at))

    async def rename(self, key: str, name: str) -> None:
        await F.update({F.name: name}).where(F.key == key)

    async def grants(self, plan_codes: list[str] | None = None) -> list[FeatureGrant]:
        query = G.select().order_by(G.plan_code).order_by(G.feature_key)
        if plan_codes is not None:
            if not plan_codes:
                return []
            query = query.where(G.plan_code.is_in(plan_codes))
        return [_grant(r) for r in await query]

    async def put_grant(self, grant: FeatureGrant) -> None:
        row_id = f"{grant.plan_code}/{grant.feature_key}"
        await G.delete().where(G.id == row_id)
        await G.insert(G(id=row_id, plan_code=grant.plan_code, feature_key=grant.feature_key,
                         limit_kind=grant.kind.value, limit_value=grant.value))  # fmt: skip

    async def remove_grant(self, plan_code: str, feature_key: str) -> bool:
        rows = await G.delete().where(G.id == f"{plan_code}/{feature_key}").returning(G.id)
        return bool(rows)


def entitlement_row(row: Entitlement) -> CustomerEntitlementTable:
    return E(
        id=f"{row.customer_id}/{row.feature_key}", customer=row.customer_id,
        feature_key=row.feature_key, feature_name=row.feature_name, limit_kind=row.kind.value,
        limit_value=row.limit, has_access=row.has_access,
        subscriptions=json.dumps(list(row.subscriptions)), updated_at=row.updated_at,
    )  # fmt: skip


def _entitlement(customer_id: str, r: Mapping[str, Any]) -> Entitlement:
    return Entitlement(
        customer_id=customer_id, feature_key=r["feature_key"], feature_name=r["feature_name"],
        kind=LimitKind(r["limit_kind"]), limit=r["limit_value"], has_access=bool(r["has_access"]),
        subscriptions=tuple(json.loads(r["subscriptions"])), updated_at=_instant(r["updated_at"]),
    )  # fmt: skip


class PiccoloEntitlementRepository:
    async def for_customer(self, customer_id: CustomerId) -> list[Entitlement]:
        rows = await E.select(
            E.feature_key, E.feature_name, E.limit_kind, E.limit_value, E.has_access,
            E.subscriptions, E.updated_at,
        ).where(E.customer == customer_id).order_by(E.feature_key)  # fmt: skip
        return [_entitlement(customer_id, r) for r in rows]

    async def replace(self, customer_id: CustomerId, rows: list[Entitlement]) -> None:
        await E.delete().where(E.customer == customer_id)
        if rows:
            await E.insert(*(entitlement_row(r) for r in rows))

    async def rename_feature(self, feature_key: str, name: str) -> None:
        await E.update({E.feature_name: name}).where(E.feature_key == feature_key)
