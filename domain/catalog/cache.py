"""The per-process catalog cache: the public pages' snapshot (``snapshot.py``) kept in memory and
checked against the catalog version on every request.

Invalidation, across processes: the database holds one catalog version number, raised in the
same transaction as every catalog write (plan versions, plan details, add-ons, change rules,
features, tax rates: the adapters' writes do it, so no use case can forget). A request asks for
the version (one indexed one-row read, outside any transaction); when it is the one the snapshot
was read at, the page is served from memory, else the snapshot is read again (the version first,
then the rows, in one transaction: rows at least as new as their stamp, so a racing write is
caught by the next check, never hidden).

The check is made for every request, never skipped for a while (no TTL): a write committed
before a request arrived is seen by that request, in every process. Checks are coalesced: at
most one version read is in flight per process, and a request joins only a read that starts
after it arrived (it may wait for the one in flight to end first), so under load one read
answers many requests without ever answering one with a version older than its arrival.
Reloads are single-flight too (one at a time; those waiting reuse its result).

What is charged never comes from here: placing an order reads the catalog in its own
transaction (``domain/checkout/submit.py``) and the order's transaction prices it again.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable

from domain.catalog.snapshot import CatalogSnapshot


class CoalescedRead:
    """Calls ``read`` for its callers, one call at a time; each caller gets the result of a call
    that started after it asked (see the module)."""

    def __init__(self, read: Callable[[], Awaitable[int]]) -> None:
        self._read = read
        self._waiting: asyncio.Future[int] | None = None  # callers for the next read
        self._worker: asyncio.Task[None] | None = None

    async def __call__(self) -> int:
        if self._waiting is None:
            self._waiting = asyncio.get_running_loop().create_future()
        waiting = self._waiting
        if self._worker is None:
            # a clean context: the read must not join a caller's open transaction
            self._worker = asyncio.get_running_loop().create_task(
                self._work(), context=contextvars.Context()
            )
        return await asyncio.shield(waiting)

    async def _work(self) -> None:
        try:
            while self._waiting is not None:
                batch, self._waiting = self._waiting, None  # they all asked before this read
                try:
                    batch.set_result(await self._read())
                except asyncio.CancelledError:
                    batch.cancel()
                    raise
                except Exception as exc:  # each caller sees the failure
                    batch.set_exception(exc)
                    batch.exception()  # retrieved here too: no "never retrieved" warning
        finally:
            self._worker = None


class CatalogCache:
    """One process's snapshot of the public catalog (see the module). ``current_version`` reads
    the catalog version; ``load`` reads a snapshot stamped with the version it read first."""

    def __init__(
        self,
        *,
        current_version: Callable[[], Awaitable[int]],
        load: Callable[[], Awaitable[CatalogSnapshot]],
    ) -> None:
        self._version = CoalescedRead(current_version)
        self._load = load
        self._snapshot: CatalogSnapshot | None = None
        self._reload = asyncio.Lock()
        self.loads = 0  # snapshots read so far (for tests and the benchmark)

    async def snapshot(self) -> CatalogSnapshot:
        """The snapshot at the catalog's current version (read again when it moved)."""
        version = await self._version()
        held = self._snapshot
        if held is not None and held.version >= version:
            return held
        async with self._reload:
            held = self._snapshot
            if held is not None and held.version >= version:
                return held  # another request reloaded it meanwhile
            fresh = await self._load()
            self.loads += 1
            if held is None or fresh.version >= held.version:
                self._snapshot = fresh
            return fresh
