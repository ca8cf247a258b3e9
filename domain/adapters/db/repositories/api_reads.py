"""The API's hot reads (``uow.api_reads``), each one hand-written statement.

``key_and_entitlements``: the key with the presented hash joined to the customer's
``customer_entitlement`` rows and whether the customer exists, so ``GET
/api/v1/customers/{id}/entitlements`` asks the database once (the use case,
``domain/apikeys/entitlement_reads.py``, applies the key's rules). On PostgreSQL outside a
transaction (the single-statement read unit, ``PiccoloUnitOfWork(statement=True)``) the
statement goes straight to asyncpg on a pooled connection: autocommit (no ``BEGIN`` /
``ROLLBACK``), prepared once per connection by asyncpg's statement cache, and no Piccolo query
building. Inside a transaction, and on SQLite, the same SQL runs through Piccolo's ``raw`` and
joins the open transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from domain.adapters.db.repositories.apikeys import _key
from domain.adapters.db.repositories.entitlements import _entitlement
from domain.adapters.db.tables_apikeys import ApiKeyTable
from domain.apikeys.ports import KeyedEntitlements
from domain.shared.ids import CustomerId

# {hash} and {customer} are the two parameters; the LEFT JOIN keeps the key's row when the
# customer has no entitlement rows, and only then is the customer looked up (the EXISTS is an
# uncorrelated sub-plan, run at its first use: never when the CASE finds rows), as
# customer_entitlements reads it only when there are no rows.
_KEY_AND_ENTITLEMENTS = """
SELECT k.id, k.name, k.scope, k.mode, k.prefix, k.secret_hash, k.created_by, k.created_at,
       k.last_used_at, k.revoked_at, k.revoked_by,
       CASE WHEN e.id IS NULL THEN EXISTS (SELECT 1 FROM customer c WHERE c.id = {customer})
            ELSE TRUE END AS customer_exists,
       e.feature_key, e.feature_name, e.limit_kind, e.limit_value, e.has_access,
       e.subscriptions, e.updated_at
FROM api_key k
LEFT JOIN customer_entitlement e ON e.customer = {customer}
WHERE k.secret_hash = {hash}
ORDER BY e.feature_key
"""
PG_KEY_AND_ENTITLEMENTS = _KEY_AND_ENTITLEMENTS.format(hash="$1", customer="$2")
# Piccolo's raw: positional ``{}``, one argument each in the order they appear
RAW_KEY_AND_ENTITLEMENTS = _KEY_AND_ENTITLEMENTS.format(hash="{}", customer="{}")


def _keyed(customer_id: CustomerId, rows: Sequence[Mapping[str, Any]]) -> KeyedEntitlements | None:
    if not rows:
        return None
    first = rows[0]
    found = [_entitlement(customer_id, r) for r in rows if r["feature_key"] is not None]
    return KeyedEntitlements(_key(first), found, bool(first["customer_exists"]))


class PiccoloApiReads:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def key_and_entitlements(
        self, secret_hash: str, customer_id: CustomerId
    ) -> KeyedEntitlements | None:
        engine = self._engine
        if (
            isinstance(engine, PostgresEngine)
            and engine.pool is not None
            and engine.current_transaction.get() is None
        ):
            async with engine.pool.acquire() as connection:
                records = await connection.fetch(PG_KEY_AND_ENTITLEMENTS, secret_hash, customer_id)
            return _keyed(customer_id, records)
        rows = await ApiKeyTable.raw(
            RAW_KEY_AND_ENTITLEMENTS, customer_id, customer_id, secret_hash
        )
        return _keyed(customer_id, rows)
