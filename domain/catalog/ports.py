"""What the catalog needs from storage."""

from __future__ import annotations

from typing import Protocol

from domain.catalog.model import Plan


class PlanRepository(Protocol):
    async def list_public(self) -> list[Plan]: ...

    async def get_by_code(self, code: str) -> Plan | None: ...

    async def add(self, plan: Plan) -> None: ...

    async def count(self) -> int: ...
