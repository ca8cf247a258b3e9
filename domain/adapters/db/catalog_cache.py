"""The process's catalog cache on Piccolo (``domain/catalog/cache.py``): a snapshot is read in one
read transaction, the version first; the per-request version check has a connection of its own.

The check runs for every request, so it skips what a pooled query costs: on PostgreSQL one
asyncpg connection kept for it (a pooled query is an acquire, the query and the pool's reset
query on release: two round trips), on SQLite one ``sqlite3`` connection in autocommit mode
(Piccolo opens a new connection, on a new thread, for every query outside a transaction; in WAL
mode each read sees the last committed version). The cache reads the version one call at a time
(``CoalescedRead``), so one connection is enough. A failed read drops the connection: the next
check opens a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from domain.adapters.db.engine import SQLITE_BUSY_TIMEOUT_S
from domain.adapters.db.repositories.catalog_version import VERSION_SQL, read_catalog_version
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.cache import CatalogCache
from domain.catalog.snapshot import CatalogSnapshot, read_catalog_in


class PostgresVersionProbe:
    def __init__(self, engine: PostgresEngine, sql: str = VERSION_SQL) -> None:
        self._engine = engine
        self._sql = sql
        self._conn: Any = None

    async def __call__(self) -> int:
        if self._conn is None or self._conn.is_closed():
            self._conn = await self._engine.get_new_connection()
        try:
            value = await self._conn.fetchval(self._sql)
        except BaseException:
            await self.close()
            raise
        return int(value or 0)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()


class SqliteVersionProbe:
    def __init__(self, path: str, sql: str = VERSION_SQL) -> None:
        self._path = path
        self._sql = sql
        self._conn: sqlite3.Connection | None = None

    async def __call__(self) -> int:
        if self._conn is None:
            self._conn = sqlite3.connect(
                self._path, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
        try:
            row = self._conn.execute(self._sql).fetchone()
        except BaseException:
            await self.close()
            raise
        return int(row[0]) if row else 0

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class PiccoloVersionProbe:
    """Any other engine: the version read through Piccolo."""

    def __init__(self, read: Callable[[], Awaitable[int]] = read_catalog_version) -> None:
        self._read = read

    async def __call__(self) -> int:
        return await self._read()

    async def close(self) -> None:
        return None


VersionProbe = PostgresVersionProbe | SqliteVersionProbe | PiccoloVersionProbe


def version_probe(
    engine: Engine, sql: str = VERSION_SQL,
    read: Callable[[], Awaitable[int]] = read_catalog_version,
) -> VersionProbe:  # fmt: skip
    """The catalog version's probe; ``sql`` (one integer) and ``read`` (its Piccolo twin) read
    another version the same way (the analytics pages': ``analytics_version``)."""
    if isinstance(engine, PostgresEngine):
        return PostgresVersionProbe(engine, sql)
    if isinstance(engine, SQLiteEngine):
        return SqliteVersionProbe(engine.path, sql)
    return PiccoloVersionProbe(read)


def piccolo_catalog_cache(
    read_uow: Callable[[], PiccoloUnitOfWork], probe: VersionProbe | None = None
) -> CatalogCache:
    """The cache; ``probe`` reads the version per request (default: through Piccolo). The app
    passes ``version_probe(engine)`` and closes it at shutdown."""

    async def load() -> CatalogSnapshot:
        async with read_uow() as uow:
            version = await read_catalog_version()  # first: the rows are at least this new
            return await read_catalog_in(uow, version=version)

    return CatalogCache(current_version=probe or PiccoloVersionProbe(), load=load)
