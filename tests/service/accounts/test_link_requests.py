"""Asking for e-mailed links (password reset, sign-in link) on the in-memory unit of work: the
per-address and per-client limits, the same silence for unknown addresses, and the next path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.accounts.magic_links import request_magic_link
from domain.accounts.mailing import Mailing
from domain.accounts.password_reset import request_password_reset
from domain.accounts.rules import LinkRequestPolicy
from domain.shared.clock import FrozenClock
from tests.fakes import FakeEmailRenderer, InMemoryUnitOfWork
from tests.support.accounts import make_account

pytestmark = pytest.mark.service

MAILING = Mailing(renderer=FakeEmailRenderer(), public_url="https://billing.example.test")


def bodies(uow: InMemoryUnitOfWork, kind: str) -> list[str]:
    return [e.text_body for e in uow.emails.emails.values() if e.kind.value == kind]


async def test_a_fourth_reset_request_within_the_hour_sends_nothing(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await make_account(uow, clock)
    for _ in range(4):
        await request_password_reset(
            "sam@example.com", ip="10.0.0.1", uow=uow, clock=clock, mailing=MAILING
        )
    assert len(bodies(uow, "password_reset")) == 3
    clock.advance(hours=1, seconds=1)
    await request_password_reset(
        "SAM@example.com", ip="10.0.0.1", uow=uow, clock=clock, mailing=MAILING
    )
    assert len(bodies(uow, "password_reset")) == 4


async def test_unknown_addresses_count_too(clock: FrozenClock) -> None:
    """The limit holds for every address, so hitting it tells nothing about who has an account."""
    uow = InMemoryUnitOfWork()
    for _ in range(3):
        await request_magic_link("nobody@example.com", uow=uow, clock=clock, mailing=MAILING)
    keys = [key for key, _, _ in uow.accounts.attempts]
    assert keys == ["magic_link:email:nobody@example.com"] * 3
    assert bodies(uow, "magic_link") == []


async def test_one_client_asking_for_many_addresses_is_limited(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await make_account(uow, clock)
    policy = LinkRequestPolicy(window=timedelta(hours=1), per_email=3, per_ip=2)
    for address in ("a@example.com", "b@example.com", "sam@example.com"):
        await request_magic_link(
            address, ip="10.0.0.9", uow=uow, clock=clock, mailing=MAILING, policy=policy
        )
    assert bodies(uow, "magic_link") == []  # the third request from that client is over its limit
    await request_magic_link(
        "sam@example.com", ip="10.0.0.10", uow=uow, clock=clock, mailing=MAILING, policy=policy
    )
    assert len(bodies(uow, "magic_link")) == 1


async def test_reset_and_sign_in_links_are_limited_separately(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await make_account(uow, clock)
    for _ in range(3):
        await request_password_reset("sam@example.com", uow=uow, clock=clock, mailing=MAILING)
    await request_magic_link("sam@example.com", uow=uow, clock=clock, mailing=MAILING)
    assert len(bodies(uow, "magic_link")) == 1


@pytest.mark.parametrize(
    ("next_path", "suffix"),
    [
        ("/account/invoices?page=2&x=1", "?next=%2Faccount%2Finvoices%3Fpage%3D2%26x%3D1"),
        ("//evil.example/", ""),
        ("https://evil.example/", ""),
        ("/\\evil.example", ""),
        ("", ""),
    ],
)
async def test_the_sign_in_link_carries_only_a_local_next(
    clock: FrozenClock, next_path: str, suffix: str
) -> None:
    uow = InMemoryUnitOfWork()
    await make_account(uow, clock)
    await request_magic_link(
        "sam@example.com", uow=uow, clock=clock, mailing=MAILING, next_path=next_path
    )
    (body,) = bodies(uow, "magic_link")
    url = next(part for part in body.split() if "/auth/magic/" in part).rstrip(",")
    assert url.startswith("sign_in_url=https://billing.example.test/auth/magic/")
    assert url.endswith(suffix) and ("?" in url) == bool(suffix)


async def test_the_links_are_in_the_accounts_own_language(clock: FrozenClock) -> None:
    """The sign-in link and the password reset go out in the language the account saved (the
    real templates), else in the site's."""
    from dataclasses import replace

    from domain.adapters.mail_templates import JinjaEmailRenderer
    from domain.shared.display import DisplayPreferences

    mailing = Mailing(
        renderer=JinjaEmailRenderer(brand_name="Tessera"), public_url=MAILING.public_url
    )
    uow = InMemoryUnitOfWork()
    account = await make_account(uow, clock)
    await request_magic_link("sam@example.com", uow=uow, clock=clock, mailing=mailing)
    uow.accounts.rows[account.id] = replace(account, display=DisplayPreferences("fa"))
    await request_password_reset("sam@example.com", uow=uow, clock=clock, mailing=mailing)
    english = next(e for e in uow.emails.emails.values() if e.kind.value == "magic_link")
    persian = next(e for e in uow.emails.emails.values() if e.kind.value == "password_reset")
    assert english.subject == "Your sign-in link for Tessera" and 'dir="ltr"' in english.html_body
    assert persian.subject == "بازنشانی گذرواژهٔ Tessera" and 'dir="rtl"' in persian.html_body
    assert "دقیقه" in persian.text_body and any("۰" <= c <= "۹" for c in persian.text_body)
