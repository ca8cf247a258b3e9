"""Price migrations and their notices on Piccolo (``uow.price_migrations``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.adapters.db.repositories.subscriptions import _locked
from domain.adapters.db.tables_price_migrations import (
    PriceMigrationNoticeTable,
    PriceMigrationTable,
)
from domain.adapters.db.unique import conflict_on_duplicate
from domain.shared.ids import PlanId, SubscriptionId
from domain.subscriptions.price_migrations import (
    MigrationErrorCode,
    MigrationNotice,
    MigrationStatus,
    PriceMigration,
)

T = PriceMigrationTable
N = PriceMigrationNoticeTable


def _notice(row: dict[str, Any]) -> MigrationNotice:
    return MigrationNotice(
        row["migration_id"],
        SubscriptionId(row["subscription_id"]),
        row["notified_at"],
        row["move_at"],
        row["moved_at"],
    )


class PiccoloPriceMigrationRepository:
    async def _counted(self, row: dict[str, Any]) -> PriceMigration:
        notices = await N.select(N.moved_at).where(N.migration_id == row["id"])
        return PriceMigration(
            id=row["id"],
            plan_code=row["plan_code"],
            from_plan_id=PlanId(row["from_plan_id"]),
            to_plan_id=PlanId(row["to_plan_id"]),
            effective_at=row["effective_at"],
            notice_days=row["notice_days"],
            status=MigrationStatus(row["status"]),
            scheduled_by=row["scheduled_by"],
            created_at=row["created_at"],
            closed_at=row["closed_at"],
            notified=len(notices),
            moved=sum(1 for n in notices if n["moved_at"] is not None),
        )

    async def add(self, migration: PriceMigration) -> None:
        async with conflict_on_duplicate(
            "A migration from this version is already scheduled.", code=MigrationErrorCode.OVERLAP
        ):
            await T.insert(
                T(
                    id=migration.id,
                    plan_code=migration.plan_code,
                    from_plan_id=migration.from_plan_id,
                    to_plan_id=migration.to_plan_id,
                    effective_at=migration.effective_at,
                    notice_days=migration.notice_days,
                    status=migration.status.value,
                    scheduled_by=migration.scheduled_by,
                    created_at=migration.created_at,
                    closed_at=migration.closed_at,
                    open_from_plan=migration.from_plan_id
                    if migration.status is MigrationStatus.SCHEDULED
                    else None,
                )
            )

    async def get(self, migration_id: str, *, lock: bool = False) -> PriceMigration | None:
        query = T.select().where(T.id == migration_id)
        rows = await (_locked(query, T) if lock else query)
        return await self._counted(rows[0]) if rows else None

    async def save(self, migration: PriceMigration) -> None:
        scheduled = migration.status is MigrationStatus.SCHEDULED
        await T.update(
            {
                T.status: migration.status.value,
                T.closed_at: migration.closed_at,
                T.open_from_plan: migration.from_plan_id if scheduled else None,
            }
        ).where(T.id == migration.id)

    async def for_plan(self, plan_code: str) -> list[PriceMigration]:
        rows = (
            await T.select().where(T.plan_code == plan_code).order_by(T.created_at, ascending=False)
        )
        return [await self._counted(r) for r in rows]

    async def scheduled(self) -> list[PriceMigration]:
        rows = (
            await T.select()
            .where(T.status == MigrationStatus.SCHEDULED.value)
            .order_by(T.created_at)
        )
        return [await self._counted(r) for r in rows]

    async def add_notice(self, notice: MigrationNotice) -> bool:
        key = f"{notice.migration_id}:{notice.subscription_id}"
        if await N.exists().where(N.id == key):
            return False
        await N.insert(
            N(
                id=key,
                migration_id=notice.migration_id,
                subscription_id=notice.subscription_id,
                notified_at=notice.notified_at,
                move_at=notice.move_at,
                moved_at=notice.moved_at,
            )
        )
        return True

    async def notices(self, migration_id: str) -> list[MigrationNotice]:
        rows = await N.select().where(N.migration_id == migration_id).order_by(N.notified_at)
        return [_notice(r) for r in rows]

    async def mark_moved(
        self, migration_id: str, subscription_id: SubscriptionId, at: datetime
    ) -> None:
        await N.update({N.moved_at: at}).where(N.id == f"{migration_id}:{subscription_id}")
