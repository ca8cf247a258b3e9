"""A duplicate refused by a unique index, as the domain's ``Conflict``.

Use cases check for an existing row first, but two requests can both pass that check (two tabs
signing up with the same e-mail): on PostgreSQL the second insert waits for the first
transaction and then fails on the index; on SQLite ``BEGIN IMMEDIATE`` serialises them and the
check itself catches it. Either way the caller gets the same ``Conflict``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asyncpg.exceptions import UniqueViolationError

from domain.shared.errors import Conflict


def is_unique_violation(exc: BaseException) -> bool:
    if isinstance(exc, UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc)


@asynccontextmanager
async def conflict_on_duplicate(message: str, *, code: str) -> AsyncIterator[None]:
    try:
        yield
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(message, code=code) from exc
        raise
