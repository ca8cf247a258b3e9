"""The transaction every unit of work is: ``async with uow:`` opens it, ``commit()`` makes it
durable, leaving without a commit rolls back; ``savepoint()`` undoes a part of it.

Each context's ``ports.py`` declares its own unit (``BillingUnit``, ``SubscriptionsUnit``, ...):
this transaction plus the repositories that context's use cases may touch, extending the units
of the contexts below it. ``domain/unit_of_work.py`` composes them all for the adapters.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Protocol, Self


class Transaction(Protocol):
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """``async with uow.savepoint():`` inside the open transaction: an exception leaving the
        block undoes what the block wrote (and the jobs and events it enqueued) and propagates;
        the transaction goes on. For batches that must not let one item spoil the others."""
        ...
