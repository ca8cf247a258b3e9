"""The promotions' version (``promotions_version``, one row): read by the per-process promotion
caches (``domain/promotions/cache.py``), raised by every write of a coupon or a promotion code in
that write's transaction.

The promotion repositories (``promotions.py``) call ``bump_promotions_version`` themselves, after
the row they write (a coupon or a code added, a code deactivated, a redemption counted on a code
or on its coupon), so no use case can forget it. After, not before: a redemption locks the code's
row and then its coupon's (``find_promotion(lock=True)``) before it counts, so every writer takes
the version row last and none waits for a promotion row while holding it (no deadlock against a
staff member deactivating the code meanwhile). The new version becomes visible exactly when the
write commits. A redemption raises it too (the counts decide "used up"), so a code's cached
reading never outlives an order that used it.
"""

from __future__ import annotations

from domain.adapters.db.repositories.version_row import VersionRow
from domain.adapters.db.tables import PromotionsVersionTable

_ROW = VersionRow(PromotionsVersionTable)
VERSION_SQL = _ROW.read_sql


async def bump_promotions_version() -> None:
    """Raise the version in the caller's open transaction (the row is made on the first write)."""
    await _ROW.bump()


async def read_promotions_version() -> int:
    """The committed version (in the caller's transaction when one is open); 0 before any
    write of a coupon or a promotion code."""
    return await _ROW.read()
