"""The catalog version (``catalog_version``, one row): read by the per-process catalog caches
(``domain/catalog/cache.py``), raised by every catalog write in that write's transaction.

The catalog repositories call ``bump_catalog_version`` themselves (plans, their details and
prices, add-ons, change rules and tax rates), before the rows they write, so every
catalog writer takes the version row first: on PostgreSQL they queue on it in one order (no
deadlock against the plan rows ``hold_code`` locks) and a write is visible to the caches exactly
when its transaction commits. Promotion codes and coupons are not catalog here: they have their
own version (``promotions_version.py``), raised with every order that redeems one; nor are
features (the pages show a plan's own feature list, which is a plan row).
"""

from __future__ import annotations

from domain.adapters.db.repositories.version_row import VersionRow
from domain.adapters.db.tables import CatalogVersionTable

_ROW = VersionRow(CatalogVersionTable)
VERSION_SQL = _ROW.read_sql


async def bump_catalog_version() -> None:
    """Raise the version in the caller's open transaction (the row is made on the first write)."""
    await _ROW.bump()


async def read_catalog_version() -> int:
    """The committed version (in the caller's transaction when one is open); 0 before any
    catalog write."""
    return await _ROW.read()
