"""Entitlements: what a customer may use, from the features their subscriptions' plans and add-ons
grant (``domain/catalog/features.py``), kept as a read model (``customer_entitlement``, one row
per customer and feature) so the business's product asks one indexed query.

**Rules** (``entitlements_of``, pure):

- every subscription of the customer contributes the grants of its plan's code and of each
  attached add-on's code; a ``per_seat`` grant's limit is the subscription's quantity (an
  add-on's: its quantity), an add-on's ``quantity`` grant counts once per add-on unit;
- ``has_access`` is the subscription's (``Subscription.has_access``): on when active, trialing
  or past due (past due lasts only while dunning retries: its final action makes the
  subscription unpaid or canceled, which turn access off; a policy that leaves it past due keeps
  access, as staff chose), off when unpaid, paused (as Stripe: a paused subscription grants no
  entitlements), incomplete, incomplete_expired or canceled;
- one row per feature: on when any subscription granting it has access; its limit combines the
  grants of the subscriptions that give access (of all granting subscriptions when none does,
  so the product can say what was lost): ``unlimited`` wins, quantities add up, otherwise
  access only; ``subscriptions`` lists those subscriptions.

**Kept live** by ``store_outcome`` (``_engine_store.py``, the one place every saved change of a
subscription goes) in the change's transaction, when the change touches what entitles (a new
subscription, its status, plan, quantity or add-ons), and by the catalog admin when a plan's
grants change. A customer whose rows change gets an ``entitlements.updated`` event. ``rebuild``
recomputes every customer from the subscriptions and the catalog (``python -m web.cli
entitlements rebuild``); the tests check the live rows equal a rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from domain.catalog.features import FeatureGrant
from domain.catalog.model import Plan
from domain.jobs.model import JsonValue
from domain.outbound.events import EventType, emit
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId, PlanId
from domain.subscriptions.entitlement_rules import Entitlement, entitlements_of
from domain.subscriptions.errors import SubscriptionErrorCode
from domain.subscriptions.ports import SubscriptionsUnit

REBUILD_PAGE = 500


async def _computed(
    uow: SubscriptionsUnit, customer_id: CustomerId, at: datetime
) -> list[Entitlement]:
    subs = await uow.subscriptions.for_customer(customer_id)
    plans: dict[PlanId, Plan] = {}
    for sub in subs:
        for plan_id in (sub.plan_id, *(a[0] for a in sub.addons)):
            if plan_id not in plans and (plan := await uow.plans.get(plan_id)) is not None:
                plans[plan_id] = plan
    codes = sorted({p.code for p in plans.values()})
    grants: dict[str, list[FeatureGrant]] = {}
    for grant in await uow.features.grants(codes) if codes else []:
        grants.setdefault(grant.plan_code, []).append(grant)
    keys = {g.feature_key for gs in grants.values() for g in gs}
    features = {f.key: f for f in await uow.features.all() if f.key in keys} if keys else {}
    return entitlements_of(customer_id, subs, plans, grants, features, at=at)


def _same(old: Sequence[Entitlement], new: Sequence[Entitlement]) -> bool:
    return len(old) == len(new) and all(a.same_terms(b) for a, b in zip(old, new, strict=True))


async def refresh_entitlements_in(
    uow: SubscriptionsUnit,
    customer_id: CustomerId,
    *,
    now: datetime,
    announce: bool = True,
    write: bool = True,
) -> bool:
    """Recompute the customer's rows in the caller's transaction; when they differ from the
    stored ones, store them (``write``) and emit ``entitlements.updated`` (``announce``).
    Returns whether they differed."""
    new = await _computed(uow, customer_id, now)
    old = await uow.entitlements.for_customer(customer_id)
    if _same(old, new):
        return False
    if write:
        await uow.entitlements.replace(customer_id, new)
        if announce:
            await emit(uow, EventType.ENTITLEMENTS_UPDATED, entitlements_event(customer_id, new),
                       at=now)  # fmt: skip
    return True


def entitlements_event(customer_id: str, rows: Sequence[Entitlement]) -> dict[str, JsonValue]:
    """The ``entitlements.updated`` event's data: the customer's rows as they are now."""
    return {"object": "customer.entitlements", "customer_id": customer_id,
            "entitlements": [r.data() for r in rows]}  # fmt: skip


async def rebuild_entitlements(
    *, new_uow: Callable[[], SubscriptionsUnit], now: datetime, check: bool = False
) -> list[str]:
    """Recompute every customer's rows from the subscriptions and the catalog, one transaction
    per page of customers; rows that differ are replaced (without events), or with ``check``
    only reported. Returns the ids of the customers whose stored rows differed."""
    differing: list[str] = []
    after: str | None = None
    while True:
        uow = new_uow()
        async with uow:
            customers = await uow.customers.page(after=after, limit=REBUILD_PAGE)
            for customer in customers:
                if await refresh_entitlements_in(
                    uow, customer.id, now=now, announce=False, write=not check
                ):
                    differing.append(customer.id)
            if not check:
                await uow.commit()
        if len(customers) < REBUILD_PAGE:
            return differing
        after = customers[-1].id


async def customer_entitlements(
    customer_id: CustomerId, *, uow: SubscriptionsUnit
) -> list[Entitlement]:
    """The read model's rows of a customer (one indexed query); an unknown customer is
    ``NotFound`` (checked only when there are no rows)."""
    async with uow:
        rows = await uow.entitlements.for_customer(customer_id)
        if not rows and await uow.customers.get(customer_id) is None:
            raise NotFound("No such customer.", code=SubscriptionErrorCode.CUSTOMER_NOT_FOUND)
    return rows
