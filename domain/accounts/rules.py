"""The written-down rules of accounts: what a good password is, how many sign-in attempts are
allowed, how long sessions and e-mailed links live. One place, tested in tests/unit/accounts."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.accounts.model import Account, TokenPurpose
from domain.notifications.model import EmailKind

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
MAX_EMAIL = 254
MAX_NAME = 200

MIN_PASSWORD = 10
MAX_PASSWORD = 200
# the most common passwords of at least MIN_PASSWORD characters (breach corpora); the check also
# refuses passwords made of one repeated character or built from the e-mail address
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0987654321",
        "1q2w3e4r5t",
        "qwertyuiop",
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou12",
        "abcdefghij",
        "qwerty1234",
        "1qaz2wsx3edc",
        "letmein123",
        "welcome123",
        "administrator",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "changeme123",
        "trustno1234",
        "qwerty123456",
        "aaaaaaaaaa",
        "monkey12345",
        "dragon12345",
        "master12345",
        "superman123",
        "1111111111",
        "123456789a",
        "a123456789",
        "zaq12wsxcde",
        "asdfghjkl1",
        "q1w2e3r4t5",
        "passwordpassword",
    }
)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, or None when it is good enough (NIST SP 800-63B: length
    over composition rules, and no known-breached or guessable passwords)."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return "This password is too common. Choose something harder to guess."
    local = email.split("@", 1)[0].lower()
    guesses = [g for g in (local, email.lower(), name.lower().replace(" ", "")) if len(g) >= 4]
    if any(g in lowered for g in guesses):
        return "Don't use your name or e-mail address in your password."
    return None


def email_problem(email: str) -> str | None:
    if not EMAIL.match(email) or len(email) > MAX_EMAIL:
        return "Enter an e-mail address like name@example.com."
    return None


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """Failed password sign-ins allowed per e-mail address and per client address in a window.
    Past the limit, sign-in with a password is refused until the window has passed since the
    oldest counted failure (a success for the e-mail address resets its count)."""

    window: timedelta = timedelta(minutes=15)
    per_email: int = 5
    per_ip: int = 20

    def retry_after(self, failures: list[datetime], limit: int, now: datetime) -> timedelta | None:
        recent = sorted(f for f in failures if f > now - self.window)
        if len(recent) < limit:
            return None
        return recent[-limit] + self.window - now


@dataclass(frozen=True, slots=True)
class LinkRequestPolicy:
    """How many e-mailed links (password reset, sign-in link) may be asked for per e-mail address
    and per client address in a window, counted whether or not the address has an account (so
    the limit tells nothing either). Past it, requests are answered as usual but send nothing:
    a form cannot be used to flood someone's inbox."""

    window: timedelta = timedelta(hours=1)
    per_email: int = 3
    per_ip: int = 30


SESSION_LIFETIME = timedelta(days=14)
SESSION_TOUCH_EVERY = timedelta(minutes=5)  # last-seen is written at most this often
TOKEN_LIFETIME = {
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
    TokenPurpose.MAGIC_LINK: timedelta(minutes=15),
    TokenPurpose.EMAIL_CHANGE: timedelta(hours=24),
}


def is_local_path(value: str) -> bool:
    """A path on this site (``/account?tab=1``), never another host (``//evil``, ``/\\evil``)."""
    return (
        value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(ord(c) < 32 or c.isspace() for c in value)
    )


def new_secret() -> str:
    """A URL-safe secret with 256 bits of entropy, for cookies and e-mailed links."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored in place of a secret (the secret is random, so a fast hash is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


# Notices a subscriber may turn off. Receipts, payment failures, action requests, dunning's last
# chance and changes the subscriber made are transactional: they always go out.
OPTIONAL_NOTICES: tuple[EmailKind, ...] = (
    EmailKind.UPCOMING_RENEWAL,
    EmailKind.TRIAL_ENDING,
    EmailKind.CARD_EXPIRING,
)


def wants_notice(account: Account | None, kind: EmailKind) -> bool:
    """False only for an optional notice the account turned off (no account: send)."""
    if account is None or kind not in OPTIONAL_NOTICES:
        return True
    return account.email_preferences.get(kind.value, True)
