"""Accounts without a password (created by an OpenID Connect sign-in or for e-mail links only)."""

from __future__ import annotations

import pytest

from domain.accounts.identities import OidcIdentityClaims, sign_in_with_oidc
from domain.accounts.sign_up import register_in
from domain.shared.clock import FrozenClock
from domain.shared.errors import ValidationFailed
from tests.fakes import InMemoryUnitOfWork
from tests.support.accounts import CHEAP_HASHER

pytestmark = pytest.mark.service


async def test_an_account_without_a_password_is_not_judged_by_a_placeholder(
    clock: FrozenClock,
) -> None:
    """Regression: the missing password used to be checked as "xxx…x", which the strength rule
    refuses as a repeated character, so no account without a password could be created."""
    uow = InMemoryUnitOfWork()
    async with uow:
        account = await register_in(
            uow,
            email="ada@example.com",
            password=None,
            name="Ada",
            clock=clock,
            hasher=CHEAP_HASHER,
        )
    assert account.password_hash is None and not account.has_password


async def test_a_new_verified_identity_creates_an_account(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    claims = OidcIdentityClaims(
        issuer="https://id.example.com",
        subject="u-1",
        email="Ada@Example.com",
        email_verified=True,
        name="Ada Lovelace",
    )
    grant = await sign_in_with_oidc(claims, uow=uow, clock=clock, hasher=CHEAP_HASHER)
    assert grant.signed_in.email == "ada@example.com" and grant.signed_in.name == "Ada Lovelace"
    (account,) = uow.accounts.rows.values()
    assert account.email_verified and account.password_hash is None


async def test_a_bad_name_is_still_refused_without_a_password(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    with pytest.raises(ValidationFailed) as error:
        async with uow:
            await register_in(
                uow,
                email="ada@example.com",
                password=None,
                name=" ",
                clock=clock,
                hasher=CHEAP_HASHER,
            )
    assert set(error.value.field_errors) == {"name"}


@pytest.mark.parametrize(("name", "expected"), [("", "ada"), ("  ", "ada"), ("A" * 300, "A" * 200)])
async def test_a_missing_or_overlong_provider_name_still_makes_an_account(
    clock: FrozenClock, name: str, expected: str
) -> None:
    uow = InMemoryUnitOfWork()
    claims = OidcIdentityClaims(
        issuer="https://id.example.com",
        subject="u-2",
        email="ada@example.com",
        email_verified=True,
        name=name,
    )
    grant = await sign_in_with_oidc(claims, uow=uow, clock=clock, hasher=CHEAP_HASHER)
    assert grant.signed_in.name == expected
