"""The audit log on Piccolo: add and filtered reads only (the table refuses UPDATE and DELETE)."""

from __future__ import annotations

from typing import Any

from piccolo.query import OrderByRaw

from domain.adapters.db.repositories.subscriptions import _json, _load
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.audit.model import Actor, AuditEntry, AuditFilter


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        actor=Actor(row["actor_staff_id"], row["actor_email"]),
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        customer_id=row["customer_id"],
        reason=row["reason"],
        before=dict(_load(row["before"]) or {}),
        after=dict(_load(row["after"]) or {}),
    )


def _where(query: Any, f: AuditFilter) -> Any:
    t = AuditEntryTable
    if f.staff_id is not None:
        query = query.where(t.actor_staff_id == f.staff_id)
    if f.customer_id is not None:
        query = query.where(t.customer_id == f.customer_id)
    if f.action is not None:
        query = query.where(t.action == f.action)
    if f.since is not None:
        query = query.where(t.at >= f.since)
    if f.until is not None:
        query = query.where(t.at < f.until)
    if f.object_type is not None:
        query = query.where(t.object_type == f.object_type)
    if f.object_id is not None:
        query = query.where(t.object_id == f.object_id)
    return query


def tie_breaker(table: type[AuditEntryTable]) -> str:
    """The order entries were written in, for entries at one instant (migration
    ``audit_entry_order``): ``seq`` on PostgreSQL, the ``rowid`` on SQLite."""
    return "rowid" if table._meta.db.engine_type == "sqlite" else "seq"


class PiccoloAuditRepository:
    async def add(self, entry: AuditEntry) -> None:
        await AuditEntryTable.insert(
            AuditEntryTable(
                id=entry.id,
                at=entry.at,
                actor_staff_id=entry.actor.staff_id,
                actor_email=entry.actor.email,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                customer_id=entry.customer_id,
                reason=entry.reason,
                before=_json(entry.before),
                after=_json(entry.after),
            )
        )

    async def find(self, where: AuditFilter, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        t = AuditEntryTable
        query = (
            _where(t.select(), where)
            .order_by(t.at, ascending=False)
            .order_by(OrderByRaw(tie_breaker(t)), ascending=False)
        )
        rows = await query.limit(limit).offset(offset)
        return [_entry(r) for r in rows]

    async def count(self, where: AuditFilter) -> int:
        return int(await _where(AuditEntryTable.count(), where))

    async def actions(self) -> list[str]:
        rows = await AuditEntryTable.select(AuditEntryTable.action).distinct()
        return [r["action"] for r in rows]
