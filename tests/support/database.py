"""A private database per test run: a SQLite file in a temp dir, or a fresh PostgreSQL database
created beside the one ``DATABASE_URL`` names (and dropped at the end), migrated once."""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from piccolo.engine.base import Engine

from domain.adapters.db.engine import DatabaseUrl, close_pool, make_engine
from domain.adapters.db.migrate import CONF_MODULE, apply_migrations
from domain.adapters.db.tables import ALL_TABLES, bind_tables
from domain.adapters.db.tables_staff import AuditEntryTable

AUDIT_TRIGGERS = "domain.adapters.db.migrations.20261206_2051_audit_append_only"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _migrate_to(engine: Engine, migration_id: str) -> None:
    os.environ.setdefault("PICCOLO_CONF", CONF_MODULE)
    from piccolo.apps.migrations.commands.forwards import run_forwards

    import domain.adapters.db.piccolo_conf as conf

    conf.DB = engine  # Piccolo's migrations look the engine up in the conf module
    with contextlib.redirect_stdout(io.StringIO()):
        result = await run_forwards("subscriptions", migration_id=migration_id)
    assert result.success, result.message


@dataclass
class TestDatabase:
    __test__ = False  # a helper, not a test class

    url: str
    engine: Engine
    backend: str
    _admin_url: str | None = None
    _name: str | None = None

    @staticmethod
    async def create(
        base_url: str | None, tmp_dir: Path, *, migrate_to: str | None = None
    ) -> TestDatabase:
        """A fresh database migrated to the end, or only up to the migration ``migrate_to`` (to
        test an upgrade of existing rows)."""
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
        if migrate_to is None:
            await apply_migrations(db.engine, quiet=True)
        else:
            await _migrate_to(db.engine, migrate_to)
        return db

    async def truncate(self) -> None:
        """Empty every table (children first) so each test starts from nothing. Browser and
        CLI tests bind the tables to engines of their own; this binds them back to this database
        first, or the DELETEs would run on whichever engine the last such test left bound."""
        bind_tables(self.engine)
        for table in reversed(ALL_TABLES):
            if table is AuditEntryTable:
                await self._empty_audit_log()
            else:
                await table.delete(force=True)

    async def _empty_audit_log(self) -> None:
        """The audit table refuses DELETE (its triggers); between tests the harness, as the
        database's owner, lifts them for one statement. The app never can: it has no such code."""
        triggers = importlib.import_module(AUDIT_TRIGGERS)
        async with self.engine.transaction():
            if self.backend == "postgres":
                await self.engine.run_ddl("ALTER TABLE audit_entry DISABLE TRIGGER USER")
                await AuditEntryTable.delete(force=True)
                await self.engine.run_ddl("ALTER TABLE audit_entry ENABLE TRIGGER USER")
            else:
                await self.engine.run_ddl("DROP TRIGGER audit_entry_no_update")
                await self.engine.run_ddl("DROP TRIGGER audit_entry_no_delete")
                await AuditEntryTable.delete(force=True)
                for ddl in triggers._SQLITE:
                    await self.engine.run_ddl(ddl)

    async def drop(self) -> None:
        await close_pool(self.engine)
        if self._admin_url and self._name:
            conn = await asyncpg.connect(self._admin_url)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
            finally:
                await conn.close()
