"""In-memory outbound webhook repositories (the fake unit of work's; the behaviour is tested on
the real database in tests/integration/webhooks)."""

from __future__ import annotations

from dataclasses import replace

from domain.webhooks_out.model import Attempt, Delivery, Endpoint


class InMemoryWebhookEndpoints:
    def __init__(self) -> None:
        self.rows: dict[str, Endpoint] = {}

    async def all(self) -> list[Endpoint]:
        return sorted(self.rows.values(), key=lambda e: e.created_at)

    async def get(self, endpoint_id: str, *, lock: bool = False) -> Endpoint | None:
        return self.rows.get(endpoint_id)

    async def add(self, endpoint: Endpoint) -> None:
        self.rows[endpoint.id] = endpoint

    async def save(self, endpoint: Endpoint) -> None:
        self.rows[endpoint.id] = replace(endpoint)


class InMemoryWebhookDeliveries:
    def __init__(self) -> None:
        self.rows: dict[str, Delivery] = {}

    async def add(self, delivery: Delivery) -> bool:
        if delivery.id in self.rows:
            return False
        self.rows[delivery.id] = delivery
        return True

    async def get(self, delivery_id: str, *, lock: bool = False) -> Delivery | None:
        return self.rows.get(delivery_id)

    async def save(self, delivery: Delivery) -> None:
        self.rows[delivery.id] = delivery

    async def for_endpoint(self, endpoint_id: str, *, limit: int) -> list[Delivery]:
        rows = [d for d in self.rows.values() if d.endpoint_id == endpoint_id]
        return sorted(rows, key=lambda d: d.created_at, reverse=True)[:limit]

    async def for_event(self, event_id: str) -> list[Delivery]:
        return [d for d in self.rows.values() if d.event_id == event_id]

    async def delete_for_events(self, event_ids: list[str]) -> int:
        gone = [k for k, d in self.rows.items() if d.event_id in event_ids]
        for k in gone:
            del self.rows[k]
        return len(gone)

    async def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for d in self.rows.values():
            per = out.setdefault(d.endpoint_id, {})
            per[d.status.value] = per.get(d.status.value, 0) + 1
        return out


class InMemoryWebhookAttempts:
    def __init__(self) -> None:
        self.rows: list[Attempt] = []

    async def add(self, attempt: Attempt) -> None:
        self.rows.append(attempt)

    async def for_delivery(self, delivery_id: str) -> list[Attempt]:
        return sorted(
            (a for a in self.rows if a.delivery_id == delivery_id), key=lambda a: a.number
        )

    async def for_endpoint(self, endpoint_id: str, *, limit: int) -> list[Attempt]:
        rows = [a for a in self.rows if a.endpoint_id == endpoint_id]
        return sorted(rows, key=lambda a: a.at, reverse=True)[:limit]

    async def delete_for_events(self, event_ids: list[str]) -> int:
        kept = [a for a in self.rows if a.event_id not in event_ids]
        gone = len(self.rows) - len(kept)
        self.rows = kept
        return gone
