"""A one-row version table (``id`` 1, ``version``): raised by a writer in its own transaction,
read by each process's cache to know whether what it keeps is still current. The catalog,
the promotions and the analytics read models each have one (``catalog_version.py``,
``promotions_version.py``, ``analytics_version.py`` say who raises it and when)."""

from __future__ import annotations

from typing import Any

from piccolo.table import Table


class VersionRow:
    """The statements of one version table: ``read_sql`` for a cache's probe, ``bump`` and
    ``read`` in the caller's transaction (when one is open)."""

    def __init__(self, table: type[Table]) -> None:
        name = table._meta.tablename
        self._table = table
        self.read_sql = f"SELECT version FROM {name} WHERE id = 1"
        self._bump_sql = (
            f"INSERT INTO {name} (id, version) VALUES (1, 1) "
            f"ON CONFLICT (id) DO UPDATE SET version = {name}.version + 1"
        )

    async def bump(self) -> None:
        """Raise the version (the row is made by the first write)."""
        await self._table.raw(self._bump_sql)

    async def read(self) -> int:
        """The committed version; 0 before any write."""
        rows: list[dict[str, Any]] = await self._table.raw(self.read_sql)
        return int(rows[0]["version"]) if rows else 0
