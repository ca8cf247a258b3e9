"""Price migrations as staff run them (/admin/catalog/plans/{code}/migrations): a plan's versions
and migrations (catalog.read); the binding preview of a new migration, scheduling exactly what
was previewed, and cancelling a scheduled one (catalog.manage), each audited
(``price_migration.scheduled``, ``price_migration.canceled``)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from domain.audit.model import Actor, new_entry
from domain.audit.ports import AuditUnit
from domain.audit.service import record
from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.catalog.model import Plan
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import PlanId, new_id
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import Subscription
from domain.subscriptions.plan_facts import recurring_minor
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.price_migrations import (
    MOVABLE,
    MigrationErrorCode,
    MigrationStatus,
    PriceMigration,
    Renewing,
    check_effective,
    check_notice_days,
    check_target,
    planned_move,
)

SCHEDULED = "price_migration.scheduled"
CANCELED = "price_migration.canceled"


class MigrationsUnit(SubscriptionsUnit, AuditUnit, Protocol):
    """What the staff use cases touch: subscriptions (and the catalog) and the audit log."""


@dataclass(frozen=True, slots=True)
class MigrationRequest:
    """A new migration as typed: the effective date is a calendar date, starting 00:00 UTC."""

    plan_code: str
    from_plan_id: str
    to_plan_id: str
    effective_on: date
    notice_days: int

    @property
    def effective_at(self) -> datetime:
        return datetime.combine(self.effective_on, time(0), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class VersionRow:
    plan: Plan
    subscribers: int  # live subscriptions that renew on this version
    prices: tuple[Money, ...] = ()  # one period at one unit, per currency, before tax

    @property
    def migratable(self) -> bool:
        return not self.plan.is_current and self.subscribers > 0


@dataclass(frozen=True, slots=True)
class MigrationRow:
    migration: PriceMigration
    from_version: int
    to_version: int

    @property
    def cancellable(self) -> bool:
        return self.migration.status is MigrationStatus.SCHEDULED


@dataclass(frozen=True, slots=True)
class PlanMigrations:
    plan_code: str
    plan_name: str
    versions: tuple[VersionRow, ...]  # newest first
    migrations: tuple[MigrationRow, ...]  # newest first


@dataclass(frozen=True, slots=True)
class CurrencyLine:
    """The subscribers paying in one currency: one period of each version at one unit, and what
    all of them pay per period for their quantities (before discounts and tax)."""

    currency: str
    subscribers: int
    old_price: Money
    new_price: Money
    old_total: Money
    new_total: Money


@dataclass(frozen=True, slots=True)
class MigrationPreview:
    request: MigrationRequest
    source: Plan
    target: Plan
    lines: tuple[CurrencyLine, ...]
    subscribers: int
    first_move_at: datetime | None
    first_notice_at: datetime | None
    version: str  # what the confirm form carries back: scheduling refuses another preview

    @property
    def effective_at(self) -> datetime:
        return self.request.effective_at


def _renewing(subs: list[Subscription]) -> list[Subscription]:
    return [s for s in subs if s.status in MOVABLE and not s.cancel_at_period_end]


async def plan_migrations(
    actor: SignedInStaff, plan_code: str, *, uow: SubscriptionsUnit
) -> PlanMigrations:
    """A plan's versions with their subscribers, and its migrations."""
    require(actor, Permission.CATALOG_READ)
    async with uow:
        versions = await uow.plans.versions(plan_code)
        if not versions:
            raise NotFound("No such plan.", code="catalog.plan_not_found")
        rows = []
        for plan in reversed(versions):
            subs = _renewing(await uow.subscriptions.on_plans([plan.id]))
            prices = tuple(
                Money.of_minor(recurring_minor(plan, 1, c.code) or 0, c.code)
                for c in plan.currencies
            )
            rows.append(VersionRow(plan, len(subs), prices))
        by_id = {p.id: p.version for p in versions}
        migrations = tuple(
            MigrationRow(m, by_id.get(m.from_plan_id, 0), by_id.get(m.to_plan_id, 0))
            for m in await uow.price_migrations.for_plan(plan_code)
        )
    return PlanMigrations(plan_code, versions[-1].name, tuple(rows), migrations)


async def preview_price_migration(
    actor: SignedInStaff, request: MigrationRequest, *, uow: SubscriptionsUnit, clock: Clock
) -> MigrationPreview:
    """What scheduling ``request`` would do, checked as scheduling checks it (nothing written)."""
    require(actor, Permission.CATALOG_MANAGE)
    async with uow:
        return await _preview_in(uow, request, clock.now())


