"""Opening a write transaction the right way for each engine.

On SQLite a write transaction starts ``BEGIN IMMEDIATE``: it takes the write lock up front, so a
second writer waits on the busy timeout instead of failing with "database is locked" halfway
through (which is what a deferred transaction does when it tries to upgrade its lock).
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


def write_transaction(engine: Engine) -> Any:
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def read_transaction(engine: Engine) -> Any:
    """For use cases that only read: on SQLite a deferred transaction, which takes no write lock
    (in WAL mode readers never wait for writers), so page views do not queue behind renewals."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.deferred)
    return engine.transaction()


def is_postgres(engine: Engine) -> bool:
    return engine.engine_type in ("postgres", "cockroach")
