"""/api/v1/customers/{id}/entitlements: what a customer may use, answered from the
``customer_entitlement`` read model (domain/subscriptions/entitlements.py) in one indexed query.
A read-only key may ask; an unknown customer answers 404 problem details."""

from __future__ import annotations

from typing import Literal

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, SkipValidation
from msgspec import Struct

from domain.shared.ids import CustomerId
from domain.subscriptions.entitlement_rules import Entitlement
from domain.subscriptions.entitlements import customer_entitlements
from domain.unit_of_work import UnitOfWork
from web.api.docs import read_op
from web.api.shapes import instant

TAG = "Entitlements"


class EntitlementOut(Struct):
    """One feature: ``limit_type`` ``access`` (on or off, no quantity), ``quantity`` (``limit``
    is the most allowed, seats included) or ``unlimited``."""

    feature: str
    name: str
    limit_type: Literal["access", "quantity", "unlimited"]
    limit: int | None
    has_access: bool
    subscriptions: list[str]
    updated_at: str | None


class EntitlementList(Struct):
    customer_id: str
    data: list[EntitlementOut]


def entitlement_out(row: Entitlement) -> EntitlementOut:
    return EntitlementOut(
        feature=row.feature_key, name=row.feature_name, limit_type=row.kind.value,  # type: ignore[arg-type]
        limit=row.limit, has_access=row.has_access, subscriptions=list(row.subscriptions),
        updated_at=instant(row.updated_at),
    )  # fmt: skip


@get("/customers/{customer_id:str}/entitlements", name="api.customers.entitlements",
     **read_op(TAG, "A customer's entitlements: features, limits and whether access is on"))  # fmt: skip
async def customer_entitlements_api(
    customer_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> EntitlementList:
    rows = await customer_entitlements(CustomerId(customer_id), uow=read_uow)
    return EntitlementList(customer_id, [entitlement_out(r) for r in rows])
