"""Accounts, their sign-in identities, sessions and single-use e-mail tokens.

Secrets are never stored as they are: passwords as Argon2 hashes (``PasswordHasher``), session
and e-mail tokens as their SHA-256 (a leaked table gives no one a session or a reset link).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.shared.display import DisplayPreferences


class SignInMethod(StrEnum):
    PASSWORD = "password"
    MAGIC_LINK = "magic_link"
    PASSWORD_RESET = "password_reset"
    OIDC = "oidc"
    CHECKOUT = "checkout"  # signed in by creating the account at checkout


class TokenPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"
    MAGIC_LINK = "magic_link"
    EMAIL_CHANGE = "email_change"


@dataclass(frozen=True, slots=True)
class Account:
    """A person who signs in. ``customer_id`` is the billing customer they manage (set at their
    first checkout); an account without one has not bought anything yet."""

    id: str
    email: str
    name: str
    password_hash: str | None
    customer_id: str | None
    email_verified: bool
    created_at: datetime
    password_changed_at: datetime | None = None
    email_preferences: dict[str, bool] = field(default_factory=dict)
    display: DisplayPreferences = field(
        default_factory=DisplayPreferences
    )  # language, digits, calendar

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


@dataclass(frozen=True, slots=True)
class LinkedIdentity:
    """An OpenID Connect identity (issuer + subject) that signs in to an account."""

    id: str
    account_id: str
    issuer: str
    subject: str
    email: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuthSession:
    """One signed-in browser. ``id`` is the SHA-256 of the token in the session cookie."""

    id: str
    account_id: str
    method: SignInMethod
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str = ""
    ip: str = ""
    revoked_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class EmailToken:
    """A single-use link sent by e-mail. ``id`` is the SHA-256 of the token in the link."""

    id: str
    account_id: str
    purpose: TokenPurpose
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    new_email: str | None = None  # for an e-mail change: the address being confirmed


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a request is signed in as: what handlers and use cases need to authorise."""

    account_id: str
    email: str
    name: str
    customer_id: str | None
    session_id: str
    display: DisplayPreferences = field(default_factory=DisplayPreferences)
