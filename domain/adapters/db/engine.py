"""Builds the Piccolo engine from a ``DATABASE_URL`` and checks it before the app starts serving.

SQLite (the embedded default): WAL journal, foreign keys on (Piccolo sets it on every connection)
and a busy timeout so concurrent writers wait instead of failing; write transactions are opened
``IMMEDIATE`` by the unit of work. PostgreSQL: an asyncpg pool.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

SQLITE_BUSY_TIMEOUT_S = 30


class DatabaseConfigError(Exception):
    """The database URL is malformed or the database cannot be reached; ``str()`` is one line."""


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    backend: str  # "sqlite" | "postgres"
    url: str
    sqlite_path: str | None = None

    @staticmethod
    def parse(url: str) -> DatabaseUrl:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            # sqlite:///relative/file.db  or  sqlite:////absolute/file.db
            path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
            if not path or path == ":memory:":
                raise DatabaseConfigError(
                    f"DATABASE_URL {url!r}: give a file, e.g. sqlite:///var/app.db"
                )
            return DatabaseUrl("sqlite", url, sqlite_path=path)
        if parts.scheme in ("postgres", "postgresql"):
            if not parts.hostname and "host=" not in parts.query:
                raise DatabaseConfigError(f"DATABASE_URL {redact(url)!r}: no host given")
            return DatabaseUrl("postgres", url)
        raise DatabaseConfigError(
            f"DATABASE_URL {redact(url)!r}: unsupported scheme {parts.scheme!r}"
            " (use sqlite:///path or postgresql://user@host:port/db)"
        )

    @property
    def display(self) -> str:
        return redact(self.url)


def redact(url: str) -> str:
    """The URL with any password replaced, for logs and error lines."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def make_engine(url: str | DatabaseUrl) -> Engine:
    # Piccolo warns on its own when it cannot reach the server to read its version;
    # check_connection reports the same problem as one clear line instead.
    warnings.filterwarnings("ignore", message=r".*Unable to (connect|fetch server version)")
    db = url if isinstance(url, DatabaseUrl) else DatabaseUrl.parse(url)
    if db.backend == "sqlite":
        assert db.sqlite_path is not None
        Path(db.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=db.sqlite_path, timeout=SQLITE_BUSY_TIMEOUT_S)
    return PostgresEngine(config={"dsn": db.url})


def prepare_sqlite(path: str) -> None:
    """Switch the file to WAL (a persistent setting) so readers never block the writer."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as conn:
        conn.execute("PRAGMA journal_mode=WAL")


async def check_connection(engine: Engine, url: DatabaseUrl, *, timeout_s: float = 5.0) -> None:
    """Run ``SELECT 1``; any failure becomes a ``DatabaseConfigError`` with one readable line."""
    try:
        if isinstance(engine, SQLiteEngine):
            prepare_sqlite(engine.path)
        await asyncio.wait_for(engine.run_ddl("SELECT 1"), timeout_s)
    except TimeoutError as exc:
        raise DatabaseConfigError(
            f"cannot reach the database at {url.display}: no answer within {timeout_s:g}s"
        ) from exc
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseConfigError(f"cannot use the database at {url.display}: {reason}") from exc


async def _keep_session(connection: object) -> None:
    """asyncpg's reset on release, minus its query: the pool still rolls back a transaction left
    open (``Connection._reset``), but no longer sends ``pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL`` each time a connection goes back. This code never leaves session
    state behind: no session-level ``SET`` (only ``SET LOCAL``), advisory locks, ``LISTEN`` or
    cursors outside a transaction. It was one round trip per transaction: one in four on an API
    read, and 12 of the 72 statements per renewed subscription (issue 18's profile)."""
    return None


async def start_pool(engine: Engine, *, max_size: int = 10) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=max_size, reset=_keep_session)


async def close_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


def default_database_url() -> str:
    return os.environ.get("DATABASE_URL", "sqlite:///var/app.db")
