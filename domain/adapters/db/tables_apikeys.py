"""Piccolo tables of the API keys context (listed in ``tables.py``'s ``ALL_TABLES``): the keys
(the SHA-256 of the secret, never the secret) and the idempotency records of API POSTs."""

from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class ApiKeyTable(Table, tablename="api_key"):
    id = Varchar(length=36, primary_key=True)
    name = Varchar(length=100)
    scope = Varchar(length=16)
    mode = Varchar(length=8)
    prefix = Varchar(length=16)
    secret_hash = Varchar(length=64, unique=True)
    created_by = Varchar(length=254)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = Varchar(length=254, null=True, default=None)


class ApiIdempotencyTable(Table, tablename="api_idempotency"):
    """One row per (api key, idempotency key): ``id`` is the SHA-256 of both, so the primary key
    is the unique index a concurrent second request collides with. ``status`` is null while the
    first request runs."""

    id = Varchar(length=64, primary_key=True)
    api_key_id = Varchar(length=36)
    key = Varchar(length=255)
    fingerprint = Varchar(length=64)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)
    status = Integer(null=True, default=None)
    body = Text(null=True, default=None)
    media_type = Varchar(length=100, null=True, default=None)


APIKEY_TABLES: tuple[type[Table], ...] = (ApiKeyTable, ApiIdempotencyTable)
