"""The account rules: password strength, the sign-in throttle, secrets and their digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.accounts.rules import (
    ThrottlePolicy,
    digest,
    email_problem,
    is_local_path,
    new_secret,
    password_problem,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 10"),
        ("x" * 201, "at most 200"),
        ("password123", "too common"),
        ("abababababab", "too common"),
        ("sam.smith-2026!", "name or e-mail"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, problem: str) -> None:
    found = password_problem(password, email="sam.smith@example.com", name="Sam Smith")
    assert found is not None and problem in found


def test_a_long_unusual_passphrase_is_fine() -> None:
    assert password_problem("correct horse battery staple", email="sam@example.com") is None


@pytest.mark.parametrize("email", ["sam", "sam@", "@example.com", "sam@example", "a b@example.com"])
def test_email_syntax(email: str) -> None:
    assert email_problem(email) is not None


def test_the_throttle_waits_out_the_window_from_the_oldest_counted_failure() -> None:
    policy = ThrottlePolicy(window=timedelta(minutes=15), per_email=5)
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    failures = [now - timedelta(minutes=m) for m in (10, 8, 6, 4, 2)]
    assert policy.retry_after(failures[1:], 5, now) is None
    assert policy.retry_after(failures, 5, now) == timedelta(minutes=5)
    assert policy.retry_after(failures, 5, now + timedelta(minutes=5)) is None


def test_secrets_are_random_and_only_their_digest_is_kept() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and len(a) >= 43
    assert digest(a) == digest(a) and digest(a) != a and len(digest(a)) == 64


@pytest.mark.parametrize(
    ("value", "local"),
    [
        ("/account", True),
        ("/account/invoices?page=2", True),
        ("/", True),
        ("", False),
        ("account", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("/account\r\nSet-Cookie: x=1", False),
        ("/ space", False),
    ],
)
def test_only_paths_on_this_site_are_local(value: str, local: bool) -> None:
    assert is_local_path(value) is local
