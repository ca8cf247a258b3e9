"""Password hashing with Argon2id (argon2-cffi, RFC 9106 low-memory profile by default)."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    def __init__(self, *, time_cost: int | None = None, memory_cost: int | None = None) -> None:
        kwargs: dict[str, int] = {}
        if time_cost is not None:
            kwargs["time_cost"] = time_cost
        if memory_cost is not None:
            kwargs["memory_cost"] = memory_cost
        self._hasher = _Argon2(**kwargs)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
