"""What accounts need from storage and from a password hashing library."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from domain.accounts.attempts import AttemptLog
from domain.accounts.model import Account, AuthSession, EmailToken, LinkedIdentity
from domain.customers.ports import CustomersUnit
from domain.notifications.ports import NotificationsUnit


@runtime_checkable  # a named dependency: Litestar checks what it injects
class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class AccountRepository(AttemptLog, Protocol):
    async def add(self, account: Account) -> None: ...

    async def get(self, account_id: str, *, lock: bool = False) -> Account | None: ...

    async def get_by_email(self, email: str) -> Account | None: ...

    async def get_by_customer(self, customer_id: str) -> Account | None:
        """The customer's account (the first by id when several manage it)."""
        ...

    async def for_customers(self, customer_ids: Sequence[str]) -> dict[str, Account]:
        """``get_by_customer`` for many customers in one read, by customer id."""
        ...

    async def update(self, account: Account) -> None: ...

    # identities
    async def add_identity(self, identity: LinkedIdentity) -> None: ...

    async def find_identity(self, issuer: str, subject: str) -> LinkedIdentity | None: ...

    async def identities_of(self, account_id: str) -> list[LinkedIdentity]: ...

    # sessions
    async def add_session(self, session: AuthSession) -> None: ...

    async def get_session(self, session_id: str) -> AuthSession | None: ...

    async def touch_session(self, session_id: str, at: datetime) -> None: ...

    async def revoke_session(self, session_id: str, at: datetime) -> None: ...

    async def revoke_sessions_of(
        self, account_id: str, at: datetime, *, keep: str | None = None
    ) -> int: ...

    async def live_sessions_of(self, account_id: str, now: datetime) -> list[AuthSession]: ...

    # e-mail tokens
    async def add_token(self, token: EmailToken) -> None: ...

    async def get_token(self, token_id: str, *, lock: bool = False) -> EmailToken | None: ...

    async def use_token(self, token_id: str, at: datetime) -> bool:
        """Mark the token used; False when it was used already (a concurrent redeem lost)."""
        ...

    # sign-in attempts (rate limits): record_attempt, failures_since (AttemptLog)


class AccountsUnit(NotificationsUnit, CustomersUnit, Protocol):
    """Accounts sign in as customers and are sent e-mails (verification, reset)."""

    @property
    def accounts(self) -> AccountRepository: ...
