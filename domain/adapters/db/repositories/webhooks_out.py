"""Outbound events, webhook endpoints, deliveries and attempts on Piccolo."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.adapters.db.tables_webhooks import (
    OutboundEventTable,
    WebhookAttemptTable,
    WebhookDeliveryTable,
    WebhookEndpointTable,
)
from domain.outbound.events import EventType, OutboundEvent
from domain.webhooks_out.model import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    wanted_by_any,
)

E, P, D, A = OutboundEventTable, WebhookEndpointTable, WebhookDeliveryTable, WebhookAttemptTable


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _maybe(value: Any) -> datetime | None:
    return None if value is None else _instant(value)


def _locked(query: Any, table: Any) -> Any:
    if table._meta.db.engine_type in ("postgres", "cockroach"):
        return query.lock_rows()
    return query


def _event(r: dict[str, Any]) -> OutboundEvent:
    return OutboundEvent(id=r["id"], type=EventType(r["type"]), at=_instant(r["at"]),
                         data=json.loads(r["data"]), key=r["key"])  # fmt: skip


class PiccoloOutboundEvents:
    """``added`` lists the ids stored through this unit that an enabled endpoint wants, for the
    dispatch job its commit enqueues. The first event a unit stores reads which event types the
    enabled endpoints subscribe to (one small query, kept for the unit); an event no endpoint
    wants is stored already dispatched and queues nothing, so a renewal with no webhook
    endpoint configured costs no job. ``fan_out=False`` (a unit whose registry has no dispatch
    job: tools and benchmarks running part of the jobs) reads no endpoint and stores events
    undispatched, for a runner that has the job."""

    def __init__(self, *, fan_out: bool = True) -> None:
        self.added: list[str] = []
        self._fan_out = fan_out
        self._subscriptions: list[tuple[str, ...]] | None = None

    def forget(self) -> None:
        """The unit ended: nothing added, endpoints read again by the next unit."""
        self.added.clear()
        self._subscriptions = None

    async def _wanted(self, event: OutboundEvent) -> bool:
        if not self._fan_out:
            return True  # left for a runner with the dispatch job to fan out
        if self._subscriptions is None:
            rows = await P.select(P.event_types).where(P.enabled == True)  # noqa: E712
            self._subscriptions = [tuple(json.loads(r["event_types"] or "[]")) for r in rows]
        return wanted_by_any(event.type, self._subscriptions)

    async def add(self, event: OutboundEvent) -> bool:
        if event.key is not None and await E.exists().where(E.key == event.key):
            return False
        wanted = await self._wanted(event)
        await E.insert(E(id=event.id, type=event.type.value, at=event.at,
                         data=json.dumps(event.data, sort_keys=True), key=event.key,
                         dispatched=not wanted))  # fmt: skip
        if wanted:
            self.added.append(event.id)
        return True

    async def add_many(self, events: Sequence[OutboundEvent]) -> None:
        if any(event.key is not None for event in events):
            raise ValueError("an event with a key is added alone (add), to check the key")
        if not events:
            return
        wanted = [await self._wanted(event) for event in events]
        await E.insert(*(E(id=e.id, type=e.type.value, at=e.at,
                           data=json.dumps(e.data, sort_keys=True), key=None,
                           dispatched=not w) for e, w in zip(events, wanted, strict=True)))  # fmt: skip
        self.added.extend(e.id for e, w in zip(events, wanted, strict=True) if w)

    async def get(self, event_id: str) -> OutboundEvent | None:
        row = await E.select().where(E.id == event_id).first()
        return _event(row) if row else None

    async def undispatched(self, event_ids: list[str] | None, *, limit: int) -> list[OutboundEvent]:
        query = E.select().where(E.dispatched == False)  # noqa: E712
        if event_ids is not None:
            if not event_ids:
                return []
            query = query.where(E.id.is_in(event_ids))
        rows = await _locked(query.order_by(E.at).order_by(E.id).limit(limit), E)
        return [_event(r) for r in rows]

    async def mark_dispatched(self, event_ids: list[str]) -> None:
        if event_ids:
            await E.update({E.dispatched: True}).where(E.id.is_in(event_ids))

    async def recent(self, *, limit: int) -> list[OutboundEvent]:
        rows = await E.select().order_by(E.at, ascending=False).limit(limit)
        return [_event(r) for r in rows]

    async def finished_before(self, cutoff: datetime, *, limit: int) -> list[str]:
        pending = D.select(D.event_id).where(D.status == DeliveryStatus.PENDING.value)
        rows = await (
            E.select(E.id)
            .where((E.at < cutoff) & (E.dispatched == True) & E.id.not_in(pending))  # noqa: E712
            .order_by(E.at)
            .limit(limit)
        )
        return [r["id"] for r in rows]

    async def delete(self, event_ids: list[str]) -> int:
        if not event_ids:
            return 0
        rows = await E.delete().where(E.id.is_in(event_ids)).returning(E.id)
        return len(rows)


def _endpoint(r: dict[str, Any]) -> Endpoint:
    return Endpoint(
        id=r["id"], url=r["url"], description=r["description"],
        event_types=tuple(json.loads(r["event_types"] or "[]")), secret=r["secret"],
        enabled=bool(r["enabled"]), created_at=_instant(r["created_at"]),
        updated_at=_instant(r["updated_at"]), disabled_reason=r["disabled_reason"],
        failing_since=_maybe(r["failing_since"]), previous_secret=r["previous_secret"],
        previous_secret_expires_at=_maybe(r["previous_secret_expires_at"]),
    )  # fmt: skip


def _endpoint_values(e: Endpoint) -> dict[Any, Any]:
    return {
        P.url: e.url, P.description: e.description, P.event_types: json.dumps(list(e.event_types)),
        P.secret: e.secret, P.enabled: e.enabled, P.disabled_reason: e.disabled_reason,
        P.failing_since: e.failing_since, P.created_at: e.created_at, P.updated_at: e.updated_at,
        P.previous_secret: e.previous_secret,
        P.previous_secret_expires_at: e.previous_secret_expires_at,
    }  # fmt: skip


class PiccoloWebhookEndpoints:
    async def all(self) -> list[Endpoint]:
        return [_endpoint(r) for r in await P.select().order_by(P.created_at)]

    async def get(self, endpoint_id: str, *, lock: bool = False) -> Endpoint | None:
        query = P.select().where(P.id == endpoint_id)
        rows = await (_locked(query, P) if lock else query)
        return _endpoint(rows[0]) if rows else None

    async def add(self, endpoint: Endpoint) -> None:
        values = {col._meta.name: v for col, v in _endpoint_values(endpoint).items()}
        await P.insert(P(id=endpoint.id, **values))

    async def save(self, endpoint: Endpoint) -> None:
        await P.update(_endpoint_values(endpoint)).where(P.id == endpoint.id)


def _delivery(r: dict[str, Any]) -> Delivery:
    return Delivery(
        id=r["id"], event_id=r["event_id"], endpoint_id=r["endpoint_id"],
        event_type=r["event_type"], status=DeliveryStatus(r["status"]), attempts=r["attempts"],
        created_at=_instant(r["created_at"]), next_attempt_at=_maybe(r["next_attempt_at"]),
        last_status_code=r["last_status_code"], last_error=r["last_error"],
        finished_at=_maybe(r["finished_at"]),
    )  # fmt: skip


class PiccoloWebhookDeliveries:
    async def add(self, delivery: Delivery) -> bool:
        if await D.exists().where(D.id == delivery.id):
            return False
        await D.insert(D(
            id=delivery.id, event_id=delivery.event_id, endpoint_id=delivery.endpoint_id,
            event_type=delivery.event_type, status=delivery.status.value,
            attempts=delivery.attempts, next_attempt_at=delivery.next_attempt_at,
            last_status_code=delivery.last_status_code, last_error=delivery.last_error,
            created_at=delivery.created_at, finished_at=delivery.finished_at,
        ))  # fmt: skip
        return True

    async def get(self, delivery_id: str, *, lock: bool = False) -> Delivery | None:
        query = D.select().where(D.id == delivery_id)
        rows = await (_locked(query, D) if lock else query)
        return _delivery(rows[0]) if rows else None

    async def save(self, delivery: Delivery) -> None:
        await D.update({
            D.status: delivery.status.value, D.attempts: delivery.attempts,
            D.next_attempt_at: delivery.next_attempt_at,
            D.last_status_code: delivery.last_status_code, D.last_error: delivery.last_error,
            D.finished_at: delivery.finished_at,
        }).where(D.id == delivery.id)  # fmt: skip

    async def for_endpoint(self, endpoint_id: str, *, limit: int) -> list[Delivery]:
        rows = await (
            D.select().where(D.endpoint_id == endpoint_id)
            .order_by(D.created_at, ascending=False).order_by(D.id).limit(limit)
        )  # fmt: skip
        return [_delivery(r) for r in rows]

    async def for_event(self, event_id: str) -> list[Delivery]:
        return [_delivery(r) for r in await D.select().where(D.event_id == event_id)]

    async def counts(self) -> dict[str, dict[str, int]]:
        rows = await D.raw(
            "SELECT endpoint_id, status, COUNT(*) AS n FROM webhook_delivery"
            " GROUP BY endpoint_id, status"
        )
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            out.setdefault(r["endpoint_id"], {})[r["status"]] = int(r["n"])
        return out

    async def delete_for_events(self, event_ids: list[str]) -> int:
        if not event_ids:
            return 0
        return len(await D.delete().where(D.event_id.is_in(event_ids)).returning(D.id))


def _attempt(r: dict[str, Any]) -> Attempt:
    return Attempt(
        id=r["id"], delivery_id=r["delivery_id"], endpoint_id=r["endpoint_id"],
        event_id=r["event_id"], number=r["number"], at=_instant(r["at"]),
        status_code=r["status_code"], latency_ms=r["latency_ms"],
        response_excerpt=r["response_excerpt"], error=r["error"],
        succeeded=bool(r["succeeded"]), replay=bool(r["replay"]),
    )  # fmt: skip


class PiccoloWebhookAttempts:
    async def add(self, a: Attempt) -> None:
        await A.insert(A(
            id=a.id, delivery_id=a.delivery_id, endpoint_id=a.endpoint_id, event_id=a.event_id,
            number=a.number, at=a.at, status_code=a.status_code, latency_ms=a.latency_ms,
            response_excerpt=a.response_excerpt, error=a.error, succeeded=a.succeeded,
            replay=a.replay,
        ))  # fmt: skip

    async def for_delivery(self, delivery_id: str) -> list[Attempt]:
        rows = await A.select().where(A.delivery_id == delivery_id).order_by(A.number)
        return [_attempt(r) for r in rows]

    async def for_endpoint(self, endpoint_id: str, *, limit: int) -> list[Attempt]:
        rows = await (
            A.select().where(A.endpoint_id == endpoint_id)
            .order_by(A.at, ascending=False).limit(limit)
        )  # fmt: skip
        return [_attempt(r) for r in rows]

    async def delete_for_events(self, event_ids: list[str]) -> int:
        if not event_ids:
            return 0
        deliveries = D.select(D.id).where(D.event_id.is_in(event_ids))
        return len(await A.delete().where(A.delivery_id.is_in(deliveries)).returning(A.id))
