"""Payment webhook events on Piccolo: one row per ``<gateway>:<event id>``."""

from __future__ import annotations

from typing import Any

from domain.adapters.db.tables import PaymentWebhookEventTable
from domain.payments.model import WebhookOutcome, WebhookRecord


def _record(row: dict[str, Any]) -> WebhookRecord:
    return WebhookRecord(
        gateway=row["gateway"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        payment_ref=row["payment_ref"],
        outcome=WebhookOutcome(row["outcome"]),
        received_at=row["received_at"],
        detail=row["detail"] or "",
    )


class PiccoloWebhookEventRepository:
    async def add(self, record: WebhookRecord) -> bool:
        rows = await (
            PaymentWebhookEventTable.insert(
                PaymentWebhookEventTable(
                    key=f"{record.gateway}:{record.event_id}",
                    gateway=record.gateway,
                    event_id=record.event_id,
                    event_type=record.event_type[:100],
                    payment_ref=record.payment_ref,
                    outcome=record.outcome.value,
                    detail=record.detail,
                    received_at=record.received_at,
                )
            )
            .on_conflict(target=PaymentWebhookEventTable.key, action="DO NOTHING")
            .returning(PaymentWebhookEventTable.key)
        )
        return bool(rows)

    async def get(self, gateway: str, event_id: str) -> WebhookRecord | None:
        row = (
            await PaymentWebhookEventTable.select()
            .where(PaymentWebhookEventTable.key == f"{gateway}:{event_id}")
            .first()
        )
        return _record(row) if row else None

    async def held(self, *, limit: int = 100) -> list[WebhookRecord]:
        rows = await (
            PaymentWebhookEventTable.select()
            .where(PaymentWebhookEventTable.outcome == WebhookOutcome.HELD.value)
            .order_by(PaymentWebhookEventTable.received_at, ascending=False)
            .limit(limit)
        )
        return [_record(r) for r in rows]
