"""The per-process promotion cache: promotion codes (with their coupons) as the public checkout
pages read them, kept in memory and checked against the promotions' version on every request.

Invalidation, across processes, as the catalog cache (``domain/catalog/cache.py``): the database
holds one promotions version, raised in the same transaction as every write of a coupon or a
promotion code (added, deactivated, a redemption counted: the adapter's repositories do it, so
no use case can forget). A lookup asks for the version (one primary-key read of a one-row table,
outside any transaction, coalesced: a request joins only a read that started after it arrived);
while it is the one the held codes were read at, a code is answered from memory, else they are
all dropped and the code is read again (the version first, then the code and its coupon, in one
read transaction: rows at least as new as their stamp, so a racing write is caught by the next
check). No time-to-live: a write committed before a request arrived is seen by that request, in
every process.

What is kept is the stored promotion (its limits and counts); whether it can be used for an
order (active, expiry at the request's instant, used up, plan, currency, minimum) is decided per
request by ``domain/promotions/redemption.py`` from it. Unknown codes are kept too (as None), so
a visitor typing one is answered from memory; at most ``LIMIT`` codes per version.

What is charged never comes from here: placing an order reads and locks the code in its own
transaction (``find_promotion(lock=True)``) and counts the redemption there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from domain.catalog.cache import CoalescedRead
from domain.promotions.model import Promotion
from domain.promotions.redemption import MAX_CODE, normalized

LIMIT = 512  # codes kept per version (typed by visitors: bounded, cleared when full)


class PromotionFinder(Protocol):
    """Where a page finds a promotion code: ``PromotionCache`` (memory, checked against the
    promotions' version on every call)."""

    async def find(self, code: str) -> Promotion | None: ...


class PromotionCache:
    """One process's promotion codes (see the module). ``current_version`` reads the promotions'
    version; ``load(code)`` reads the version first, then the code with its coupon (None: no
    such code), in one read transaction."""

    def __init__(
        self,
        *,
        current_version: Callable[[], Awaitable[int]],
        load: Callable[[str], Awaitable[tuple[int, Promotion | None]]],
        limit: int = LIMIT,
    ) -> None:
        self._version = CoalescedRead(current_version)
        self._load = load
        self._limit = limit
        self._at = -1  # the version the held codes were read at
        self._held: dict[str, Promotion | None] = {}
        self.loads = 0  # codes read from the database so far (for tests and the benchmark)

    async def find(self, code: str) -> Promotion | None:
        """The promotion code typed (any case, spaces around ignored) with its coupon, as stored
        at the promotions' current version; None when there is no such code."""
        typed = normalized(code)
        if not typed or len(typed) > MAX_CODE:
            return None
        version = await self._version()
        if version > self._at:
            self._held, self._at = {}, version
        elif version == self._at and typed in self._held:
            return self._held[typed]
        read_at, promotion = await self._load(typed)
        self.loads += 1
        if read_at > self._at:  # a write committed meanwhile: what was held is older
            self._held, self._at = {}, read_at
        if read_at == self._at:
            if len(self._held) >= self._limit:
                self._held.clear()
            self._held[typed] = promotion
        return promotion
