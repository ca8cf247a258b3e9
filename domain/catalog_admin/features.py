"""Features and the grants of plans in the admin (``domain/catalog/features.py``): list the
features and which plans grant them, create a feature, rename one, grant a feature to a plan
code (or change its limit), take a grant away.

Reads need ``catalog.read``, changes ``catalog.manage``. Every change records one audit entry
in its own transaction: ``feature.created``, ``feature.updated``, ``plan.feature_granted``,
``plan.feature_removed``. A grant's change recomputes, in the same transaction, the entitlements
of every customer with a subscription on any version of the plan code (as its plan or an
add-on): they are read from the read model, so it must never lag the catalog. A rename updates
the name on the read model's rows (the key is what the business's product checks; no event).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.features import (
    Feature,
    FeatureGrant,
    parse_feature,
    parse_grant,
    parse_name_problem,
)
from domain.catalog_admin.ports import CatalogAdminUnit, FeatureAdminUnit
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.entitlements import refresh_entitlements_in


@dataclass(frozen=True, slots=True)
class FeatureRow:
    feature: Feature
    grants: tuple[FeatureGrant, ...]  # the plan codes granting it, by code


def _actor(staff: SignedInStaff) -> Actor:
    return Actor(staff.staff_id, staff.email)


def _no_feature(key: str) -> NotFound:
    return NotFound(f"There is no feature {key!r}.", code="catalog.feature_not_found")


def _grant_record(grant: FeatureGrant) -> dict[str, object]:
    return {"feature": grant.feature_key, "limit_kind": grant.kind.value, "limit": grant.value}


async def features_page(actor: SignedInStaff, *, uow: CatalogAdminUnit) -> list[FeatureRow]:
    """Every feature by key, with the plan codes that grant it."""
    require(actor, Permission.CATALOG_READ)
    async with uow:
        features = await uow.features.all()
        grants = await uow.features.grants()
    by_key: dict[str, list[FeatureGrant]] = {}
    for grant in grants:
        by_key.setdefault(grant.feature_key, []).append(grant)
    return [FeatureRow(f, tuple(by_key.get(f.key, ()))) for f in features]


async def create_feature(
    actor: SignedInStaff, key: str, name: str, *, uow: CatalogAdminUnit, clock: Clock
) -> Feature:
    """A new feature; its key never changes. Audited: ``feature.created``."""
    require(actor, Permission.CATALOG_MANAGE)
    feature = parse_feature(key, name, at=clock.now())
    taken = ValidationFailed({"key": "A feature with this key exists; keys never change."},
                             code="catalog.feature_key_taken")  # fmt: skip
    async with uow:
        if await uow.features.get(feature.key) is not None:
            raise taken
        try:
            await uow.features.add(feature)
        except Conflict as exc:  # created at the same moment by someone else
            raise taken from exc
        await record(uow, new_entry(
            at=clock.now(), actor=_actor(actor), action="feature.created", object_type="feature",
            object_id=feature.key, after={"key": feature.key, "name": feature.name},
        ))  # fmt: skip
        await uow.commit()
    return feature


async def rename_feature(
    actor: SignedInStaff, key: str, name: str, *, uow: FeatureAdminUnit, clock: Clock
) -> bool:
    """Show the feature as ``name``; False (nothing written) when it already is. Audited:
    ``feature.updated``."""
    require(actor, Permission.CATALOG_MANAGE)
    name = " ".join(name.split())
    if problem := parse_name_problem(name):
        raise ValidationFailed({"name": problem}, message="Please correct the marked fields.",
                               code="catalog.invalid_feature")  # fmt: skip
    async with uow:
        feature = await uow.features.get(key)
        if feature is None:
            raise _no_feature(key)
        if feature.name == name:
            return False
        await uow.features.rename(key, name)
        await uow.entitlements.rename_feature(key, name)
        await record(uow, new_entry(
            at=clock.now(), actor=_actor(actor), action="feature.updated", object_type="feature",
            object_id=key, before={"name": feature.name}, after={"name": name},
        ))  # fmt: skip
        await uow.commit()
    return True


async def _refresh_subscribers(uow: FeatureAdminUnit, code: str, clock: Clock) -> int:
    plan_ids = [p.id for p in await uow.plans.versions(code)]
    changed = 0
    for customer_id in await uow.subscriptions.customers_on_plans(plan_ids):
        if await refresh_entitlements_in(uow, customer_id, now=clock.now()):
            changed += 1
    return changed


async def grant_feature(
    actor: SignedInStaff, code: str, feature_key: str, limit_kind: str, limit_value: str, *,
    uow: FeatureAdminUnit, clock: Clock,
) -> int:  # fmt: skip
    """``code`` grants the feature with this limit (replacing its earlier limit); the
    subscribers' entitlements follow in the same transaction. Returns how many customers'
    entitlements changed. Audited: ``plan.feature_granted``."""
    require(actor, Permission.CATALOG_MANAGE)
    async with uow:
        plan = await uow.plans.get_by_code(code)
        if plan is None:
            raise NotFound(f"There is no plan with code {code!r}.",
                           code=CatalogErrorCode.PLAN_NOT_FOUND)  # fmt: skip
        grant = parse_grant(plan, feature_key, limit_kind, limit_value)
        if await uow.features.get(grant.feature_key) is None:
            raise ValidationFailed({"feature": "Choose a feature."},
                                   message="Please correct the marked fields.",
                                   code="catalog.feature_not_found")  # fmt: skip
        before = next((g for g in await uow.features.grants([code])
                       if g.feature_key == grant.feature_key), None)  # fmt: skip
        if before == grant:
            return 0
        await uow.features.put_grant(grant)
        changed = await _refresh_subscribers(uow, code, clock)
        await record(uow, new_entry(
            at=clock.now(), actor=_actor(actor), action="plan.feature_granted",
            object_type="plan", object_id=code,
            before=_grant_record(before) if before else None, after=_grant_record(grant),
        ))  # fmt: skip
        await uow.commit()
    return changed


async def remove_grant(
    actor: SignedInStaff, code: str, feature_key: str, *, uow: FeatureAdminUnit, clock: Clock
) -> int:
    """``code`` no longer grants the feature; its subscribers' entitlements follow. Returns how
    many customers' entitlements changed. Audited: ``plan.feature_removed``."""
    require(actor, Permission.CATALOG_MANAGE)
    async with uow:
        before = next((g for g in await uow.features.grants([code])
                       if g.feature_key == feature_key), None)  # fmt: skip
        if before is None or not await uow.features.remove_grant(code, feature_key):
            raise NotFound("This plan does not grant that feature.",
                           code="catalog.grant_not_found")  # fmt: skip
        changed = await _refresh_subscribers(uow, code, clock)
        await record(uow, new_entry(
            at=clock.now(), actor=_actor(actor), action="plan.feature_removed",
            object_type="plan", object_id=code, before=_grant_record(before),
        ))  # fmt: skip
        await uow.commit()
    return changed
