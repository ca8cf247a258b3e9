"""The in-memory price migration repository (``InMemoryUnitOfWork.price_migrations``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.shared.errors import Conflict
from domain.shared.ids import SubscriptionId
from domain.subscriptions.price_migrations import (
    MigrationErrorCode,
    MigrationNotice,
    MigrationStatus,
    PriceMigration,
)


class InMemoryPriceMigrationRepository:
    def __init__(self) -> None:
        self.rows: dict[str, PriceMigration] = {}
        self.notice_rows: dict[tuple[str, str], MigrationNotice] = {}

    def _counted(self, m: PriceMigration) -> PriceMigration:
        notices = [n for (mid, _), n in self.notice_rows.items() if mid == m.id]
        moved = sum(1 for n in notices if n.moved_at is not None)
        return replace(m, notified=len(notices), moved=moved)

    async def add(self, migration: PriceMigration) -> None:
        if any(
            m.from_plan_id == migration.from_plan_id and m.status is MigrationStatus.SCHEDULED
            for m in self.rows.values()
        ):
            raise Conflict("already scheduled", code=MigrationErrorCode.OVERLAP)
        self.rows[migration.id] = migration

    async def get(self, migration_id: str, *, lock: bool = False) -> PriceMigration | None:
        m = self.rows.get(migration_id)
        return self._counted(m) if m else None

    async def save(self, migration: PriceMigration) -> None:
        self.rows[migration.id] = migration

    async def for_plan(self, plan_code: str) -> list[PriceMigration]:
        found = [self._counted(m) for m in self.rows.values() if m.plan_code == plan_code]
        return sorted(found, key=lambda m: m.created_at, reverse=True)

    async def scheduled(self) -> list[PriceMigration]:
        found = [
            self._counted(m) for m in self.rows.values() if m.status is MigrationStatus.SCHEDULED
        ]
        return sorted(found, key=lambda m: m.created_at)

    async def add_notice(self, notice: MigrationNotice) -> bool:
        key = (notice.migration_id, notice.subscription_id)
        if key in self.notice_rows:
            return False
        self.notice_rows[key] = notice
        return True

    async def notices(self, migration_id: str) -> list[MigrationNotice]:
        return [n for (mid, _), n in self.notice_rows.items() if mid == migration_id]

    async def mark_moved(
        self, migration_id: str, subscription_id: SubscriptionId, at: datetime
    ) -> None:
        key = (migration_id, subscription_id)
        self.notice_rows[key] = replace(self.notice_rows[key], moved_at=at)
