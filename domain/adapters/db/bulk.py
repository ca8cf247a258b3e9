"""Bulk writes inside the current Piccolo transaction, for the analytics refresh's hundreds of
thousands of rows: PostgreSQL's ``COPY`` (asyncpg) or SQLite's ``executemany`` on the
transaction's own connection (Piccolo's per-object inserts take minutes at that size). Outside
a transaction they refuse: the caller's unit of work owns the connection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.table import Table

from domain.adapters.db.transactions import is_postgres


def _connection(table: type[Table]) -> tuple[Any, bool]:
    engine = table._meta.db
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk writes run inside a unit of work's transaction")
    return transaction.connection, is_postgres(engine)


async def insert_rows(
    table: type[Table], columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> None:
    if not records:
        return
    connection, postgres = _connection(table)
    name = table._meta.tablename
    if postgres:
        await connection.copy_records_to_table(name, records=list(records), columns=list(columns))
    else:
        marks = ", ".join("?" for _ in columns)
        await connection.executemany(
            f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", list(records)
        )


async def update_reporting(
    table: type[Table], reporting: str, amounts: Sequence[tuple[int, int | None]]
) -> None:
    """Set ``reporting_amount_minor`` (and ``reporting_currency``, empty with no amount) of the
    rows ``(id, amount)``."""
    if not amounts:
        return
    connection, postgres = _connection(table)
    name = table._meta.tablename
    if postgres:
        await connection.execute(
            "CREATE TEMP TABLE reporting_update (id bigint PRIMARY KEY, amount bigint) "
            "ON COMMIT DROP"
        )
        await connection.copy_records_to_table(
            "reporting_update", records=list(amounts), columns=["id", "amount"]
        )
        await connection.execute(
            f"UPDATE {name} AS m SET reporting_amount_minor = u.amount, reporting_currency = "
            "CASE WHEN u.amount IS NULL THEN NULL ELSE $1 END FROM reporting_update AS u "
            "WHERE m.id = u.id",
            reporting,
        )
        await connection.execute("DROP TABLE reporting_update")
    else:
        await connection.executemany(
            f"UPDATE {name} SET reporting_amount_minor = ?, reporting_currency = ? WHERE id = ?",
            [(amount, reporting if amount is not None else None, row_id)
             for row_id, amount in amounts],
        )  # fmt: skip


async def fetch(table: type[Table], sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of a read-heavy query as plain tuples on the transaction's connection (``?``
    placeholders; ``$n`` on PostgreSQL): the analytics pages read a slice's days this way,
    Piccolo's per-row dictionaries costing more than the query."""
    connection, postgres = _connection(table)
    if postgres:
        parts = sql.split("?")
        numbered = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))
        return [tuple(r) for r in await connection.fetch(numbered, *args)]
    cursor = await connection.execute(sql, list(args))
    try:
        rows = await cursor.fetchall()
    finally:
        await cursor.close()
    return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]


async def lock_for_replace(table: type[Table]) -> None:
    """Serialise two transactions that each replace the whole table (two refreshes at once
    would otherwise both delete the old rows and both insert: doubled figures). PostgreSQL:
    ``EXCLUSIVE`` lets readers read the old rows until the commit; SQLite's write transactions
    are serialised already (``BEGIN IMMEDIATE``)."""
    connection, postgres = _connection(table)
    if postgres:
        await connection.execute(f"LOCK TABLE {table._meta.tablename} IN EXCLUSIVE MODE")
