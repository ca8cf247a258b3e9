"""The analytics read models' version (``analytics_version``, one row): raised by every replace of
a read model in that replace's transaction, read by each process's cache of the analytics pages
(``web/admin/analytics_cache.py``).

The three read model stores (``analytics_read_model.py``, ``cohorts.py``,
``subscriber_months.py``) call ``bump_analytics_version`` themselves as the last write of their
``replace``, after the lock on their own table, so a refresh holds the version row only for the
moment before its commit and two refreshes of different read models never wait on each other in
opposite orders. A page built from rows at least as new as the version it read first is served
at that version only: the next refresh's commit raises it and every process builds anew.
"""

from __future__ import annotations

from typing import Any

from domain.adapters.db.tables_analytics import AnalyticsVersionTable

VERSION_SQL = "SELECT version FROM analytics_version WHERE id = 1"
_BUMP = (
    "INSERT INTO analytics_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = analytics_version.version + 1"
)


async def bump_analytics_version() -> None:
    """Raise the version in the caller's open transaction (the row is made on the first refresh)."""
    await AnalyticsVersionTable.raw(_BUMP)


async def read_analytics_version() -> int:
    """The committed version (in the caller's transaction when one is open); 0 before any
    refresh."""
    rows: list[dict[str, Any]] = await AnalyticsVersionTable.select(
        AnalyticsVersionTable.version
    ).where(AnalyticsVersionTable.id == 1)
    return int(rows[0]["version"]) if rows else 0
