"""API keys for /api/v1 (docs/api.md): made and revoked by an owner, stored as a SHA-256 hash,
scoped read-only or read-write; and the idempotency records of API POSTs."""