async def _preview_in(
    uow: SubscriptionsUnit, request: MigrationRequest, now: datetime
) -> MigrationPreview:
    source = await uow.plans.get(PlanId(request.from_plan_id))
    if source is None or source.code != request.plan_code:
        raise NotFound("No such plan version.", code=MigrationErrorCode.NOT_FOUND)
    target = await uow.plans.get(PlanId(request.to_plan_id))
    if target is None:
        raise ValidationFailed(
            {"to": "Choose a version of this plan."}, code=MigrationErrorCode.BAD_TARGET
        )
    check_notice_days(request.notice_days)
    subs = _renewing(await uow.subscriptions.on_plans([source.id]))
    check_target(source, target, {s.currency for s in subs})
    check_effective(request.effective_at, now, request.notice_days)
    overlapping = [m for m in await uow.price_migrations.scheduled() if m.from_plan_id == source.id]
    if overlapping:
        raise ValidationFailed(
            {"from": f"A migration from version {source.version} is already scheduled for "
                     f"{overlapping[0].effective_at.date().isoformat()}; cancel it first."},
            code=MigrationErrorCode.OVERLAP,
        )  # fmt: skip
    by_currency: dict[str, list[Subscription]] = defaultdict(list)
    for sub in subs:
        by_currency[sub.currency].append(sub)
    lines = tuple(
        CurrencyLine(
            currency,
            len(group),
            Money.of_minor(recurring_minor(source, 1, currency) or 0, currency),
            Money.of_minor(recurring_minor(target, 1, currency) or 0, currency),
            Money.of_minor(sum(recurring_minor(source, s.quantity, currency) or 0 for s in group), currency),
            Money.of_minor(sum(recurring_minor(target, s.quantity, currency) or 0 for s in group), currency),
        )
        for currency, group in sorted(by_currency.items())
    )  # fmt: skip
    moves = [planned_move(Renewing.of(s), source.interval, request.effective_at) for s in subs]
    first_move = min(moves, default=None)
    first_notice = first_move - timedelta(days=request.notice_days) if first_move else None
    fingerprint = repr((request, source.id, target.id, lines, len(subs), first_move))
    return MigrationPreview(
        request, source, target, lines, len(subs), first_move, first_notice,
        hashlib.sha256(fingerprint.encode()).hexdigest()[:16],
    )  # fmt: skip


async def schedule_price_migration(
    actor: SignedInStaff,
    request: MigrationRequest,
    shown: str,
    *,
    uow: MigrationsUnit,
    clock: Clock,
) -> PriceMigration:
    """Schedule exactly the previewed migration: the preview is computed again in the writing
    transaction and a different one (``shown`` is its version) is refused with ``Conflict``
    (``price_migration.stale_preview``), so staff confirm what they saw."""
    require(actor, Permission.CATALOG_MANAGE)
    now = clock.now()
    async with uow:
        preview = await _preview_in(uow, request, now)
        if preview.version != shown:
            raise Conflict(
                "The subscribers or prices changed since the preview. Review it again.",
                code=MigrationErrorCode.STALE_PREVIEW,
            )
        migration = PriceMigration(
            id=new_id(),
            plan_code=request.plan_code,
            from_plan_id=preview.source.id,
            to_plan_id=preview.target.id,
            effective_at=request.effective_at,
            notice_days=request.notice_days,
            status=MigrationStatus.SCHEDULED,
            scheduled_by=actor.email,
            created_at=now,
        )
        await uow.price_migrations.add(migration)
        await record(
            uow,
            new_entry(
                at=now,
                actor=Actor(actor.staff_id, actor.email),
                action=SCHEDULED,
                object_type="price_migration",
                object_id=migration.id,
                after={
                    "plan_code": request.plan_code,
                    "from_version": preview.source.version,
                    "to_version": preview.target.version,
                    "effective_on": request.effective_on.isoformat(),
                    "notice_days": request.notice_days,
                    "subscribers": preview.subscribers,
                },
            ),
        )
        await uow.commit()
    return migration


async def cancel_price_migration(
    actor: SignedInStaff,
    plan_code: str,
    migration_id: str,
    *,
    uow: MigrationsUnit,
    clock: Clock,
    config: BillingConfig,
) -> int:
    """Cancel a scheduled migration: subscriptions already told but not yet moved keep their
    version (their scheduled move is withdrawn, in the same transaction); returns how many."""
    require(actor, Permission.CATALOG_MANAGE)
    now = clock.now()
    async with uow:
        migration = await uow.price_migrations.get(migration_id, lock=True)
        if migration is None or migration.plan_code != plan_code:
            raise NotFound("No such migration.", code=MigrationErrorCode.NOT_FOUND)
        if migration.status is not MigrationStatus.SCHEDULED:
            raise InvalidTransition(
                f"This migration is {migration.status.value}: only a scheduled one can be "
                "cancelled.",
                code=MigrationErrorCode.NOT_SCHEDULED,
            )
        withdrawn = 0
        for notice in await uow.price_migrations.notices(migration.id):
            sub = await uow.subscriptions.get(notice.subscription_id)
            if (
                notice.moved_at is None
                and sub is not None
                and sub.plan_id == migration.from_plan_id
                and sub.scheduled_plan_id == migration.to_plan_id
            ):
                await run_in(
                    uow, sub.id, lambda e, at, _: e.cancel_scheduled_change(at),
                    reason=BillingReason.SUBSCRIPTION_UPDATE, now=now, config=config,
                    as_customer=None,
                )  # fmt: skip
                withdrawn += 1
        await uow.price_migrations.save(
            replace(migration, status=MigrationStatus.CANCELED, closed_at=now)
        )
        await record(
            uow,
            new_entry(
                at=now,
                actor=Actor(actor.staff_id, actor.email),
                action=CANCELED,
                object_type="price_migration",
                object_id=migration.id,
                before={"status": migration.status.value},
                after={"status": MigrationStatus.CANCELED.value, "moves_withdrawn": withdrawn},
            ),
        )
        await uow.commit()
    return withdrawn
