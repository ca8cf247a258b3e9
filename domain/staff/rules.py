"""The written-down rules of staff sign-in: which roles need two-factor, lockout, lifetimes,
recovery codes. Passwords and e-mail addresses follow the subscribers' rules
(``domain/accounts/rules.py``, called through its public functions)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from domain.accounts.rules import ThrottlePolicy
from domain.staff.model import Role

TWO_FACTOR_REQUIRED: frozenset[Role] = frozenset({Role.BILLING, Role.OWNER})

# consecutive failures (password or code) that lock a staff member out, and for how long
LOCKOUT_AFTER = 5
LOCKOUT_FOR = timedelta(minutes=15)
# failures per client address, counted as for subscribers (the same ThrottlePolicy)
IP_THROTTLE = ThrottlePolicy(window=timedelta(minutes=15), per_email=LOCKOUT_AFTER, per_ip=20)

SESSION_LIFETIME = timedelta(hours=12)  # a working day, then sign in again
STEP_LIFETIME = timedelta(minutes=10)  # between the password and the code, or enrolment
# last-seen is written at most every SESSION_TOUCH_EVERY, as for subscribers (accounts/rules.py)
LINK_LIFETIME = timedelta(hours=24)  # a one-time sign-in link from `staff create --link`

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def needs_two_factor(role: Role) -> bool:
    return role in TWO_FACTOR_REQUIRED


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k7mq-4xhz-p2ta`` (60 bits each), shown once and stored hashed."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODES)
    ]


def normalise_code(code: str) -> str:
    """What a typed code means: spaces dropped, lower case (``123 456``, ``K7MQ-4XHZ-P2TA``)."""
    return "".join(code.split()).lower()
