"""What the audit log needs from storage: add, and filtered reads. Nothing else, on purpose:
there is no way to change or remove an entry through the domain."""

from __future__ import annotations

from typing import Protocol

from domain.audit.model import AuditEntry, AuditFilter
from domain.shared.transaction import Transaction


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...

    async def find(self, where: AuditFilter, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        """Entries matching ``where``, newest first."""
        ...

    async def count(self, where: AuditFilter) -> int: ...

    async def actions(self) -> list[str]:
        """Every action code that occurs in the log (for the page's filter)."""
        ...


class AuditUnit(Transaction, Protocol):
    """Any context's unit extends this to record entries in its own transaction."""

    @property
    def audit(self) -> AuditRepository: ...
