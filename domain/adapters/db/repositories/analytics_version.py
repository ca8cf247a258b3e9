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

from domain.adapters.db.repositories.version_row import VersionRow
from domain.adapters.db.tables_analytics import AnalyticsVersionTable

_ROW = VersionRow(AnalyticsVersionTable)
VERSION_SQL = _ROW.read_sql


async def bump_analytics_version() -> None:
    """Raise the version in the caller's open transaction (the row is made on the first write)."""
    await _ROW.bump()


async def read_analytics_version() -> int:
    """The committed version (in the caller's transaction when one is open); 0 before any
    refresh."""
    return await _ROW.read()
