"""Staff notes on customers on Piccolo (``uow.notes``): add and read, newest first."""

from __future__ import annotations

from typing import Any

from domain.adapters.db.tables_support import CustomerNoteTable
from domain.support.record_model import StaffNote


def _note(row: dict[str, Any]) -> StaffNote:
    return StaffNote(
        id=row["id"],
        customer_id=row["customer_id"],
        staff_id=row["staff_id"],
        staff_email=row["staff_email"],
        staff_name=row["staff_name"],
        body=row["body"],
        created_at=row["created_at"],
    )


class PiccoloNoteRepository:
    async def add(self, note: StaffNote) -> None:
        await CustomerNoteTable.insert(
            CustomerNoteTable(
                id=note.id,
                customer_id=note.customer_id,
                staff_id=note.staff_id,
                staff_email=note.staff_email,
                staff_name=note.staff_name,
                body=note.body,
                created_at=note.created_at,
            )
        )

    async def for_customer(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[StaffNote], int]:
        t = CustomerNoteTable
        rows = await (
            t.select()
            .where(t.customer_id == customer_id)
            .order_by(t.created_at, ascending=False)
            .order_by(t.id, ascending=False)
            .limit(limit)
            .offset(offset)
        )
        count = await t.count().where(t.customer_id == customer_id)
        return [_note(r) for r in rows], int(count)
