"""A private database per test run: a SQLite file in a temp dir, or a fresh PostgreSQL database
created beside the one ``DATABASE_URL`` names (and dropped at the end), migrated once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from piccolo.engine.base import Engine

from domain.adapters.db.engine import DatabaseUrl, close_pool, make_engine
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import ALL_TABLES, bind_tables


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class TestDatabase:
    __test__ = False  # a helper, not a test class

    url: str
    engine: Engine
    backend: str
    _admin_url: str | None = None
    _name: str | None = None

    @staticmethod
    async def create(base_url: str | None, tmp_dir: Path) -> TestDatabase:
        if base_url and DatabaseUrl.parse(base_url).backend == "postgres":
            name = f"test_{uuid.uuid4().hex[:12]}"
            conn = await asyncpg.connect(base_url)
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()
            url = _with_database(base_url, name)
            db = TestDatabase(url, make_engine(url), "postgres", base_url, name)
        else:
            url = f"sqlite:///{tmp_dir / 'test.db'}"
            db = TestDatabase(url, make_engine(url), "sqlite")
        bind_tables(db.engine)
        await apply_migrations(db.engine, quiet=True)
        return db

    async def truncate(self) -> None:
        """Empty every table (children first) so each test starts from nothing."""
        for table in reversed(ALL_TABLES):
            await table.delete(force=True)

    async def drop(self) -> None:
        await close_pool(self.engine)
        if self._admin_url and self._name:
            conn = await asyncpg.connect(self._admin_url)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
            finally:
                await conn.close()
