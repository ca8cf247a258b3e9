"""Staff members and their sessions. Separate from subscribers' accounts: own table, own
sessions, own cookie.

Secrets: the password is an Argon2 hash; recovery codes are Argon2 hashes, each cleared once
used; the session cookie's secret is stored as its SHA-256. The TOTP secret is stored as it is
(a shared secret both sides must read) in the ``staff_member`` table: it is never logged, never
in a ``repr`` and never shown again after enrolment. Encrypting it at rest with a key from the
settings is not built yet (docs/admin.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.accounts.model import SignInMethod
from domain.shared.display import DisplayPreferences


class Role(StrEnum):
    VIEWER = "viewer"
    SUPPORT = "support"
    BILLING = "billing"
    OWNER = "owner"


class SessionStage(StrEnum):
    """A staff session is usable only when ACTIVE; the first two are steps of signing in."""

    SECOND_FACTOR = "second_factor"  # password checked, the TOTP code is next
    ENROL = "enrol"  # password checked, the role needs two-factor that is not set up yet
    ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: str
    email: str
    name: str
    role: Role
    password_hash: str | None = field(repr=False)
    created_at: datetime
    totp_secret: str | None = field(default=None, repr=False)
    totp_pending_secret: str | None = field(default=None, repr=False)  # shown, not yet confirmed
    recovery_code_hashes: tuple[str, ...] = field(default=(), repr=False)
    totp_last_step: int | None = None  # the last 30-second step whose code was accepted
    failed_attempts: int = 0
    locked_until: datetime | None = None
    disabled_at: datetime | None = None
    display: DisplayPreferences = field(default_factory=DisplayPreferences)  # their own

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True, slots=True)
class StaffSession:
    """One signed-in browser of a staff member; ``id`` is the SHA-256 of the cookie's secret."""

    id: str
    staff_id: str
    stage: SessionStage
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str = ""
    user_agent: str = ""
    revoked_at: datetime | None = None
    method: SignInMethod = SignInMethod.PASSWORD  # the first step: a password, or OIDC (SSO)

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class StaffToken:
    """A one-time sign-in link: the member chooses a password with it (and then sets up
    two-factor when the role needs it). ``id`` is the SHA-256 of the secret in the link."""

    id: str
    staff_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SignedInStaff:
    """Who an /admin request acts as: what use cases authorise with and audit."""

    staff_id: str
    email: str
    name: str
    role: Role
    session_id: str
    stage: SessionStage = SessionStage.ACTIVE
    two_factor_enabled: bool = False
    display: DisplayPreferences = field(default_factory=DisplayPreferences)
