"""The entitlement rules, pure: ``Entitlement`` (a read-model row) and ``entitlements_of``, a
customer's rows from their subscriptions, the plans and the catalog's grants (the rules are
described in ``entitlements.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from domain.catalog.features import Feature, FeatureGrant, LimitKind
from domain.catalog.model import Plan
from domain.jobs.model import JsonValue
from domain.shared.ids import PlanId
from domain.subscriptions.model import Subscription


@dataclass(frozen=True, slots=True)
class Entitlement:
    """One feature of one customer. ``kind`` is ``access``, ``quantity`` (``limit`` set) or
    ``unlimited`` (a per-seat grant reads as the quantity of seats)."""

    customer_id: str
    feature_key: str
    feature_name: str
    kind: LimitKind
    limit: int | None
    has_access: bool
    subscriptions: tuple[str, ...]
    updated_at: datetime

    def same_terms(self, other: Entitlement) -> bool:
        """Equal but for ``updated_at``."""
        return replace(self, updated_at=other.updated_at) == other

    def data(self) -> dict[str, JsonValue]:
        """As the API and the webhook event carry it."""
        return {
            "feature": self.feature_key,
            "name": self.feature_name,
            "limit_type": self.kind.value,
            "limit": self.limit,
            "has_access": self.has_access,
            "subscriptions": list(self.subscriptions),
            "updated_at": self.updated_at.isoformat().replace("+00:00", "Z"),
        }


@dataclass(frozen=True, slots=True)
class _Share:
    subscription_id: str
    has_access: bool
    kind: LimitKind
    value: int | None


def _share(sub: Subscription, grant: FeatureGrant, quantity: int, *, addon: bool) -> _Share:
    kind, value = grant.kind, grant.value
    if kind is LimitKind.PER_SEAT:
        kind, value = LimitKind.QUANTITY, quantity
    elif kind is LimitKind.QUANTITY and addon:
        value = (value or 0) * quantity
    return _Share(sub.id, sub.has_access, kind, value)


def entitlements_of(
    customer_id: str,
    subscriptions: Sequence[Subscription],
    plans: Mapping[PlanId, Plan],
    grants: Mapping[str, Sequence[FeatureGrant]],
    features: Mapping[str, Feature],
    *,
    at: datetime,
) -> list[Entitlement]:
    """The customer's entitlements (by feature key) under the module's rules."""
    shares: dict[str, list[_Share]] = {}
    for sub in sorted(subscriptions, key=lambda s: (s.created_at, s.id)):
        sources = [(sub.plan_id, sub.quantity, False)]
        sources += [(plan_id, quantity, True) for plan_id, quantity in sub.addons]
        for plan_id, quantity, addon in sources:
            plan = plans.get(plan_id)
            for grant in grants.get(plan.code, ()) if plan else ():
                share = _share(sub, grant, quantity, addon=addon)
                shares.setdefault(grant.feature_key, []).append(share)
    rows = []
    for key in sorted(shares):
        feature = features.get(key)
        if feature is None:  # a grant always names a feature; nothing to report otherwise
            continue
        counted = [s for s in shares[key] if s.has_access] or shares[key]
        kinds = {s.kind for s in counted}
        if LimitKind.UNLIMITED in kinds:
            kind, limit = LimitKind.UNLIMITED, None
        elif LimitKind.QUANTITY in kinds:
            kind = LimitKind.QUANTITY
            limit = sum(s.value or 0 for s in counted if s.kind is LimitKind.QUANTITY)
        else:
            kind, limit = LimitKind.ACCESS, None
        rows.append(
            Entitlement(
                customer_id=customer_id,
                feature_key=key,
                feature_name=feature.name,
                kind=kind,
                limit=limit,
                has_access=any(s.has_access for s in counted),
                subscriptions=tuple(dict.fromkeys(s.subscription_id for s in counted)),
                updated_at=at,
            )
        )
    return rows


def entitles_differently(before: Subscription, after: Subscription) -> bool:
    """Whether a saved change may change the customer's entitlements (else nothing is read)."""
    return (
        before.version == 0
        or before.status is not after.status
        or before.plan_id != after.plan_id
        or before.quantity != after.quantity
        or before.addons != after.addons
    )
